"""The one rule every SMS sender follows: a code is sent at most once.

A provider call is tried again only when it certainly sent nothing: the connection was never made (refused,
unknown host, connect timeout), or the provider answered with a code that says the message was not sent and that
asking again is harmless. Whatever happened after the request left (a read timeout, a 5xx, a dropped connection) may
have sent the SMS, so it is never repeated: the resident gets a 503 and asks for a new code when ready.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog
from prometheus_client import Counter

from api.errors import ServiceUnavailable

logger = structlog.get_logger(__name__)

# By sender: "http" (the gateway), "aliyun", "tencent" or "console" (development: the code only goes to the log).
SMS_SENT = Counter("svcdir_sms_sent_total", "Sign-in codes handed to the SMS sender", ["sender"])
SMS_FAILED = Counter("svcdir_sms_failed_total", "Sign-in codes the SMS sender could not send", ["sender"])

# Tries of one code in all; the pause lets a provider's address come back (a restarted relay, a DNS hiccup) while
# keeping the resident's wait short.
SEND_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.5
PROVIDER_MESSAGE_LOGGED = 200


class SmsUnavailable(ServiceUnavailable):
    code, title = "sms_unavailable", "The SMS service is not available"


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None: ...

    async def aclose(self) -> None: ...


class SendFailed(Exception):
    """One try that did not send, as far as the sender can tell.

    `retry_safe` is a promise: no SMS left for this try, and another try may succeed without doubling it.
    `maybe_sent`: the request reached the provider and no clear answer came back, so the resident may yet get it.
    `facts` go to the log, so they never hold the code or the phone number."""

    def __init__(self, reason: str, *, retry_safe: bool = False, maybe_sent: bool = False, **facts: object) -> None:
        super().__init__(reason)
        assert not (retry_safe and maybe_sent), "a try that may have sent is never repeated"
        self.reason = reason
        self.retry_safe = retry_safe
        self.maybe_sent = maybe_sent
        self.facts = facts


def provider_facts(code: object, message: object, request_id: object) -> dict[str, object]:
    """What a provider said of a refused try, for the log: its code, message and request id (to quote to it)."""
    return {
        "provider_code": code,
        "provider_message": str(message or "")[:PROVIDER_MESSAGE_LOGGED],
        "provider_request_id": request_id,
    }


class Provider(Protocol):
    """One way of sending a code (an HTTP gateway, a cloud SMS API); one call is one try."""

    label: str

    async def send_once(self, phone: str, code: str, valid_minutes: int) -> None:
        """Return when the provider accepted the message; raise SendFailed otherwise."""
        ...

    async def aclose(self) -> None: ...


class RetryingSender:
    """Sends through a provider under the rule above, counts the outcome and turns a final failure into a 503."""

    def __init__(
        self,
        provider: Provider,
        *,
        attempts: int = SEND_ATTEMPTS,
        pause_before_retry: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self._attempts = attempts
        self._pause_before_retry = pause_before_retry

    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None:
        label = self.provider.label
        for attempt in range(1, self._attempts + 1):
            try:
                await self.provider.send_once(phone, code, valid_minutes)
            except SendFailed as failure:
                if failure.retry_safe and attempt < self._attempts:
                    logger.warning(
                        "sms_send_retrying", sender=label, attempt=attempt, reason=failure.reason, **failure.facts
                    )
                    await self._pause_before_retry(RETRY_PAUSE_SECONDS)
                    continue
                SMS_FAILED.labels(label).inc()
                logger.error(
                    "sms_send_failed",
                    sender=label,
                    attempt=attempt,
                    reason=failure.reason,
                    maybe_sent=failure.maybe_sent,
                    **failure.facts,
                )
                # `from None`: the SDKs' errors carry the request they made, the code among its parameters.
                raise SmsUnavailable("the code could not be sent just now; please try again in a minute") from None
            SMS_SENT.labels(label).inc()
            return

    async def aclose(self) -> None:
        await self.provider.aclose()
