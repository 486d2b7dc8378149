"""District operators' imports: upload a file, read the dry run's report, apply the same file, follow a job.

Every upload is a dry run first (the import service's `dry_run`); the file is kept on the server (held_files says
why) until the operator applies it from the report. Files past the service's threshold become background jobs:
their page polls a fragment until the job ends.
"""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.console.auth import ConsoleOperator, ConsoleUser
from api.console.i18n import N_, language_of, problem_text, text
from api.console.imports import held_files
from api.console.notices import register
from api.console.rendering import is_htmx, next_page_url, redirect, render
from api.curation.formats.spreadsheets import MAX_BYTES
from api.curation.imports import uploads
from api.curation.imports.jobs import ImportRunner
from api.db import ReadSessionDep, SessionDep, attempt
from api.errors import AppError
from api.http import PathId
from api.pagination import CursorParam
from models import ImportJob

router = APIRouter(prefix="/console/imports", include_in_schema=False)

FILE_FIELD = "file"
RECENT = 20
# A report shows this many problems, errors first: a large file can have a warning on every row, and a page of
# thousands of rows helps no one (the API's report has them all).
ISSUES_SHOWN = 200
FINISHED = ("succeeded", "failed")

register(
    {
        "import_checked": N_("The file was checked; nothing was written yet."),
        "import_applied": N_("The file was imported."),
        "import_running": N_("The file is being imported in the background; this page follows it."),
    }
)


def _runner(request: Request) -> ImportRunner:
    return request.app.state.imports


def _upload_errors(request: Request, error: AppError) -> dict[str, list[str]]:
    """The refusal beside the file field: what is wrong with the file, then each column it names."""
    language = language_of(request)
    messages = [problem_text(language, error.code, error.detail)]
    for item in error.errors or []:
        location = [str(part) for part in item.get("loc") or []]
        messages.append(f"{location[-1] if location else ''}: {item.get('msg', '')}")
    return {FILE_FIELD: messages}


async def _index(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,  # a writing session too, when a refused upload is shown
    *,
    cursor: str | None = None,
    errors: dict[str, list[str]] | None = None,
    publish: bool = False,
    status: int = 200,
) -> Response:
    jobs, next_cursor = await uploads.recent_jobs(session, user.principal, limit=RECENT, cursor=cursor)
    return render(
        request,
        "imports/index.html",
        {
            "jobs": jobs,
            "next_url": next_page_url(request, next_cursor),
            "errors": errors or {},
            "publish": publish,
            "max_mib": MAX_BYTES // 2**20,
        },
        status=status,
    )


def _holding_folder(request: Request) -> Path:
    return request.app.state.settings.held_imports_dir


@router.get("")
async def imports_page(
    request: Request, user: ConsoleOperator, session: ReadSessionDep, cursor: CursorParam = None
) -> Response:
    return await _index(request, user, session, cursor=cursor)


@router.post("")
async def check_file(
    request: Request,
    user: ConsoleOperator,
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    publish: Annotated[bool, Form()] = False,
) -> Response:
    """The dry run of the uploaded file; the file is kept for the apply."""
    if file is None or not file.filename:
        errors = {FILE_FIELD: [text(request, N_("Choose a CSV or XLSX file to check."))]}
        return await _index(request, user, session, errors=errors, publish=publish, status=422)
    data = await file.read(MAX_BYTES + 1)
    taken, error = await attempt(
        session,
        uploads.take_upload(
            session,
            user.principal,
            _runner(request),
            request.app.state.database,
            data,
            file.filename,
            file.content_type,
            dry_run=True,
            publish=publish,
        ),
    )
    if error is not None or taken is None:
        assert error is not None
        return await _index(
            request, user, session, errors=_upload_errors(request, error), publish=publish, status=error.status
        )
    job_id = taken.job.id
    assert job_id is not None
    await held_files.hold(
        _holding_folder(request),
        user.principal.user_id,
        job_id,
        held_files.HeldFile(data, file.filename, file.content_type),
    )
    return redirect(request, f"/console/imports/{job_id}", notice="import_checked")


def _job_context(request: Request, user: ConsoleUser, job: ImportJob) -> dict:
    report = uploads.report(job, _runner(request))
    assert job.id is not None
    issues = sorted(report.issues, key=lambda issue: issue.severity != "error")
    return {
        "report": report,
        "issues": issues[:ISSUES_SHOWN],
        "errors_found": sum(issue.severity == "error" for issue in issues),
        "warnings_found": sum(issue.severity == "warning" for issue in issues),
        "finished": report.status in FINISHED,
        "may_apply": report.dry_run
        and report.status == "succeeded"
        and job.actor_id == user.principal.user_id
        and held_files.is_held(_holding_folder(request), user.principal.user_id, job.id),
        "percent": round(100 * report.rows_done / report.rows_total) if report.rows_total else 0,
    }


@router.get("/{job_id}")
async def job_page(request: Request, user: ConsoleOperator, job_id: PathId, session: ReadSessionDep) -> Response:
    job = await uploads.reachable_job(session, user.principal, job_id)
    return render(request, "imports/job.html", _job_context(request, user, job))


@router.get("/{job_id}/state")
async def job_state(request: Request, user: ConsoleOperator, job_id: PathId, session: ReadSessionDep) -> Response:
    """The part of the job's page that changes (htmx polls it while the job runs); a browser without htmx gets the
    whole page."""
    job = await uploads.reachable_job(session, user.principal, job_id)
    template = "imports/_job_state.html" if is_htmx(request) else "imports/job.html"
    return render(request, template, _job_context(request, user, job))


@router.post("/{job_id}/apply")
async def apply_file(request: Request, user: ConsoleOperator, job_id: PathId, session: SessionDep) -> Response:
    """Import for real the file this dry run checked, with the dry run's choice to publish. Applying twice (two
    clicks, two tabs) is harmless: the import service finds the listings of the first and changes nothing."""
    dry_run = await uploads.reachable_job(session, user.principal, job_id)
    held = await held_files.held(_holding_folder(request), user.principal.user_id, job_id)
    if not dry_run.dry_run or dry_run.status != "succeeded" or held is None:
        context = _job_context(request, user, dry_run)
        context["apply_problem"] = N_("This file is no longer kept for applying: upload it again.")
        return render(request, "imports/job.html", context, status=409)
    taken, error = await attempt(
        session,
        uploads.take_upload(
            session,
            user.principal,
            _runner(request),
            request.app.state.database,
            held.data,
            held.filename,
            held.content_type,
            dry_run=False,
            publish=dry_run.publish,
        ),
    )
    if error is not None or taken is None:
        assert error is not None
        context = _job_context(request, user, dry_run)
        context["apply_errors"] = _upload_errors(request, error)[FILE_FIELD]
        return render(request, "imports/job.html", context, status=error.status)
    await held_files.release(_holding_folder(request), user.principal.user_id, job_id)
    notice = "import_running" if taken.in_background else "import_applied"
    return redirect(request, f"/console/imports/{taken.job.id}", notice=notice)
