"""Live figures (free beds, free parking spaces, free connectors): the rules every write of them follows, whether an
operator sets one listing's by hand or a machine pushes a batch.

A listing's `available_updated_at` is when the figure was true: the machine's `as_of` for a push, the moment of the
request for an operator's hand-set figure. Neither `available` nor that time is an edit (no new version, If-Match
stays valid: api.listings.derived); a new `capacity` is, and is kept in the listing's history.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, race_hooks
from api.curation import versions
from api.curation.feeds import keys as feed_keys
from api.curation.feeds.schemas import FigureIn
from api.curation.places.fields import snapshot
from api.curation.places.writes import reachable_place
from api.deps import Principal
from api.errors import ValidationFailed
from models import Category, FeedKey, Place

MAX_FIGURES = 500
# Clocks of car parks and nursing homes drift; a figure from further ahead than this is a wrong clock, and would
# hold back every true figure until that time came.
FUTURE_TOLERANCE = timedelta(minutes=5)

Outcome = Literal["applied", "ignored_older", "rejected"]


class TooManyFigures(ValidationFailed):
    code, title = "too_many_figures", "Too many figures in one call"


class LiveListing(Protocol):
    """What the rules read of a listing: a `Place`, or a batch's locked row."""

    district_code: str
    category_code: str
    capacity: int | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class FeedScope:
    """Whose figures a caller may write: a key's districts and categories, an operator's granted districts and every
    category with live figures, or (an admin) every district."""

    actor_id: int | None
    key_id: int | None
    key_prefix: str | None
    districts: frozenset[str] | None  # None: every district
    categories: frozenset[str] | None  # None: every category with live figures

    @classmethod
    def of_staff(cls, principal: Principal) -> "FeedScope":
        districts = None if principal.role == "admin" else principal.districts
        return cls(principal.user_id, None, None, districts, None)

    @classmethod
    def of_key(cls, key: FeedKey) -> "FeedScope":
        return cls(None, key.id, key.prefix, frozenset(key.districts), frozenset(key.categories))

    def reaches(self, place: LiveListing) -> bool:
        if place.deleted_at is not None:
            return False
        if self.districts is not None and place.district_code not in self.districts:
            return False
        return self.categories is None or place.category_code in self.categories

    @property
    def label(self) -> str:
        return f"feed key {self.key_prefix}" if self.key_prefix else f"user {self.actor_id}"


@dataclass(frozen=True)
class FigureProblem:
    code: str
    message: str


def figure_problem(
    place: LiveListing, live_categories: set[str], available: int, capacity: int | None
) -> FigureProblem | None:
    """What makes a figure impossible for this listing: a category without live figures, or more free places than
    the listing has (its new capacity when one comes with the figure)."""
    if place.category_code not in live_categories:
        return FigureProblem("no_live_figures", f"listings of {place.category_code} have no live figures")
    total = capacity if capacity is not None else place.capacity
    if total is not None and available > total:
        return FigureProblem("above_capacity", f"available ({available}) cannot exceed capacity ({total})")
    return None


async def live_categories(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(Category.code).where(Category.live_capacity_unit.is_not(None)))).all())


@dataclass
class _CapacityEdits:
    """Listings whose capacity a call changed, with what each was before its first change: one version each."""

    before: dict[int, tuple[dict[str, Any], int]] = field(default_factory=dict)

    def note(self, place: Place) -> None:
        if place.id not in self.before:
            self.before[place.id] = (snapshot(place) | {"status": place.status}, place.version)

    async def record(
        self,
        session: AsyncSession,
        places: dict[int, Place],
        *,
        source: str,
        source_ref: int | None,
        actor_id: int | None,
        reason: str,
    ) -> None:
        """After the flush that gave each listing its new version number."""
        for place_id, (before, before_version) in sorted(self.before.items()):
            place = places[place_id]
            after = snapshot(place) | {"status": place.status}
            if after == before:
                continue
            await versions.record(
                session,
                kind="place",
                key=place_id,
                before=before,
                before_version=before_version,
                after=after,
                version=place.version,
                source=source,
                source_ref=source_ref,
                reason=reason,
                actor_id=actor_id,
            )


def _store(place: Place, available: int, capacity: int | None, as_of: datetime, edits: _CapacityEdits) -> None:
    if capacity is not None and capacity != place.capacity:
        edits.note(place)
        place.capacity = capacity
    place.available = available
    place.available_updated_at = as_of


