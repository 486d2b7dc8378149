"""The feedback team's reply templates in the console: a reviewer writes one (an empty text or a taken name is
refused beside its field), finds it offered on a case, changes it and deletes it only after ticking the
confirmation; an operator is refused — in Debian's chromium, on SQLite and PostgreSQL."""

import uuid

import httpx
from playwright.async_api import expect

from tests.console.browser import check_page, tab_to
from tests.console.conftest import HOME_DISTRICT
from tests.console.feedback_helpers import complaint, csrf_of, place_of, send_feedback


async def test_a_reviewer_writes_a_template_finds_it_on_a_case_changes_it_and_deletes_it_after_confirming(
    signed_in, api: httpx.AsyncClient, console_database
) -> None:
    word = uuid.uuid4().hex[:6]
    name = f"占道施工答复 {word}"
    text = f"您好，占道施工{word}已通知城管部门核查，感谢您的反映。"
    place_id = await place_of(console_database, HOME_DISTRICT)
    sent, _ = await send_feedback(
        api, "13900000102", complaint(place_id, f"占道施工{word}", f"人行道被施工{word}占用，行人只能走机动车道。")
    )

    page = await signed_in("reviewer")
    await page.goto("/console/feedback")
    # The keyboard alone: from the queue to the templates, and a new template written and saved.
    await tab_to(page, "管理回复模板")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1, name="回复模板")).to_be_visible()
    await check_page(page)

    # A text of spaces only passes the browser's check; the service finds it empty and creates nothing.
    await page.get_by_label("名称").fill(name)
    await page.get_by_label("答复内容").fill("   ")
    async with page.expect_response(lambda r: r.request.method == "POST") as refused:
        await page.get_by_role("button", name="保存模板").click()
    assert (await refused.value).status == 422
    await expect(page.locator("#body-errors")).to_contain_text("内容太短或为空")
    await expect(page.get_by_label("答复内容")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("名称")).to_have_value(name)
    await expect(page.get_by_role("link", name=name)).to_have_count(0)
    await check_page(page)

    await tab_to(page, "答复内容", role="textbox")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(text)
    await tab_to(page, "保存模板", role="button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("回复模板已保存")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    await expect(row).to_contain_text("所有类型")
    await expect(row).to_contain_text("测试审核员")
    await expect(row).to_contain_text(text[:20])

    # Each name once: the service's refusal shows beside the name, and no second template is made.
    await page.get_by_label("名称").fill(name)
    await page.get_by_label("答复内容").fill("另一段答复")
    async with page.expect_response(lambda r: r.request.method == "POST") as taken:
        await page.get_by_role("button", name="保存模板").click()
    assert (await taken.value).status == 409
    await expect(page.locator("#name-errors")).to_contain_text("已有同名的模板")
    await expect(page.get_by_role("link", name=name)).to_have_count(1)

    # Offered on a case (a template for every kind is offered on a complaint).
    await page.goto(f"/console/feedback/{sent['id']}")
    chooser = page.get_by_label("回复模板")
    await expect(chooser.locator("option", has_text=name)).to_have_count(1)

    # Changed: its name, its kind and its text; the case then offers the new text under the new name.
    await page.get_by_role("link", name="管理回复模板").click()
    await page.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1, name=f"回复模板：{name}")).to_be_visible()
    await check_page(page)
    renamed, new_text = f"占道施工已核查 {word}", f"您好，占道施工{word}已清理，人行道已恢复通行。"
    await page.get_by_label("名称").fill(renamed)
    await page.get_by_label("适用的反馈类型").select_option(label="投诉")
    await page.get_by_label("答复内容").fill(new_text)
    await page.get_by_role("button", name="保存修改").click()
    await expect(page.get_by_role("status")).to_contain_text("回复模板已修改")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=renamed))
    await expect(row).to_contain_text("投诉")
    await expect(page.get_by_role("link", name=name)).to_have_count(0)
    await page.goto(f"/console/feedback/{sent['id']}")
    await page.get_by_label("回复模板").select_option(label=renamed)
    await page.get_by_role("button", name="使用模板").click()
    await expect(page.get_by_label("给居民的答复")).to_have_value(new_text)

    # Deleted only once the confirmation is ticked: the browser holds the form back, and a form sent without the
    # tick is refused by the console too.
    await page.goto("/console/feedback/templates")
    await page.get_by_role("link", name=renamed).click()
    edit_url = page.url
    confirm = page.get_by_label("确认删除此模板")
    await page.get_by_role("button", name="删除模板").click()
    assert await confirm.evaluate("box => box.validity.valueMissing")
    assert page.url == edit_url
    unticked = await page.request.post(f"{edit_url}/delete", form={"csrf_token": await csrf_of(page)}, max_redirects=0)
    assert unticked.status == 422
    assert "请先勾选确认" in await unticked.text()
    await page.reload()
    await expect(page.get_by_role("heading", level=1, name=f"回复模板：{renamed}")).to_be_visible()
    await confirm.check()
    await page.get_by_role("button", name="删除模板").click()
    await expect(page.get_by_role("status")).to_contain_text("回复模板已删除")
    await expect(page.get_by_role("link", name=renamed)).to_have_count(0)
    await page.goto(f"/console/feedback/{sent['id']}")
    await expect(page.get_by_label("回复模板").locator("option", has_text=renamed)).to_have_count(0)
    gone = await page.request.get(edit_url)
    assert gone.status == 404


async def test_an_operator_can_neither_open_nor_write_reply_templates(signed_in) -> None:
    page = await signed_in("operator")
    opened = await page.goto("/console/feedback/templates")
    assert opened is not None and opened.status == 403
    name = f"运营人员的模板 {uuid.uuid4().hex[:6]}"
    forged = await page.request.post(
        "/console/feedback/templates",
        form={"name": name, "kind": "", "body": "不应保存的答复", "csrf_token": await csrf_of(page)},
    )
    assert forged.status == 403
    assert "role_refused" in await forged.text()

    reviewer = await signed_in("reviewer")
    await reviewer.goto("/console/feedback/templates")
    await expect(reviewer.get_by_role("heading", level=1, name="回复模板")).to_be_visible()
    await expect(reviewer.get_by_role("link", name=name)).to_have_count(0)
