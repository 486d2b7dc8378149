"""Which version of the reference seed a database holds, so a restart does not reload unchanged data."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp_column


class SeedState(SQLModel, table=True):
    __tablename__ = "seed_state"

    name: str = Field(primary_key=True, max_length=40)
    digest: str = Field(max_length=64)
    loaded_at: datetime = timestamp_column()
