"""District operators' list of listings in the console: the curation filters, paging that keeps them, the export
of the filter, and who may see it — in Debian's chromium, on SQLite and PostgreSQL."""

import asyncio
import csv
import io
from pathlib import Path

from playwright.async_api import expect

from tests.console.browser import check_page
from tests.console.listings_arrange import arrange_listing, meal_site, unique


async def test_the_filters_narrow_the_list_paging_keeps_them_and_the_export_holds_the_filtered_rows(
    signed_in, console_database, staff_logins
) -> None:
    operator = staff_logins["operator"].user_id
    family = unique("测试筛选食堂")
    for n in (1, 2):
        await arrange_listing(console_database, operator, meal_site(f"{family}{n}号"))
    toilet = meal_site(f"{family}3号", category="convenience.toilet", attributes={})
    published = await arrange_listing(console_database, operator, toilet, publish=True)
    page = await signed_in("operator")
    await page.goto("/console/listings")
    await expect(page.get_by_role("heading", name="服务点", level=1)).to_be_visible()
    await check_page(page)

    # The text and the status narrow the list to this test's two drafts.
    await page.get_by_label("名称、地址或来源编号").fill(family)
    await page.get_by_label("状态").select_option(label="草稿")
    await page.get_by_role("button", name="筛选").click()
    table = page.get_by_role("table", name="服务点（最新的在前）")
    names = table.get_by_role("rowheader")
    await expect(names).to_have_count(2)
    await expect(names).to_have_text([f"{family}2号", f"{family}1号"])
    await expect(table.get_by_role("row").nth(1)).to_contain_text("草稿")
    await expect(page.get_by_label("状态")).to_have_value("draft")
    # Another filter: the category (a parent takes in its children) finds the published toilet alone.
    await page.get_by_label("状态").select_option(label="不限")
    await page.get_by_label("类别").select_option(value="convenience")
    await page.get_by_role("button", name="筛选").click()
    await expect(names).to_have_text([f"{family}3号"])
    await expect(table).to_contain_text("已发布")
    await table.get_by_role("link", name=f"{family}3号").click()
    await expect(page).to_have_url(f"/console/listings/{published}")

    # The export of the current filter: the file holds the filtered rows, no others.
    await page.goto(f"/console/listings?q={family}&status=draft")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="CSV 文件").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(row["name"] for row in rows) == [f"{family}1号", f"{family}2号"]
    assert {row["category"] for row in rows} == {"elder_care.meal_site"}
    assert {row["district"] for row in rows} == {"310104"}

    # Paging: the published listings of the district fill more than a page; the next one keeps the filter.
    await page.goto("/console/listings?status=published")
    first_page = await names.all_inner_texts()
    assert len(first_page) == 20
    await page.get_by_role("link", name="下一页").click()
    assert "status=published" in page.url and "cursor=" in page.url
    await expect(page.get_by_label("状态")).to_have_value("published")
    second_page = await names.all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    await expect(table.get_by_text("草稿", exact=True)).to_have_count(0)
    await check_page(page)


async def test_a_reviewer_is_refused_the_listings(signed_in) -> None:
    page = await signed_in("reviewer")
    answer = await page.goto("/console/listings")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
    await expect(page.get_by_role("navigation", name="栏目").get_by_role("link", name="服务点")).to_have_count(0)


async def test_an_operator_of_another_district_gets_the_not_found_page(
    signed_in, console_database, staff_logins
) -> None:
    name = unique("测试食堂")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name))
    page = await signed_in("other_operator")
    answer = await page.goto(f"/console/listings/{place_id}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    answer = await page.goto(f"/console/listings/{place_id}/history")
    assert answer is not None and answer.status == 404
    # Nor does the list show it to them.
    await page.goto(f"/console/listings?q={name}")
    await expect(page.get_by_text("没有符合筛选条件的服务点。")).to_be_visible()
