"""Aliyun SMS (dysmsapi SendSms) through the official SDK: an approved sign name and template, the code as its one
parameter."""

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import aiohttp
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException

from api.accounts.sms.delivery import SendFailed, provider_facts
from api.config import Settings

# The SDK's HTTP client (aiohttp) fails with these before the request leaves: connection refused, unknown host
# (ClientConnectorDNSError is a ClientConnectorError), connect timeout.
NOT_CONNECTED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# Refusals that prove nothing was sent and that a second try, signed anew, may pass: the one-off nonce was taken.
# Flow control (isv.BUSINESS_LIMIT_CONTROL, Throttling.*) also sends nothing, but asking again only makes it worse.
RETRY_SAFE_CODES = frozenset({"SignatureNonceUsed"})


class AliyunSms:
    label = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        endpoint: str,
        sign_name: str,
        template_code: str,
        template_param: str,
        timeout_seconds: float,
    ) -> None:
        address = urlsplit(endpoint)
        self._client = Client(
            open_api_models.Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                endpoint=address.netloc,
                protocol=address.scheme,
                connect_timeout=int(min(timeout_seconds, 2.0) * 1000),
                read_timeout=int(timeout_seconds * 1000),
                # No retry_options: the SDK then tries once, and the one rule (api.accounts.sms.delivery) decides.
            )
        )
        self._sign_name = sign_name
        self._template_code = template_code
        self._template_param = template_param

    @classmethod
    def from_settings(cls, settings: Settings) -> "AliyunSms":
        assert settings.sms_aliyun_access_key_id and settings.sms_aliyun_access_key_secret  # checked by Settings
        assert settings.sms_aliyun_sign_name and settings.sms_aliyun_template_code
        return cls(
            access_key_id=settings.sms_aliyun_access_key_id,
            access_key_secret=settings.sms_aliyun_access_key_secret.get_secret_value(),
            endpoint=settings.sms_aliyun_endpoint,
            sign_name=settings.sms_aliyun_sign_name,
            template_code=settings.sms_aliyun_template_code,
            template_param=settings.sms_aliyun_template_param,
            timeout_seconds=settings.sms_aliyun_timeout_seconds,
        )

    async def send_once(self, phone: str, code: str, valid_minutes: int) -> None:
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=self._sign_name,
            template_code=self._template_code,
            template_param=json.dumps({self._template_param: code}, separators=(",", ":")),
        )
        try:
            response = await self._client.send_sms_async(request)
        except AlibabaCloudException as exc:
            if exc.status_code is not None and exc.status_code >= 500:
                raise SendFailed(
                    "provider_error",
                    maybe_sent=True,
                    status=exc.status_code,
                    **provider_facts(exc.code, exc.message, exc.request_id),
                ) from None
            # An answer with Retry-After is flow control, whatever its code: never pushed.
            throttled = isinstance(exc, ThrottlingException)
            raise _refused(exc.code, exc.message, exc.request_id, retry_safe=False if throttled else None) from None
        except Exception as exc:  # noqa: BLE001  (the SDK wraps network errors in its own types, or in none)
            if any(isinstance(cause, NOT_CONNECTED) for cause in _causes(exc)):
                raise SendFailed("not_connected", retry_safe=True, error=_error_names(exc)) from None
            raise SendFailed("no_answer_after_sending", maybe_sent=True, error=_error_names(exc)) from None
        body = response.body
        if body is None or body.code != "OK":
            raise _refused(
                getattr(body, "code", None), getattr(body, "message", None), getattr(body, "request_id", None)
            )

    async def aclose(self) -> None:
        return None  # the SDK opens an HTTP session per call and closes it after


def _refused(
    code: str | None, message: str | None, request_id: str | None, *, retry_safe: bool | None = None
) -> SendFailed:
    safe = code in RETRY_SAFE_CODES if retry_safe is None else retry_safe
    return SendFailed("provider_refused", retry_safe=safe, **provider_facts(code, message, request_id))


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and all it wraps: the SDK keeps the network error as `inner_exception` of its own, itself raised
    while handling aiohttp's."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(
            cause
            for cause in (getattr(current, "inner_exception", None), current.__cause__, current.__context__)
            if isinstance(cause, BaseException)
        )


def _error_names(error: BaseException) -> str:
    return "<".join(type(cause).__name__ for cause in _causes(error))
