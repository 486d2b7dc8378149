"""Writing events, articles and one-thing bundles: the one path every change takes (created, merge-patched, status
changed, reverted), so that the checks, the history and the audit trail are the same whichever way it comes.

Operators write the events of their districts (an event without a district is for admins); articles and bundles
are admins' (their routes let no one else in). A cancelled event stays readable by residents, with its status.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.curation import versions
from api.curation.content import fields as cf
from api.curation.merge_patch import merge_patch
from api.curation.preconditions import require_if_match
from api.deps import Principal
from api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models import Article, Bundle, Event
from models.base import utcnow

KindName = Literal["event", "article", "bundle"]
StatusAction = Literal["publish", "cancel", "archive", "restore"]
# action → (the statuses it moves from, the status it moves to). A cancelled event may be published again (it is
# back on) or archived; residents read it, with its status, until then.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({"draft", "archived", "cancelled"}), "published"),
    "cancel": (frozenset({"published"}), "cancelled"),
    "archive": (frozenset({"draft", "published", "cancelled"}), "archived"),
    "restore": (frozenset({"archived"}), "draft"),
}
# The statuses in which residents read it: it must stay complete while in them.
SHOWN = frozenset({"published", "cancelled"})


async def _no_problems(_session: AsyncSession, _values: dict[str, Any]) -> list[dict[str, Any]]:
    return []


async def _bundle_problems(_session: AsyncSession, values: dict[str, Any]) -> list[dict[str, Any]]:
    return cf.bundle_problems(values)


async def _snapshot_event(_session: AsyncSession, row: Any) -> dict[str, Any]:
    return cf.snapshot_event(row)


async def _snapshot_article(_session: AsyncSession, row: Any) -> dict[str, Any]:
    return cf.snapshot_article(row)


async def _apply_event(_session: AsyncSession, row: Any, values: dict[str, Any]) -> None:
    cf.apply_event(row, values)


async def _apply_article(_session: AsyncSession, row: Any, values: dict[str, Any]) -> None:
    cf.apply_article(row, values)


@dataclass(frozen=True)
class ContentKind:
    name: KindName
    model: type
    fields: type[BaseModel]
    actions: frozenset[str]
    snapshot: Callable[[AsyncSession, Any], Awaitable[dict[str, Any]]]
    apply: Callable[[AsyncSession, Any, dict[str, Any]], Awaitable[None]]
    problems: Callable[[AsyncSession, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
    publication_problems: Callable[[dict[str, Any]], list[dict[str, Any]]]

    def key(self, row: Any) -> int | str:
        return row.code if self.name == "bundle" else row.id


EVENTS = ContentKind(
    "event",
    Event,
    cf.EventFields,
    frozenset(TRANSITIONS),
    _snapshot_event,
    _apply_event,
    cf.event_reference_problems,
    cf.event_publication_problems,
)
ARTICLES = ContentKind(
    "article",
    Article,
    cf.ArticleFields,
    frozenset({"publish", "archive", "restore"}),
    _snapshot_article,
    _apply_article,
    _no_problems,
    cf.article_publication_problems,
)
BUNDLES = ContentKind(
    "bundle",
    Bundle,
    cf.BundleFields,
    frozenset({"publish", "archive", "restore"}),
    cf.snapshot_bundle,
    cf.apply_bundle,
    _bundle_problems,
    cf.bundle_publication_problems,
)


def _reaches(principal: Principal, kind: ContentKind, row: Any) -> bool:
    return principal.reaches(row.district_code) if kind is EVENTS else principal.role == "admin"


async def reachable(
    session: AsyncSession, principal: Principal, kind: ContentKind, key: int | str, *, for_update: bool = False
) -> Any:
    """The entry, if it exists and is within the caller's reach; 404 otherwise (either way alike). For an edit it
    is locked until the request ends, so that two edits of the same version cannot both pass If-Match."""
    row = await session.get(kind.model, key, with_for_update=for_update or None)
    if row is None or row.deleted_at is not None or not _reaches(principal, kind, row):
        raise NotFound(f"there is no {kind.name} {key}" + (" in your districts" if kind is EVENTS else ""))
    return row


def _require_district(principal: Principal, kind: ContentKind, values: dict[str, Any]) -> None:
    if kind is EVENTS and not principal.reaches(values["district"]):
        if values["district"] is None:
            raise Forbidden("an event without a district is for admins: name one of your districts")
        raise Forbidden(f"district {values['district']} is not one of your districts")


async def _checked(session: AsyncSession, principal: Principal, kind: ContentKind, values: dict[str, Any]) -> None:
    _require_district(principal, kind, values)
    if problems := await kind.problems(session, values):
        raise ValidationFailed(f"the {kind.name} names what does not exist or does not fit", errors=problems)


async def _state(session: AsyncSession, kind: ContentKind, row: Any) -> dict[str, Any]:
    return await kind.snapshot(session, row) | {"status": row.status}


async def _written(
    session: AsyncSession,
    principal: Principal,
    kind: ContentKind,
    row: Any,
    action: str,
    *,
    before: dict[str, Any] | None,
    before_version: int | None,
    source: str = "manual",
    source_ref: int | None = None,
    reason: str | None = None,
) -> None:
    """The version and the audit entry of a write just flushed."""
    await versions.record_write(
        session,
        kind=kind.name,
        key=kind.key(row),
        action=action,
        before=before,
        before_version=before_version,
        after=await _state(session, kind, row),
        version=row.version,
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=principal.user_id,
    )


async def create(
    session: AsyncSession, principal: Principal, kind: ContentKind, fields: BaseModel, *, reason: str | None = None
) -> Any:
    """A new draft and its first version (a bundle is keyed by the `code` it is given: 409 when taken)."""
    values = cf.stored(fields)
    await _checked(session, principal, kind, values)
    if kind is BUNDLES:
        code = fields.code  # type: ignore[attr-defined]
        if await session.get(Bundle, code) is not None:
            raise Conflict(f"there is already a bundle {code}")
        row: Any = Bundle(code=code, status="draft", name="")
        cf.apply_bundle_row(row, values)
        session.add(row)
        await session.flush()
        await cf.apply_bundle(session, row, values, new=True)
    else:
        now = utcnow()
        row = kind.model(status="draft", **({"starts_at": now, "ends_at": now} if kind is EVENTS else {}))
        await kind.apply(session, row, values)
        session.add(row)
    await session.flush()
    await _written(session, principal, kind, row, "create", before=None, before_version=None, reason=reason)
    return row


async def edit(
    session: AsyncSession,
    principal: Principal,
    kind: ContentKind,
    row: Any,
    fields: BaseModel,
    *,
    source: str = "manual",
    source_ref: int | None = None,
    reason: str | None = None,
) -> bool:
    """Make `fields` the entry's new version; False (and nothing written) when they change nothing. What residents
    read stays complete: an edit that would leave it unpublishable is refused."""
    values = cf.stored(fields)
    before = await _state(session, kind, row)
    before_version = row.version
    await _checked(session, principal, kind, values)
    if row.status in SHOWN and (problems := kind.publication_problems(values)):
        raise ValidationFailed(f"a {row.status} {kind.name} must stay complete: archive it first", errors=problems)
    await kind.apply(session, row, values)
    if await _state(session, kind, row) == before:
        return False
    await session.flush()
    await _written(
        session,
        principal,
        kind,
        row,
        "edit",
        before=before,
        before_version=before_version,
        source=source,
        source_ref=source_ref,
        reason=reason,
    )
    return True


def fields_of(kind: ContentKind, values: dict[str, Any]) -> BaseModel:
    """Stored-form fields (a snapshot, a merge-patched snapshot) validated back into the kind's fields; 422 with
    each field's problem when they do not fit."""
    # A version's snapshot carries the status too, which is changed by its own actions, never by an edit.
    editable = {name: value for name, value in values.items() if name != "status"}
    try:
        return kind.fields.model_validate(editable)
    except ValidationError as exc:
        raise ValidationFailed(
            f"the {kind.name} would not be valid",
            errors=[
                {"loc": ["body", *map(str, error["loc"])], "msg": error["msg"], "type": error["type"]}
                for error in exc.errors(include_url=False)
            ],
        ) from exc


