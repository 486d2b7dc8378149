"""What an operator sees of an import: its progress, its counts, and every row's problems."""

from typing import Literal

from pydantic import BaseModel, Field

from api.timestamps import ShanghaiTime


class ImportIssue(BaseModel):
    row: int = Field(description="The row's number in the file (the header is row 1, unless blank rows come first).")
    column: str | None = Field(description="The column as the file names it (`名称`, `name`); null for the whole row.")
    field: str | None = Field(description="The column's English key.")
    severity: Literal["error", "warning"] = Field(description="An error rejects the row; a warning keeps it.")
    code: str = Field(
        description="Stable: required, unknown_category, unknown_district, district_not_granted, unknown_street, "
        "invalid_coordinates, unknown_coord, invalid_opening_hours, unsupported_opening_hours, invalid_phone, "
        "invalid_website, invalid_number, unknown_accessibility, no_live_capacity, above_capacity, invalid_value, "
        "duplicate_source_id_in_file, source_id_deleted, would_be_incomplete; warnings: possible_duplicate, "
        "needs_location, street_inferred, outside_shanghai, incomplete, unknown_column."
    )
    message: str
    place_id: int | None = Field(default=None, description="The listing the row wrote (or would update).")
    duplicate_of: int | None = Field(default=None, description="For possible_duplicate: the listing it resembles.")


class ImportSummary(BaseModel):
    id: int
    status: Literal["queued", "running", "succeeded", "failed"]
    filename: str
    file_format: str
    encoding: str | None
    dry_run: bool = Field(description="true: the counts say what would happen; nothing was written.")
    publish: bool
    rows_total: int
    rows_done: int = Field(description="Rows settled so far (checked and, unless a dry run, written).")
    created: int
    updated: int
    unchanged: int
    rejected: int
    failure: str | None = Field(description="Why the job failed as a whole (nothing of it was written).")
    created_at: ShanghaiTime
    started_at: ShanghaiTime | None
    finished_at: ShanghaiTime | None


class ImportReport(ImportSummary):
    issues: list[ImportIssue]


class ImportPage(BaseModel):
    items: list[ImportSummary]
    next_cursor: str | None
