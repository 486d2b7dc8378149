"""Imports in the console, in chromium on SQLite and PostgreSQL: a file is checked first (the dry run's report as a
table), applied from the report, its listings then in the curation API; an XLSX works; a file that is no
spreadsheet is refused beside the field; a large file becomes a job whose page follows it to the end by itself."""

import io
import re
import uuid
from datetime import UTC, datetime

import httpx
from openpyxl import Workbook
from playwright.async_api import Page, expect

from api.main import create_app
from models import ImportJob
from tests.console.browser import check_page, screenshot, tab_to
from tests.console.conftest import ConsoleServer
from tests.curation.import_files import HEADER, XLSX, csv_file, sample_row

FILE_FIELD = "文件（CSV 或 XLSX）"


def _tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def _rows(tag: str, count: int, start: int = 1) -> list[dict]:
    """Complete public toilets with names and source ids no other test uses."""
    return [
        sample_row(number, source_id=f"CI-{tag}-{number:05d}", name=f"控制台导入{tag}-{number}号（测试数据）")
        for number in range(start, start + count)
    ]


def staff_headers(console_server: ConsoleServer, user_id: int) -> dict[str, str]:
    """A staff bearer for the JSON API of the console's server (the same signing key)."""
    token = create_app(console_server.settings).state.accounts.tokens.issue_access(user_id)
    return {"Authorization": f"Bearer {token}"}


