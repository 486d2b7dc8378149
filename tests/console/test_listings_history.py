"""A listing's history in the console (field-by-field differences, revert) and two operators editing one listing
at once (the second sees what the first changed, and reapplies their own) — in Debian's chromium, on SQLite and
PostgreSQL."""

import httpx
from playwright.async_api import expect

from tests.console.browser import check_page, sign_in
from tests.console.conftest import HOME_DISTRICT
from tests.console.listings_arrange import arrange_listing, meal_site, unique


async def test_the_history_shows_each_change_and_a_revert_brings_a_version_back(
    signed_in, console_database, staff_logins, api: httpx.AsyncClient
) -> None:
    name = unique("测试历史助餐点")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name), publish=True)
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    await page.get_by_label("电话").fill("021-00000001")
    await page.get_by_label("类别属性").fill(
        '{"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "12:30"}], "price_yuan": 18}'
    )
    await page.get_by_label("修改原因（记入历史）").fill("街道来电更正")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已保存。")

    await page.get_by_role("link", name="查看所有版本（可恢复）").click()
    await expect(page.get_by_role("heading", name=f"“{name}”的修改历史")).to_be_visible()
    newest = page.get_by_role("region", name="第 3 版 当前版本")
    changes = newest.get_by_role("table", name="第 3 版的修改")
    phone_row = changes.get_by_role("row", name="电话")
    await expect(phone_row.locator("del")).to_have_text("021-00000000")
    await expect(phone_row.locator("ins")).to_have_text("021-00000001")
    price_row = changes.get_by_role("row", name="类别属性: price_yuan")
    await expect(price_row.locator("del")).to_have_text("15")
    await expect(price_row.locator("ins")).to_have_text("18")
    await expect(newest).to_contain_text("街道来电更正")
    await expect(newest).to_contain_text(staff_logins["operator"].username)
    await expect(newest.get_by_role("button")).to_have_count(0)
    published = page.get_by_role("region", name="第 2 版")
    await expect(published.get_by_role("row", name="状态")).to_contain_text("已发布")
    await check_page(page)

    await published.get_by_role("button", name="恢复到第 2 版").click()
    await expect(page.get_by_role("status")).to_have_text("已恢复该版本的内容，并保存为新版本。")
    reverted = page.get_by_role("region", name="第 4 版 当前版本")
    await expect(reverted).to_contain_text("恢复 (2)")
    await expect(reverted.get_by_role("row", name="电话").locator("ins")).to_have_text("021-00000000")
    public = (await api.get(f"/v1/places/{place_id}")).json()
    assert public["phones"] == ["021-00000000"]


async def test_the_second_of_two_operators_saving_one_listing_sees_the_others_change_and_reapplies_theirs(
    signed_in, new_context, console_server, console_database, staff_logins, make_staff
) -> None:
    name = unique("测试并发助餐点")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name), publish=True)
    first = await signed_in("operator")
    colleague = await make_staff("operator", (HOME_DISTRICT,), name="徐汇运营二")
    second = await (await new_context()).new_page()
    await sign_in(second, console_server.base_url, colleague)
    for page in (first, second):
        await page.goto(f"/console/listings/{place_id}")

    await first.get_by_label("简介").fill("每周一至周五供应午餐，周末休息。")
    await first.get_by_role("button", name="保存").click()
    await expect(first.get_by_role("status")).to_have_text("服务点已保存。")

    await second.get_by_label("电话").fill("021-00000002")
    async with second.expect_response(lambda r: r.request.method == "POST") as answer:
        await second.get_by_role("button", name="保存").click()
    assert (await answer.value).status == 412
    await expect(second.get_by_role("heading", name="此服务点已被他人先行修改")).to_be_visible()
    theirs = second.get_by_role("region", name="对方修改了什么")
    await expect(theirs).to_contain_text(staff_logins["operator"].username)
    their_row = theirs.get_by_role("row", name="简介")
    await expect(their_row.locator("del")).to_have_text("为辖区老人提供午餐，工作日供应。（测试数据）")
    await expect(their_row.locator("ins")).to_have_text("每周一至周五供应午餐，周末休息。")
    mine = second.get_by_role("region", name="您的修改")
    my_row = mine.get_by_role("row", name="电话")
    await expect(my_row.locator("ins")).to_have_text("021-00000002")
    await expect(mine.get_by_role("row")).to_have_count(2)
    await check_page(second)

    await second.get_by_role("button", name="在当前版本上重新应用我的修改").click()
    await expect(second.get_by_role("status")).to_have_text("服务点已保存。")
    await expect(second.get_by_label("电话")).to_have_value("021-00000002")
    await expect(second.get_by_label("简介")).to_have_value("每周一至周五供应午餐，周末休息。")
