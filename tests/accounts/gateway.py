"""A real SMS gateway stand-in: an HTTP server on a free local port that records what it is sent."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class Gateway:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.received = 0  # every request, those it failed or held included
        self.mode = "ok"  # ok | fail | slow | hold
        self.authorization: str | None = None
        # In "hold" mode a send waits, after `holding` is set, until the test sets `release`.
        self.holding = threading.Event()
        self.release = threading.Event()

    async def send(self, request: Request) -> JSONResponse:
        self.received += 1
        if self.mode == "slow":
            await asyncio.sleep(3)
        if self.mode == "hold":
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
        if self.mode == "fail":
            return JSONResponse({"error": "upstream carrier down"}, status_code=502)
        self.authorization = request.headers.get("authorization")
        self.messages.append(await request.json())
        return JSONResponse({"accepted": True})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_gateway(port: int | None = None) -> Iterator[tuple[Gateway, str]]:
    gateway = Gateway()
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=[Route("/send", gateway.send, methods=["POST"])]), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    try:
        yield gateway, f"http://127.0.0.1:{port}/send"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
