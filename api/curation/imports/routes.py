"""Operators' bulk import and export of listings."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status

from api.curation.formats.spreadsheets import MAX_BYTES, MAX_ROWS
from api.curation.imports import uploads
from api.curation.imports.export import MEDIA_TYPES, ExportFormat, export_places
from api.curation.imports.jobs import ImportRunner
from api.curation.imports.schemas import ImportPage, ImportReport
from api.curation.places.filters import PlaceFiltersDep
from api.db import ReadSessionDep, SessionDep
from api.deps import Operator
from api.http import PathId, no_store
from api.pagination import CursorParam, LimitParam

router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])

JOB_ABOVE_ROWS = uploads.JOB_ABOVE_ROWS
# Room in the request body around the file: the multipart boundaries, part headers and the two form fields.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = MAX_BYTES + MULTIPART_OVERHEAD_BYTES


def runner(request: Request) -> ImportRunner:
    return request.app.state.imports


@router.post(
    "/imports",
    response_model=ImportReport,
    responses={
        202: {
            "model": ImportReport,
            "description": "A large file: the job runs; poll `Location` for its report",
            "headers": {"Location": {"description": "/v1/manage/imports/{id}", "schema": {"type": "string"}}},
        },
        413: {
            "description": "More than 10 MiB or 20,000 rows, or an XLSX that unpacks too large (`file_too_large`); "
            "a body far past 10 MiB is cut off as it arrives (`payload_too_large`)"
        },
        415: {"description": "Neither CSV nor XLSX (`unsupported_file_type`)"},
        422: {"description": "Unreadable (`unreadable_file`) or lacking a required column (`missing_columns`)"},
    },
)
async def import_places(
    operator: Operator,
    request: Request,
    response: Response,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX, up to 10 MiB")],
    dry_run: Annotated[bool, Form(description="Check and count only: nothing is written.")] = False,
    publish: Annotated[bool, Form(description="Publish the complete rows (the others stay drafts).")] = False,
) -> ImportReport:
    """Import listings from a spreadsheet with a header row (columns in the README: English keys or Chinese
    headings). Every row is checked first; then the valid rows are written in one transaction, as drafts or,
    with `publish`, published when complete. A row whose `source_id` names a listing of its district updates it;
    importing the same file again changes nothing. Files of up to 2,000 rows answer with the report at once;
    larger ones answer 202 with `Location: /v1/manage/imports/{id}`, the report to poll."""
    data = await file.read(MAX_BYTES + 1)
    taken = await uploads.take_upload(
        session,
        operator,
        runner(request),
        request.app.state.database,
        data,
        file.filename,
        file.content_type,
        dry_run=dry_run,
        publish=publish,
    )
    if taken.in_background:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"/v1/manage/imports/{taken.job.id}"
    return uploads.report(taken.job, runner(request))


@router.get(
    "/imports/{job_id}", response_model=ImportReport, responses={404: {"description": "Not an import of yours"}}
)
async def get_import(operator: Operator, job_id: PathId, request: Request, session: ReadSessionDep) -> ImportReport:
    """An import's report: its status and progress (`rows_done` of `rows_total`) while it runs, then its counts
    and each row's errors and warnings. Only the operator who uploaded it (and admins) see it."""
    job = await uploads.reachable_job(session, operator, job_id)
    return uploads.report(job, runner(request))


@router.get("/imports", response_model=ImportPage)
async def list_imports(
    operator: Operator, session: ReadSessionDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> ImportPage:
    """Your imports, newest first (without their issues: see each report)."""
    items, next_cursor = await uploads.recent_jobs(session, operator, limit=limit, cursor=cursor)
    return ImportPage(items=items, next_cursor=next_cursor)


@router.get(
    "/places/export",
    response_class=Response,
    responses={
        200: {"content": {media_type.split(";")[0]: {} for media_type in MEDIA_TYPES.values()}},
        403: {"description": "A district that is not yours"},
        422: {"description": f"More than {MAX_ROWS} listings match (`too_many_rows`): narrow the filters"},
    },
)
async def export_listings(
    operator: Operator,
    filters: PlaceFiltersDep,
    session: ReadSessionDep,
    format: Annotated[ExportFormat, Query(description="csv (UTF-8 with BOM) or xlsx")] = "csv",  # noqa: A002
) -> Response:
    """The listings you may curate that pass the filters (those of GET /v1/manage/places), in the import's
    columns with English keys as headings, coordinates in WGS-84: the file imports back with no changes. Cells a
    spreadsheet would run as a formula are escaped with a leading `'` (and unescaped on import)."""
    content, filename = await export_places(session, operator, filters, format)
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
