"""The editable fields of events, articles and one-thing bundles, one shape for every way they are written (created,
merge-patched, reverted) and for their history's snapshots, with the rules of a publishable one.

Times are Shanghai time with their offset, as residents read them; a time without an offset is refused rather than
guessed. Stored-form values (`stored`, `snapshot_*`) are JSON, so that a snapshot compares equal to the fields it
was made from and a version can be validated back into fields to revert to it.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.places.fields import Location
from api.http import RequestBody
from api.timestamps import SHANGHAI, to_local
from models import Article, Bundle, BundleMatter, Category, District, Event, Place
from models.base import utcnow


def _in_shanghai(moment: datetime) -> datetime:
    try:
        moment.astimezone(UTC)
        return moment.astimezone(SHANGHAI)
    except OverflowError as exc:  # within a day of the years 1 and 9999
        raise ValueError("a time between the years 1 and 9999") from exc


# A time with its offset, kept and shown in Shanghai time.
LocalTime = Annotated[AwareDatetime, AfterValidator(_in_shanghai)]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=100)]
# An article's topic and audience: codes of at most 40 characters, as their columns hold.
ArticleCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


class Registration(RequestBody):
    required: bool = False
    url: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    fee_yuan: float | None = Field(default=None, ge=0, le=1_000_000)
    note: str | None = Field(default=None, max_length=500)


class EventFields(RequestBody):
    """An event as staff write it. Its place is a venue from the directory (`venue_place_id`: a published place in
    the event's district), or a location and address of its own; one of them is needed to publish."""

    title: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    category: str = Field(min_length=1, max_length=60, description="An event category code from /v1/categories.")
    district: str | None = Field(
        default=None, pattern=r"^[0-9]{6}$", description="District code; an event without one is for admins only."
    )
    summary: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=20_000)
    starts_at: LocalTime = Field(description="With its offset, e.g. 2027-05-01T09:00:00+08:00.")
    ends_at: LocalTime = Field(description="Not before `starts_at`.")
    venue_place_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    venue_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    location: Location | None = Field(default=None, description="WGS-84.")
    organizer: str | None = Field(default=None, max_length=200)
    registration: Registration | None = None

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at < starts_at:
            raise ValueError("an event cannot end before it starts")
        return ends_at


class Expert(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(default=None, max_length=100)
    organization: str | None = Field(default=None, max_length=200)


class ArticleFields(RequestBody):
    """A health-science article as admins write it."""

    title: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    topic: ArticleCode = Field(description="e.g. chronic_disease, nutrition, first_aid.")
    audience: ArticleCode = Field(description="e.g. general, elderly, caregivers.")
    summary: str | None = Field(default=None, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)
    expert: Expert | None = Field(default=None, description="The expert who reviewed it.")


class QuestionOption(RequestBody):
    value: Code
    label: ShortText
    label_en: str | None = Field(default=None, max_length=200)


class Question(RequestBody):
    code: Code
    text: str = Field(min_length=1, max_length=300)
    text_en: str | None = Field(default=None, max_length=300)
    type: Literal["boolean", "choice"]
    options: list[QuestionOption] | None = Field(default=None, max_length=20, description="For `choice` only.")


class Material(RequestBody):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    copies: int = Field(default=1, ge=1, le=20)
    original: bool = False
    note: str | None = Field(default=None, max_length=300)


class MatterFields(RequestBody):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    department: ShortText
    legal_days: int | None = Field(default=None, ge=0, le=1000)
    promised_days: int = Field(ge=0, le=1000)
    online_depth: int = Field(ge=1, le=4, description="1 information only … 4 fully online (全程网办).")
    fee_yuan: float = Field(default=0, ge=0, le=1_000_000)
    fee_note: str | None = Field(default=None, max_length=300)
    applies_when: dict[str, bool | str | list[bool | str]] = Field(
        default_factory=dict, description="{question code: the answer, or the answers, it applies to}; {}: always."
    )
    materials: list[Material] = Field(default_factory=list, max_length=50)


class BundleFields(RequestBody):
    """A one-thing bundle as admins write it; its matters, in order, are one list, replaced whole by an edit."""

    name: ShortText
    name_en: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=5000)
    lead_department: str | None = Field(default=None, max_length=100)
    channels: list[ShortText] = Field(default_factory=list, max_length=20)
    questions: list[Question] = Field(default_factory=list, max_length=30)
    matters: list[MatterFields] = Field(default_factory=list, max_length=50)


