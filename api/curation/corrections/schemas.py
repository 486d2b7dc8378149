"""What operators send and see when they work residents' corrections of their listings."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.http import RequestBody
from api.pagination import Page
from api.timestamps import ShanghaiTime


class CorrectedListing(BaseModel):
    id: int
    name: str
    status: str
    version: int


class CorrectionItem(BaseModel):
    """An open correction: the listing's current value of the field beside what the resident suggests."""

    id: int = Field(description="The feedback id: apply or decline it at /v1/manage/corrections/{id}/….")
    ref: str
    status: str = Field(description="The feedback's status (submitted, accepted, in_progress or reopened).")
    received_at: ShanghaiTime
    due_at: ShanghaiTime
    title: str
    body: str
    listing: CorrectedListing
    field: str = Field(description="The field the resident says is wrong, as named in the listing's fields.")
    current_value: Any = Field(description="The listing's value of that field now, in the API shape.")
    suggested_value: str | None = Field(description="What the resident wrote, as written.")
    proposal: Any = Field(
        description="The suggestion read as a value of the field (what apply without a value writes); null when it "
        "cannot be used as it is."
    )
    proposal_problem: str | None = Field(description="Why there is no proposal: send the value to apply, or decline.")


class CorrectionPage(Page[CorrectionItem]):
    pass


class CorrectionApply(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reply": "感谢指正，电话已更新。"},
                {
                    "value": {
                        "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:00"}],
                        "on_holidays": "closed",
                    },
                    "reply": "感谢指正，开放时间已按街道最新通知更新。",
                    "reason": "街道确认了新的开放时间",
                },
            ]
        }
    )

    value: Any = Field(
        default=None,
        description="The field's new value in the API shape (as in the listing's fields), edited by the operator. "
        "Left out: the resident's suggestion as read (`proposal` in the list); null empties the field.",
    )
    reply: str = Field(min_length=1, max_length=2000, description="The public reply the resident reads.")
    reason: str | None = Field(
        default=None, min_length=1, max_length=500, description="Kept with the version and the audit entry."
    )


class CorrectionDecline(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "已与站点核实，电话无误",
                    "reply": "感谢反馈。经与站点电话核实，目前公布的电话号码是正确的。",
                }
            ]
        }
    )

    reason: str = Field(min_length=1, max_length=500, description="Why the listing stays as it is (internal).")
    reply: str = Field(min_length=1, max_length=2000, description="The public reply the resident reads.")


class CorrectionOutcome(BaseModel):
    id: int
    ref: str
    status: str = Field(description="The feedback's status: resolved.")
    resolved_at: ShanghaiTime | None
    listing: CorrectedListing
    field: str
    value: Any = Field(description="The listing's value of the field now.")
    changed: bool = Field(description="Whether the listing got a new version (false when it had this value already).")
