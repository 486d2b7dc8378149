"""Tencent Cloud SMS (SendSms, API 2021-01-11) through the official SDK's asynchronous client: an approved sign name
and template, its parameters in the order the template numbers them."""

import logging
from urllib.parse import urlsplit

import httpx
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client_async import SmsClient

from api.accounts.sms.delivery import SendFailed, provider_facts
from api.accounts.sms.senders import NOT_CONNECTED
from api.config import Settings

# What the SDK calls an answer that was not HTTP 200: it came after the request arrived, so it may have been sent.
NOT_HTTP_OK = "ServerNetworkError"
# None of Tencent's SendSms codes both proves that nothing went out and may pass on a second try: the refusals at the
# door (AuthFailure.*, InvalidParameter*, FailedOperation.*Unapproved) fail again, the flow controls
# (RequestLimitExceeded, LimitExceeded.*) must not be pushed, and InternalError.Timeout may have sent.
RETRY_SAFE_CODES: frozenset[str] = frozenset()

# At LOG_LEVEL=DEBUG the SDK would log each request it sends, with the phone number and the code in it.
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.INFO)


class TencentSms:
    label = "tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        region: str,
        endpoint: str,
        sdk_app_id: str,
        sign_name: str,
        template_id: str,
        template_params: list[str],
        timeout_seconds: float,
    ) -> None:
        address = urlsplit(endpoint)
        profile = ClientProfile(
            httpProfile=HttpProfile(protocol=address.scheme, endpoint=address.netloc, reqTimeout=timeout_seconds),
            # The breaker would move calls to a backup host after failures, past the endpoint configured here.
            disable_region_breaker=True,
        )
        # No retryer in the profile: the SDK then tries once, and the one rule (api.accounts.sms.delivery) decides.
        self._client = SmsClient(Credential(secret_id, secret_key), region, profile)
        # A short connect timeout, so that an unreachable endpoint leaves time to try again.
        self._client.http_client.timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 2.0))
        self._sdk_app_id = sdk_app_id
        self._sign_name = sign_name
        self._template_id = template_id
        self._template_params = template_params

    @classmethod
    def from_settings(cls, settings: Settings) -> "TencentSms":
        assert settings.sms_tencent_secret_id and settings.sms_tencent_secret_key  # checked by Settings
        assert settings.sms_tencent_sdk_app_id and settings.sms_tencent_sign_name and settings.sms_tencent_template_id
        return cls(
            secret_id=settings.sms_tencent_secret_id,
            secret_key=settings.sms_tencent_secret_key.get_secret_value(),
            region=settings.sms_tencent_region,
            endpoint=settings.sms_tencent_endpoint,
            sdk_app_id=settings.sms_tencent_sdk_app_id,
            sign_name=settings.sms_tencent_sign_name,
            template_id=settings.sms_tencent_template_id,
            template_params=settings.sms_tencent_template_param_order,
            timeout_seconds=settings.sms_tencent_timeout_seconds,
        )

    async def send_once(self, phone: str, code: str, valid_minutes: int) -> None:
        values = {"code": code, "minutes": str(valid_minutes)}
        request = SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self._sdk_app_id
        request.SignName = self._sign_name
        request.TemplateId = self._template_id
        request.TemplateParamSet = [values[name] for name in self._template_params]
        try:
            response = await self._client.SendSms(request)
        except NOT_CONNECTED as exc:
            raise SendFailed("not_connected", retry_safe=True, error=type(exc).__name__) from None
        except TencentCloudSDKException as exc:
            if exc.code == NOT_HTTP_OK:
                raise SendFailed("provider_error", maybe_sent=True, provider_code=exc.code) from None
            raise SendFailed(
                "provider_refused",
                retry_safe=exc.code in RETRY_SAFE_CODES,
                **provider_facts(exc.code, exc.message, exc.requestId),
            ) from None
        except Exception as exc:  # noqa: BLE001  (a read timeout, a dropped connection, an answer that is not JSON)
            raise SendFailed("no_answer_after_sending", maybe_sent=True, error=type(exc).__name__) from None
        statuses = response.SendStatusSet or []
        if len(statuses) != 1 or statuses[0].Code != "Ok":
            status = statuses[0] if statuses else None
            raise SendFailed(
                "provider_refused",
                retry_safe=False,
                **provider_facts(getattr(status, "Code", None), getattr(status, "Message", None), response.RequestId),
            )

    async def aclose(self) -> None:
        await self._client.close()
