"""Large imports run in the background of the process that took the upload, each in a session of its own.

A job's writes are one transaction, committed when it has written every row: a job that fails or is cut off leaves
nothing half-written. Its progress while it writes is known to the process running it (`rows_done` in the report
that process answers); the job's row is updated when it starts and when it ends. A job left `queued` or `running`
by a process that stopped is marked failed ("interrupted") by the next start or housekeeping round, once it is
older than any import can take; one stopped with its process (a deploy, a restart) is marked at once.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.formats.spreadsheets import Table
from api.curation.imports.columns import HeaderMatch
from api.curation.imports.service import import_table
from api.db import Database, unit_of_work
from api.deps import Principal
from api.errors import AppError
from models import ImportJob

logger = structlog.get_logger(__name__)

# No import runs this long (20,000 rows take well under a minute): a job older than this that is still queued or
# running has lost its process.
JOB_TIMEOUT = timedelta(minutes=15)
INTERRUPTED = "interrupted"


async def fail_interrupted(session: AsyncSession, now: datetime | None = None) -> int:
    """Mark jobs whose process is gone as failed; the number marked."""
    now = now or datetime.now(UTC)
    result = await session.execute(
        update(ImportJob)
        .where(ImportJob.status.in_(("queued", "running")), ImportJob.created_at < now - JOB_TIMEOUT)
        .values(status="failed", failure=INTERRUPTED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def fail_interrupted_at_start(database: Database) -> None:
    """At start-up: a database that does not answer yet (or is not migrated yet) must not stop the app from
    starting; the housekeeping rounds try again."""
    try:
        async with database.sessionmaker() as session, unit_of_work(session):
            if count := await fail_interrupted(session):
                logger.warning("import_jobs_interrupted", count=count)
    except Exception:  # noqa: BLE001
        logger.warning("import_jobs_not_checked", exc_info=True)


@dataclass
class ImportRunner:
    """The jobs this process runs (kept on `app.state.imports`), with their progress."""

    tasks: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    progress: dict[int, int] = field(default_factory=dict)

    def start(self, database: Database, job_id: int, principal: Principal, table: Table, header: HeaderMatch) -> None:
        task = asyncio.create_task(self._run(database, job_id, principal, table, header), name=f"import-{job_id}")
        self.tasks[job_id] = task

        def forget(_: asyncio.Task[None]) -> None:
            self.tasks.pop(job_id, None)
            self.progress.pop(job_id, None)

        task.add_done_callback(forget)

    def rows_done(self, job_id: int) -> int | None:
        return self.progress.get(job_id) if job_id in self.tasks else None

    async def _run(
        self, database: Database, job_id: int, principal: Principal, table: Table, header: HeaderMatch
    ) -> None:
        try:
            async with database.sessionmaker() as session, unit_of_work(session):
                job = await session.get(ImportJob, job_id)
                if job is None or job.status != "queued":
                    return
                job.status, job.started_at = "running", datetime.now(UTC)
            self.progress[job_id] = 0

            async def advance(done: int) -> None:
                self.progress[job_id] = done
                await asyncio.sleep(0)  # let other requests (the polls of this job) in

            async with database.sessionmaker() as session, unit_of_work(session):
                job = await session.get(ImportJob, job_id)
                assert job is not None
                await import_table(session, principal, job, table, header, progress=advance)
                job.status, job.finished_at = "succeeded", datetime.now(UTC)
            logger.info("import_succeeded", job_id=job_id, rows=len(table.rows))
        except asyncio.CancelledError:
            await asyncio.shield(self._fail(database, job_id, INTERRUPTED))
            raise
        except AppError as error:
            await self._fail(database, job_id, error.detail[:500])
        except Exception:  # noqa: BLE001  (the job fails as a whole; its transaction was rolled back)
            logger.exception("import_failed", job_id=job_id)
            await self._fail(database, job_id, "internal error: nothing of this file was written")

    @staticmethod
    async def _fail(database: Database, job_id: int, failure: str) -> None:
        try:
            async with database.sessionmaker() as session, unit_of_work(session):
                job = await session.get(ImportJob, job_id)
                if job is not None and job.status in ("queued", "running"):
                    job.status, job.failure, job.finished_at = "failed", failure, datetime.now(UTC)
        except Exception:  # noqa: BLE001  (the next housekeeping round marks it)
            logger.exception("import_fail_not_recorded", job_id=job_id)

    async def aclose(self) -> None:
        """Stop the jobs still running (the process is stopping): each is marked failed, nothing of it written."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
