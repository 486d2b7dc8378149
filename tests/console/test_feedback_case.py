"""A case in the feedback team's console: a resident's complaint sent through the API is found in the queue,
assigned, answered from a template and resolved, and the resident reads the reply through the API; the moves the
workflow forbids have no button; a likely duplicate is linked in one click; the phone is revealed to reviewers
only, with a reason — in Debian's chromium, on SQLite and PostgreSQL."""

import uuid

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from models import AuditEntry
from tests.console.browser import check_page, screenshot, tab_to
from tests.console.conftest import HOME_DISTRICT, ConsoleServer
from tests.console.feedback_helpers import complaint, csrf_of, new_template, place_of, send_feedback, send_photo


async def test_a_complaint_is_found_assigned_answered_from_a_template_and_resolved_and_the_resident_reads_the_reply(
    signed_in, api: httpx.AsyncClient, console_database, staff_logins
) -> None:
    word = f"井盖{uuid.uuid4().hex[:6]}"
    place_id = await place_of(console_database, HOME_DISTRICT)
    sent, resident = await send_feedback(
        api, "13900000101", complaint(place_id, f"{word}松动", f"门口的{word}踩上去会晃，晚上看不清，很危险。")
    )
    await send_photo(api, resident, sent["id"])
    template_text = f"您好，{word}已由养护单位更换加固，感谢您的反映。"
    template_name = f"井盖已修复 {word}"
    await new_template(console_database, staff_logins["reviewer"], template_name, template_text)

    page = await signed_in("reviewer")
    await page.goto("/console/feedback")
    await page.get_by_label("关键词或编号").fill(word)
    await page.get_by_role("button", name="筛选").click()
    row = page.get_by_role("row").filter(has_text=sent["ref"])
    await expect(row).to_contain_text("剩余工作日：5")
    await row.get_by_role("link", name=f"{word}松动").click()

    await expect(page.get_by_role("heading", level=1, name=f"{word}松动")).to_be_visible()
    await expect(page.get_by_text(f"门口的{word}踩上去会晃")).to_be_visible()
    await expect(page.get_by_role("link", name="← 返回队列")).to_be_visible()
    photo = page.get_by_role("img", name="居民上传的照片，第 1 张，共 1 张")
    await expect(photo).to_be_visible()
    assert await photo.evaluate("image => image.complete && image.naturalWidth") == 160
    # Only the moves the workflow allows from "submitted" (resolving comes after accepting and starting work).
    answer = page.get_by_role("region", name="答复与状态")
    await expect(answer.get_by_role("button", name="受理", exact=True)).to_be_visible()
    await expect(answer.get_by_role("button", name="不予受理", exact=True)).to_be_visible()
    await expect(answer.get_by_role("button", name="办结", exact=True)).to_have_count(0)
    await expect(answer.get_by_role("button", name="开始处理", exact=True)).to_have_count(0)
    await check_page(page)

    # The keyboard alone: assign to me, choose the template, send it as the reply.
    await tab_to(page, "指派给我", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("指派已保存")
    await expect(page.locator("#assignee")).to_have_text("测试审核员")
    await tab_to(page, "回复模板", role="combobox")
    await page.get_by_label("回复模板").select_option(label=template_name)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("给居民的答复")).to_have_value(template_text)
    await tab_to(page, "发送答复", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("答复已发送给居民")

    note = f"已联系养护单位 {word}"
    await page.get_by_label("给团队的备注").fill(note)
    await page.get_by_role("button", name="保存备注").click()
    await expect(page.get_by_role("status")).to_contain_text("内部备注已保存")
    await expect(page.get_by_role("region", name="处理记录").locator("li.internal").last).to_contain_text(note)
    await page.get_by_role("button", name="受理", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("状态已变更")
    await page.get_by_role("button", name="开始处理", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("状态已变更")
    # Resolving without a word to the resident is refused beside the message.
    async with page.expect_response(lambda r: r.request.method == "POST") as refused:
        await page.get_by_role("button", name="办结", exact=True).click()
    assert (await refused.value).status == 422
    message = page.get_by_label("给居民的答复")
    await expect(page.locator("#public_reply-errors")).to_contain_text("办结或不予受理需要给居民的答复")
    await expect(message).to_have_attribute("aria-invalid", "true")
    await check_page(page)
    await message.fill(template_text)
    await page.get_by_role("button", name="办结", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("状态已变更")
    await expect(page.locator(".case-facts")).to_contain_text("已办结")
    await expect(answer.get_by_role("button", name="办结", exact=True)).to_have_count(0)
    timeline = page.get_by_role("region", name="处理记录")
    await expect(timeline).to_contain_text("指派")
    await expect(timeline).to_contain_text("处理中 → 已办结")
    await screenshot(page, "case")

    # The resident's side, through the API: the reply in the feedback's history and in the inbox.
    mine = (await api.get(f"/v1/feedback/{sent['id']}", headers=resident)).json()
    assert mine["status"] == "resolved"
    assert [entry["message"] for entry in mine["history"] if entry["action"] == "reply"] == [template_text]
    assert all(entry["public"] for entry in mine["history"])
    assert note not in str(mine)
    inbox = (await api.get("/v1/me/notifications", headers=resident)).json()["items"]
    about = [item for item in inbox if item["feedback_id"] == sent["id"]]
    assert any(item["kind"] == "reply" and item["body"] == template_text for item in about)
    assert any(item["kind"] == "status" and item["body"] == template_text for item in about)


async def test_moves_the_workflow_forbids_have_no_button_and_a_likely_duplicate_is_linked_in_one_click(
    signed_in, api: httpx.AsyncClient, console_database, console_server: ConsoleServer
) -> None:
    word = f"路灯{uuid.uuid4().hex[:6]}"
    place_id = await place_of(console_database, HOME_DISTRICT)
    text = f"{word} 晚上 不亮 已经 三天 了 行人 看不清 路"
    original, _ = await send_feedback(api, "13900000102", complaint(place_id, f"{word}不亮", text))
    again, resident = await send_feedback(api, "13900000102", complaint(place_id, f"{word}还是不亮", text))

    page = await signed_in("reviewer")
    await page.goto(f"/console/feedback/{again['id']}")
    duplicates = page.get_by_role("region", name="疑似重复")
    await expect(duplicates.get_by_role("link", name=f"{word}不亮")).to_be_visible()
    # A move the workflow does not allow is refused even when posted by hand.
    forged = await page.request.post(
        f"/console/feedback/{again['id']}/transition",
        form={"to": "resolved", "public_reply": "已处理", "csrf_token": await csrf_of(page)},
    )
    assert forged.status == 409
    await duplicates.get_by_role("button", name=f"标记为 {original['ref']} 的重复").click()
    await expect(page.get_by_role("status")).to_contain_text("已标记为重复")
    await expect(page.locator(".case-facts")).to_contain_text("重复反馈")
    await expect(page.get_by_role("region", name="居民反映的内容")).to_contain_text(f"重复于 {original['ref']}")
    # A duplicate is settled: no status change is left for the team, nor another link.
    answer = page.get_by_role("region", name="答复与状态")
    for name in ("受理", "不予受理", "开始处理", "办结"):
        await expect(answer.get_by_role("button", name=name, exact=True)).to_have_count(0)
    await expect(page.get_by_role("button", name=f"标记为 {original['ref']} 的重复")).to_have_count(0)
    await check_page(page)
    mine = (await api.get(f"/v1/feedback/{again['id']}", headers=resident)).json()
    assert mine["status"] == "duplicate" and mine["duplicate_of"] == original["ref"]


async def test_a_reviewer_reveals_the_phone_with_a_reason_an_admin_cannot(
    signed_in, new_context, api: httpx.AsyncClient, console_database, staff_logins, console_server: ConsoleServer
) -> None:
    word = f"噪音{uuid.uuid4().hex[:6]}"
    place_id = await place_of(console_database, HOME_DISTRICT)
    sent, _ = await send_feedback(
        api, "13900000103", complaint(place_id, f"{word}扰民", f"夜里{word}很大，希望有人回电了解情况。")
    )
    page = await signed_in("reviewer")
    await page.goto(f"/console/feedback/{sent['id']}")
    phone = page.get_by_role("region", name="居民电话")
    await expect(phone).to_contain_text("139****0103")
    await phone.get_by_label("查看号码的理由").fill("回电")
    async with page.expect_response(lambda r: r.request.method == "POST") as refused:
        await phone.get_by_role("button", name="显示电话号码").click()
    assert (await refused.value).status == 422
    await expect(page.locator("#reason-errors")).to_be_visible()
    await expect(phone).not_to_contain_text("13900000103")
    await phone.get_by_label("查看号码的理由").fill("需要回电核实噪音发生的时间")
    await phone.get_by_role("button", name="显示电话号码").click()
    await expect(phone.get_by_role("status")).to_contain_text("13900000103")
    await check_page(page)
    async with console_database.sessionmaker() as session:
        entry = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "feedback.reveal_phone", AuditEntry.object_id == str(sent["id"])
                )
            )
        ).one()
    assert entry.actor_id == staff_logins["reviewer"].user_id
    assert entry.reason == "需要回电核实噪音发生的时间"
    # Shown in that answer only: the page itself and the queue show the masked number, never the whole one.
    await page.goto(f"/console/feedback/{sent['id']}")
    await expect(phone).to_contain_text("139****0103")
    assert "13900000103" not in await page.content()
    await page.goto(f"/console/feedback?q={word}")
    await expect(page.get_by_role("link", name=f"{word}扰民")).to_be_visible()
    assert "13900000103" not in await page.content()

    # An admin works the case but sees no reveal, and the route refuses them.
    admin = await signed_in("admin")
    await admin.goto(f"/console/feedback/{sent['id']}")
    await expect(admin.get_by_role("heading", level=1, name=f"{word}扰民")).to_be_visible()
    await expect(admin.get_by_role("button", name="显示电话号码")).to_have_count(0)
    refused_admin = await admin.request.post(
        f"/console/feedback/{sent['id']}/reveal-phone",
        form={"reason": "管理员想看一下号码", "csrf_token": await csrf_of(admin)},
    )
    assert refused_admin.status == 403
    assert "role_refused" in await refused_admin.text()
