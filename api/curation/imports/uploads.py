"""An uploaded file taken in as an import: read, checked, and run at once or handed to a background job; and the
reads of an operator's imports. The API's routes and the console call these, so that both take files alike."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.formats.spreadsheets import MAX_BYTES, read_table
from api.curation.imports.columns import match_header
from api.curation.imports.jobs import ImportRunner
from api.curation.imports.schemas import ImportReport, ImportSummary
from api.curation.imports.service import import_table
from api.db import Database, after_commit
from api.deps import Principal
from api.errors import FileTooLarge, NotFound
from api.pagination import rows_by_id
from models import ImportJob

# Files with more data rows than this run as a background job (202): a request should not wait that long.
JOB_ABOVE_ROWS = 2_000


@dataclass(frozen=True)
class Taken:
    """The import made of an upload: its job, finished already or (`in_background`) queued to run after commit."""

    job: ImportJob
    in_background: bool


def refuse_too_large(data: bytes) -> None:
    """For a caller that read at most MAX_BYTES + 1 bytes of the file."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"the file may be at most {MAX_BYTES // 2**20} MiB")


async def take_upload(
    session: AsyncSession,
    principal: Principal,
    runner: ImportRunner,
    database: Database,
    data: bytes,
    filename: str | None,
    content_type: str | None,
    *,
    dry_run: bool,
    publish: bool,
) -> Taken:
    """Read the file (413 too large, 415 not CSV or XLSX, 422 unreadable or lacking a required column) and import
    it: a file of up to JOB_ABOVE_ROWS rows here and now, a larger one as a job started once this transaction
    commits."""
    refuse_too_large(data)
    # Reading a large workbook takes a while: not on the event loop, where every other request waits.
    table = await asyncio.to_thread(read_table, data, filename, content_type)
    header = match_header(table.header)
    job = ImportJob(
        actor_id=principal.user_id,
        filename=(filename or "upload")[:200],
        file_format=table.file_format,
        encoding=table.encoding,
        dry_run=dry_run,
        publish=publish,
        rows_total=len(table.rows),
        status="queued",
    )
    session.add(job)
    await session.flush()
    if len(table.rows) > JOB_ABOVE_ROWS:
        job_id = job.id
        assert job_id is not None

        async def start() -> None:
            runner.start(database, job_id, principal, table, header)

        after_commit(session, start)
        return Taken(job, in_background=True)
    job.status, job.started_at = "running", datetime.now(UTC)
    await import_table(session, principal, job, table, header)
    job.status, job.finished_at = "succeeded", datetime.now(UTC)
    await session.flush()
    return Taken(job, in_background=False)


async def reachable_job(session: AsyncSession, principal: Principal, job_id: int) -> ImportJob:
    """An import of this operator's (any, for an admin); 404 otherwise."""
    job = await session.get(ImportJob, job_id)
    if job is None or (job.actor_id != principal.user_id and principal.role != "admin"):
        raise NotFound(f"there is no import {job_id} of yours")
    return job


def report(job: ImportJob, runner: ImportRunner) -> ImportReport:
    """The job's report, with the progress of a job this process is running."""
    answer = ImportReport.model_validate(job, from_attributes=True)
    if job.status == "running" and job.id is not None and (rows_done := runner.rows_done(job.id)) is not None:
        answer.rows_done = rows_done
    return answer


async def recent_jobs(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[ImportSummary], str | None]:
    """The operator's own imports, newest first (without their issues)."""
    statement = select(ImportJob).where(ImportJob.actor_id == principal.user_id)
    jobs, next_cursor = await rows_by_id(
        session, statement, ImportJob.id, kind="imports", limit=limit, cursor=cursor, newest_first=True
    )
    return [ImportSummary.model_validate(job, from_attributes=True) for job in jobs], next_cursor
