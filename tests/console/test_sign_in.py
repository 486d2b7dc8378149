"""Signing in to the console and what keeps it safe: the cookie, CSRF, headers, roles, sign-out, disabled accounts
and the language — in Debian's chromium, on SQLite and PostgreSQL."""

import httpx
from playwright.async_api import expect

from tests.console.browser import check_page, resident_token, sign_in
from tests.console.conftest import ConsoleServer


async def test_a_reviewer_signs_in_in_chinese_and_sees_only_the_feedback_teams_sections(
    new_context, console_server: ConsoleServer, make_staff
) -> None:
    reviewer = await make_staff("reviewer")
    page = await (await new_context()).new_page()
    answer = await page.goto("/console")
    assert page.url.endswith("/console/login?next=%2Fconsole")
    assert await page.locator("html").get_attribute("lang") == "zh-Hans"
    assert answer is not None
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    await check_page(page)

    # The keyboard alone: Tab to the fields, type, Enter.
    await page.get_by_label("用户名").focus()
    await page.keyboard.type(reviewer.username)
    await page.keyboard.press("Tab")
    await page.keyboard.type(reviewer.password)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="欢迎")).to_be_visible()
    sections = page.get_by_role("navigation", name="栏目")
    await expect(sections.get_by_role("link", name="反馈队列")).to_be_visible()
    await expect(sections.get_by_role("link", name="服务点")).to_have_count(0)
    await expect(sections.get_by_role("link", name="用户")).to_have_count(0)
    await check_page(page)

    cookie = next(c for c in await page.context.cookies() if c["name"] == "svcdir_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"


async def test_a_wrong_password_is_refused_beside_the_form_and_opens_nothing(new_context, make_staff) -> None:
    reviewer = await make_staff("reviewer")
    page = await (await new_context()).new_page()
    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(reviewer.username)
    await page.get_by_label("密码").fill("not-the-password-at-all")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="登录").click()
    assert (await answer.value).status == 401
    await expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    await expect(page.get_by_label("用户名")).to_have_value(reviewer.username)
    assert not [c for c in await page.context.cookies() if c["name"] == "svcdir_console"]
    await check_page(page)


async def test_a_form_post_without_the_csrf_token_is_refused(
    new_context, console_server: ConsoleServer, make_staff
) -> None:
    operator = await make_staff("operator")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, operator)
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=console_server.base_url, cookies=cookies) as forger:
        refused = await forger.post("/console/logout", data={})
        assert refused.status_code == 403
        assert "csrf_failed" in refused.text
        wrong = await forger.post("/console/logout", data={"csrf_token": "0" * 64})
        assert wrong.status_code == 403
        header_wrong = await forger.post("/console/logout", headers={"X-CSRF-Token": "forged"})
        assert header_wrong.status_code == 403
    # Nothing was done: the session is still open.
    await page.goto("/console")
    await expect(page.get_by_role("heading", name="欢迎")).to_be_visible()
    # A sign-in form posted from elsewhere (no sign-in cookie, no token) signs no one in.
    async with httpx.AsyncClient(base_url=console_server.base_url) as elsewhere:
        forged = await elsewhere.post(
            "/console/login", data={"username": operator.username, "password": operator.password}
        )
        assert forged.status_code == 403
        assert "svcdir_console=" not in forged.headers.get("set-cookie", "")


async def test_signing_out_ends_the_session_for_good(new_context, console_server: ConsoleServer, make_staff) -> None:
    operator = await make_staff("operator")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, operator)
    stolen = {c["name"]: c["value"] for c in await page.context.cookies()}
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("status")).to_contain_text("您已退出登录")
    async with httpx.AsyncClient(base_url=console_server.base_url, cookies=stolen) as replay:
        answer = await replay.get("/console")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")


async def test_an_account_disabled_by_an_admin_is_signed_out_of_the_console_at_once(
    new_context, console_server: ConsoleServer, make_staff, staff_logins, api: httpx.AsyncClient
) -> None:
    reviewer = await make_staff("reviewer")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, reviewer)
    admin = staff_logins["admin"]
    tokens = await api.post("/v1/auth/login", json={"username": admin.username, "password": admin.password})
    disabled = await api.patch(
        f"/v1/admin/users/{reviewer.user_id}",
        json={"active": False, "reason": "left the team"},
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
    )
    assert disabled.status_code == 200, disabled.text
    await page.reload()
    assert "/console/login" in page.url
    await expect(page.get_by_role("button", name="登录")).to_be_visible()


async def test_residents_tokens_never_open_the_console(console_server: ConsoleServer, api: httpx.AsyncClient) -> None:
    token = await resident_token(api, "13900000101")
    answer = await api.get("/console", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")


async def test_english_by_choice_on_every_page_and_back(new_context, console_server: ConsoleServer, make_staff) -> None:
    admin = await make_staff("admin")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, admin)
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    assert await page.locator("html").get_attribute("lang") == "en"
    sections = page.get_by_role("navigation", name="Sections")
    for name in ("Feedback queue", "Listings", "Users", "Audit log"):
        await expect(sections.get_by_role("link", name=name)).to_be_visible()
    await check_page(page)
    await page.get_by_role("link", name="中文").click()
    await expect(page.get_by_role("heading", name="欢迎")).to_be_visible()


async def test_after_sign_in_the_console_goes_only_to_its_own_pages(
    new_context, console_server: ConsoleServer, make_staff
) -> None:
    operator = await make_staff("operator")
    page = await (await new_context()).new_page()
    await page.goto("/console/login?next=//evil.example/steal")
    await page.get_by_label("用户名").fill(operator.username)
    await page.get_by_label("密码").fill(operator.password)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name="欢迎")).to_be_visible()
    assert page.url == f"{console_server.base_url}/console"


async def test_a_page_that_does_not_exist_is_a_console_page_with_the_same_headers(signed_in) -> None:
    page = await signed_in("operator")
    answer = await page.goto("/console/no-such-page")
    assert answer is not None and answer.status == 404
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    await expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    await check_page(page)


async def test_signing_in_again_in_the_same_browser_ends_the_session_it_held(
    new_context, console_server: ConsoleServer, make_staff
) -> None:
    first, second = await make_staff("operator"), await make_staff("reviewer")
    page = await (await new_context()).new_page()
    await sign_in(page, console_server.base_url, first)
    earlier = {c["name"]: c["value"] for c in await page.context.cookies()}
    await sign_in(page, console_server.base_url, second)
    async with httpx.AsyncClient(base_url=console_server.base_url, cookies=earlier) as replay:
        answer = await replay.get("/console")
    assert answer.status_code == 303
    await page.goto("/console")
    await expect(page.get_by_role("navigation", name="栏目").get_by_role("link", name="反馈队列")).to_be_visible()
