"""Times in answers: ISO 8601 in Shanghai time (`+08:00`), as residents and staff read them.

Rows keep UTC (models/base.py). Every response schema declares its times as `ShanghaiTime`, so an answer built
from a row as it is (an audit entry, a template, a notification) goes out in Shanghai time like the rest; the hot
directory reads that build their JSON by hand use the same `to_local`.
"""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from api.directory.queries import to_local

ShanghaiTime = Annotated[datetime, AfterValidator(to_local)]

__all__ = ["ShanghaiTime", "to_local"]
