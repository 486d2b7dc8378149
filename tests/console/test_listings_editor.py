"""A district operator's editor of a listing in the console: validation beside the fields, a saved edit reaching
residents, publish / archive / restore / verify, the live figure in one click, a new draft, English — in Debian's
chromium, on SQLite and PostgreSQL."""

import httpx
from playwright.async_api import expect

from api.geo import to_wgs84
from tests.console.browser import check_page, screenshot, tab_to
from tests.console.listings_arrange import arrange_listing, meal_site, unique


async def test_a_bad_edit_is_refused_beside_its_fields_and_a_good_one_made_by_keyboard_reaches_residents(
    signed_in, console_database, staff_logins, api: httpx.AsyncClient
) -> None:
    name = unique("天平路街道长者食堂")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name), publish=True)
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    await expect(page.get_by_label("开放时间")).to_have_value("Mo-Fr 10:30-13:00; PH off")
    await expect(page.get_by_label("轮椅可达")).to_be_checked()
    await check_page(page)
    await screenshot(page, "listing-editor")

    # An empty name and a phone that is not one: both refused beside their fields, nothing saved.
    await page.get_by_label("名称（中文）").fill("")
    await page.get_by_label("电话").fill("021-00000000; 请打电话")
    await page.get_by_label("简介").fill("这次修改不应保存")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="保存").click()
    assert (await answer.value).status == 422
    await expect(page.get_by_role("alert")).to_have_text("未保存：问题已在对应字段旁标出。")
    await expect(page.locator("#name-errors")).to_have_text("内容太短或为空。")
    await expect(page.get_by_label("名称（中文）")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#phones-errors")).to_contain_text("#2: 格式不正确。")
    await expect(page.get_by_label("简介")).to_have_value("这次修改不应保存")
    await check_page(page)
    public = (await api.get(f"/v1/places/{place_id}")).json()
    assert public["name"] == name and "这次修改不应保存" not in (public.get("description") or "")

    # A good edit with the keyboard alone: Tab to the field, type, Tab to Save, Enter.
    await page.goto(f"/console/listings/{place_id}")
    await tab_to(page, "名称（中文）", role="textbox")
    renamed = unique("天平路街道为老助餐点")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(renamed)
    await tab_to(page, "保存", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text("服务点已保存。")
    await expect(page.get_by_role("heading", name=renamed, level=1)).to_be_visible()
    await expect(page.get_by_label("名称（中文）")).to_have_value(renamed)
    assert (await api.get(f"/v1/places/{place_id}")).json()["name"] == renamed


async def test_a_draft_is_published_for_residents_then_archived_restored_and_verified(
    signed_in, console_database, staff_logins, api: httpx.AsyncClient
) -> None:
    name = unique("斜土路街道测试助餐点")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name))
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    status = page.get_by_role("region", name="状态")
    await expect(status.get_by_role("button", name="恢复为草稿")).to_have_count(0)
    assert (await api.get(f"/v1/places/{place_id}")).status_code == 404

    await status.get_by_role("button", name="发布").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已发布，居民现在可以查到它。")
    await expect(status.get_by_role("button", name="发布")).to_have_count(0)
    assert (await api.get(f"/v1/places/{place_id}")).json()["name"] == name
    found = (await api.get("/v1/places", params={"q": name})).json()["items"]
    assert place_id in [item["id"] for item in found]

    await status.get_by_role("button", name="归档").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已归档，居民不再看到它。")
    assert (await api.get(f"/v1/places/{place_id}")).status_code == 404
    # An archived listing is neither archived again nor confirmed: those buttons are gone.
    await expect(status.get_by_role("button", name="归档")).to_have_count(0)
    await expect(status.get_by_role("button", name="确认信息仍然准确")).to_have_count(0)

    await status.get_by_role("button", name="恢复为草稿").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已恢复为草稿。")
    await expect(page.locator(".state")).to_contain_text("草稿")

    await status.get_by_role("button", name="确认信息仍然准确").click()
    await expect(page.get_by_role("status")).to_have_text("已确认服务点信息仍然准确。")
    await expect(status).to_contain_text(f"最近一次由 {staff_logins['operator'].username} 于")


async def test_an_incomplete_draft_is_refused_publication_with_what_it_lacks_beside_the_fields(
    signed_in, console_database, staff_logins
) -> None:
    name = unique("测试待补充助餐点")
    incomplete = meal_site(name, location=None, opening_hours=None)
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, incomplete)
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    await expect(page.locator(".state")).to_contain_text("缺少坐标")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="发布").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#lat-errors")).to_have_text("此项必填。")
    await expect(page.locator("#opening_hours-errors")).to_have_text("此项必填。")
    await expect(page.locator(".state")).to_contain_text("草稿")


