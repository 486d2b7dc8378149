"""Tables in and out of CSV and XLSX files, knowing nothing of listings: what the bulk import reads and the export
writes. Every cell comes out as stripped text; every limit is checked before the work it bounds.

Cells a spreadsheet would run as a formula are written with a leading `'` (OWASP's advice against CSV injection)
and read back without it, so an export imports back unchanged.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from api.errors import FileTooLarge, SpreadsheetError, UnreadableFile, UnsupportedFileType

__all__ = [
    "MAX_BYTES",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "FileTooLarge",
    "SpreadsheetError",
    "Table",
    "UnreadableFile",
    "UnsupportedFileType",
    "read_table",
    "write_csv",
    "write_xlsx",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
# An XLSX is a zip of XML parts. A genuine 20,000-row sheet unpacks to tens of MiB and XML deflates by a factor of
# ten or so; a zip bomb declares gigabytes, or one part that deflated a thousandfold.
MAX_XLSX_PARTS = 1_000
MAX_XLSX_UNPACKED_BYTES = 128 * 1024 * 1024
MAX_XLSX_PART_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024

SHEET_NAME = "listings"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

FileFormat = Literal["csv", "xlsx"]
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """A sheet's first non-empty row as `header`, and each later non-empty row with its row number in the file
    (`row_numbers[i]` belongs to `rows[i]`; the header's own number is `header_row_number`, 1 unless blank rows
    come first). Every row has at least as many cells as the header, more only when it holds values in columns
    without a name."""

    file_format: FileFormat
    encoding: str | None
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row_number: int = 1


# Writing -----------------------------------------------------------------------------------------------------------


def _runs_as_formula(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)


def escape_formula(value: str) -> str:
    """`'` before text a spreadsheet would take as a formula. Plain numbers such as `-31.2` stay as they are: they
    run nothing, and a number column keeps numbers. Text that already starts with quotes before such a formula
    (`'=x`) gets one more, so that unescaping gives it back whole."""
    return "'" + value if _runs_as_formula(value.lstrip("'")) else value


def unescape_formula(value: str) -> str:
    """Exactly the inverse of escape_formula on what it wrote; any other text is left alone."""
    return value[1:] if value.startswith("'") and _runs_as_formula(value.lstrip("'")) else value


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, float):
        return _number_text(value)
    return str(value)


def write_csv(header: list[str], rows: list[list[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and garbles Chinese),
    CRLF line ends, formulas escaped."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(name) for name in header])
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: list[list[Cell]]) -> bytes:
    """One sheet named `listings`; text stays text (never a formula, a number or a date), numbers stay numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)

    def cell(value: Cell) -> WriteOnlyCell:
        if not isinstance(value, str):
            return WriteOnlyCell(sheet, value=value)
        # XML cannot hold most control characters; openpyxl refuses them rather than writing a broken file.
        written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", escape_formula(value)))
        written.data_type = "s"
        return written

    sheet.append([cell(name) for name in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading -----------------------------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str | None, content_type: str | None) -> Table:
    """The first sheet of an XLSX or the table of a CSV, told apart by content; the name and type only word the
    errors. 413 `file_too_large`, 415 `unsupported_file_type`, 422 `unreadable_file` otherwise."""
    described = filename or content_type or "the file"
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"{described} has {len(data)} bytes; at most {MAX_BYTES} ({MAX_BYTES // 2**20} MiB)")
    if not data.strip():
        raise UnreadableFile(f"{described} is empty")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, described)
    if kind := _binary_kind(data):
        raise UnsupportedFileType(f"{described} is {kind}, not a spreadsheet: send CSV or XLSX")
    text, encoding = _decode(data, described)
    if text.lstrip()[:1] == "<":
        raise UnsupportedFileType(
            f"{described} is HTML or XML (some systems save such files with an .xls name): "
            "open it in Excel and save it as XLSX or CSV"
        )
    return _read_csv(text, encoding)


_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Excel (.xls) or password-protected workbook"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def _binary_kind(data: bytes) -> str | None:
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[4:8] == b"ftyp" or (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return "an image or video"
    # Text in UTF-8 or GB18030 never holds a NUL byte; UTF-16 does, but only after its byte-order mark.
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:65536]:
        return "a binary file"
    return None