class NewBundle(BundleFields):
    code: str = Field(
        pattern=r"^[a-z][a-z0-9_]{1,59}$", description="The bundle's key in /v1/bundles/{code}; it cannot change later."
    )


def _iso(moment: datetime | None) -> str | None:
    local = to_local(moment)
    return local.isoformat() if local else None


def stored(fields: BaseModel) -> dict[str, Any]:
    """The fields in their stored (JSON) form, comparable with the snapshots."""
    values = fields.model_dump(mode="json", exclude={"code"})
    if isinstance(fields, EventFields):
        values |= {"starts_at": _iso(fields.starts_at), "ends_at": _iso(fields.ends_at)}
    return values


def _set(row: Any, columns: dict[str, Any]) -> None:
    # Only what differs, so that nothing else is dirty (and an unchanged edit bumps no version).
    for column, value in columns.items():
        if getattr(row, column) != value:
            setattr(row, column, value)


def snapshot_event(event: Event) -> dict[str, Any]:
    has_location = event.lat is not None and event.lng is not None
    return {
        "title": event.title,
        "title_en": event.title_en,
        "category": event.category_code,
        "district": event.district_code,
        "summary": event.summary,
        "body": event.body,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "venue_place_id": event.venue_place_id,
        "venue_name": event.venue_name,
        "address": event.address,
        "location": {"lat": event.lat, "lng": event.lng} if has_location else None,
        "organizer": event.organizer,
        "registration": event.registration,
    }


def apply_event(event: Event, values: dict[str, Any]) -> None:
    location = values["location"]
    _set(
        event,
        {
            "title": values["title"],
            "title_en": values["title_en"],
            "category_code": values["category"],
            "district_code": values["district"],
            "summary": values["summary"],
            "body": values["body"],
            "starts_at": datetime.fromisoformat(values["starts_at"]),
            "ends_at": datetime.fromisoformat(values["ends_at"]),
            "venue_place_id": values["venue_place_id"],
            "venue_name": values["venue_name"],
            "address": values["address"],
            "lat": location["lat"] if location else None,
            "lng": location["lng"] if location else None,
            "organizer": values["organizer"],
            "registration": values["registration"],
        },
    )


def snapshot_article(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "title_en": article.title_en,
        "topic": article.topic,
        "audience": article.audience,
        "summary": article.summary,
        "body": article.body,
        "expert": article.expert,
    }


def apply_article(article: Article, values: dict[str, Any]) -> None:
    _set(article, {name: values[name] for name in ArticleFields.model_fields})


_MATTER_COLUMNS = tuple(MatterFields.model_fields)


async def bundle_matters(session: AsyncSession, code: str) -> list[BundleMatter]:
    statement = select(BundleMatter).where(BundleMatter.bundle_code == code).order_by(BundleMatter.position)
    return list((await session.scalars(statement)).all())


async def snapshot_bundle(session: AsyncSession, bundle: Bundle) -> dict[str, Any]:
    matters = await bundle_matters(session, bundle.code)
    return {
        "name": bundle.name,
        "name_en": bundle.name_en,
        "summary": bundle.summary,
        "lead_department": bundle.lead_department,
        "channels": list(bundle.channels or []),
        "questions": list(bundle.questions or []),
        "matters": [{column: getattr(matter, column) for column in _MATTER_COLUMNS} for matter in matters],
    }


def apply_bundle_row(bundle: Bundle, values: dict[str, Any]) -> None:
    _set(bundle, {name: values[name] for name in ("name", "name_en", "summary", "lead_department", "channels")})
    _set(bundle, {"questions": values["questions"]})