async def set_availability(
    session: AsyncSession, principal: Principal, place_id: int, available: int, capacity: int | None
) -> Place:
    """An operator sets one listing's figures by hand: they are true now, and replace whatever a feed last said."""
    place = await reachable_place(session, principal, place_id, for_update=True)
    if problem := figure_problem(place, await live_categories(session), available, capacity):
        loc = ["path", "place_id"] if problem.code == "no_live_figures" else ["body", "available"]
        raise ValidationFailed(problem.message, errors=[{"loc": loc, "msg": problem.message, "type": problem.code}])
    before = {"available": place.available, "capacity": place.capacity}
    edits = _CapacityEdits()
    _store(place, available, capacity, datetime.now(UTC), edits)
    audit.record(
        session,
        actor_id=principal.user_id,
        action="place.availability",
        object_type="place",
        object_id=place_id,
        details={"before": before, "after": {"available": place.available, "capacity": place.capacity}},
    )
    await session.flush()
    await edits.record(
        session,
        {place.id: place},
        source="manual",
        source_ref=None,
        actor_id=principal.user_id,
        reason="capacity set with the live figures",
    )
    return place


@dataclass(frozen=True)
class FigureResult:
    index: int
    outcome: Outcome
    place_id: int | None = None
    source_id: str | None = None
    code: str | None = None
    message: str | None = None


@dataclass
class BatchResult:
    results: list[FigureResult]
    received_at: datetime

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)


_NOT_FOUND = FigureProblem("not_found", "there is no such listing in your scope")


def _district_of(scope: FeedScope, figure: FigureIn) -> str | None:
    if figure.district is not None:
        return figure.district
    if scope.districts is not None and len(scope.districts) == 1:
        return next(iter(scope.districts))
    return None


async def _place_ids(session: AsyncSession, scope: FeedScope, figures: Sequence[FigureIn]) -> list[int | FigureProblem]:
    """The listing each figure names, or why it names none. A `source_id` is unique within a district only."""
    wanted: dict[int, tuple[str, str]] = {}
    named: list[int | FigureProblem] = []
    for index, figure in enumerate(figures):
        if figure.place_id is not None:
            named.append(figure.place_id)
            continue
        district = _district_of(scope, figure)
        if district is None:
            named.append(
                FigureProblem("district_required", "name the `district` of a `source_id`: it is unique per district")
            )
            continue
        wanted[index] = (district, figure.source_id or "")
        named.append(_NOT_FOUND)
    if wanted:
        rows = await session.execute(
            select(Place.id, Place.district_code, Place.source_id).where(
                Place.source_id.in_(sorted({source_id for _, source_id in wanted.values()})),
                Place.district_code.in_(sorted({district for district, _ in wanted.values()})),
            )
        )
        by_key = {(row.district_code, row.source_id): row.id for row in rows}
        for index, key in wanted.items():
            named[index] = by_key.get(key, _NOT_FOUND)
    return named


@dataclass
class _Listing:
    """A listing's figures as the call leaves them, read under the listing's row lock."""

    id: int
    district_code: str
    category_code: str
    deleted_at: datetime | None
    capacity: int | None
    available: int | None
    available_updated_at: datetime | None
    written: bool = False
    new_capacity: bool = False


async def _locked_listings(session: AsyncSession, place_ids: set[int]) -> dict[int, _Listing]:
    """The listings, locked in the order of their ids: two batches naming the same listings in any order take their
    locks in the same order, so neither can hold one the other waits for (on PostgreSQL; SQLite lets one writer in
    at a time)."""
    if not place_ids:
        return {}
    statement = (
        select(
            Place.id,
            Place.district_code,
            Place.category_code,
            Place.deleted_at,
            Place.capacity,
            Place.available,
            Place.available_updated_at,
        )
        .where(Place.id.in_(sorted(place_ids)))
        .order_by(Place.id)
        .with_for_update()
    )
    return {row.id: _Listing(**row._mapping) for row in (await session.execute(statement)).all()}


_place = Place.__table__.c
# Figures alone are written in one statement for the whole batch, past the ORM's flush hooks: they change neither
# the listing's version, nor its search documents, nor its opening schedule, which those hooks would otherwise
# recompute for every listing of every call. `updated_at` is stamped as the hooks would (for /v1/sync).
_WRITE_FIGURES = (
    update(Place.__table__)
    .where(_place.id == bindparam("listing"))
    .values(
        available=bindparam("new_available"),
        available_updated_at=bindparam("new_as_of"),
        updated_at=bindparam("stamped_at"),
    )
)


