"""One rule for every SMS sender: a try is repeated only when it certainly sent nothing (nobody took the connection),
never after the request reached the provider, so that no resident gets a code twice."""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.sms import HttpGateway, RetryingSender
from api.accounts.sms.aliyun import AliyunSms
from api.accounts.sms.delivery import RETRY_PAUSE_SECONDS, SEND_ATTEMPTS
from api.accounts.sms.tencent import TencentSms
from api.config import Settings
from tests.accounts.gateway import free_port, running_gateway
from tests.accounts.sms_standin import (
    PHONE,
    PROVIDER_OK,
    PROVIDER_SETTINGS,
    StandIn,
    challenges_for,
    client_for,
    counted,
    serving,
    sms_log_lines,
)
from tests.conftest import AppFactory


def _settings_for(sender: str, port: int) -> dict[str, object]:
    if sender == "http":
        return {"sms_sender": "http", "sms_gateway_url": f"http://127.0.0.1:{port}/send"}
    return PROVIDER_SETTINGS[sender](f"http://127.0.0.1:{port}")


@pytest.mark.parametrize("sender", ["http", "aliyun", "tencent"])
async def test_a_provider_nobody_answers_for_is_tried_again_then_a_503_without_a_challenge(
    make_app: AppFactory, session: AsyncSession, capfd: pytest.CaptureFixture[str], sender: str
) -> None:
    app = make_app(**_settings_for(sender, free_port()))
    failed_before = counted("failed", sender)
    async with client_for(app) as client:
        answered = await client.post("/v1/auth/otp", json={"phone": PHONE})
    lines = sms_log_lines(capfd)
    assert answered.status_code == 503 and answered.json()["code"] == "sms_unavailable"
    assert await challenges_for(session) == 0
    assert counted("failed", sender) == failed_before + 1  # one code that could not be sent, however many tries
    retries = [line for line in lines if "sms_send_retrying" in line]
    failures = [line for line in lines if "sms_send_failed" in line]
    assert len(retries) == SEND_ATTEMPTS - 1 and all("reason=not_connected" in line for line in retries)
    assert len(failures) == 1 and "reason=not_connected" in failures[0] and "maybe_sent=False" in failures[0]


def _provider(sender: str, port: int) -> HttpGateway | AliyunSms | TencentSms:
    settings = Settings(_env_file=None, **_settings_for(sender, port))
    if sender == "http":
        return HttpGateway(f"http://127.0.0.1:{port}/send", None, 2.0)
    return {"aliyun": AliyunSms, "tencent": TencentSms}[sender].from_settings(settings)


@contextmanager
def _provider_comes_up(sender: str, port: int) -> Iterator[Callable[[], int]]:
    """The provider's stand-in on `port`; yields how many requests it has received."""
    if sender == "http":
        with running_gateway(port) as (gateway, _):
            yield lambda: gateway.received
    else:
        standin = StandIn(default=PROVIDER_OK[sender])
        with serving(standin, port):
            yield lambda: len(standin.received)


@pytest.mark.parametrize("sender", ["http", "aliyun", "tencent"])
async def test_a_provider_that_comes_up_while_the_sender_pauses_gets_the_code_once(sender: str) -> None:
    port = free_port()
    pauses: list[float] = []
    with ExitStack() as running:
        received: list[Callable[[], int]] = []

        async def bring_the_provider_up(seconds: float) -> None:
            pauses.append(seconds)
            if not received:
                received.append(await asyncio.to_thread(running.enter_context, _provider_comes_up(sender, port)))

        sender_under_test = RetryingSender(_provider(sender, port), pause_before_retry=bring_the_provider_up)
        sent_before = counted("sent", sender)
        try:
            await sender_under_test.send_code(PHONE, "135791", 10)
        finally:
            await sender_under_test.aclose()
        assert received[0]() == 1
    assert pauses == [RETRY_PAUSE_SECONDS]
    assert counted("sent", sender) == sent_before + 1


@pytest.mark.parametrize("mode", ["fail", "slow"])
async def test_a_gateway_that_fails_or_stalls_after_receiving_is_asked_once(
    make_app: AppFactory, session: AsyncSession, mode: str
) -> None:
    with running_gateway() as (gateway, url):
        app = make_app(sms_sender="http", sms_gateway_url=url, sms_gateway_timeout_seconds=0.5)
        gateway.mode = mode
        async with client_for(app) as client:
            answered = await client.post("/v1/auth/otp", json={"phone": PHONE})
        received = gateway.received
    assert answered.status_code == 503 and answered.json()["code"] == "sms_unavailable"
    assert received == 1
    assert await challenges_for(session) == 0