async def apply_bundle(session: AsyncSession, bundle: Bundle, values: dict[str, Any], *, new: bool = False) -> None:
    """Set the bundle's row and replace its matters when they differ (`new`: a bundle just inserted, whose first
    matters are no edit of it)."""
    apply_bundle_row(bundle, values)
    current = [] if new else (await snapshot_bundle(session, bundle))["matters"]
    if current == values["matters"]:
        return
    # The matters are one list: removed first, in a statement of their own, so that a matter keeping its code
    # never meets its old row in the unique (bundle_code, code).
    await session.execute(delete(BundleMatter).where(BundleMatter.bundle_code == bundle.code))
    for position, matter in enumerate(values["matters"]):
        session.add(BundleMatter(bundle_code=bundle.code, position=position, **matter))
    if not new:
        # The bundle's own row changes too, so that its version, `updated_at` (sync) and search entry follow.
        bundle.updated_at = utcnow()


def _problem(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


async def event_reference_problems(session: AsyncSession, values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the event names that does not exist or does not fit: its category (of kind event), district, venue (a
    published place in the same district)."""
    problems = []
    kind = await session.scalar(select(Category.kind).where(Category.code == values["category"]))
    if kind != "event":
        problems.append(_problem(["category"], "not a category of events", "unknown_category"))
    if values["district"] is not None and await session.get(District, values["district"]) is None:
        problems.append(_problem(["district"], "no such district", "unknown_district"))
    if values["venue_place_id"] is not None:
        venue = (
            await session.execute(
                select(Place.status, Place.deleted_at, Place.district_code).where(Place.id == values["venue_place_id"])
            )
        ).first()
        if venue is None or venue.status != "published" or venue.deleted_at is not None:
            problems.append(_problem(["venue_place_id"], "no such published place", "unknown_venue"))
        elif venue.district_code != values["district"]:
            problems.append(_problem(["venue_place_id"], "the venue lies in another district", "venue_elsewhere"))
    return problems


def bundle_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    """What does not fit together inside a bundle: repeated codes, a choice without options, a matter's condition
    on a question the bundle does not ask or with an answer it does not offer."""
    problems = []
    questions: dict[str, dict[str, Any]] = {}
    for index, question in enumerate(values["questions"]):
        if question["code"] in questions:
            problems.append(_problem(["questions", index, "code"], "asked twice", "duplicate_code"))
        questions[question["code"]] = question
        if question["type"] == "choice" and not question["options"]:
            problems.append(_problem(["questions", index, "options"], "a choice needs options", "missing"))
    seen: set[str] = set()
    for index, matter in enumerate(values["matters"]):
        if matter["code"] in seen:
            problems.append(_problem(["matters", index, "code"], "listed twice", "duplicate_code"))
        seen.add(matter["code"])
        for code, expected in matter["applies_when"].items():
            loc = ["matters", index, "applies_when", code]
            question = questions.get(code)
            if question is None:
                problems.append(_problem(loc, "the bundle asks no such question", "unknown_question"))
                continue
            answers = expected if isinstance(expected, list) else [expected]
            if question["type"] == "boolean":
                fits = all(isinstance(answer, bool) for answer in answers)
            else:
                options = [option["value"] for option in question["options"] or []]
                fits = all(isinstance(answer, str) and answer in options for answer in answers)
            if not answers or not fits:
                problems.append(_problem(loc, "not an answer the question offers", "unknown_answer"))
    return problems


def event_publication_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    if values["venue_place_id"] is None and values["location"] is None and not values["address"]:
        return [_problem(["location"], "a published event needs a venue, a location or an address", "missing")]
    return []


def article_publication_problems(_values: dict[str, Any]) -> list[dict[str, Any]]:
    return []


def bundle_publication_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    if not values["matters"]:
        return [_problem(["matters"], "a published bundle needs at least one matter", "missing")]
    return []
