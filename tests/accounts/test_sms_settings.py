"""The SMS settings refuse to start a sender that could not send: a provider without its credentials, sign name or
template, an endpoint that is not one, plain http off this machine, and no real sender in production."""

import pytest
from pydantic import ValidationError

from api.config import Settings
from tests.accounts.sms_standin import ALIYUN_KEY_SECRET, TENCENT_SECRET_KEY, aliyun_settings, tencent_settings

PUBLIC = {"app_env": "production", "jwt_secret": "x" * 32}


def test_a_provider_without_what_it_needs_refuses_to_start_and_names_it() -> None:
    with pytest.raises(ValidationError, match="SMS_SENDER=aliyun needs SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN"):
        Settings(_env_file=None, sms_sender="aliyun", sms_aliyun_access_key_id="id", sms_aliyun_template_code="T")
    with pytest.raises(ValidationError, match="SMS_SENDER=tencent needs SMS_TENCENT_SDK_APP_ID \\["):
        Settings(_env_file=None, **tencent_settings("https://sms.tencentcloudapi.com", sms_tencent_sdk_app_id=" "))
    with pytest.raises(ValidationError, match="SMS_SENDER=http needs SMS_GATEWAY_URL"):
        Settings(_env_file=None, sms_sender="http")
    # Credentials of a provider not chosen are not asked for.
    assert Settings(_env_file=None, sms_sender="console").sms_sender == "console"


@pytest.mark.parametrize("sender", ["aliyun", "tencent"])
def test_production_sends_through_a_configured_provider(sender: str) -> None:
    endpoint = {"aliyun": "https://dysmsapi.aliyuncs.com", "tencent": "https://sms.tencentcloudapi.com"}[sender]
    provider = {"aliyun": aliyun_settings, "tencent": tencent_settings}[sender](endpoint)
    assert Settings(_env_file=None, **PUBLIC, **provider).sms_sender == sender
    with pytest.raises(ValidationError, match="aliyun or tencent"):
        Settings(_env_file=None, **PUBLIC, sms_sender="console")


def test_endpoints_are_scheme_host_and_port_with_plain_http_only_to_this_machine() -> None:
    local = Settings(
        _env_file=None, sms_aliyun_endpoint="http://127.0.0.1:8089/", sms_tencent_endpoint="http://[::1]:9"
    )
    assert (local.sms_aliyun_endpoint, local.sms_tencent_endpoint) == ("http://127.0.0.1:8089", "http://[::1]:9")
    assert Settings(_env_file=None).sms_aliyun_endpoint == "https://dysmsapi.aliyuncs.com"
    assert Settings(_env_file=None).sms_tencent_endpoint == "https://sms.tencentcloudapi.com"
    refused_endpoints = ("http://sms.example.cn", "https://sms.example.cn/send", "sms.example.cn", "ftp://127.0.0.1")
    for refused in (*refused_endpoints, "https://sms.example.cn:port", "https://sms.example.cn:70000"):
        with pytest.raises(ValidationError, match="sms_aliyun_endpoint"):
            Settings(_env_file=None, sms_aliyun_endpoint=refused)


def test_the_tencent_template_takes_the_code_and_at_most_the_minutes() -> None:
    assert Settings(_env_file=None, sms_tencent_template_params="code").sms_tencent_template_param_order == ["code"]
    for refused in ("minutes", "code,code", "code,minutes,name", ""):
        with pytest.raises(ValidationError, match="SMS_TENCENT_TEMPLATE_PARAMS"):
            Settings(_env_file=None, sms_tencent_template_params=refused)


def test_the_provider_secrets_stay_out_of_the_settings_printed() -> None:
    aliyun = Settings(_env_file=None, **aliyun_settings("https://dysmsapi.aliyuncs.com"))
    tencent = Settings(_env_file=None, **tencent_settings("https://sms.tencentcloudapi.com"))
    assert ALIYUN_KEY_SECRET not in repr(aliyun) and TENCENT_SECRET_KEY not in repr(tencent)