async def patch(
    session: AsyncSession,
    principal: Principal,
    kind: ContentKind,
    row: Any,
    if_match: str | None,
    changes: dict[str, Any],
    *,
    reason: str | None = None,
) -> bool:
    """Apply a merge patch made on the version `If-Match` names (428 without it, 412 when another came since); the
    patched whole is validated, and nothing is written when it is not valid."""
    require_if_match(if_match, row.version)
    await race_hooks.after_check("content.if_match")
    if "status" in changes:
        raise ValidationFailed(
            "the status changes by its own actions (publish, cancel, archive, restore), not by an edit",
            errors=[{"loc": ["body", "status"], "msg": "not editable", "type": "extra_forbidden"}],
        )
    fields = fields_of(kind, merge_patch(await kind.snapshot(session, row), changes))
    return await edit(session, principal, kind, row, fields, reason=reason)


async def change_status(
    session: AsyncSession,
    principal: Principal,
    kind: ContentKind,
    row: Any,
    action: StatusAction,
    *,
    reason: str | None = None,
) -> Any:
    """Publish (only a complete one), cancel (a published event), archive, or restore (an archived one becomes a
    draft again). Each is a version of its own; the search index and /v1/sync follow at once (their flush hooks)."""
    allowed_from, target = TRANSITIONS[action]
    if row.status not in allowed_from:
        raise Conflict(f"a {row.status} {kind.name} cannot be {target} by {action}")
    before = await _state(session, kind, row)
    before_version = row.version
    if action == "publish" and (problems := kind.publication_problems(before)):
        raise ValidationFailed(f"the {kind.name} is not complete enough to publish", errors=problems)
    row.status = target
    if kind is ARTICLES and action == "publish" and row.published_at is None:
        row.published_at = utcnow()
    await session.flush()
    await _written(session, principal, kind, row, action, before=before, before_version=before_version, reason=reason)
    return row


async def revert(
    session: AsyncSession, principal: Principal, kind: ContentKind, row: Any, version: int, *, reason: str | None = None
) -> bool:
    """A new version whose fields are those of an earlier version (the status stays as it is)."""
    if version == row.version:
        raise Conflict(f"version {version} is the current version")
    old = await versions.snapshot_at(session, kind=kind.name, key=kind.key(row), version=version)
    return await edit(
        session, principal, kind, row, fields_of(kind, old), source="revert", source_ref=version, reason=reason
    )
