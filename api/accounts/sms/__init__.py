"""Sending sign-in codes: to the log in development; in production through an HTTP gateway of one's own, Aliyun SMS
or Tencent Cloud SMS (SMS_SENDER), each under one rule that never sends a code twice (delivery.py)."""

from api.accounts.sms.delivery import SMS_FAILED, SMS_SENT, RetryingSender, SendFailed, SmsSender, SmsUnavailable
from api.accounts.sms.senders import ConsoleSender, HttpGateway, message_text
from api.config import Settings

__all__ = [
    "SMS_FAILED",
    "SMS_SENT",
    "ConsoleSender",
    "HttpGateway",
    "RetryingSender",
    "SendFailed",
    "SmsSender",
    "SmsUnavailable",
    "message_text",
    "sms_sender_for",
]


def sms_sender_for(settings: Settings) -> SmsSender:
    """The sender SMS_SENDER names; Settings has already refused a provider without what it needs."""
    # A provider's SDK is imported only where it is chosen: each takes seconds to import, which every worker of
    # every other deployment would pay at start.
    match settings.sms_sender:
        case "http":
            assert settings.sms_gateway_url  # checked by Settings
            return RetryingSender(
                HttpGateway(settings.sms_gateway_url, settings.sms_gateway_token, settings.sms_gateway_timeout_seconds)
            )
        case "aliyun":
            from api.accounts.sms.aliyun import AliyunSms

            return RetryingSender(AliyunSms.from_settings(settings))
        case "tencent":
            from api.accounts.sms.tencent import TencentSms

            return RetryingSender(TencentSms.from_settings(settings))
        case _:
            return ConsoleSender()