async def test_the_live_figure_is_set_in_one_click(signed_in, console_database, staff_logins, api) -> None:
    name = unique("测试康乐养老院")
    home = meal_site(
        name,
        category="elder_care.nursing_home",
        attributes={"beds_total": 120},
        capacity=120,
        opening_hours={"weekly": [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "00:00", "closes": "24:00"}]},
    )
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, home, publish=True)
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    figures = page.get_by_role("region", name="实时数据")
    await expect(figures).to_contain_text("暂无数据。")
    await figures.get_by_label("当前空余床位").fill("7")
    async with page.expect_response(lambda r: r.url.endswith("/availability")) as answer:
        await figures.get_by_role("button", name="更新数据").click()
    assert (await answer.value).status == 200
    await expect(figures.get_by_role("status")).to_have_text("实时数据已保存。")
    await expect(figures).to_contain_text("当前空余 7 / 120")
    assert page.url.endswith(f"/console/listings/{place_id}")
    assert (await api.get(f"/v1/places/{place_id}")).json()["available"] == 7

    # More free beds than the home has: refused beside the number, the figure stays.
    await figures.get_by_label("当前空余床位").fill("500")
    await figures.get_by_role("button", name="更新数据").click()
    await expect(page.locator("#available-errors")).to_have_text("空余数不能超过总容量。")
    await expect(figures).to_contain_text("当前空余 7 / 120")
    await check_page(page)


async def test_a_new_listing_is_created_as_a_draft(signed_in) -> None:
    page = await signed_in("operator")
    await page.goto("/console/listings")
    await page.get_by_role("link", name="新建服务点").click()
    await expect(page.get_by_role("heading", name="新建服务点")).to_be_visible()
    await check_page(page)
    name = unique("测试新建公厕")
    await page.get_by_label("类别", exact=True).select_option(value="convenience.toilet")
    await page.get_by_label("地址（中文）").fill("徐汇区湖南路街道测试路2号（测试地址）")
    await page.get_by_label("开放时间").fill("每天都开")
    await page.get_by_role("button", name="创建草稿").click()
    await expect(page.locator("#name-errors")).to_have_text("内容太短或为空。")
    await expect(page.locator("#opening_hours-errors")).to_contain_text("开放时间的格式不正确")
    await expect(page.get_by_label("地址（中文）")).to_have_value("徐汇区湖南路街道测试路2号（测试地址）")
    await check_page(page)
    await page.get_by_label("名称（中文）").fill(name)
    await page.get_by_label("开放时间").fill("24/7")
    await page.get_by_role("button", name="创建草稿").click()
    await expect(page.get_by_role("status")).to_have_text("草稿服务点已创建。")
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    await expect(page.locator(".state")).to_contain_text("草稿")
    await expect(page.locator(".state")).to_contain_text("缺少坐标")


async def test_the_editor_in_english(signed_in, console_database, staff_logins) -> None:
    name = unique("测试长者食堂")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name))
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Edit the listing")).to_be_visible()
    await expect(page.get_by_label("Name (Chinese)")).to_have_value(name)
    await expect(page.get_by_label("Wheelchair access")).to_be_checked()
    await expect(page.get_by_role("button", name="Publish")).to_be_visible()
    await expect(page.get_by_role("link", name="Every version, with revert")).to_be_visible()
    await page.get_by_label("Name (Chinese)").fill("")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#name-errors")).to_contain_text("String should have at least 1 character")
    await check_page(page)


async def test_coordinates_read_from_amap_are_kept_in_wgs84(
    signed_in, console_database, staff_logins, api: httpx.AsyncClient
) -> None:
    """A clerk copies the point from Amap (GCJ-02): the listing keeps it in WGS-84, as the API's `coord` would."""
    name = unique("漕河泾街道测试助餐点")
    place_id = await arrange_listing(console_database, staff_logins["operator"].user_id, meal_site(name), publish=True)
    amap_lat, amap_lng = 31.17066, 121.40102
    page = await signed_in("operator")
    await page.goto(f"/console/listings/{place_id}")
    await page.get_by_label("纬度").fill(str(amap_lat))
    await page.get_by_label("经度").fill(str(amap_lng))
    await page.get_by_label("坐标来源").select_option("gcj02")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_have_text("服务点已保存。")

    expected_lat, expected_lng = to_wgs84(amap_lat, amap_lng, "gcj02")
    location = (await api.get(f"/v1/places/{place_id}")).json()["location"]
    assert abs(location["lat"] - expected_lat) < 1e-6 and abs(location["lng"] - expected_lng) < 1e-6
    # Not the numbers typed: the two systems are a few hundred metres apart in Shanghai.
    assert abs(location["lng"] - amap_lng) > 1e-3
    await expect(page.get_by_label("坐标来源")).to_have_value("wgs84")
