"""The console in a real browser: the app served by uvicorn on a port of its own, on a database of its own (migrated
and seeded, committed for real), driven by Playwright in Debian's chromium.

Staff of every role sign in once per run (`signed_in`); a test that signs out or is refused a sign-in makes its
own session with `sign_in` instead, so that it ends no one else's.
"""

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from api.accounts import staff
from api.config import Settings
from api.db import Database
from api.lifecycle import migrate
from api.main import create_app
from seed.loader import load_seed
from tests.accounts.conftest import STAFF_PASSWORD
from tests.conftest import app_settings
from tests.console.browser import CHROMIUM, CHROMIUM_ARGUMENTS, DESKTOP, RESIDENT_TEST_NUMBERS, StaffLogin, sign_in
from tests.databases import blank_database

# The districts the operators of the tests hold: both have published listings in the seed.
HOME_DISTRICT = "310104"
OTHER_DISTRICT = "310115"


@dataclass
class ConsoleServer:
    base_url: str
    database_url: str
    settings: Settings


class _ThreadedServer:
    """uvicorn on its own thread and event loop, so that the app runs as in production beside the test's loop."""

    def __init__(self, settings: Settings) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, loop="asyncio", log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="console-server", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console's test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
async def console_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ConsoleServer]:
    async with blank_database(backend, tmp_path_factory.mktemp(f"console-{backend}")) as url:
        await asyncio.to_thread(migrate, url)
        database = Database(Settings(database_url=url, app_env="test"))
        async with database.sessionmaker() as session, session.begin():
            await load_seed(session)
        await database.dispose()
        settings = app_settings(url, otp_test_numbers=RESIDENT_TEST_NUMBERS)
        server = _ThreadedServer(settings)
        await asyncio.to_thread(server.start)
        try:
            yield ConsoleServer(f"http://127.0.0.1:{server.port}", url, settings)
        finally:
            await asyncio.to_thread(server.stop)


@pytest.fixture(scope="session")
async def console_database(console_server: ConsoleServer) -> AsyncIterator[Database]:
    """The console server's database, from the test's side (to arrange what a test needs, and to check it)."""
    database = Database(Settings(database_url=console_server.database_url, app_env="test"))
    yield database
    await database.dispose()


StaffMaker = Callable[..., Awaitable[StaffLogin]]


@pytest.fixture(scope="session")
def make_staff(console_server: ConsoleServer, console_database: Database) -> StaffMaker:
    """A new staff account on the console's database, made through the real service."""
    hasher = create_app(console_server.settings).state.accounts.hasher

    async def make(role: str, districts: tuple[str, ...] = (), name: str | None = None) -> StaffLogin:
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        if role == "operator" and not districts:
            districts = (HOME_DISTRICT,)
        async with console_database.sessionmaker() as session, session.begin():
            account = await staff.create_staff(
                session,
                hasher,
                username=username,
                password=STAFF_PASSWORD,
                role=role,
                districts=districts,
                display_name=name,
            )
        return StaffLogin(account.id, username, STAFF_PASSWORD, role, districts)

    return make


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS)
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
async def staff_logins(make_staff: StaffMaker) -> dict[str, StaffLogin]:
    """One account of each kind for the whole run: an admin, a reviewer, an operator of HOME_DISTRICT and one of
    OTHER_DISTRICT."""
    return {
        "admin": await make_staff("admin", name="测试管理员"),
        "reviewer": await make_staff("reviewer", name="测试审核员"),
        "operator": await make_staff("operator", (HOME_DISTRICT,), name="徐汇运营"),
        "other_operator": await make_staff("operator", (OTHER_DISTRICT,), name="浦东运营"),
    }


@pytest.fixture(scope="session")
async def signed_in_states(
    browser: Browser, console_server: ConsoleServer, staff_logins: dict[str, StaffLogin]
) -> dict[str, Any]:
    """Each account's signed-in cookies, taken once: new contexts start signed in without another sign-in (the
    sign-in limit per address would otherwise be spent by the suite)."""
    states: dict[str, Any] = {}
    for name, login in staff_logins.items():
        context = await browser.new_context(**DESKTOP)
        page = await context.new_page()
        await sign_in(page, console_server.base_url, login)
        states[name] = await context.storage_state()
        await context.close()
    return states


ContextMaker = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def new_context(browser: Browser, console_server: ConsoleServer) -> AsyncIterator[ContextMaker]:
    """Browser contexts for one test (closed after it): `await new_context()` signed out, or
    `await new_context(state)` with cookies from `signed_in_states`."""
    opened: list[BrowserContext] = []

    async def make(storage_state: Any = None, **options: Any) -> BrowserContext:
        context = await browser.new_context(
            base_url=console_server.base_url, storage_state=storage_state, **{**DESKTOP, **options}
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        await context.close()


@pytest.fixture
async def signed_in(new_context: ContextMaker, signed_in_states: dict[str, Any]) -> Callable[[str], Awaitable[Page]]:
    """A page signed in as "admin", "reviewer", "operator" or "other_operator"."""

    async def page_of(who: str, **options: Any) -> Page:
        context = await new_context(signed_in_states[who], **options)
        return await context.new_page()

    return page_of


@pytest.fixture
async def api(console_server: ConsoleServer) -> AsyncIterator[httpx.AsyncClient]:
    """The JSON API of the same server, as the residents' app calls it."""
    async with httpx.AsyncClient(base_url=console_server.base_url, timeout=30) as client:
        yield client
