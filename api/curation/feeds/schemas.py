"""What admins send and see for feed keys, and what a machine sends and gets back when it pushes live figures."""

from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api.http import MAX_ID, RequestBody
from api.timestamps import ShanghaiTime


class FeedKeyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100, examples=["徐汇区公共停车场联网平台"])
    districts: list[str] = Field(
        min_length=1, max_length=16, description="District codes the key may write figures in.", examples=[["310104"]]
    )
    categories: list[str] = Field(
        min_length=1,
        max_length=16,
        description="Place categories with live figures (`live_capacity_unit` in /v1/categories).",
        examples=[["transport.parking"]],
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "徐汇区公共停车场联网平台", "districts": ["310104"], "categories": ["transport.parking"]}
            ]
        }
    )


class FeedKeyPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart; not secret.")
    districts: list[str]
    categories: list[str]
    created_by: int | None
    created_at: ShanghaiTime
    revoked_at: ShanghaiTime | None
    last_used_at: ShanghaiTime | None = Field(description="Recorded at most once a minute.")


class FeedKeyCreated(FeedKeyPublic):
    key: str = Field(
        description="The key itself (`svk_…`). Shown this once: only its hash is kept. Send it as `X-API-Key`."
    )


class FeedKeyPage(BaseModel):
    items: list[FeedKeyPublic]
    next_cursor: str | None


class FigureIn(RequestBody):
    """One listing's figures, named by `place_id` or by the office's own `source_id` (with its `district` when the
    caller's scope holds several districts)."""

    place_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    source_id: str | None = Field(default=None, min_length=1, max_length=120)
    district: str | None = Field(default=None, pattern=r"^[0-9]{6}$", examples=["310104"])
    available: int = Field(ge=0, le=1_000_000, description="Free places at `as_of`.")
    capacity: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Total places, when the machine knows it (a change is an edit)."
    )
    as_of: AwareDatetime = Field(
        description="When the figure was true, with its offset (e.g. `2026-12-06T09:30:00+08:00`). Not more than "
        "five minutes ahead."
    )

    @model_validator(mode="after")
    def _one_name(self) -> Self:
        if (self.place_id is None) == (self.source_id is None):
            raise ValueError("name the listing by exactly one of `place_id` and `source_id`")
        return self


class AvailabilityBatch(RequestBody):
    figures: list[FigureIn] = Field(
        min_length=1,
        description="Up to 500 figures; more is a 422 `too_many_figures`.",
        json_schema_extra={"maxItems": 500},
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "figures": [
                        {"place_id": 1, "available": 37, "capacity": 420, "as_of": "2026-12-06T09:30:00+08:00"},
                        {"source_id": "XH-P-0012", "available": 5, "as_of": "2026-12-06T09:30:00+08:00"},
                    ]
                }
            ]
        }
    )


class FigureOutcome(BaseModel):
    index: int = Field(description="The figure's position in the request, from 0.")
    outcome: Literal["applied", "ignored_older", "rejected"]
    place_id: int | None = Field(description="As sent, or the listing a `source_id` named (when in your scope).")
    source_id: str | None
    code: str | None = Field(
        description="Why a figure was rejected: `not_found` (unknown or outside your scope, alike), "
        "`district_required`, `no_live_figures`, `above_capacity`, `as_of_in_future`."
    )
    message: str | None


class AvailabilityAnswer(BaseModel):
    applied: int
    ignored_older: int = Field(description="No newer than the figure already stored: left as it was.")
    rejected: int
    results: list[FigureOutcome]
    received_at: ShanghaiTime = Field(description="The server's clock when the figures were received.")
