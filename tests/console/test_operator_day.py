"""An operator's day from end to end, across the console's sections, as the issue asks: a district office's file
with a bad row is checked (the row shown in the report), applied; an imported listing is found in the listings,
edited, published, and found by residents in /v1/places."""

import uuid

import httpx
from playwright.async_api import expect

from tests.console.browser import check_page
from tests.curation.import_files import csv_file, sample_row


async def test_an_operator_imports_a_file_with_a_bad_row_then_edits_and_publishes_a_listing_residents_find(
    signed_in, api: httpx.AsyncClient
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    rows = [
        sample_row(number, source_id=f"DAY-{tag}-{number}", name=f"日常导入{tag}-{number}号公厕（测试数据）")
        for number in (1, 2, 3)
    ]
    rows[2]["category"] = "no-such-category"  # the file's row 4 (the header is row 1)
    page = await signed_in("operator")

    await page.goto("/console/imports")
    await page.get_by_label("文件（CSV 或 XLSX）").set_input_files(
        {"name": f"day-{tag}.csv", "mimeType": "text/csv", "buffer": csv_file(rows)}
    )
    await page.get_by_role("button", name="检查文件").click()
    report = page.get_by_role("table", name="发现的问题")
    bad = report.get_by_role("row").filter(has_text="unknown_category")
    await expect(bad.get_by_role("cell").nth(0)).to_have_text("4")
    await page.get_by_role("button", name="确认导入此文件").click()
    await expect(page.get_by_text("文件已导入。")).to_be_visible()

    # The imported rows are drafts in the operator's listings; the bad one is not there.
    await page.goto("/console/listings")
    await page.get_by_label("名称、地址或来源编号").fill(f"日常导入{tag}")
    await page.get_by_role("button", name="筛选").click()
    found = page.get_by_role("link", name=rows[0]["name"])
    await expect(found).to_have_count(1)
    await expect(page.get_by_role("link", name=rows[1]["name"])).to_have_count(1)
    await expect(page.get_by_role("link", name=rows[2]["name"])).to_have_count(0)
    await check_page(page)

    await found.click()
    await expect(page.get_by_role("heading", name=rows[0]["name"], level=1)).to_be_visible()
    await page.get_by_label("简介").fill("导入后由运营人员补充的说明（测试数据）")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已保存。")
    await page.get_by_role("region", name="状态").get_by_role("button", name="发布").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已发布，居民现在可以查到它。")

    public = (await api.get("/v1/places", params={"q": f"日常导入{tag}-1号"})).json()["items"]
    assert [item["name"] for item in public] == [rows[0]["name"]]
    detail = (await api.get(f"/v1/places/{public[0]['id']}")).json()
    assert detail["description"] == "导入后由运营人员补充的说明（测试数据）"
    # The other imported row is still a draft: residents do not see it.
    assert (await api.get("/v1/places", params={"q": f"日常导入{tag}-2号"})).json()["items"] == []
