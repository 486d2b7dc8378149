"""CSV and XLSX files as district offices send them, and as the export writes them: encodings, delimiters, blank
lines, numbers, hostile files (zip bombs, XML entities, other types) and formula escaping both ways."""

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.curation.formats.spreadsheets import (
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    SpreadsheetError,
    read_table,
    write_csv,
    write_xlsx,
)

CHINESE_CSV = "名称,类别,地址\r\n测试餐点,meal,杨浦区测试路1号\r\n测试驿站,station,测试街道2号\r\n"
CHINESE_HEADER = ["名称", "类别", "地址"]
CHINESE_ROWS = [["测试餐点", "meal", "杨浦区测试路1号"], ["测试驿站", "station", "测试街道2号"]]
FORMULAS = ["=1+1", "+86 21 0000", "-", "@SUM(A1)", '=HYPERLINK("http://example.invalid","x")', "'=already quoted"]


def refused(data: bytes, filename: str | None = None) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, filename, None)
    return caught.value


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(workbook: bytes, write_sheet) -> bytes:
    """The workbook with its first sheet's XML replaced by what `write_sheet(stream)` writes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for part in source.infolist():
            if part.filename == "xl/worksheets/sheet1.xml":
                with out.open(part.filename, "w", force_zip64=True) as stream:
                    write_sheet(stream)
            else:
                out.writestr(part, source.read(part.filename))
    return buffer.getvalue()


# Encodings and delimiters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CHINESE_CSV.encode("utf-8"), "utf-8"),
        (CHINESE_CSV.encode("utf-8-sig"), "utf-8-sig"),
        (CHINESE_CSV.encode("gb18030"), "gb18030"),
        (CHINESE_CSV.encode("utf-16"), "utf-16"),
        (CHINESE_CSV.encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_a_chinese_csv_reads_the_same_in_every_encoding_excel_saves(encoded: bytes, encoding: str) -> None:
    table = read_table(encoded, "名单.csv", "text/csv")
    assert (table.file_format, table.encoding) == ("csv", encoding)
    assert table.header == CHINESE_HEADER
    assert table.rows == CHINESE_ROWS
    assert table.row_numbers == [2, 3]


def test_gb18030_bytes_are_not_taken_for_utf8() -> None:
    # "联通" in GBK is the classic text that a guessing detector (Notepad) takes for UTF-8.
    table = read_table("名称\r\n联通\r\n".encode("gb18030"), "a.csv", None)
    assert table.encoding == "gb18030"
    assert table.rows == [["联通"]]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_split_on_their_delimiter(delimiter: str) -> None:
    text = delimiter.join(["name", "address", "lat"]) + "\n"
    text += delimiter.join(["测试餐点", "测试路1号, 2楼", "31,2"]) + "\n"
    table = read_table(text.encode(), "a.csv", None)
    assert table.header == ["name", "address", "lat"]
    assert table.rows == [["测试餐点", "测试路1号, 2楼", "31,2"]]


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers() -> None:
    text = '\nname,description\n\nA,one\n,\n"B","two\nlines"\n  \nC,three\n'
    table = read_table(text.encode(), "a.csv", None)
    assert table.header_row_number == 2
    assert table.rows == [["A", "one"], ["B", "two\nlines"], ["C", "three"]]
    # B starts on line 6 and spans two lines; C is on line 9.
    assert table.row_numbers == [4, 6, 9]


def test_cells_are_stripped_and_short_rows_padded_to_the_header() -> None:
    table = read_table(b"name , address,phone\n  A  ,  x \nB\n", "a.csv", None)
    assert table.header == ["name", "address", "phone"]
    assert table.rows == [["A", "x", ""], ["B", "", ""]]


# XLSX --------------------------------------------------------------------------------------------------------------


def test_an_xlsx_sheet_gives_numbers_and_dates_as_the_text_a_person_typed() -> None:
    data = xlsx(
        [
            ["名称", "纬度", "经度", "容量", "日期", "时间戳", "启用"],
            ["测试餐点", 31.2, -121.4737, 120, date(2026, 12, 25), datetime(2026, 12, 24, 10, 30), True],
            [],
            [None, None, None, 120.0, None, None, None],
        ]
    )
    table = read_table(data, "名单.xlsx", "application/octet-stream")
    assert (table.file_format, table.encoding) == ("xlsx", None)
    assert table.header == ["名称", "纬度", "经度", "容量", "日期", "时间戳", "启用"]
    assert table.rows == [
        ["测试餐点", "31.2", "-121.4737", "120", "2026-12-25", "2026-12-24T10:30:00", "TRUE"],
        ["", "", "", "120", "", "", ""],
    ]
    assert table.row_numbers == [2, 4]


def test_an_xlsx_is_recognised_by_content_whatever_its_name() -> None:
    table = read_table(xlsx([["name"], ["A"]]), "export.csv", "text/csv")
    assert table.file_format == "xlsx"
    assert table.rows == [["A"]]


def test_a_sheet_claiming_a_huge_size_is_read_by_the_cells_it_has() -> None:
    data = xlsx([["name"], ["A"]])
    declared = with_sheet(
        data,
        lambda stream: stream.write(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
            b'<row r="3"><c r="A3" t="inlineStr"><is><t>A</t></is></c></row>'
            b"</sheetData></worksheet>"
        ),
    )
    table = read_table(declared, "a.xlsx", None)
    assert table.rows == [["A"]]
    assert table.row_numbers == [3]


def test_a_zip_bomb_whose_sheet_would_unpack_past_the_limit_is_refused_unopened() -> None:
    def huge_sheet(stream) -> None:
        stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
        block = row * 1024
        for _ in range(140):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")

    bomb = with_sheet(xlsx([["name"]]), huge_sheet)
    assert len(bomb) < 2 * 1024 * 1024
    error = refused(bomb, "bomb.xlsx")
    assert (error.status, error.code) == (413, "file_too_large")
    assert "unpacks to" in error.detail


def test_a_sheet_part_that_deflated_a_thousandfold_is_refused() -> None:
    bomb = with_sheet(xlsx([["name"]]), lambda stream: stream.write(b" " * (8 * 1024 * 1024)))
    error = refused(bomb, "bomb.xlsx")
    assert (error.status, error.code) == (413, "file_too_large")
    assert "xl/worksheets/sheet1.xml" in error.detail and "zip bomb" in error.detail


def test_xml_entities_in_a_sheet_are_refused_not_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    error = refused(with_sheet(xlsx([["name"]]), lambda stream: stream.write(laughs)), "laughs.xlsx")
    assert (error.status, error.code) == (422, "unreadable_file")
    assert "entities" in error.detail


def test_a_damaged_workbook_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    error = refused(buffer.getvalue(), "broken.xlsx")
    assert (error.status, error.code) == (422, "unreadable_file")


# Other files and limits --------------------------------------------------------------------------------------------


def docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "名单.pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls"),
        (docx_like(), "名单.docx"),
        (b"<html><body><table><tr><td>name</td></tr></table></body></html>", "fake.xls"),
        (b"\x00\x01\x02\x03binary", "data.bin"),
    ],
    ids=["pdf", "png", "xls", "docx", "html-as-xls", "binary"],
)
def test_files_that_are_not_csv_or_xlsx_are_unsupported(data: bytes, filename: str) -> None:
    error = refused(data, filename)
    assert (error.status, error.code) == (415, "unsupported_file_type")
    assert filename in error.detail


def test_text_in_no_accepted_encoding_is_unreadable() -> None:
    error = refused(b"name\n\x80\xff\x80\n", "a.csv")
    assert (error.status, error.code) == (422, "unreadable_file")
    assert "GB18030" in error.detail


def test_an_empty_file_is_unreadable() -> None:
    assert refused(b"  \r\n", "a.csv").code == "unreadable_file"


def test_the_row_limit_counts_data_rows() -> None:
    header = b"name,district\n"
    at_limit = header + b"A,310110\n" * MAX_ROWS
    assert len(read_table(at_limit, "a.csv", None).rows) == MAX_ROWS
    error = refused(at_limit + b"B,310110\n", "a.csv")
    assert (error.status, error.code) == (413, "file_too_large")
    assert str(MAX_ROWS) in error.detail


def test_a_file_over_ten_mebibytes_is_too_large() -> None:
    error = refused(b"name\n" + b"A" * MAX_BYTES, "a.csv")
    assert (error.status, error.code) == (413, "file_too_large")
    assert "MiB" in error.detail


def test_too_many_columns_or_too_long_a_cell_is_too_large() -> None:
    wide = ",".join(f"c{index}" for index in range(MAX_COLUMNS + 1)).encode()
    assert "columns" in refused(wide, "a.csv").detail
    wide_sheet = refused(xlsx([[f"c{index}" for index in range(MAX_COLUMNS + 1)]]), "a.xlsx")
    assert (wide_sheet.status, "columns" in wide_sheet.detail) == (413, True)
    long_cell = b"name\n" + b"A" * (MAX_CELL_CHARS + 1)
    error = refused(long_cell, "a.csv")
    assert (error.code, "row 2" in error.detail) == ("file_too_large", True)


# Writing and formula escaping --------------------------------------------------------------------------------------

HEADER = ["name", "lat", "note"]
ROWS: list[list[str | int | float | None]] = [
    ["测试餐点", 31.2, "=1+1"],
    ["测试驿站", -31.25, "-12.5"],
    [None, 120, "@SUM(A1)"],
    ["+86 测试", 0.5, "'=already quoted"],
]
READ_BACK = [
    ["测试餐点", "31.2", "=1+1"],
    ["测试驿站", "-31.25", "-12.5"],
    ["", "120", "@SUM(A1)"],
    ["+86 测试", "0.5", "'=already quoted"],
]


def test_the_csv_export_is_utf8_with_a_bom_crlf_and_formulas_quoted() -> None:
    data = write_csv(HEADER, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[1] == "测试餐点,31.2,'=1+1"
    # A plain negative number runs nothing and stays a number; text that starts like a formula is quoted.
    assert "\r\n测试驿站,-31.25,-12.5\r\n" in text
    assert "'@SUM(A1)" in text and "'+86 测试" in text and "''=already quoted" in text


def test_the_csv_export_reads_back_unchanged() -> None:
    table = read_table(write_csv(HEADER, ROWS), "export.csv", "text/csv")
    assert table.header == HEADER
    assert table.rows == READ_BACK


def test_the_xlsx_export_stores_formulas_as_quoted_text_and_reads_back_unchanged() -> None:
    data = write_xlsx(HEADER, ROWS)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["listings"]
    note = sheet["C2"]
    assert (note.value, note.data_type) == ("'=1+1", "s")
    assert (sheet["B3"].value, sheet["B3"].data_type) == (-31.25, "n")
    assert (sheet["C3"].value, sheet["C3"].data_type) == ("-12.5", "s")
    table = read_table(data, "export.xlsx", None)
    assert table.header == HEADER
    assert table.rows == READ_BACK


cell_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30).map(str.strip)


@settings(max_examples=150, database=None, deadline=None)
@given(st.lists(st.lists(cell_text, min_size=2, max_size=2), min_size=1, max_size=5))
def test_any_text_survives_export_and_import_in_both_formats(rows: list[list[str]]) -> None:
    header = ["name", "note"]
    written: list[list[str | int | float | None]] = [list(row) for row in rows]
    expected = [row for row in rows if any(row)]
    for data in (write_csv(header, written), write_xlsx(header, written)):
        assert read_table(data, None, None).rows == expected
