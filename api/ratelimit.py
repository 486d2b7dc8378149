"""Rate limits shared by every worker (Redis when REDIS_URL is set; in-process memory otherwise)."""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from api.config import Settings
from api.errors import TooManyRequests


@dataclass(frozen=True)
class Rule:
    name: str
    limit: RateLimitItem
    message: str

    @classmethod
    def of(cls, name: str, expression: str, message: str) -> "Rule":
        return cls(name, parse(expression), message)


def storage_for(settings: Settings, key_prefix: str = "svcdir") -> Storage:
    if settings.redis_url:
        uri = settings.redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
        return RedisStorage(uri, implementation="redispy", key_prefix=key_prefix)
    return MemoryStorage()


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, rule: Rule, *identity: str) -> None:
        """Count one attempt; raise 429 (with Retry-After) once the rule's budget is spent."""
        if not await self._limiter.hit(rule.limit, rule.name, *identity):
            raise TooManyRequests(rule.message, retry_after_seconds=await self._retry_after(rule, *identity))

    async def clear(self, rule: Rule, *identity: str) -> None:
        await self._limiter.clear(rule.limit, rule.name, *identity)

    async def _retry_after(self, rule: Rule, *identity: str) -> int:
        stats = await self._limiter.get_window_stats(rule.limit, rule.name, *identity)
        return max(1, math.ceil(stats.reset_time - time.time()))
