"""The directory's reference data as residents read it: districts, streets, the category tree."""

from pydantic import BaseModel, Field


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
