"""The admins' pages in a real browser: staff accounts made and changed (with reasons in the audit trail), disabling
that ends a session at once, feed keys shown once and revoked, and nothing of it for other roles."""

import uuid
from datetime import UTC, datetime

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import select, update

from models import UserAccount
from tests.accounts.conftest import STAFF_PASSWORD
from tests.console.browser import StaffLogin, check_page, resident_token, screenshot, sign_in, tab_to
from tests.console.conftest import HOME_DISTRICT, OTHER_DISTRICT, ConsoleServer

ADMIN_PAGES = (
    "/console/admin/users",
    "/console/admin/users/new",
    "/console/admin/users/{user_id}",
    "/console/admin/keys",
    "/console/admin/keys/new",
    "/console/admin/keys/1/revoke",
    "/console/admin/audit",
)
ADMIN_SECTIONS = ("用户", "数据接口密钥", "审计日志")
WEAK_PASSWORD = "password123"


async def _focus_by_tab(page: Page, element_id: str, limit: int = 80) -> None:
    """Tab until the element with this id has the focus (for fields whose role Playwright names differently)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("id => document.activeElement && document.activeElement.id === id", element_id):
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key on {page.url}")


async def _users_named(page: Page, username: str) -> int:
    await page.goto(f"/console/admin/users?q={username}")
    return await page.get_by_role("link", name=username, exact=True).count()


async def test_an_admin_makes_an_operator_by_keyboard_who_then_works_in_their_sections_only(
    signed_in, new_context, console_server: ConsoleServer, staff_logins
) -> None:
    page = await signed_in("admin")
    await page.goto("/console/admin/users")
    await expect(page.get_by_role("heading", name="用户", exact=True)).to_be_visible()
    await check_page(page)
    await screenshot(page, "admin-users")
    await page.get_by_role("link", name="新建员工账号").click()
    await expect(page.get_by_role("heading", name="新建员工账号")).to_be_visible()
    await check_page(page)

    username = f"xh-ops-{uuid.uuid4().hex[:6]}"
    # A weak password: refused beside its field, nothing made.
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("显示名称").fill("徐汇 王芳")
    await page.get_by_role("checkbox", name="徐汇区").check()
    await page.get_by_label("初始密码").fill(WEAK_PASSWORD)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="创建账号").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#password-errors")).to_contain_text("太容易猜到")
    await expect(page.get_by_label("初始密码")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("用户名")).to_have_value(username)
    await expect(page.get_by_role("checkbox", name="徐汇区")).to_be_checked()
    await expect(page.get_by_label("初始密码")).to_have_value("")
    await check_page(page)

    # A taken username: refused beside the username.
    await page.get_by_label("用户名").fill(staff_logins["operator"].username)
    await page.get_by_label("初始密码").fill(STAFF_PASSWORD)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="创建账号").click()
    assert (await answer.value).status == 409
    await expect(page.locator("#username-errors")).to_contain_text("用户名已被占用")
    await expect(page.locator("#password-errors")).to_have_count(0)
    assert await _users_named(page, username) == 0

    # The keyboard alone: Tab from field to field, Space ticks the district, Enter sends.
    await page.goto("/console/admin/users/new")
    await tab_to(page, "用户名", role="textbox")
    await page.keyboard.type(username)
    await page.keyboard.press("Tab")
    await page.keyboard.type("徐汇 王芳")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "role"
    await tab_to(page, "徐汇区", role="checkbox")
    await page.keyboard.press("Space")
    await _focus_by_tab(page, "password")
    await page.keyboard.type(STAFF_PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("账号已创建")
    await expect(page.get_by_role("heading", name=username)).to_be_visible()
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("区级运营人员")
    await expect(facts).to_contain_text("徐汇区")
    user_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    assert await _users_named(page, username) == 1
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=username, exact=True))
    await expect(row).to_contain_text("徐汇区")

    # The new operator signs in with what the admin typed and finds the operators' sections only.
    operator_page = await (await new_context()).new_page()
    login = StaffLogin(user_id, username, STAFF_PASSWORD, "operator", (HOME_DISTRICT,))
    await sign_in(operator_page, console_server.base_url, login)
    sections = operator_page.get_by_role("navigation", name="栏目")
    await expect(sections.get_by_role("link", name="服务点")).to_be_visible()
    for name in ("反馈队列", *ADMIN_SECTIONS):
        await expect(sections.get_by_role("link", name=name, exact=True)).to_have_count(0)


async def test_grants_changed_with_a_reason_are_in_the_audit_log_and_disabling_ends_the_session_at_once(
    signed_in, new_context, console_server: ConsoleServer, make_staff, staff_logins
) -> None:
    operator = await make_staff("operator", (HOME_DISTRICT,), name="待调整运营")
    operator_page = await (await new_context()).new_page()
    await sign_in(operator_page, console_server.base_url, operator)

    page = await signed_in("admin")
    await page.goto(f"/console/admin/users?role=operator&q={operator.username}")
    await page.get_by_role("link", name=operator.username, exact=True).click()
    await expect(page.get_by_role("heading", name=operator.username)).to_be_visible()

    # No reason (blanks pass the browser's `required`): refused beside the reason, nothing changed.
    await page.get_by_role("checkbox", name="浦东新区").check()
    await page.get_by_label("变更原因").fill("   ")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="保存角色和授权").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#reason-errors")).to_contain_text("请说明原因")
    await expect(page.get_by_role("checkbox", name="浦东新区")).to_be_checked()
    await expect(page.locator("dl.facts")).not_to_contain_text("浦东新区")
    await check_page(page)

    # An operator keeps at least one district.
    await page.get_by_role("checkbox", name="徐汇区").uncheck()
    await page.get_by_role("checkbox", name="浦东新区").uncheck()
    await page.get_by_label("变更原因").fill("调岗")
    await page.get_by_role("button", name="保存角色和授权").click()
    await expect(page.locator("#districts-errors")).to_contain_text("至少需要一个区")

    await page.get_by_role("checkbox", name="浦东新区").check()
    await page.get_by_label("变更原因").fill("调往浦东新区支援")
    await page.get_by_role("button", name="保存角色和授权").click()
    await expect(page.get_by_role("status")).to_contain_text("已保存")
    await expect(page.locator("dl.facts")).to_contain_text("浦东新区")
    await expect(page.locator("dl.facts")).not_to_contain_text("徐汇区")

    # The audit log, filtered by the object, shows the change in words (its code beside them, the districts by
    # name) with its reason and its actor.
    await page.goto("/console/admin/audit")
    await page.get_by_label("对象类型").select_option(label="账号 (user)")
    await page.get_by_label("对象编号").fill(str(operator.user_id))
    await page.get_by_role("button", name="筛选").click()
    assert "object_type=user" in page.url and f"object_id={operator.user_id}" in page.url
    entry = page.get_by_role("row").filter(has_text="user.districts")
    await expect(entry).to_have_count(1)
    await expect(entry.get_by_role("cell").nth(2)).to_have_text("区授权变更 user.districts")
    await expect(entry).to_contain_text("调往浦东新区支援")
    await expect(entry).to_contain_text("徐汇区 → 浦东新区")
    for code in (HOME_DISTRICT, OTHER_DISTRICT):
        await expect(entry).not_to_contain_text(code)
    created = page.get_by_role("row").filter(has_text="user.create")
    await expect(created).to_contain_text("账号创建")
    await expect(created).to_contain_text("districts: 徐汇区")
    await expect(page.get_by_role("row").filter(has_text="feed_key")).to_have_count(0)
    await check_page(page)
    await entry.get_by_role("link", name=staff_logins["admin"].username).click()
    await expect(page.get_by_role("heading", name=staff_logins["admin"].username)).to_be_visible()

    # Disabled with a reason: the operator's open console is sent to sign in on the next click.
    await page.goto(f"/console/admin/users/{operator.user_id}")
    await page.get_by_label("停用原因").fill("已离职")
    await page.get_by_role("button", name="停用账号").click()
    await expect(page.get_by_role("status")).to_contain_text("账号已停用")
    await expect(page.get_by_role("button", name="启用账号")).to_be_visible()
    await operator_page.get_by_role("link", name="上海公共服务目录 管理台").click()
    await expect(operator_page.get_by_role("button", name="登录")).to_be_visible()
    assert "/console/login" in operator_page.url

    # The audit log in English, filtered by the actor.
    await page.get_by_role("link", name="English").click()
    await page.goto(f"/console/admin/audit?actor={staff_logins['admin'].username}&object_id={operator.user_id}")
    await expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    disabled = page.get_by_role("row").filter(has_text="user.disable")
    await expect(disabled).to_contain_text("Account disabled")
    await expect(disabled).to_contain_text("已离职")
    grants = page.get_by_role("row").filter(has_text="user.districts")
    await expect(grants).to_contain_text("District grants changed")
    await expect(grants).to_contain_text("Xuhui → Pudong New Area")
    await expect(page.get_by_label("Object type")).to_have_value("")
    await check_page(page)
    # A type the filter does not offer is still asked for, and kept in the filter.
    await page.goto("/console/admin/audit?object_type=legacy_kind")
    await expect(page.get_by_label("Object type")).to_have_value("legacy_kind")
    await expect(page.get_by_text("No entry matches these filters.")).to_be_visible()
    await page.goto("/console/admin/audit?actor=nobody-by-this-name")
    await expect(page.locator("#actor-errors")).to_contain_text("No staff account")


async def test_the_last_active_admin_cannot_disable_themselves(
    new_context, console_server: ConsoleServer, console_database, make_staff
) -> None:
    admin = await make_staff("admin", name="唯一管理员")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, admin)
    await page.goto(f"/console/admin/users/{admin.user_id}")
    # For this moment, every other admin is set aside (by hand, so that their sessions stay), then put back.
    async with console_database.sessionmaker() as session, session.begin():
        others = list(
            (
                await session.scalars(
                    select(UserAccount.id).where(
                        UserAccount.role == "admin", UserAccount.is_active, UserAccount.id != admin.user_id
                    )
                )
            ).all()
        )
        await session.execute(update(UserAccount).where(UserAccount.id.in_(others)).values(is_active=False))
    try:
        await page.get_by_label("停用原因").fill("测试最后一名管理员")
        async with page.expect_response(lambda r: r.request.method == "POST") as answer:
            await page.get_by_role("button", name="停用账号").click()
        assert (await answer.value).status == 409
    finally:
        async with console_database.sessionmaker() as session, session.begin():
            await session.execute(update(UserAccount).where(UserAccount.id.in_(others)).values(is_active=True))
    await expect(page.get_by_role("alert")).to_contain_text("最后一名")
    await expect(page.get_by_role("button", name="停用账号")).to_be_visible()
    await check_page(page)


async def test_a_feed_key_is_shown_once_works_for_its_scope_and_stops_when_revoked(
    signed_in, api: httpx.AsyncClient
) -> None:
    page = await signed_in("admin")
    name = f"测试停车场平台 {uuid.uuid4().hex[:6]}"
    await page.goto("/console/admin/keys")
    await check_page(page)
    await page.get_by_role("link", name="新建数据接口密钥").click()
    await expect(page.get_by_role("heading", name="新建数据接口密钥")).to_be_visible()

    # Without a category: refused beside the categories.
    await page.get_by_label("名称").fill(name)
    await page.get_by_role("checkbox", name="徐汇区").check()
    await page.get_by_role("button", name="生成密钥").click()
    await expect(page.locator("#categories-errors")).to_contain_text("选择的项目太少")
    await check_page(page)

    await page.get_by_role("checkbox", name="公共停车场").check()
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="生成密钥").click()
    assert (await answer.value).status == 201
    await expect(page.get_by_role("alert")).to_contain_text("请立即复制")
    secret = await page.get_by_label(f"{name} 的密钥").input_value()
    assert secret.startswith("svk_")
    await check_page(page)

    parks = await api.get("/v1/places", params={"district": HOME_DISTRICT, "category": "transport.parking"})
    park_id = parks.json()["items"][0]["id"]
    body = {"figures": [{"place_id": park_id, "available": 12, "as_of": datetime.now(UTC).isoformat()}]}
    pushed = await api.put("/v1/manage/availability", json=body, headers={"X-API-Key": secret})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["applied"] == 1

    # A reload sends the form again: no second key, no secret.
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.reload()
    assert (await answer.value).status == 409
    await expect(page.get_by_role("alert")).to_contain_text("已经提交过")
    assert secret not in await page.content()
    await page.goto("/console/admin/keys")
    assert secret not in await page.content()
    row = page.get_by_role("row").filter(has_text=name)
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("徐汇区")
    await expect(row).to_contain_text("公共停车场")
    await expect(row).not_to_contain_text("从未使用")

    # Revoking asks first; then the key is refused.
    await row.get_by_role("link", name=f"撤销 {name}").click()
    await expect(page.get_by_role("heading", name=f"撤销密钥 {name}？")).to_be_visible()
    await check_page(page)
    still = await api.put("/v1/manage/availability", json=body, headers={"X-API-Key": secret})
    assert still.status_code == 200
    await page.get_by_role("button", name="撤销密钥").click()
    await expect(page.get_by_role("status")).to_contain_text("已撤销")
    await expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("已撤销")
    refused = await api.put("/v1/manage/availability", json=body, headers={"X-API-Key": secret})
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"


async def test_the_users_list_pages_with_its_filters_and_shows_residents_phones_masked(
    signed_in, make_staff, api: httpx.AsyncClient
) -> None:
    team = f"翻页组{uuid.uuid4().hex[:6]}"
    made = [await make_staff("reviewer", name=f"{team} {number}") for number in range(26)]
    await make_staff("operator", (HOME_DISTRICT,), name=f"{team} 运营")
    page = await signed_in("admin")
    await page.goto("/console/admin/users")
    await page.get_by_label("角色").select_option(label="反馈处理团队")
    await page.get_by_label("姓名或用户名").fill(team)
    await page.get_by_role("button", name="筛选").click()
    table = page.get_by_role("table")
    await expect(table.get_by_role("row")).to_have_count(1 + 25)
    await expect(table).not_to_contain_text("运营")
    await page.get_by_role("link", name="下一页").click()
    assert "role=reviewer" in page.url and "cursor=" in page.url
    await expect(page.get_by_label("姓名或用户名")).to_have_value(team)
    await expect(table.get_by_role("row")).to_have_count(1 + 1)
    await expect(table.get_by_role("link", name=made[-1].username)).to_be_visible()
    await expect(page.get_by_role("link", name="下一页")).to_have_count(0)

    await resident_token(api, "13900000103")
    await page.goto("/console/admin/users?role=resident")
    await expect(page.get_by_role("table")).to_contain_text("139****0103")
    assert "13900000103" not in await page.content()
    resident = page.get_by_role("row").filter(has_text="139****0103").get_by_role("link")
    await resident.click()
    await expect(page.get_by_label("停用原因")).to_be_visible()
    await expect(page.get_by_role("button", name="保存角色和授权")).to_have_count(0)
    await expect(page.get_by_label("角色")).to_have_count(0)


async def test_reviewers_and_operators_get_no_admin_page_and_see_no_admin_link(signed_in, staff_logins) -> None:
    for role in ("reviewer", "operator"):
        page = await signed_in(role)
        for path in ADMIN_PAGES:
            answer = await page.goto(path.format(user_id=staff_logins["admin"].user_id))
            assert answer is not None and answer.status == 403, (role, path)
            await expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
            sections = page.get_by_role("navigation", name="栏目")
            for name in ADMIN_SECTIONS:
                await expect(sections.get_by_role("link", name=name, exact=True)).to_have_count(0)
        await page.goto("/console")
        for name in ADMIN_SECTIONS:
            await expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
