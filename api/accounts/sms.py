"""Sending sign-in codes: a console sender for development, an HTTP gateway for production."""

from typing import Protocol

import httpx
import structlog
from prometheus_client import Counter

from api.config import Settings
from api.errors import ServiceUnavailable

logger = structlog.get_logger(__name__)

# By sender: "http" (the gateway) or "console" (development: the code only goes to the log).
SMS_SENT = Counter("svcdir_sms_sent_total", "Sign-in codes handed to the SMS sender", ["sender"])
SMS_FAILED = Counter("svcdir_sms_failed_total", "Sign-in codes the SMS sender could not send", ["sender"])


class SmsUnavailable(ServiceUnavailable):
    code, title = "sms_unavailable", "The SMS service is not available"


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None: ...

    async def aclose(self) -> None: ...


def message_text(code: str, valid_minutes: int) -> str:
    return f"【上海服务】您的登录验证码是{code}，{valid_minutes}分钟内有效。如非本人操作，请忽略本短信。"


class ConsoleSender:
    """Development: the code goes to the server log instead of a phone."""

    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None:
        SMS_SENT.labels("console").inc()
        logger.warning("sms_code_not_sent_console_sender", phone=phone, code=code, valid_minutes=valid_minutes)

    async def aclose(self) -> None:
        return None


class HttpGatewaySender:
    """Posts `{"phone", "message"}` as JSON to the gateway; any failure is a 503 for the resident, never a 500."""

    def __init__(self, url: str, token: str | None, timeout_seconds: float) -> None:
        self._url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 2.0))
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None:
        try:
            response = await self._client.post(
                self._url, json={"phone": phone, "message": message_text(code, valid_minutes)}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            SMS_FAILED.labels("http").inc()
            logger.error("sms_gateway_failed", error=type(exc).__name__, detail=str(exc)[:200])
            raise SmsUnavailable("the code could not be sent just now; please try again in a minute") from exc
        SMS_SENT.labels("http").inc()

    async def aclose(self) -> None:
        await self._client.aclose()


def sms_sender_for(settings: Settings) -> SmsSender:
    if settings.sms_sender == "http":
        if not settings.sms_gateway_url:
            raise ValueError("SMS_SENDER=http needs SMS_GATEWAY_URL")
        return HttpGatewaySender(
            settings.sms_gateway_url, settings.sms_gateway_token, settings.sms_gateway_timeout_seconds
        )
    return ConsoleSender()
