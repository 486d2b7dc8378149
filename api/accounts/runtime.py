"""What the account services need at run time, built once per app: hasher, token codec, SMS sender, rate limits."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.accounts.passwords import PasswordHasher
from api.accounts.sms import SmsSender, sms_sender_for
from api.accounts.tokens import TokenCodec
from api.config import Settings
from api.ratelimit import RateLimiter, storage_for


@dataclass
class AccountsRuntime:
    hasher: PasswordHasher
    tokens: TokenCodec
    sms: SmsSender
    limiter: RateLimiter
    otp_test_codes: dict[str, str]

    @classmethod
    def from_settings(cls, settings: Settings) -> "AccountsRuntime":
        return cls(
            hasher=PasswordHasher(settings),
            tokens=TokenCodec(settings),
            sms=sms_sender_for(settings),
            limiter=RateLimiter(storage_for(settings, settings.rate_limit_key_prefix)),
            otp_test_codes=settings.otp_test_codes,
        )

    async def aclose(self) -> None:
        await self.sms.aclose()


async def accounts_runtime(request: Request) -> AccountsRuntime:
    return request.app.state.accounts


AccountsDep = Annotated[AccountsRuntime, Depends(accounts_runtime)]


def client_address(request: Request) -> str:
    """The resident's address as the proxy saw it (uvicorn applies X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"
