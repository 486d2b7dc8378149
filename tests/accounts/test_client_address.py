"""Per-address limits count each resident, behind a trusted load balancer too, and X-Forwarded-For from anyone else
is ignored."""

import httpx
import pytest
from pydantic import ValidationError

from api.config import Settings
from tests.conftest import AppFactory

LOAD_BALANCER = "10.20.0.7"


def _client(app, address: str) -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://t")


async def _ask_codes(client: httpx.AsyncClient, first_phone: int, count: int, forwarded_for: str | None) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    answers = []
    for n in range(count):
        phone = f"1390000{first_phone + n:04d}"
        answers.append((await client.post("/v1/auth/otp", json={"phone": phone}, headers=headers)).status_code)
    return answers


async def test_residents_behind_a_trusted_proxy_each_get_their_own_budget(make_app: AppFactory) -> None:
    app = make_app(trusted_proxies="10.20.0.0/16, 192.0.2.1")
    async with _client(app, LOAD_BALANCER) as balancer:
        first = await _ask_codes(balancer, 0, 21, "198.51.100.1")
        second = await _ask_codes(balancer, 100, 1, "198.51.100.2")
        # A resident who forges the header gets it extended by the proxy: the proxy's entry (the rightmost that is
        # not a trusted proxy) is the one counted, so the first resident stays limited whatever they write in it.
        forged = await _ask_codes(balancer, 200, 1, "203.0.113.50, 198.51.100.1")
    assert first == [202] * 20 + [429]
    assert second == [202]
    assert forged == [429]


async def test_an_untrusted_client_cannot_spread_its_requests_over_forged_addresses(make_app: AppFactory) -> None:
    app = make_app(trusted_proxies=LOAD_BALANCER)
    async with _client(app, "203.0.113.9") as outsider:
        answers = [(await _ask_codes(outsider, n, 1, f"198.51.100.{n + 1}"))[0] for n in range(21)]
    assert answers == [202] * 20 + [429]


async def test_without_trusted_proxies_the_header_is_ignored_even_from_loopback(make_app: AppFactory) -> None:
    app = make_app(trusted_proxies="")
    async with _client(app, "127.0.0.1") as local:
        answers = [(await _ask_codes(local, n, 1, f"198.51.100.{n + 1}"))[0] for n in range(21)]
    assert answers == [202] * 20 + [429]


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "load-balancer", "*"])
def test_a_malformed_trusted_proxy_refuses_to_start(entry: str) -> None:
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings(_env_file=None, trusted_proxies=f"127.0.0.1,{entry}")
