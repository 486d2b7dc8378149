"""Sign-in codes through Aliyun SMS and Tencent Cloud SMS, each SDK talking to a real local server that stands in for
the provider's endpoint: what the provider receives, and what the resident gets when it refuses or stalls."""

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.accounts.sms_standin import (
    ALIYUN_KEY_ID,
    PHONE,
    PROVIDER_OK,
    PROVIDER_SETTINGS,
    SIGN_NAME,
    TENCENT_SECRET_ID,
    StandIn,
    aliyun_error,
    aliyun_ok,
    aliyun_settings,
    aliyun_signature_holds,
    challenges_for,
    client_for,
    counted,
    sent_code,
    serving,
    sms_log_lines,
    tencent_error,
    tencent_ok,
    tencent_send_status,
    tencent_settings,
    tencent_signature_holds,
)
from tests.conftest import AppFactory


async def test_aliyun_receives_the_signed_template_with_the_code_that_signs_the_resident_in(
    make_app: AppFactory,
) -> None:
    standin = StandIn(default=aliyun_ok())
    with serving(standin) as endpoint:
        app = make_app(**aliyun_settings(endpoint))
        sent_before = counted("sent", "aliyun")
        async with client_for(app) as client:
            asked = await client.post("/v1/auth/otp", json={"phone": f"+86 {PHONE}"})
            [request] = standin.received
            code = sent_code("aliyun", request)
            signed_in = await client.post(
                "/v1/auth/otp/verify", json={"challenge_id": asked.json()["challenge_id"], "code": code}
            )
    assert asked.status_code == 202, asked.text
    assert (request.method, request.headers["x-acs-action"], request.headers["x-acs-version"]) == (
        "POST",
        "SendSms",
        "2017-05-25",
    )
    assert request.param("PhoneNumbers") == PHONE
    assert (request.param("SignName"), request.param("TemplateCode")) == (SIGN_NAME, "SMS_TEST_TEMPLATE")
    assert json.loads(request.param("TemplateParam")) == {"code": code} and len(code) == 6 and code.isdigit()
    assert f"Credential={ALIYUN_KEY_ID}," in request.headers["authorization"]
    assert aliyun_signature_holds(request)
    assert not aliyun_signature_holds(request, secret="another-secret")
    assert signed_in.status_code == 200, signed_in.text
    assert counted("sent", "aliyun") == sent_before + 1


async def test_aliyun_names_the_code_as_the_template_does(make_app: AppFactory) -> None:
    standin = StandIn(default=aliyun_ok())
    with serving(standin) as endpoint:
        app = make_app(**aliyun_settings(endpoint, sms_aliyun_template_param="verifyCode"))
        async with client_for(app) as client:
            asked = await client.post("/v1/auth/otp", json={"phone": PHONE})
    assert asked.status_code == 202
    assert list(json.loads(standin.received[0].param("TemplateParam"))) == ["verifyCode"]


async def test_tencent_receives_the_signed_template_with_the_code_and_minutes_that_sign_the_resident_in(
    make_app: AppFactory,
) -> None:
    standin = StandIn(default=tencent_ok())
    with serving(standin) as endpoint:
        app = make_app(**tencent_settings(endpoint))
        sent_before = counted("sent", "tencent")
        async with client_for(app) as client:
            asked = await client.post("/v1/auth/otp", json={"phone": PHONE})
            [request] = standin.received
            code = sent_code("tencent", request)
            signed_in = await client.post(
                "/v1/auth/otp/verify", json={"challenge_id": asked.json()["challenge_id"], "code": code}
            )
    assert asked.status_code == 202, asked.text
    headers = request.headers
    assert (headers["x-tc-action"], headers["x-tc-version"], headers["x-tc-region"]) == (
        "SendSms",
        "2021-01-11",
        "ap-guangzhou",
    )
    assert json.loads(request.body) == {
        "PhoneNumberSet": [f"+86{PHONE}"],
        "SmsSdkAppId": "test-sdk-app",
        "SignName": SIGN_NAME,
        "TemplateId": "test-template",
        "TemplateParamSet": [code, "10"],
    }
    assert f"Credential={TENCENT_SECRET_ID}/" in headers["authorization"]
    assert tencent_signature_holds(request)
    assert not tencent_signature_holds(request, secret_key="another-key")
    assert signed_in.status_code == 200, signed_in.text
    assert counted("sent", "tencent") == sent_before + 1


