"""The console sender for development and the generic HTTP gateway (`{"phone", "message"}` as JSON)."""

import httpx
import structlog

from api.accounts.sms.delivery import SMS_SENT, SendFailed

logger = structlog.get_logger(__name__)

# httpx errors raised before a byte of the request left: connection refused, unknown host, connect timeout, no free
# connection in the pool.
NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def message_text(code: str, valid_minutes: int) -> str:
    return f"【上海服务】您的登录验证码是{code}，{valid_minutes}分钟内有效。如非本人操作，请忽略本短信。"


class ConsoleSender:
    """Development: the code goes to the server log instead of a phone."""

    async def send_code(self, phone: str, code: str, valid_minutes: int) -> None:
        SMS_SENT.labels("console").inc()
        logger.warning("sms_code_not_sent_console_sender", phone=phone, code=code, valid_minutes=valid_minutes)

    async def aclose(self) -> None:
        return None


class HttpGateway:
    """Posts the whole message text to a gateway of one's own; any 2xx is a send."""

    label = "http"

    def __init__(self, url: str, token: str | None, timeout_seconds: float) -> None:
        self._url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 2.0))
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    async def send_once(self, phone: str, code: str, valid_minutes: int) -> None:
        try:
            response = await self._client.post(
                self._url, json={"phone": phone, "message": message_text(code, valid_minutes)}
            )
        except NOT_CONNECTED as exc:
            raise SendFailed("not_connected", retry_safe=True, error=type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise SendFailed("no_answer_after_sending", maybe_sent=True, error=type(exc).__name__) from None
        if response.is_success:
            return
        # A 4xx is the gateway refusing this request; a 5xx may come after the gateway handed the message on.
        raise SendFailed(
            "gateway_refused" if response.is_client_error else "gateway_error",
            maybe_sent=response.is_server_error,
            status=response.status_code,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
