""" "One thing" bundles (一网通办) as residents read them, and the guide's questions and answer."""

from typing import Any

from pydantic import BaseModel, Field

from api.http import RequestBody


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
