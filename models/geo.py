"""Shanghai's administrative divisions: 16 districts (区) and their street-level units (街道/镇/乡)."""

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

STREET_KINDS = ("street", "town", "township", "special")


class District(SQLModel, table=True):
    __tablename__ = "district"

    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=20)
    name_en: str = Field(max_length=40)
    center_lat: float
    center_lng: float
    sort_order: int = 0


class Street(SQLModel, table=True):
    __tablename__ = "street"
    __table_args__ = (CheckConstraint("kind IN ('street', 'town', 'township', 'special')", name="kind"),)

    code: str = Field(primary_key=True, max_length=9)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=6)
    name: str = Field(max_length=40)
    # Development zones, farms and industrial parks carry street-level codes but are not where residents live.
    kind: str = Field(max_length=10)
    is_special: bool = False
