"""一网通办 one-thing bundles (高效办成一件事): several matters handled as one, chosen by eligibility questions."""

from typing import Any

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import PublishableFields, json_column, status_check


class Bundle(PublishableFields, table=True):
    __tablename__ = "bundle"
    __table_args__ = (CheckConstraint(status_check(), name="status"),)

    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, sa_type=Text)
    lead_department: str | None = Field(default=None, max_length=100)
    channels: list[str] = json_column(list)
    # [{code, text, text_en, type: boolean|choice, options: [{value, label, label_en}] | null}]
    questions: list[dict[str, Any]] = json_column(list)


class BundleMatter(SQLModel, table=True):
    __tablename__ = "bundle_matter"
    __table_args__ = (
        UniqueConstraint("bundle_code", "code"),
        CheckConstraint("online_depth BETWEEN 1 AND 4", name="online_depth"),
        CheckConstraint("promised_days >= 0", name="promised_days_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bundle_code: str = Field(foreign_key="bundle.code", ondelete="CASCADE", max_length=60)
    code: str = Field(max_length=60)
    position: int = 0
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    department: str = Field(max_length=100)
    legal_days: int | None = None
    promised_days: int
    online_depth: int
    fee_yuan: float = 0
    fee_note: str | None = Field(default=None, max_length=300)
    # {question_code: value | [values]}; every condition must hold; empty means the matter always applies.
    applies_when: dict[str, Any] = json_column(dict)
    # [{code, name, copies, original, note}]; the same code in several matters is one document to bring.
    materials: list[dict[str, Any]] = json_column(list)