async def test_tencent_fills_the_template_parameters_in_the_configured_order(make_app: AppFactory) -> None:
    standin = StandIn(default=tencent_ok())
    with serving(standin) as endpoint:
        app = make_app(**tencent_settings(endpoint, sms_tencent_template_params="minutes, code"))
        async with client_for(app) as client:
            asked = await client.post("/v1/auth/otp", json={"phone": PHONE})
    parameters = json.loads(standin.received[0].body)["TemplateParamSet"]
    assert asked.status_code == 202
    assert parameters[0] == "10" and len(parameters[1]) == 6 and parameters[1].isdigit()


REFUSALS: list[tuple[str, Any, str | None]] = [
    ("aliyun", aliyun_error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"), "isv.BUSINESS_LIMIT_CONTROL"),
    ("aliyun", aliyun_error("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法"), "isv.SMS_TEMPLATE_ILLEGAL"),
    ("aliyun", aliyun_error("SignatureDoesNotMatch", "signature is not matched", 400), "SignatureDoesNotMatch"),
    ("aliyun", aliyun_error("InternalError", "The request processing has failed", 500), "InternalError"),
    ("tencent", tencent_error("AuthFailure.SignatureFailure", "The provided credentials could not be validated"),
     "AuthFailure.SignatureFailure"),
    ("tencent", tencent_send_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内下发短信条数超过上限"),
     "LimitExceeded.PhoneNumberThirtySecondLimit"),
    ("tencent", tencent_send_status("InternalError.Timeout", "请求下发短信超时"), "InternalError.Timeout"),
    ("tencent", (502, {"message": "bad gateway"}), None),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "answer", "provider_code"), REFUSALS)
async def test_a_provider_refusal_is_a_503_asked_once_and_leaves_no_challenge(
    make_app: AppFactory,
    session: AsyncSession,
    capfd: pytest.CaptureFixture[str],
    provider: str,
    answer: Any,
    provider_code: str | None,
) -> None:
    standin = StandIn(default=answer)
    with serving(standin) as endpoint:
        app = make_app(**PROVIDER_SETTINGS[provider](endpoint))
        failed_before = counted("failed", provider)
        async with client_for(app) as client:
            answered = await client.post("/v1/auth/otp", json={"phone": PHONE})
    assert answered.status_code == 503
    assert answered.headers["content-type"] == "application/problem+json"
    assert answered.json()["code"] == "sms_unavailable"
    assert len(standin.received) == 1  # refused codes are never asked again
    assert await challenges_for(session) == 0
    assert counted("failed", provider) == failed_before + 1
    [failure] = sms_log_lines(capfd)
    assert "[error" in failure and "sms_send_failed" in failure and f"sender={provider}" in failure
    if provider_code:
        assert f"provider_code={provider_code}" in failure and "provider_request_id=standin-" in failure
    assert sent_code(provider, standin.received[0]) not in failure and PHONE not in failure


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
async def test_a_provider_that_stalls_after_receiving_is_a_503_and_is_never_asked_twice(
    make_app: AppFactory, session: AsyncSession, capfd: pytest.CaptureFixture[str], provider: str
) -> None:
    standin = StandIn(default=PROVIDER_OK[provider], answers=["stall"])
    with serving(standin) as endpoint:
        app = make_app(**PROVIDER_SETTINGS[provider](endpoint, **{f"sms_{provider}_timeout_seconds": 0.5}))
        async with client_for(app) as client:
            answered = await client.post("/v1/auth/otp", json={"phone": PHONE})
        received = len(standin.received)
    assert answered.status_code == 503 and answered.json()["code"] == "sms_unavailable"
    assert received == 1  # the SMS may be on its way: a second request could send a second code
    assert await challenges_for(session) == 0
    [failure] = sms_log_lines(capfd)
    assert "sms_send_failed" in failure and "maybe_sent=True" in failure


async def test_aliyun_signs_again_when_its_nonce_was_taken_and_the_code_goes_out_once(make_app: AppFactory) -> None:
    standin = StandIn(
        default=aliyun_ok(),
        answers=[aliyun_error("SignatureNonceUsed", "Specified signature nonce was used already", 400), aliyun_ok()],
    )
    with serving(standin) as endpoint:
        app = make_app(**aliyun_settings(endpoint))
        async with client_for(app) as client:
            asked = await client.post("/v1/auth/otp", json={"phone": PHONE})
    first, second = standin.received
    assert asked.status_code == 202
    assert first.headers["x-acs-signature-nonce"] != second.headers["x-acs-signature-nonce"]
    assert sent_code("aliyun", first) == sent_code("aliyun", second)
