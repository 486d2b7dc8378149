"""Events of the operator's districts in the console, in chromium on SQLite and PostgreSQL: a new draft, an edit
refused beside its field, an edit that lost a race (412), publishing (then in /v1/events), cancelling, archiving and
restoring; the list's filters by keyboard; reviewers refused."""

import random
import re
import uuid

import httpx
from playwright.async_api import Page, expect

from tests.console.browser import check_page, tab_to
from tests.console.conftest import ConsoleServer
from tests.console.test_imports import staff_headers

# The title's label ends with a mark of a required field; the English title's label does not start with it.
TITLE = re.compile("^标题")


async def _public_events_on(api: httpx.AsyncClient, day: str) -> list[dict]:
    answer = await api.get("/v1/events", params={"from": day, "to": day, "district": "310104", "limit": 100})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def _status_is(page: Page, label: str) -> None:
    await expect(page.locator("main .badge").first).to_have_text(label)


async def test_an_operator_creates_edits_and_publishes_an_event(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"社区读书会{tag}"
    day = f"2031-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    page = await signed_in("operator")
    await page.goto("/console/events")
    await expect(page.get_by_role("heading", name="您管辖区的活动", level=1)).to_be_visible()
    await check_page(page)

    await page.get_by_role("link", name="新建活动").click()
    await expect(page.get_by_role("heading", name="新建活动", level=1)).to_be_visible()
    await expect(page.get_by_label("区", exact=True)).to_have_value("310104")
    await check_page(page)
    await page.get_by_label(TITLE).fill(title)
    await page.get_by_label("类别").select_option("event.community")
    await page.get_by_label(re.compile("^开始时间")).fill(f"{day}T09:30")
    await page.get_by_label(re.compile("^结束时间")).fill(f"{day}T11:00")
    await page.get_by_role("button", name="保存为草稿").click()
    await expect(page.get_by_text("活动已保存为草稿。")).to_be_visible()
    await expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    await _status_is(page, "草稿")
    event_id = int(page.url.rsplit("/", 1)[-1].split("?")[0])

    # Publishing needs a place: refused beside the location, nothing changed.
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="发布").click()
    assert (await answer.value).status == 422
    await expect(page.get_by_label("纬度（WGS-84）")).to_have_attribute("aria-invalid", "true")
    await _status_is(page, "草稿")

    # An edit without a title is refused beside the title.
    await page.get_by_label(TITLE).fill("")
    await page.get_by_label("地址").fill(f"徐汇区测试路{tag}号（测试地址）")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="保存", exact=True).click()
    assert (await answer.value).status == 422
    title_field = page.get_by_label(TITLE)
    await expect(title_field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#title-errors")).to_be_visible()
    await expect(page.get_by_label("地址")).to_have_value(f"徐汇区测试路{tag}号（测试地址）")
    await check_page(page)
    await title_field.fill(title + "（改）")
    await page.get_by_role("button", name="保存", exact=True).click()
    await expect(page.get_by_text("活动已保存。")).to_be_visible()

    # Someone else edits it meanwhile (through the API): this form's save is refused with a link to reload.
    headers = staff_headers(console_server, staff_logins["operator"].user_id)
    current = await api.get(f"/v1/manage/events/{event_id}", headers=headers)
    raced = await api.patch(
        f"/v1/manage/events/{event_id}",
        content=b'{"organizer": "\\u5f90\\u6c47\\u533a\\u56fe\\u4e66\\u9986"}',
        headers={**headers, "If-Match": current.headers["etag"], "Content-Type": "application/merge-patch+json"},
    )
    assert raced.status_code == 200, raced.text
    await page.get_by_label("摘要").fill("每月一次的读书分享。")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="保存", exact=True).click()
    assert (await answer.value).status == 412
    await expect(page.get_by_role("alert")).to_contain_text("其他人修改了这个活动")
    await expect(page.get_by_label("摘要")).to_have_value("每月一次的读书分享。")
    await check_page(page)
    await page.get_by_role("link", name="重新载入活动的最新内容").click()
    await expect(page.get_by_label("主办方")).to_have_value("徐汇区图书馆")

    await page.get_by_role("button", name="发布").click()
    await expect(page.get_by_text("活动已发布。")).to_be_visible()
    await _status_is(page, "已发布")
    published = [event for event in await _public_events_on(api, day) if event["id"] == event_id]
    assert [event["title"] for event in published] == [title + "（改）"]

    # Cancelled with a reason, archived, restored as a draft.
    await page.get_by_label("不再举行的原因").fill("场地维修")
    await page.get_by_role("button", name="取消活动").click()
    await expect(page.get_by_text("活动已取消。")).to_be_visible()
    await _status_is(page, "已取消")
    await page.get_by_role("button", name="归档").click()
    await _status_is(page, "已归档")
    assert [event for event in await _public_events_on(api, day) if event["id"] == event_id] == []
    await page.get_by_role("button", name="恢复为草稿").click()
    await expect(page.get_by_text("活动已恢复为草稿。")).to_be_visible()
    await _status_is(page, "草稿")


async def test_the_list_filters_by_status_and_words_by_keyboard_alone(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = uuid.uuid4().hex[:6]
    headers = staff_headers(console_server, staff_logins["operator"].user_id)
    created = await api.post(
        "/v1/manage/events",
        json={
            "title": f"徐汇社区剪纸课{tag}",
            "category": "event.culture",
            "district": "310104",
            "starts_at": "2031-03-01T14:00:00+08:00",
            "ends_at": "2031-03-01T16:00:00+08:00",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    page = await signed_in("operator")
    await page.goto("/console/events")
    await tab_to(page, "状态", role="combobox")
    await page.keyboard.press("ArrowDown")  # 草稿
    await expect(page.get_by_label("状态")).to_have_value("draft")
    await page.keyboard.press("Tab")
    await page.keyboard.type("剪纸课")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile("status=draft"))
    row = page.get_by_role("row").filter(has_text=f"徐汇社区剪纸课{tag}")
    await expect(row).to_contain_text("草稿")
    await expect(row).to_contain_text("文化艺术")
    await check_page(page)
    await tab_to(page, f"徐汇社区剪纸课{tag}")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=f"徐汇社区剪纸课{tag}", level=1)).to_be_visible()

    await page.goto("/console/events?status=published&q=%E5%89%AA%E7%BA%B8%E8%AF%BE")
    await expect(page.get_by_role("row").filter(has_text=f"徐汇社区剪纸课{tag}")).to_have_count(0)


async def test_an_operator_of_another_district_and_a_reviewer_cannot_open_the_event(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    headers = staff_headers(console_server, staff_logins["operator"].user_id)
    created = await api.post(
        "/v1/manage/events",
        json={
            "title": "仅限徐汇的活动",
            "category": "event.community",
            "district": "310104",
            "starts_at": "2031-04-01T14:00:00+08:00",
            "ends_at": "2031-04-01T16:00:00+08:00",
        },
        headers=headers,
    )
    event_id = created.json()["id"]
    other = await signed_in("other_operator")
    answer = await other.goto(f"/console/events/{event_id}")
    assert answer is not None and answer.status == 404
    reviewer = await signed_in("reviewer")
    answer = await reviewer.goto("/console/events")
    assert answer is not None and answer.status == 403
    await expect(reviewer.get_by_role("heading", name="无权操作")).to_be_visible()
