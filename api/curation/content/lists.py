"""Staff reads of events, articles and bundles: lists in every status with filters, one entry with its state, and
its history."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation import versions
from api.curation.content.schemas import (
    HistoryPage,
    ManagedArticle,
    ManagedArticleItem,
    ManagedBundle,
    ManagedBundleItem,
    ManagedEvent,
    ManagedEventItem,
    version_entry,
)
from api.curation.content.writes import ARTICLES, BUNDLES, EVENTS, ContentKind
from api.deps import Principal
from api.errors import Forbidden
from api.pagination import keyset_page, rows_by_id
from api.textsearch.query import matching_content
from api.visibility import in_category
from models import Article, Bundle, Category, District, Event, UserAccount


def _common(model: Any, status: str | None, updated_since: datetime | None) -> list[ColumnElement[bool]]:
    conditions = [model.deleted_at.is_(None)]
    if status:
        conditions.append(model.status == status)
    if updated_since:
        conditions.append(model.updated_at >= updated_since)
    return conditions


async def list_events(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    category: str | None,
    district: str | None,
    q: str | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ManagedEventItem], str | None]:
    """The events of the caller's districts (admins: all, those without a district too), newest first."""
    statement = select(Event).where(*_common(Event, status, updated_since))
    if district:
        if not principal.reaches(district):
            raise Forbidden(f"district {district} is not one of your districts")
        statement = statement.where(Event.district_code == district)
    elif principal.role != "admin":
        statement = statement.where(Event.district_code.in_(sorted(principal.districts)))
    if category:
        statement = statement.where(in_category(Event.category_code, category))
    if q:
        statement = statement.where(await matching_content(session, q, "event", Event.id))
    rows, next_cursor = await rows_by_id(
        session, statement, Event.id, kind="manage:events", limit=limit, cursor=cursor, newest_first=True
    )
    items = [
        ManagedEventItem(
            id=e.id,
            title=e.title,
            category=e.category_code,
            district=e.district_code,
            status=e.status,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            version=e.version,
            updated_at=e.updated_at,
        )
        for e in rows
    ]
    return items, next_cursor


Named = tuple[str, str, str | None]  # (code, Chinese name, English name)


async def event_references(session: AsyncSession) -> tuple[list[Named], list[Named]]:
    """What an event form offers: the categories an event may have and the districts, in the catalogue's order."""
    categories = await session.execute(
        select(Category.code, Category.name, Category.name_en)
        .where(Category.kind == "event")
        .order_by(Category.sort_order, Category.code)
    )
    districts = await session.execute(
        select(District.code, District.name, District.name_en).order_by(District.sort_order, District.code)
    )
    return [tuple(row) for row in categories], [tuple(row) for row in districts]  # type: ignore[misc]


async def list_articles(
    session: AsyncSession,
    *,
    status: str | None,
    topic: str | None,
    audience: str | None,
    q: str | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ManagedArticleItem], str | None]:
    statement = select(Article).where(*_common(Article, status, updated_since))
    if topic:
        statement = statement.where(Article.topic == topic)
    if audience:
        statement = statement.where(Article.audience == audience)
    if q:
        statement = statement.where(await matching_content(session, q, "article", Article.id))
    rows, next_cursor = await rows_by_id(
        session, statement, Article.id, kind="manage:articles", limit=limit, cursor=cursor, newest_first=True
    )
    items = [
        ManagedArticleItem(
            id=a.id,
            title=a.title,
            topic=a.topic,
            audience=a.audience,
            status=a.status,
            published_at=a.published_at,
            version=a.version,
            updated_at=a.updated_at,
        )
        for a in rows
    ]
    return items, next_cursor


async def list_bundles(
    session: AsyncSession,
    *,
    status: str | None,
    q: str | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ManagedBundleItem], str | None]:
    """By code."""
    statement = select(Bundle).where(*_common(Bundle, status, updated_since))
    if q:
        statement = statement.where(await matching_content(session, q, "bundle", Bundle.code))
    page = await keyset_page(
        session,
        statement,
        [(Bundle.code, False)],
        kind="manage:bundles",
        shape=(str,),
        limit=limit,
        cursor=cursor,
        key=lambda bundle: [bundle.code],
        scalars=True,
    )
    items = [
        ManagedBundleItem(code=b.code, name=b.name, status=b.status, version=b.version, updated_at=b.updated_at)
        for b in page.rows
    ]
    return items, page.next_cursor


async def managed(session: AsyncSession, kind: ContentKind, row: Any) -> Any:
    """The entry as staff see it: its editable fields and its state."""
    fields = await kind.snapshot(session, row)
    state = {"status": row.status, "version": row.version, "created_at": row.created_at, "updated_at": row.updated_at}
    if kind is EVENTS:
        return ManagedEvent.model_validate(fields | state | {"id": row.id})
    if kind is ARTICLES:
        return ManagedArticle.model_validate(fields | state | {"id": row.id, "published_at": row.published_at})
    assert kind is BUNDLES
    return ManagedBundle.model_validate(fields | state | {"code": row.code})


async def history_page(
    session: AsyncSession, kind: ContentKind, row: Any, *, limit: int, cursor: str | None
) -> HistoryPage:
    entries, next_cursor = await versions.history(
        session, kind=kind.name, key=kind.key(row), limit=limit, cursor=cursor
    )
    actor_ids = {entry.actor_id for entry in entries if entry.actor_id}
    usernames: dict[int, str] = {}
    if actor_ids:
        found = await session.execute(select(UserAccount.id, UserAccount.username).where(UserAccount.id.in_(actor_ids)))
        usernames = {user_id: username for user_id, username in found.all() if username}
    return HistoryPage(items=[version_entry(entry, usernames) for entry in entries], next_cursor=next_cursor)