def _decode(data: bytes, described: str) -> tuple[str, str]:
    """The file's text and encoding, decided by rule, never by guess. A byte-order mark names its encoding.
    Without one, strict UTF-8 comes first: ASCII is valid in both encodings and means the same, while Chinese in
    GB18030 is valid UTF-8 only by a coincidence that real text does not produce (strict decoding also refuses
    the overlong forms behind Notepad's famous 联通 mistake). Whatever is not UTF-8 must then be valid GB18030
    (a superset of GBK and GB2312, what Excel in China saves as "CSV"), or the file is refused. A statistical
    detector such as charset-normalizer scores candidate encodings instead and may pick a different one for a
    short file; here the same bytes always give the same text, in an encoding under which they are valid."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableFile(f"{described} starts as {encoding} but is not: {error.reason}") from error
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{described} is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 or as XLSX")


def _delimiter(first_line: str) -> str:
    """The header's names hold no delimiter, so the candidate splitting the first line into the most fields is
    the delimiter; comma when none splits it. (csv.Sniffer weighs the data rows as well, where addresses and
    descriptions bring commas into a semicolon file and mislead it.)"""
    best, best_fields = ",", 1
    for candidate in (",", ";", "\t"):
        fields = len(next(csv.reader([first_line], delimiter=candidate), []))
        if fields > best_fields:
            best, best_fields = candidate, fields
    return best


def _read_csv(text: str, encoding: str) -> Table:
    text = text.lstrip("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    collector = _Collector("csv", encoding)
    last_line = 0
    try:
        for record in reader:
            # A quoted cell may span lines: the record's number is the line it starts on.
            collector.add(last_line + 1, record)
            last_line = reader.line_num
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FileTooLarge(f"line {last_line + 1} has a cell over the field limit") from error
        raise UnreadableFile(f"line {last_line + 1} is not valid CSV: {error}") from error
    return collector.table()


def _check_zip(archive: zipfile.ZipFile, described: str) -> None:
    """Refuses a zip bomb from the archive's directory alone, before anything is unpacked. The declared sizes can
    be trusted as bounds: zipfile never unpacks more than a part's declared size."""
    parts = archive.infolist()
    if len(parts) > MAX_XLSX_PARTS:
        raise FileTooLarge(f"{described} holds {len(parts)} parts; an XLSX may hold at most {MAX_XLSX_PARTS}")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileTooLarge(f"{described} unpacks to {unpacked} bytes; at most {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB")
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio > MAX_XLSX_PART_RATIO:
            raise FileTooLarge(
                f"{described}: part {part.filename} unpacks {ratio:.0f} times its size; "
                f"at most {MAX_XLSX_PART_RATIO} times (a zip bomb?)"
            )


# What openpyxl raises on a damaged workbook; defusedxml's errors are ValueErrors (entities, external DTDs).
_BROKEN_WORKBOOK = (zipfile.BadZipFile, InvalidFileException, ParseError, KeyError, ValueError, TypeError, OSError)


def _read_xlsx(data: bytes, described: str) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            _check_zip(archive, described)
    except zipfile.BadZipFile as error:
        raise UnreadableFile(f"{described} is a damaged zip archive: {error}") from error
    if "xl/workbook.xml" not in names:
        raise UnsupportedFileType(f"{described} is a zip archive but not an XLSX workbook: send CSV or XLSX")
    collector = _Collector("xlsx", None)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN_WORKBOOK as error:
        raise UnreadableFile(f"{described} is not a readable XLSX workbook: {_reason(error)}") from error
    try:
        if not workbook.worksheets:
            raise UnreadableFile(f"{described} has no worksheet")
        sheet = workbook.worksheets[0]
        # The declared dimension may claim a million rows or columns; the cells present are what count.
        sheet.reset_dimensions()
        # One column past the limit shows that a row is too wide without padding every row to the sheet's width.
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1, values_only=True)
        for number, values in enumerate(rows, start=1):
            collector.add(number, [_xlsx_text(value) for value in values])
    except _BROKEN_WORKBOOK as error:
        raise UnreadableFile(f"{described} is not a readable XLSX workbook: {_reason(error)}") from error
    finally:
        workbook.close()
    return collector.table()


def _reason(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps what the XML parser raised
        if isinstance(cause, DefusedXmlException):
            return "it declares XML entities or a DTD, which are refused"
        cause = cause.__cause__ or cause.__context__
    return (str(error) or type(error).__name__).split("\n")[0]


def _number_text(value: float) -> str:
    """31.2 as `31.2` and 120.0 as `120`: the shortest text that reads back as the same number."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, timedelta):
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    return str(value)


class _Collector:
    """Gathers non-empty rows with their numbers, enforcing the row, column and cell limits as it goes."""

    def __init__(self, file_format: FileFormat, encoding: str | None) -> None:
        self.file_format, self.encoding = file_format, encoding
        self.header: list[str] | None = None
        self.header_row_number = 1
        self.rows: list[list[str]] = []
        self.row_numbers: list[int] = []

    def add(self, number: int, raw: list[str]) -> None:
        cells = [unescape_formula(value.strip()).strip() for value in raw]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise FileTooLarge(f"row {number} has more than {MAX_COLUMNS} columns")
        if (longest := max(len(value) for value in cells)) > MAX_CELL_CHARS:
            raise FileTooLarge(f"row {number} has a cell longer than {MAX_CELL_CHARS} characters ({longest})")
        if self.header is None:
            self.header, self.header_row_number = cells, number
            return
        if len(self.rows) == MAX_ROWS:
            raise FileTooLarge(f"the file has more than {MAX_ROWS} rows (row {number} is one too many)")
        cells.extend([""] * (len(self.header) - len(cells)))
        self.rows.append(cells)
        self.row_numbers.append(number)

    def table(self) -> Table:
        if self.header is None:
            raise UnreadableFile("the file has no rows")
        return Table(
            file_format=self.file_format,
            encoding=self.encoding,
            header=self.header,
            rows=self.rows,
            row_numbers=self.row_numbers,
            header_row_number=self.header_row_number,
        )
