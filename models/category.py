"""The taxonomy: a tree of dotted codes (`elder_care.meal_site` is a child of `elder_care`)."""

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

CATEGORY_KINDS = ("place", "event")


class Category(SQLModel, table=True):
    __tablename__ = "category"
    __table_args__ = (CheckConstraint("kind IN ('place', 'event')", name="kind"),)

    code: str = Field(primary_key=True, max_length=60)
    parent_code: str | None = Field(default=None, foreign_key="category.code", index=True, max_length=60)
    name: str = Field(max_length=40)
    name_en: str = Field(max_length=80)
    kind: str = Field(max_length=10)
    # The unit of live figures (bed, space, connector) for categories whose availability changes by the hour.
    live_capacity_unit: str | None = Field(default=None, max_length=20)
    sort_order: int = 0
