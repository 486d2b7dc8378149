"""What /metrics holds, added up over every worker of this instance.

The request counters and latencies (api.observability), the SMS sends (api.accounts.sms), the connections each
database pool has handed out and `svcdir_instance_info{instance=...}` live in prometheus_client's registry; with
`svcdir serve --workers N` the workers write them to files in PROMETHEUS_MULTIPROC_DIR (set up by the command) and
the worker that answers a scrape adds them all up. The overdue feedback and the days the holiday calendar covers
are worked out at scrape time (one small query), and left out, with a log line, when the database does not answer.
"""

import asyncio
import functools
import os
import shutil
import socket
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Metric,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.pool import Pool
from starlette.requests import Request
from starlette.responses import Response

from api.calendar import health as calendar_health
from api.config import Settings
from api.db import Database
from api.feedback.stats import overdue_count

logger = structlog.get_logger(__name__)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SCRAPE_QUERY_SECONDS = 2.0
DRIVER_POOL = "driver"
DRIVER_SAMPLE_SECONDS = 5.0

INSTANCE = Gauge(
    "svcdir_instance_info",
    "1, labelled with the instance (INSTANCE_NAME, or hostname:port) whose workers these figures add up",
    ["instance"],
    multiprocess_mode="max",
)
POOL_IN_USE = Gauge(
    "svcdir_db_pool_connections_in_use",
    "Connections checked out of a SQLAlchemy pool (primary: transactions; read: reads outside one, and public reads "
    "unless a replica takes them: replica) or held by the driver-level public reads (driver; sampled every few "
    "seconds), all workers",
    ["pool"],
    multiprocess_mode="livesum",
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def prepare_multiprocess_dir(settings: Settings) -> Path:
    """An empty directory for the workers' metric files (METRICS_DIR emptied of old ones, or a new temporary one),
    set in the environment: call before the workers start, so that they import prometheus_client with it."""
    directory = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="svcdir-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.db"):
        old.unlink()
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(directory)
    return directory


def remove_multiprocess_dir(directory: Path, settings: Settings) -> None:
    if settings.metrics_dir is None:
        shutil.rmtree(directory, ignore_errors=True)


def instance_name(settings: Settings) -> str:
    return settings.instance_name or f"{socket.gethostname()}:{settings.port}"


def mark_instance(settings: Settings) -> None:
    INSTANCE.labels(instance_name(settings)).set(1)


_POOLS: dict[str, "weakref.WeakSet[Pool]"] = {}


def track_database(database: Database) -> None:
    """Report the connections its pools have handed out (and not yet taken back), by pool; once per database."""
    engines = [("primary", database.engine), ("read", database.read_engine)]
    if database.public_engine is not database.read_engine:
        engines.append(("replica", database.public_engine))
    for name, engine in engines:
        pool = engine.sync_engine.pool
        pools = _POOLS.setdefault(name, weakref.WeakSet())
        if pool in pools or not hasattr(pool, "checkedout"):
            continue
        pools.add(pool)
        event.listen(pool, "checkout", functools.partial(_pool_changed, name, 0))
        # Told before the connection is back in the pool: it still counts.
        event.listen(pool, "checkin", functools.partial(_pool_changed, name, 1))
        event.listen(pool, "detach", functools.partial(_pool_changed, name, 0))
        _pool_changed(name, 0)


async def sample_driver_reads(database: Database, every_seconds: float = DRIVER_SAMPLE_SECONDS) -> None:
    """Report the driver-level read connections (api.readers) in use, every few seconds: counting them at each
    read would cost the hottest reads more than the read itself spends in the pool."""
    while True:
        _driver_reads_changed(database)
        await asyncio.sleep(every_seconds)


def _driver_reads_changed(database: Database) -> None:
    in_use = getattr(database.reader, "connections_in_use", None)  # PostgreSQL only: SQLite reads in the loop's thread
    if in_use is not None:
        POOL_IN_USE.labels(DRIVER_POOL).set(in_use)


def _pool_changed(name: str, returning: int, *_: object) -> None:
    # A pool disposed while connections were out (an engine's dispose) counts below zero once they come back:
    # it must not cancel the connections the pools in use hand out.
    in_use = sum(max(pool.checkedout(), 0) for pool in _POOLS[name]) - returning
    POOL_IN_USE.labels(name).set(max(in_use, 0))


def worker_ends() -> None:
    """This worker's live gauges no longer count (prometheus_client's multiprocess mode)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process holds that id now
    return True


def forget_dead_workers(directory: str) -> list[int]:
    """The workers that ended without `worker_ends` (killed, crashed): their live gauges stop counting, as if they
    had ended cleanly. The processes whose files were dropped."""
    dead = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid_text = path.stem.rpartition("_")[2]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            dead.add(int(pid_text))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return sorted(dead)


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def _scrape_time_families(request: Request) -> list[Metric]:
    families: list[Metric] = [
        GaugeMetricFamily(
            "svcdir_holiday_calendar_days_ahead",
            "Days from today (Shanghai) to the last day of the holiday calendar's unbroken run of known years",
            value=calendar_health.days_ahead(),
        )
    ]
    database = getattr(request.app.state, "database", None)
    if database is None:
        return families
    track_database(database)
    for name in _POOLS:
        _pool_changed(name, 0)  # this worker's figure exact at least
    _driver_reads_changed(database)
    try:
        async with asyncio.timeout(SCRAPE_QUERY_SECONDS), database.read_sessionmaker() as session:
            overdue = await overdue_count(session)
    except Exception as exc:  # noqa: BLE001  (a scrape never fails for the database: the gauge is left out)
        logger.warning("metrics_overdue_feedback_unavailable", error=type(exc).__name__)
    else:
        overdue_doc = "Open feedback past its deadline, all districts"
        families.append(GaugeMetricFamily("svcdir_feedback_overdue", overdue_doc, value=overdue))
    return families


async def metrics_endpoint(request: Request) -> Response:
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Fixed(await _scrape_time_families(request)))
    if directory := multiprocess_dir():
        forget_dead_workers(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    return Response(counted + generate_latest(scraped), media_type=CONTENT_TYPE_LATEST)
