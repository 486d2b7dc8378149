"""Tell every instance on one PostgreSQL that some data changed: LISTEN/NOTIFY, for caches kept per process.

A writer calls `notify(session, channel)` inside its transaction; PostgreSQL delivers the notification only when
that transaction commits (a rolled-back one sends nothing). Each app process runs one `NotificationListener` on a
connection of its own, outside every pool, which calls the callback given for the channel (a coroutine function's
call runs as a task of its own, so a slow one never holds up the next notification). Nothing is paid per
request. While the listener's connection is down notifications are lost, so every callback also runs each time it
(re)connects. On SQLite (one process) nothing is sent and nothing listens.

A neutral layer: it knows channels by name and callbacks only, no domain.
"""

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

logger = structlog.get_logger(__name__)
APPLICATION_NAME = "svcdir-notifications"  # the listener's connection, as pg_stat_activity shows it


def _is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def plain_dsn(database_url: str) -> str:
    """`postgresql+asyncpg://…` as asyncpg itself takes it (`postgresql://…`)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def notify(session: AsyncSession, channel: str, payload: str = "") -> None:
    """Send `channel` when this session's transaction commits (PostgreSQL); nothing on another database."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


class NotificationListener:
    """Calls `callbacks[channel]()` when a notification of `channel` arrives, and all of them on each (re)connection.

    `start()` in the app's lifespan, `aclose()` at shutdown. The connection is checked every `ping_seconds`
    (a connection dropped without a word is noticed then); a lost one is opened again with a growing pause."""

    def __init__(
        self,
        database_url: str,
        callbacks: Mapping[str, Callable[[], object]],
        *,
        ping_seconds: float = 30.0,
        first_pause_seconds: float = 0.5,
        longest_pause_seconds: float = 30.0,
    ) -> None:
        self.enabled = _is_postgresql(database_url)
        self._dsn = plain_dsn(database_url) if self.enabled else ""
        self._callbacks = dict(callbacks)
        self._ping_seconds = ping_seconds
        self._first_pause = first_pause_seconds
        self._longest_pause = longest_pause_seconds
        self._task: asyncio.Task[None] | None = None
        self._callback_tasks: set[asyncio.Task[object]] = set()
        # Set while the channels are listened to (tests wait for it).
        self.listening = asyncio.Event()

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="notification-listener")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        for running in (task, *self._callback_tasks):
            running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.gather(*self._callback_tasks, return_exceptions=True)

    def _call_all(self) -> None:
        for channel in self._callbacks:
            self._call(channel)

    def _call(self, channel: str) -> None:
        callback = self._callbacks.get(channel)
        if callback is None:
            return
        try:
            outcome = callback()
        except Exception:
            logger.exception("notification_callback_failed", channel=channel)
            return
        if inspect.isawaitable(outcome):
            task = asyncio.ensure_future(self._awaited(channel, outcome))
            self._callback_tasks.add(task)
            task.add_done_callback(self._callback_tasks.discard)

    @staticmethod
    async def _awaited(channel: str, outcome: Awaitable[object]) -> None:
        try:
            await outcome
        except Exception:
            logger.exception("notification_callback_failed", channel=channel)

    def _deliver(self, _connection: object, _pid: int, channel: str, _payload: str) -> None:
        self._call(channel)

    async def _run(self) -> None:
        pause = self._first_pause
        while True:
            try:
                connection = await asyncpg.connect(
                    self._dsn, timeout=10, server_settings={"application_name": APPLICATION_NAME}
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                logger.warning("notification_listener_unavailable", error=type(error).__name__, retry_in=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._longest_pause)
                continue
            try:
                await self._listen(connection)
                pause = self._first_pause  # it was up: the next loss is a new outage
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                logger.warning("notification_listener_lost", error=type(error).__name__, retry_in=pause)
            finally:
                self.listening.clear()
                if not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._longest_pause)

    async def _listen(self, connection: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        for channel in self._callbacks:
            await connection.add_listener(channel, self._deliver)
        # Whatever was notified while no connection listened is unknown: every cache starts over.
        self._call_all()
        self.listening.set()
        logger.info("notification_listener_ready", channels=sorted(self._callbacks))
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), timeout=self._ping_seconds)
            except TimeoutError:
                await connection.execute("SELECT 1", timeout=10)
