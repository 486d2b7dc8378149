"""Response templates the feedback team manages and reuses in replies."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.db import get_or_404
from api.deps import Principal
from api.errors import Conflict
from models import ResponseTemplate


class TemplateNameTaken(Conflict):
    code, title = "template_name_taken", "A template with this name exists"


async def list_all(session: AsyncSession, kind: str | None) -> list[ResponseTemplate]:
    statement = select(ResponseTemplate).order_by(ResponseTemplate.name)
    if kind:
        statement = statement.where((ResponseTemplate.kind == kind) | ResponseTemplate.kind.is_(None))
    return list((await session.execute(statement)).scalars())


async def get(session: AsyncSession, template_id: int) -> ResponseTemplate:
    """One template, to edit (404 when it does not exist)."""
    return await get_or_404(session, ResponseTemplate, template_id, "template")


async def create(session: AsyncSession, author: Principal, name: str, kind: str | None, body: str) -> ResponseTemplate:
    now = datetime.now(UTC)
    template = ResponseTemplate(
        name=name, kind=kind, body=body, created_by=author.user_id, created_at=now, updated_at=now
    )
    await _save(session, template, name)
    audit.record(
        session,
        actor_id=author.user_id,
        action="template.create",
        object_type="template",
        object_id=template.id,
        details={"name": name},
    )
    return template


async def update(session: AsyncSession, author: Principal, template_id: int, changes: dict) -> ResponseTemplate:
    template = await get_or_404(session, ResponseTemplate, template_id, "template")
    for field, value in changes.items():
        setattr(template, field, value)
    template.updated_at = datetime.now(UTC)
    await _save(session, template, changes.get("name", template.name))
    audit.record(
        session,
        actor_id=author.user_id,
        action="template.update",
        object_type="template",
        object_id=template_id,
        details={"fields": sorted(changes)},
    )
    return template


async def delete(session: AsyncSession, author: Principal, template_id: int) -> None:
    template = await get_or_404(session, ResponseTemplate, template_id, "template")
    await session.delete(template)
    audit.record(
        session,
        actor_id=author.user_id,
        action="template.delete",
        object_type="template",
        object_id=template_id,
        details={"name": template.name},
    )
    await session.flush()


async def _save(session: AsyncSession, template: ResponseTemplate, name: str) -> None:
    # The name is passed in: once the savepoint is rolled back, a stored template's attributes are expired and
    # reading one would need the database again.
    try:
        async with session.begin_nested():
            session.add(template)
            await session.flush()
    except IntegrityError as exc:
        raise TemplateNameTaken(f"a template named {name} exists") from exc
