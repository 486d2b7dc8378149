"""What operators send and see when they curate a listing."""

from pydantic import BaseModel, Field

from api.http import RequestBody
from api.timestamps import ShanghaiTime


class AvailabilityUpdate(RequestBody):
    available: int = Field(ge=0, le=1_000_000, description="Free places now (beds, spaces, seats).")
    capacity: int | None = Field(default=None, ge=0, le=1_000_000, description="Total, when it changed too.")


class ManagedPlace(BaseModel):
    id: int
    name: str
    category: str
    district: str
    status: str
    capacity: int | None
    available: int | None
    available_updated_at: ShanghaiTime | None
    version: int
    updated_at: ShanghaiTime
