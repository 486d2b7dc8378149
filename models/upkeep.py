"""When the cluster's last upkeep round started, and on which instance: a round is not repeated by another
instance soon after (api.housekeeping)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp_column


class UpkeepRound(SQLModel, table=True):
    __tablename__ = "upkeep_round"

    name: str = Field(primary_key=True, max_length=40)
    started_at: datetime = timestamp_column()
    instance: str = Field(max_length=200)
