"""Bodies of the feedback endpoints: residents' side and the feedback team's side."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.feedback.targets import CORRECTABLE_FIELDS
from api.geo import CoordSystem
from api.http import MAX_ID, RequestBody
from api.timestamps import ShanghaiTime

Kind = Literal["complaint", "suggestion", "correction", "praise"]
Status = Literal["submitted", "accepted", "in_progress", "resolved", "closed", "rejected", "duplicate", "reopened"]
TargetKind = Literal["place", "event", "article", "bundle"]
CorrectableField = Literal[CORRECTABLE_FIELDS]  # type: ignore[valid-type]
# An id in a body, like one in a path (api.http.PathId): beyond a 32-bit integer none can exist, so such a number
# is refused as invalid before it reaches a column that cannot hold it.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]


class TargetRef(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "place", "id": 114}, {"kind": "bundle", "id": "residence_permit"}]}
    )

    kind: TargetKind
    id: BodyId | str = Field(description="A place, event or article id, or a bundle code.")

    @field_validator("id")
    @classmethod
    def _ascii_only(cls, value: str | int) -> str | int:
        if isinstance(value, str) and not value.isascii():
            raise ValueError("an id is written with the digits 0-9, a bundle code with ASCII letters, digits and _")
        return value


class Location(RequestBody):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Correction(RequestBody):
    field: CorrectableField
    suggested_value: str = Field(min_length=1, max_length=500)


class FeedbackCreate(RequestBody):
    """About a listing, event, article or bundle (`target`), or about a point on the map (`location` and its
    `coord` system, no `target`: the district is that of the nearest listing unless `district` is given)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "target": {"kind": "place", "id": 114},
                    "title": "公厕没有手纸",
                    "body": "东门公厕连续三天没有手纸，洗手液也用完了。",
                },
                {
                    "kind": "complaint",
                    "location": {"lat": 31.2304, "lng": 121.4737},
                    "coord": "gcj02",
                    "title": "人行道路灯不亮",
                    "body": "这一段人行道的路灯晚上一直不亮，老人走路看不清。",
                },
                {
                    "kind": "suggestion",
                    "target": {"kind": "bundle", "id": "residence_permit"},
                    "title": "材料清单希望能打印",
                    "body": "办理居住证的材料清单如果能一键打印就更方便了。",
                },
                {
                    "kind": "correction",
                    "target": {"kind": "place", "id": 114},
                    "title": "开放时间有误",
                    "body": "周末开放时间已经改了，请更新。",
                    "correction": {"field": "opening_hours", "suggested_value": "周六日 08:00-17:00"},
                },
            ]
        }
    )

    kind: Kind
    target: TargetRef | None = None
    location: Location | None = None
    coord: CoordSystem = "wgs84"
    district: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    title: str = Field(min_length=2, max_length=100)
    body: str = Field(min_length=5, max_length=2000)
    correction: Correction | None = None

    @model_validator(mode="after")
    def _correction_matches_kind(self) -> "FeedbackCreate":
        if (self.kind == "correction") != (self.correction is not None):
            raise ValueError("a correction names the field and the suggested value; other kinds do not")
        return self


class HistoryEntry(BaseModel):
    action: str
    by: str
    from_status: str | None
    to_status: str | None
    message: str | None
    public: bool
    created_at: ShanghaiTime


class PhotoPublic(BaseModel):
    id: int
    url: str
    content_type: str
    width: int
    height: int


class FeedbackSummary(BaseModel):
    id: int
    ref: str
    kind: Kind
    status: Status
    title: str
    district: str | None
    due_at: ShanghaiTime
    due_provisional: bool = Field(
        description="true when the deadline counts days of a year whose statutory holidays are not published yet "
        "(counted as Monday to Friday); it is recomputed, and this turns false, when that year's schedule is loaded"
    )
    created_at: ShanghaiTime
    updated_at: ShanghaiTime


class FeedbackPublic(FeedbackSummary):
    target: dict | None
    location: Location | None
    body: str
    correction: dict | None
    resolved_at: ShanghaiTime | None
    closed_at: ShanghaiTime | None
    rating: int | None
    rating_comment: str | None
    duplicate_of: str | None = Field(description="ref of the feedback this one was merged into")
    photos: list[PhotoPublic]
    history: list[HistoryEntry]


class FeedbackPage(BaseModel):
    items: list[FeedbackSummary]
    next_cursor: str | None


class RatingCreate(RequestBody):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class ReopenRequest(RequestBody):
    reason: str = Field(min_length=2, max_length=500)


class NotificationPublic(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    feedback_id: int | None
    created_at: ShanghaiTime
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None


class TriageItem(FeedbackSummary):
    target_category: str | None
    assignee_id: int | None
    overdue: bool
    author_phone: str | None = Field(description="Masked (138****0000); POST …/reveal-phone shows it, audited.")


class TriageDetail(FeedbackPublic):
    target_category: str | None
    assignee_id: int | None
    overdue: bool
    author_phone: str | None


class TriagePage(BaseModel):
    items: list[TriageItem]
    next_cursor: str | None


class TransitionRequest(RequestBody):
    to: Status
    public_reply: str | None = Field(default=None, min_length=2, max_length=2000)
    note: str | None = Field(default=None, min_length=1, max_length=2000)
    duplicate_of: BodyId | None = Field(default=None, description="id of the original, when `to` is duplicate")


class AssignRequest(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"user_id": 7}]})

    user_id: BodyId | None = Field(description="A reviewer or admin; null to unassign.")


class ReplyRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"message": "已安排保洁人员今天补充手纸和洗手液。"},
                {"template_id": 3},
                {"message": "已电话联系街道，等待回复。", "public": False},
            ]
        }
    )

    message: str | None = Field(default=None, min_length=1, max_length=2000)
    template_id: BodyId | None = None
    public: bool = Field(default=True, description="false: an internal note the resident never sees")

    @model_validator(mode="after")
    def _message_or_template(self) -> "ReplyRequest":
        if (self.message is None) == (self.template_id is None):
            raise ValueError("send either a message or a template_id")
        return self


class RevealRequest(RequestBody):
    reason: str = Field(min_length=5, max_length=500, description="Why the number is needed; kept in the audit trail.")


class RevealedPhone(BaseModel):
    phone: str | None


class DuplicateCandidate(FeedbackSummary):
    similarity: float
    distance_m: float | None
    same_target: bool


class TemplateCreate(RequestBody):
    name: str = Field(min_length=2, max_length=80)
    kind: Kind | None = None
    body: str = Field(min_length=2, max_length=2000)


def _not_nullable(schema: dict) -> None:
    # Left out, the field keeps its value; its `None` default is how pydantic marks it unset, not a value to send.
    schema.pop("default", None)


class TemplateUpdate(RequestBody):
    """The fields to change; a name and a body may be left out, never null (`kind: null` means every kind)."""

    name: str = Field(default=None, min_length=2, max_length=80, json_schema_extra=_not_nullable)
    kind: Kind | None = None
    body: str = Field(default=None, min_length=2, max_length=2000, json_schema_extra=_not_nullable)


class TemplatePublic(BaseModel):
    id: int
    name: str
    kind: str | None
    body: str
    updated_at: ShanghaiTime


class CountBy(BaseModel):
    key: str
    count: int


class FeedbackStats(BaseModel):
    total: int
    by_status: list[CountBy]
    by_district: list[CountBy]
    median_hours_to_resolution: float | None
    resolved_within_deadline_share: float | None
    average_rating: float | None
    ratings: int