async def _write(session: AsyncSession, scope: FeedScope, listings: dict[int, _Listing], now: datetime) -> list[int]:
    """Write what the call changed; a new capacity through the ORM, as the edit it is, with its version. Returns the
    listings whose capacity changed."""
    figures_only = [listing for listing in listings.values() if listing.written and not listing.new_capacity]
    if figures_only:
        await session.execute(
            _WRITE_FIGURES,
            [
                {
                    "listing": listing.id,
                    "new_available": listing.available,
                    "new_as_of": listing.available_updated_at,
                    "stamped_at": now,
                }
                for listing in figures_only
            ],
        )
    edits, places = _CapacityEdits(), {}
    for listing in sorted((item for item in listings.values() if item.new_capacity), key=lambda item: item.id):
        place = await session.get(Place, listing.id, populate_existing=True)
        # Locked by this transaction since it was read, and written by this call: every figure is set.
        assert place is not None and listing.available is not None and listing.available_updated_at is not None
        _store(place, listing.available, listing.capacity, listing.available_updated_at, edits)
        places[listing.id] = place
    if places:
        await session.flush()
        await edits.record(
            session,
            places,
            source="feed",
            source_ref=scope.key_id,
            actor_id=scope.actor_id,
            reason=f"capacity reported by {scope.label}",
        )
    return sorted(places)


def _result(
    index: int, figure: FigureIn, outcome: Outcome, place: "_Listing | None", problem: FigureProblem | None = None
) -> FigureResult:
    # A listing outside the scope is named only as the caller named it: its id is not revealed for a source_id.
    place_id = place.id if place is not None else figure.place_id
    return FigureResult(
        index=index,
        outcome=outcome,
        place_id=place_id,
        source_id=figure.source_id,
        code=problem.code if problem else None,
        message=problem.message if problem else None,
    )


async def apply_figures(
    session: AsyncSession, scope: FeedScope, figures: Sequence[FigureIn], *, now: datetime | None = None
) -> BatchResult:
    """Each figure on its own, as a sensor batch: valid ones are written even when others are refused, all in the
    caller's one transaction. A figure no newer than the one stored is ignored, so that figures arriving out of
    order never replace a newer one."""
    if len(figures) > MAX_FIGURES:
        raise TooManyFigures(f"send at most {MAX_FIGURES} figures in one call ({len(figures)} sent)")
    now = now or datetime.now(UTC)
    if scope.key_id is not None:
        await feed_keys.mark_used(session, scope.key_id, now)
    named = await _place_ids(session, scope, figures)
    listings = await _locked_listings(session, {place_id for place_id in named if isinstance(place_id, int)})
    live = await live_categories(session)
    results: list[FigureResult] = []
    for index, (figure, target) in enumerate(zip(figures, named, strict=True)):
        listing = listings.get(target) if isinstance(target, int) else None
        if listing is None or not scope.reaches(listing):
            problem = target if isinstance(target, FigureProblem) else _NOT_FOUND
            results.append(_result(index, figure, "rejected", None, problem))
            continue
        as_of = figure.as_of.astimezone(UTC)
        if as_of > now + FUTURE_TOLERANCE:
            problem = FigureProblem("as_of_in_future", "as_of lies more than five minutes ahead: check the clock")
            results.append(_result(index, figure, "rejected", listing, problem))
        elif listing.available_updated_at is not None and as_of <= listing.available_updated_at:
            results.append(_result(index, figure, "ignored_older", listing))
        elif problem := figure_problem(listing, live, figure.available, figure.capacity):
            results.append(_result(index, figure, "rejected", listing, problem))
        else:
            if figure.capacity is not None and figure.capacity != listing.capacity:
                listing.capacity, listing.new_capacity = figure.capacity, True
            listing.available, listing.available_updated_at, listing.written = figure.available, as_of, True
            results.append(_result(index, figure, "applied", listing))
    await race_hooks.after_check("live_figures.checked")
    capacity_changed = await _write(session, scope, listings, now)
    batch = BatchResult(results, now)
    audit.record(
        session,
        actor_id=scope.actor_id,
        action="availability.push",
        object_type="feed_key" if scope.key_id is not None else "user",
        object_id=scope.key_id if scope.key_id is not None else scope.actor_id,
        details={
            "via": scope.label,
            "figures": len(figures),
            "applied": batch.count("applied"),
            "ignored_older": batch.count("ignored_older"),
            "rejected": batch.count("rejected"),
            "capacity_changed": capacity_changed,
        },
    )
    return batch
