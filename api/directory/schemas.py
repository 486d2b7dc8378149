"""Public read models of the directory (what the mobile client receives)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.http import RequestBody


class LatLng(BaseModel):
    lat: float
    lng: float


class DistrictPublic(BaseModel):
    code: str = Field(examples=["310104"])
    name: str = Field(description="In the language asked for by Accept-Language.", examples=["徐汇区"])
    name_zh: str
    name_en: str
    center: LatLng


class StreetPublic(BaseModel):
    code: str = Field(examples=["310104003"])
    name: str = Field(examples=["天平路街道"])
    kind: str = Field(description="street (街道), town (镇), township (乡) or special (开发区, 农场 …)")
    is_special: bool


class CategoryNode(BaseModel):
    code: str = Field(examples=["elder_care.meal_site"])
    name: str
    name_zh: str
    name_en: str
    kind: str
    live_capacity_unit: str | None = None
    children: list["CategoryNode"] = Field(default_factory=list)


class PlaceSummary(BaseModel):
    id: int
    name: str
    category: str
    category_name: str
    district: str
    district_name: str
    street: str | None
    street_name: str | None
    address: str
    location: LatLng
    open_now: bool | None = Field(description="null when the listing has no opening hours")
    hours_note: Literal["holiday_schedule_unknown"] | None = Field(
        default=None,
        description="`holiday_schedule_unknown`: the hours depend on statutory holidays and this day's year has no "
        "published schedule yet, so `open_now` is read from the weekly hours as on an ordinary day",
    )
    capacity: int | None = Field(
        default=None, description="Only for categories with live figures; null for a sample (`sample: true`)."
    )
    available: int | None = Field(default=None, description="Free beds, spaces or connectors; null for a sample.")
    available_updated_at: datetime | None = Field(
        default=None,
        description="When `available` was true: the reporting machine's own time (`as_of`), or when an operator set "
        "it by hand.",
    )
    available_age_seconds: int | None = Field(
        default=None,
        description="How old `available` is, in seconds, when this answer was made (see its `Date` header); null "
        "when unknown or for a sample.",
    )
    sample: bool = Field(description="true for realistic sample data, not a real listing")
    distance_m: float | None = Field(default=None, description="Only with `near`: metres from that point.")


class FacetCount(BaseModel):
    value: str
    name: str
    count: int


class PlacePage(BaseModel):
    items: list[PlaceSummary]
    next_cursor: str | None = None
    facets: dict[str, list[FacetCount]] | None = Field(default=None, description="Only with `facets=`.")


class PlaceDetail(PlaceSummary):
    name_zh: str
    name_en: str | None
    address_zh: str
    address_en: str | None
    description: str | None
    phones: list[str]
    website: str | None
    opening_hours: dict[str, Any] | None
    accessibility: list[str]
    languages: list[str]
    tags: list[str]
    attributes: dict[str, Any]
    live_capacity_unit: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = Field(
        description="When the district office last confirmed the listing is accurate; null: not yet confirmed."
    )


class EventSummary(BaseModel):
    id: int
    title: str
    category: str
    category_name: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str | None
    address: str | None
    district: str | None
    district_name: str | None
    location: LatLng | None
    registration_required: bool
    status: Literal["published", "cancelled"] = Field(
        description="`cancelled`: it will not take place. A cancelled event is still read by its id and comes "
        "through /v1/sync as a change, so that a phone that saved it shows it off; event lists and search do not "
        "offer it."
    )
    sample: bool
    distance_m: float | None = Field(default=None, description="Metres from `near`, when it is given.")


class EventDetail(EventSummary):
    title_zh: str
    title_en: str | None
    summary: str | None
    body: str | None
    organizer: str | None
    venue_place_id: int | None
    registration: dict[str, Any] | None
    version: int
    updated_at: datetime


class Expert(BaseModel):
    name: str
    title: str | None = None
    organization: str | None = None


class ArticleSummary(BaseModel):
    id: int
    title: str
    topic: str
    audience: str
    summary: str | None
    expert: Expert | None
    published_at: datetime | None
    sample: bool


class ArticleDetail(ArticleSummary):
    title_zh: str
    title_en: str | None
    body: str
    version: int
    updated_at: datetime


class Material(BaseModel):
    code: str
    name: str
    copies: int = 1
    original: bool = False
    note: str | None = None


class Matter(BaseModel):
    code: str
    name: str
    department: str
    legal_days: int | None
    promised_days: int
    online_depth: int = Field(description="1 information only … 4 fully online (全程网办)")
    fee_yuan: float
    fee_note: str | None
    applies_when: dict[str, Any]
    materials: list[Material]


class QuestionOption(BaseModel):
    value: str
    label: str


class Question(BaseModel):
    code: str
    text: str
    type: str = Field(description="boolean or choice")
    options: list[QuestionOption] | None = None


class BundleSummary(BaseModel):
    code: str
    name: str
    summary: str | None
    lead_department: str | None
    matter_count: int
    sample: bool


class BundleDetail(BundleSummary):
    name_zh: str
    name_en: str | None
    channels: list[str]
    questions: list[Question]
    matters: list[Matter]
    version: int


class GuideRequest(RequestBody):
    answers: dict[str, bool | str] = Field(default_factory=dict, max_length=50)


class GuideMaterial(Material):
    needed_for: list[str] = Field(description="codes of the matters that ask for this document")


class GuideAnswer(BaseModel):
    bundle: str
    matters: list[Matter]
    materials: list[GuideMaterial]
    materials_total: int = Field(description="materials counted matter by matter, before merging")
    materials_required: int = Field(description="distinct documents to bring, after merging")
    promised_days: int = Field(description="working days, the longest promise among the matters that apply")
    unanswered: list[str] = Field(description="questions left unanswered that could add matters")


class Tombstone(BaseModel):
    kind: str
    id: int | str


class SyncAnswer(BaseModel):
    changed: list[dict[str, Any]] = Field(description="summaries of changed listings, each with `kind`")
    deleted: list[Tombstone]
    next_since: str
    has_more: bool
