"""A real HTTP server on a local port standing in for Aliyun's or Tencent Cloud's SMS endpoint: it records every
request as it arrives and answers as the provider documents (or as the test tells it to)."""

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from models import OtpChallenge
from tests.accounts.gateway import free_port

# Made up for the tests: no provider knows them.
ALIYUN_KEY_ID, ALIYUN_KEY_SECRET = "test-access-key-id", "test-access-key-secret"
TENCENT_SECRET_ID, TENCENT_SECRET_KEY = "test-secret-id", "test-secret-key"


@dataclass
class Received:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str:
        return dict(self.query)[name]


def aliyun_ok() -> tuple[int, dict]:
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900000000000000000^0", "RequestId": "standin-aliyun-1"}


def aliyun_error(code: str, message: str, status: int = 200) -> tuple[int, dict]:
    return status, {"Code": code, "Message": message, "RequestId": "standin-aliyun-2"}


def tencent_ok(phone: str = "+8613700000000") -> tuple[int, dict]:
    status = {"SerialNo": "standin-serial", "PhoneNumber": phone, "Fee": 1, "SessionContext": "", "Code": "Ok"}
    status |= {"Message": "send success", "IsoCode": "CN"}
    return 200, {"Response": {"SendStatusSet": [status], "RequestId": "standin-tencent-1"}}


def tencent_send_status(code: str, message: str) -> tuple[int, dict]:
    status = {"SerialNo": "", "PhoneNumber": "+8613700000000", "Fee": 0, "SessionContext": "", "Code": code}
    status |= {"Message": message, "IsoCode": "CN"}
    return 200, {"Response": {"SendStatusSet": [status], "RequestId": "standin-tencent-2"}}


def tencent_error(code: str, message: str) -> tuple[int, dict]:
    return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "standin-tencent-3"}}


@dataclass
class StandIn:
    """`answers` are given out in turn (the last one again and again); "stall" holds the request without answering
    until the test ends."""

    default: tuple[int, dict]
    answers: list[tuple[int, dict] | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    async def endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        self.received.append(
            Received(
                request.method,
                request.url.path,
                parse_qsl(request.url.query, keep_blank_values=True),
                {name.lower(): value for name, value in request.headers.items()},
                body,
            )
        )
        answer = self.answers.pop(0) if len(self.answers) > 1 else (self.answers[0] if self.answers else self.default)
        if answer == "stall":
            await asyncio.to_thread(self.released.wait, 60)
            answer = self.default
        status, payload = answer
        return JSONResponse(payload, status_code=status)


@contextmanager
def serving(standin: StandIn, port: int | None = None) -> Iterator[str]:
    """The stand-in on 127.0.0.1 (on `port` if given); yields its endpoint, http://127.0.0.1:port."""
    port = port or free_port()
    app = Starlette(routes=[Route("/", standin.endpoint, methods=["GET", "POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        standin.released.set()
        server.should_exit = True
        thread.join(timeout=10)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_signature_holds(request: Received, secret_key: str = TENCENT_SECRET_KEY) -> bool:
    """TC3-HMAC-SHA256 as Tencent Cloud documents it, computed here from what arrived."""
    authorization = request.headers["authorization"]
    algorithm, _, fields = authorization.partition(" ")
    parts = dict(part.strip().split("=", 1) for part in fields.split(","))
    scope = parts["Credential"].split("/", 1)[1]  # date/service/tc3_request
    date, service, _ = scope.split("/")
    signed = parts["SignedHeaders"].split(";")
    canonical_request = "\n".join(
        [
            request.method,
            request.path,
            "",
            "".join(f"{name}:{request.headers[name]}\n" for name in signed),
            parts["SignedHeaders"],
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        [algorithm, request.headers["x-tc-timestamp"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "TC3-HMAC-SHA256" and hmac.compare_digest(expected, parts["Signature"])


def aliyun_signature_holds(request: Received, secret: str = ALIYUN_KEY_SECRET) -> bool:
    """ACS3-HMAC-SHA256 (Alibaba Cloud's V3 signature), computed here from what arrived."""
    algorithm, _, fields = request.headers["authorization"].partition(" ")
    parts = dict(part.strip().split("=", 1) for part in fields.split(","))
    signed = parts["SignedHeaders"].split(";")
    query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(request.query))
    canonical_request = "\n".join(
        [
            request.method,
            request.path,
            query,
            "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed),
            parts["SignedHeaders"],
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    string_to_sign = f"{algorithm}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "ACS3-HMAC-SHA256" and hmac.compare_digest(expected, parts["Signature"])


PHONE = "13700001234"
SIGN_NAME = "上海服务"


def aliyun_settings(endpoint: str, **more: object) -> dict[str, object]:
    return {
        "sms_sender": "aliyun",
        "sms_aliyun_access_key_id": ALIYUN_KEY_ID,
        "sms_aliyun_access_key_secret": ALIYUN_KEY_SECRET,
        "sms_aliyun_sign_name": SIGN_NAME,
        "sms_aliyun_template_code": "SMS_TEST_TEMPLATE",
        "sms_aliyun_endpoint": endpoint,
        **more,
    }


def tencent_settings(endpoint: str, **more: object) -> dict[str, object]:
    return {
        "sms_sender": "tencent",
        "sms_tencent_secret_id": TENCENT_SECRET_ID,
        "sms_tencent_secret_key": TENCENT_SECRET_KEY,
        "sms_tencent_sdk_app_id": "test-sdk-app",
        "sms_tencent_sign_name": SIGN_NAME,
        "sms_tencent_template_id": "test-template",
        "sms_tencent_endpoint": endpoint,
        **more,
    }


PROVIDER_SETTINGS = {"aliyun": aliyun_settings, "tencent": tencent_settings}
PROVIDER_OK = {"aliyun": aliyun_ok(), "tencent": tencent_ok()}


def sent_code(provider: str, request: Received) -> str:
    if provider == "aliyun":
        return json.loads(request.param("TemplateParam"))["code"]
    return json.loads(request.body)["TemplateParamSet"][0]


def counted(name: str, sender: str) -> float:
    return REGISTRY.get_sample_value(f"svcdir_sms_{name}_total", {"sender": sender}) or 0.0


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def sms_log_lines(capfd: pytest.CaptureFixture[str]) -> list[str]:
    """The app's log lines about sending (what an operator reads), without their timestamps."""
    out, err = capfd.readouterr()
    return [line.split(" ", 1)[-1] for line in (out + err).splitlines() if "sms_send" in line]


async def challenges_for(session: AsyncSession, phone: str = PHONE) -> int:
    return await session.scalar(select(func.count()).select_from(OtpChallenge).where(OtpChallenge.phone == phone))
