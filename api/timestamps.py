"""Times in answers: ISO 8601 in Shanghai time (`+08:00`), as residents and staff read them.

Rows keep UTC (models/base.py). Every response schema declares its times as `ShanghaiTime`, so an answer built
from a row as it is (an audit entry, a template, a notification) goes out in Shanghai time like the rest; the hot
directory reads that build their JSON by hand use the same `to_local`.
"""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_local(moment: datetime | None) -> datetime | None:
    """Times go out in Shanghai time with their offset, as residents read them."""
    return moment.astimezone(SHANGHAI) if moment is not None else None


ShanghaiTime = Annotated[datetime, AfterValidator(to_local)]

__all__ = ["SHANGHAI", "ShanghaiTime", "to_local"]