async def _managed_places(api: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[dict]:
    answer = await api.get("/v1/manage/places", params={"q": q, "limit": 100}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def _check(page: Page, name: str, content: bytes, mime: str) -> None:
    await page.goto("/console/imports")
    await page.get_by_label(FILE_FIELD).set_input_files({"name": name, "mimeType": mime, "buffer": content})
    await page.get_by_role("button", name="检查文件").click()


async def test_an_operator_checks_a_file_with_a_bad_row_sees_it_in_the_report_and_applies_it(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = _tag()
    rows = _rows(tag, 3)
    rows[1]["category"] = "nope"  # the file's row 3 (the header is row 1)
    page = await signed_in("operator")
    await page.goto("/console/imports")
    await expect(page.get_by_role("heading", name="导入服务点", level=1)).to_be_visible()
    await check_page(page)
    await _check(page, f"places-{tag}.csv", csv_file(rows), "text/csv")

    await expect(page.get_by_role("heading", name=f"试运行：places-{tag}.csv")).to_be_visible()
    await expect(page.get_by_role("status").first).to_contain_text("文件已检查，尚未写入任何数据。")
    counts = page.locator("ul.counts")
    await expect(counts).to_contain_text("新增: 2")
    await expect(counts).to_contain_text("未导入的行: 1")
    report = page.get_by_role("table", name="发现的问题")
    bad = report.get_by_role("row").filter(has_text="unknown_category")
    await expect(bad.get_by_role("cell").nth(0)).to_have_text("3")
    await expect(bad.get_by_role("cell").nth(1)).to_have_text("category")
    await expect(bad.get_by_role("cell").nth(2)).to_have_text("错误：该行不导入")
    await expect(bad.get_by_role("cell").nth(3)).to_contain_text("类别不存在")
    await check_page(page)
    await screenshot(page, "import-report")
    operator_headers = staff_headers(console_server, staff_logins["operator"].user_id)
    assert await _managed_places(api, operator_headers, f"控制台导入{tag}") == []  # a dry run writes nothing

    await page.get_by_role("button", name="确认导入此文件").click()
    await expect(page.get_by_role("heading", name=f"导入：places-{tag}.csv")).to_be_visible()
    await expect(page.get_by_text("文件已导入。")).to_be_visible()
    await expect(page.locator("ul.counts")).to_contain_text("新增: 2")
    await check_page(page)
    written = await _managed_places(api, operator_headers, f"控制台导入{tag}")
    assert sorted(place["name"] for place in written) == [rows[0]["name"], rows[2]["name"]]
    assert {place["status"] for place in written} == {"draft"}

    # The list of recent imports shows both, newest first; the dry run can no longer be applied.
    await page.goto("/console/imports")
    listed = page.get_by_role("row").filter(has_text=f"places-{tag}.csv")
    await expect(listed).to_have_count(2)
    await expect(listed.first).to_contain_text("导入")
    await expect(listed.nth(1)).to_contain_text("试运行")
    await listed.nth(1).get_by_role("link").click()
    await expect(page.get_by_role("heading", name=f"试运行：places-{tag}.csv")).to_be_visible()
    await expect(page.get_by_role("button", name="确认导入此文件")).to_have_count(0)


async def test_an_xlsx_file_by_keyboard_alone_and_a_file_that_is_no_spreadsheet(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = _tag()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in _rows(tag, 2):
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = await signed_in("operator")
    await page.goto("/console/imports")
    await page.get_by_label(FILE_FIELD).set_input_files(
        {"name": f"places-{tag}.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}
    )
    # The keyboard alone from here: the publish box, the check, the apply.
    await tab_to(page, "发布信息完整的行（其余保留为草稿）", role="checkbox")
    await page.keyboard.press("Space")
    await tab_to(page, "检查文件", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=f"试运行：places-{tag}.xlsx")).to_be_visible()
    await expect(page.get_by_text("没有问题：所有行都可以导入。")).to_be_visible()
    await expect(page.get_by_text("信息完整的行将被发布。")).to_be_visible()
    await tab_to(page, "确认导入此文件", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=f"导入：places-{tag}.xlsx")).to_be_visible()
    written = await _managed_places(
        api, staff_headers(console_server, staff_logins["operator"].user_id), f"控制台导入{tag}"
    )
    assert len(written) == 2 and {place["status"] for place in written} == {"published"}

    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await _check(page, "photo.png", png, "image/png")
    assert (await answer.value).status == 415
    field = page.get_by_label(FILE_FIELD)
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#file-errors")).to_contain_text("只接受 CSV 和 XLSX 文件。")
    await check_page(page)

    # A CSV without the required columns: each missing column is named beside the field.
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await _check(page, "columns.csv", csv_file([{"name": "测试", "category": "convenience.toilet"}]), "text/csv")
    assert (await answer.value).status == 422
    await expect(page.locator("#file-errors")).to_contain_text("文件缺少必需的列。")
    await expect(page.locator("#file-errors")).to_contain_text("district")


async def test_a_large_file_becomes_a_job_whose_page_follows_it_to_the_end(signed_in) -> None:
    tag = _tag()
    rows = _rows(tag, 2_001)
    page = await signed_in("operator")
    await _check(page, f"large-{tag}.csv", csv_file(rows), "text/csv")
    await expect(page.get_by_role("heading", name=f"试运行：large-{tag}.csv")).to_be_visible()
    # The dry run runs as a job too; its page ends with the report and the button to apply.
    await expect(page.locator("#job-state")).to_contain_text("已完成", timeout=60_000)
    await expect(page.locator("ul.counts")).to_contain_text("新增: 2001")
    await check_page(page)

    await page.get_by_role("button", name="确认导入此文件").click()
    await expect(page.get_by_role("heading", name=f"导入：large-{tag}.csv")).to_be_visible()
    await expect(page.get_by_text("文件正在后台导入，本页面会显示进度。")).to_be_visible()
    state = page.locator("#job-state")
    await expect(state).to_contain_text("已完成", timeout=60_000)
    await expect(state).not_to_have_attribute("hx-trigger", re.compile("every"))
    await expect(page.locator("ul.counts")).to_contain_text("新增: 2001")


async def test_a_running_jobs_page_shows_its_progress_and_polls_until_it_ends(
    signed_in, console_database, staff_logins
) -> None:
    """How the page follows a job, on a job held still: a real one of two thousand rows may well end (on SQLite,
    whose one writer it is, it always does) before its page is first shown."""
    async with console_database.sessionmaker() as session, session.begin():
        job = ImportJob(
            actor_id=staff_logins["operator"].user_id,
            filename="running.csv",
            file_format="csv",
            encoding="utf-8",
            status="running",
            rows_total=4_000,
            rows_done=0,
            started_at=datetime.now(UTC),
        )
        session.add(job)
    page = await signed_in("operator")
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if request.url.endswith("/state") else None)
    await page.goto(f"/console/imports/{job.id}")
    state = page.locator("#job-state")
    await expect(state).to_contain_text("进行中")
    await expect(state).to_contain_text("已处理 0 / 4000 行")
    await expect(state).to_have_attribute("hx-trigger", "every 2s")
    await expect(page.get_by_label("进度")).to_have_attribute("value", "0")
    await check_page(page)

    async with console_database.sessionmaker() as session, session.begin():
        finished = await session.get(ImportJob, job.id)
        assert finished is not None
        finished.status, finished.rows_done, finished.created = "succeeded", 4_000, 4_000
        finished.finished_at = datetime.now(UTC)
    await expect(state).to_contain_text("已完成", timeout=10_000)
    await expect(state).not_to_have_attribute("hx-trigger", re.compile("every"))
    await expect(page.locator("ul.counts")).to_contain_text("新增: 4000")
    await expect(page.get_by_label("进度")).to_have_count(0)
    assert polls, "the job's page did not poll its state"
    assert page.url.endswith(f"/console/imports/{job.id}")  # no reload: the fragment was swapped in


async def test_a_reviewer_is_refused_the_imports(signed_in) -> None:
    page = await signed_in("reviewer")
    answer = await page.goto("/console/imports")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
