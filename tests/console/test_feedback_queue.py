"""The feedback team's queue and dashboard: overdue first then by deadline in working days, the filters and the
counts per status, paging that keeps the filters, English by choice; the dashboard's figures are the API's; an
operator is refused both — in Debian's chromium, on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect
from sqlalchemy import update

from models import Feedback
from tests.console.browser import check_page, screenshot
from tests.console.conftest import HOME_DISTRICT, OTHER_DISTRICT
from tests.console.feedback_helpers import complaint, move, place_of, principal_of, send_feedback


async def test_the_queue_puts_the_overdue_first_filters_counts_and_pages(
    signed_in, api: httpx.AsyncClient, console_database, staff_logins
) -> None:
    word = f"垃圾{uuid.uuid4().hex[:6]}"
    home, other = await place_of(console_database, HOME_DISTRICT), await place_of(console_database, OTHER_DISTRICT)
    soon, _ = await send_feedback(api, "13900000102", complaint(home, f"{word}没人收", f"小区门口{word}三天没人收。"))
    late, _ = await send_feedback(api, "13900000102", complaint(other, f"{word}堆在路边", f"路边{word}堆了一周。"))
    praise, _ = await send_feedback(
        api,
        "13900000102",
        {**complaint(home, f"{word}清运及时", f"这周{word}清运很及时，谢谢。"), "kind": "praise"},
    )
    async with console_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Feedback)
            .where(Feedback.id == late["id"])
            .values(due_at=datetime.now(UTC) - timedelta(days=9), assignee_id=staff_logins["reviewer"].user_id)
        )
    await move(console_database, staff_logins["reviewer"], praise["id"], "accepted")

    page = await signed_in("reviewer")
    await page.goto("/console/feedback")
    await screenshot(page, "queue")
    await page.get_by_label("关键词或编号").fill(word)
    await page.get_by_role("button", name="筛选").click()
    titles = page.locator("table.queue tbody tr td:nth-child(2) a")
    # Overdue first (said in words, not only in colour), then the nearest deadline: a complaint's 5 working days
    # before a praise's 10.
    await expect(titles).to_have_text([f"{word}堆在路边", f"{word}没人收", f"{word}清运及时"])
    first = page.locator("table.queue tbody tr").first
    await expect(first).to_contain_text("已逾期")
    await expect(first).to_contain_text("超期")
    await expect(first).to_contain_text("测试审核员")
    await expect(page.locator("table.queue tbody tr").nth(2)).to_contain_text("剩余工作日：10")
    counts = page.get_by_role("navigation", name="各状态数量")
    await expect(counts.get_by_role("link", name="已提交")).to_contain_text("2")
    await expect(counts.get_by_role("link", name="已受理")).to_contain_text("1")
    await expect(counts.get_by_role("link", name="待办")).to_contain_text("3")
    await check_page(page)

    await page.get_by_label("类型").select_option(label="表扬")
    await page.get_by_role("button", name="筛选").click()
    await expect(titles).to_have_text([f"{word}清运及时"])
    # The counts follow the other filters: one praise, accepted.
    await expect(counts.get_by_role("link", name="待办")).to_contain_text("1")
    await page.get_by_label("类型").select_option(value="")
    await page.get_by_label("区", exact=True).select_option(HOME_DISTRICT)
    await page.get_by_role("button", name="筛选").click()
    await expect(titles).to_have_text([f"{word}没人收", f"{word}清运及时"])
    await page.get_by_label("区", exact=True).select_option(value="")
    await page.get_by_label("指派给我的").check()
    await page.get_by_role("button", name="筛选").click()
    await expect(titles).to_have_text([f"{word}堆在路边"])
    await page.get_by_label("指派给我的").uncheck()
    await page.get_by_role("button", name="筛选").click()
    await counts.get_by_role("link", name="已受理").click()
    await expect(titles).to_have_text([f"{word}清运及时"])
    await expect(page.get_by_label("关键词或编号")).to_have_value(word)

    # Two a page: the next page keeps the filters.
    await page.goto(f"/console/feedback?q={word}&limit=2")
    await expect(titles).to_have_text([f"{word}堆在路边", f"{word}没人收"])
    await page.get_by_role("link", name="下一页").click()
    await expect(titles).to_have_text([f"{word}清运及时"])
    await expect(page.get_by_role("link", name="下一页")).to_have_count(0)

    # English by choice.
    await page.goto(f"/console/feedback?q={word}")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1, name="Feedback queue")).to_be_visible()
    await expect(page.locator("table.queue tbody tr").first).to_contain_text("Overdue")
    await expect(page.locator("table.queue tbody tr").nth(1)).to_contain_text("Working days left: 5")
    await expect(page.get_by_label("Words or reference")).to_have_value(word)
    await check_page(page)
    await page.get_by_role("link", name="中文").click()
    await expect(page.get_by_role("heading", level=1, name="反馈队列")).to_be_visible()


async def test_the_dashboard_shows_the_figures_the_api_publishes(
    signed_in, api: httpx.AsyncClient, console_database, staff_logins
) -> None:
    word = f"指示牌{uuid.uuid4().hex[:6]}"
    place_id = await place_of(console_database, HOME_DISTRICT)
    sent, resident = await send_feedback(api, "13900000103", complaint(place_id, f"{word}倒了", f"{word}被风吹倒了。"))
    await move(
        console_database, staff_logins["reviewer"], sent["id"], "accepted", "in_progress", "resolved", reply="已扶正。"
    )
    rated = await api.post(f"/v1/feedback/{sent['id']}/rating", json={"score": 4}, headers=resident)
    assert rated.status_code == 200, rated.text
    assert principal_of(staff_logins["reviewer"]).role == "reviewer"

    page = await signed_in("reviewer")
    await page.goto("/console/feedback/dashboard")
    await expect(page.get_by_role("heading", level=1, name="反馈看板")).to_be_visible()
    everywhere = (await api.get("/v1/stats/feedback")).json()
    await expect(page.locator("[data-figure=total]")).to_have_text(str(everywhere["total"]))
    await expect(page.get_by_role("img", name="各区待办与逾期反馈")).to_be_visible()
    await check_page(page)

    await page.get_by_label("区", exact=True).select_option(HOME_DISTRICT)
    await page.get_by_role("button", name="显示").click()
    await expect(page.get_by_role("heading", level=2, name="徐汇区")).to_be_visible()
    public = (await api.get("/v1/stats/feedback", params={"district": HOME_DISTRICT})).json()
    counts = {item["key"]: item["count"] for item in public["by_status"]}
    open_count = sum(counts.get(s, 0) for s in ("submitted", "accepted", "in_progress", "reopened"))
    await expect(page.locator("[data-figure=open]")).to_have_text(str(open_count))
    await expect(page.locator("[data-figure=total]")).to_have_text(str(public["total"]))
    await expect(page.locator("[data-figure=median]")).to_have_text(f"{public['median_hours_to_resolution']} 小时")
    share = round(public["resolved_within_deadline_share"] * 100, 1)
    await expect(page.locator("[data-figure=within]")).to_have_text(f"{share}%")
    await expect(page.locator("[data-figure=rating]")).to_contain_text(f"{public['average_rating']} / 5")
    await expect(page.locator("[data-figure=rating]")).to_contain_text(f"{public['ratings']} 条评价")
    # The chart by status, and its table in words.
    await expect(page.get_by_role("img", name="各状态反馈数")).to_be_visible()
    by_status = page.get_by_role("table", name="各状态反馈数")
    await expect(by_status.get_by_role("row", name="已关闭")).to_contain_text(str(counts["closed"]))
    district_row = page.get_by_role("table", name="各区数据").get_by_role("row", name="徐汇区")
    await expect(district_row).to_contain_text(f"{public['average_rating']} / 5")
    await check_page(page)


async def test_an_operator_is_refused_the_feedback_teams_pages(signed_in) -> None:
    page = await signed_in("operator")
    for path in ("/console/feedback", "/console/feedback/dashboard"):
        answer = await page.goto(path)
        assert answer is not None and answer.status == 403
        await expect(page.get_by_role("heading", level=1, name="无权操作")).to_be_visible()
        await expect(page.get_by_text("您的角色无权访问此页面")).to_be_visible()
    await expect(page.get_by_role("navigation", name="栏目").get_by_role("link", name="反馈队列")).to_have_count(0)
    await check_page(page)
