"""Residents' corrections in the console, in chromium on SQLite and PostgreSQL: a correction sent through the API as
the app sends it shows the listing's value beside the suggestion; the operator applies it edited (the listing then
reads the edited value) or declines it (the resident reads the reply); one settled meanwhile through the API is a
409 said on the page; an operator of another district sees none of them; reviewers are refused."""

import uuid

import httpx
from playwright.async_api import Locator, Page, expect

from tests.console.browser import check_page, resident_token
from tests.console.conftest import ConsoleServer
from tests.console.test_imports import staff_headers
from tests.curation.import_files import csv_file, sample_row


async def _published_listing(api: httpx.AsyncClient, headers: dict[str, str], tag: str) -> dict:
    """A complete public toilet of the home district, published by an import (a listing no other test touches)."""
    row = sample_row(1, source_id=f"CC-{tag}", name=f"纠错测试公厕{tag}（测试数据）")
    answer = await api.post(
        "/v1/manage/imports",
        headers=headers,
        files={"file": ("one.csv", csv_file([row]), "text/csv")},
        data={"publish": "true"},
    )
    assert answer.status_code == 200 and answer.json()["created"] == 1, answer.text
    [place] = (await api.get("/v1/manage/places", params={"q": f"CC-{tag}"}, headers=headers)).json()["items"]
    assert place["status"] == "published"
    return place


async def _correct(api: httpx.AsyncClient, phone: str, place_id: int, field: str, suggested: str) -> tuple[str, dict]:
    """A resident's correction, sent as the app sends it; (the resident's token, the feedback)."""
    token = await resident_token(api, phone)
    answer = await api.post(
        "/v1/feedback",
        json={
            "kind": "correction",
            "target": {"kind": "place", "id": place_id},
            "title": "信息有误",
            "body": "这条信息和现场不一致，请核实更新。",
            "correction": {"field": field, "suggested_value": suggested},
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    return token, answer.json()


def _card(page: Page, ref: str) -> Locator:
    return page.get_by_role("article").filter(has_text=ref)


async def _tab_to(page: Page, target: Locator, limit: int = 200) -> None:
    """Tab until this element has the focus (a <summary> has no role to find it by)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with the Tab key")


async def test_an_operator_applies_one_correction_edited_and_declines_another(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = uuid.uuid4().hex[:8]
    headers = staff_headers(console_server, staff_logins["operator"].user_id)
    place = await _published_listing(api, headers, tag)
    suggested_name = f"纠错后公厕{tag}（测试数据）"
    _, renamed = await _correct(api, "13900000101", place["id"], "name", suggested_name)
    resident, phoned = await _correct(api, "13900000102", place["id"], "phones", "021-64000000；021-64000001")

    # Another district's operator does not see them.
    other = await signed_in("other_operator")
    await other.goto("/console/corrections")
    await expect(other.get_by_role("heading", name="居民纠错", level=1)).to_be_visible()
    await expect(_card(other, renamed["ref"])).to_have_count(0)
    await expect(_card(other, phoned["ref"])).to_have_count(0)

    page = await signed_in("operator")
    await page.goto("/console/corrections")
    card = _card(page, renamed["ref"])
    compare = card.get_by_role("table", name="服务点现有信息与居民的建议")
    await expect(compare.get_by_role("row", name="现有信息")).to_contain_text(place["name"])
    await expect(compare.get_by_role("row", name="居民建议")).to_contain_text(suggested_name)
    phones = _card(page, phoned["ref"]).get_by_role("table")
    await expect(phones.get_by_role("row", name="识别为")).to_contain_text("021-64000000; 021-64000001")
    await check_page(page)

    # Applied edited: the form holds the suggestion; a value the listing cannot take is refused beside the field.
    edit = card.locator("details").filter(has_text="修改后采纳")
    await edit.get_by_text("修改后采纳").click()
    value = edit.get_by_label("新的值")
    await expect(value).to_have_value(suggested_name)
    await value.fill("名" * 201)
    await edit.get_by_label("给居民的回复").fill("感谢指正，名称已更新。")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await card.get_by_role("button", name="采纳修改后的值").click()
    assert (await answer.value).status == 422
    card = _card(page, renamed["ref"])
    value = card.get_by_label("新的值")
    await expect(value).to_have_attribute("aria-invalid", "true")
    await expect(card.locator(".field-errors")).to_contain_text("内容太长")
    await check_page(page)
    edited_name = f"纠错编辑后公厕{tag}（测试数据）"
    await value.fill(edited_name)
    await card.get_by_role("button", name="采纳修改后的值").click()
    await expect(page.get_by_text("纠错已采纳，已通知居民。")).to_be_visible()
    await expect(_card(page, renamed["ref"])).to_have_count(0)
    public = await api.get(f"/v1/places/{place['id']}")
    assert public.status_code == 200 and public.json()["name"] == edited_name

    # Declined by keyboard alone: open the form, type the reply and the reason, send.
    card = _card(page, phoned["ref"])
    await page.locator("body").focus()
    await _tab_to(page, card.locator("summary").filter(has_text="不采纳"))
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    await page.keyboard.type("经与站点核实，目前公布的电话是正确的。")
    await page.keyboard.press("Tab")
    await page.keyboard.type("站点确认电话无误")
    await page.keyboard.press("Tab")
    await expect(card.get_by_role("button", name="不采纳此纠错")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("纠错未采纳，已通知居民。")).to_be_visible()
    await expect(_card(page, phoned["ref"])).to_have_count(0)
    mine = (await api.get(f"/v1/feedback/{phoned['id']}", headers={"Authorization": f"Bearer {resident}"})).json()
    assert mine["status"] == "resolved"
    replies = [entry["message"] for entry in mine["history"] if entry["action"] == "status"]
    assert replies[-1] == "经与站点核实，目前公布的电话是正确的。"
    assert (await api.get(f"/v1/places/{place['id']}")).json()["name"] == edited_name


async def test_a_correction_settled_meanwhile_is_said_on_the_page(
    signed_in, api: httpx.AsyncClient, console_server: ConsoleServer, staff_logins
) -> None:
    tag = uuid.uuid4().hex[:8]
    headers = staff_headers(console_server, staff_logins["operator"].user_id)
    place = await _published_listing(api, headers, tag)
    _, feedback = await _correct(api, "13900000103", place["id"], "address", f"徐汇区纠错路{tag}号（测试地址）")
    page = await signed_in("operator")
    await page.goto("/console/corrections")
    card = _card(page, feedback["ref"])
    as_suggested = card.locator("details").filter(has_text="按建议采纳")
    await as_suggested.get_by_text("按建议采纳").first.click()
    await as_suggested.get_by_label("给居民的回复").fill("地址已更新。")

    # Someone else declines it first, through the API.
    declined = await api.post(
        f"/v1/manage/corrections/{feedback['id']}/decline",
        json={"reply": "地址无误。", "reason": "已核实"},
        headers=staff_headers(console_server, staff_logins["admin"].user_id),
    )
    assert declined.status_code == 200, declined.text
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await as_suggested.get_by_role("button", name="按建议采纳").click()
    assert (await answer.value).status == 409
    await expect(page.get_by_role("alert")).to_contain_text("此纠错已被他人处理")
    await expect(_card(page, feedback["ref"])).to_have_count(0)
    await check_page(page)
    assert (await api.get(f"/v1/places/{place['id']}")).json()["address"] == place["address"]


async def test_a_reviewer_is_refused_the_corrections(signed_in) -> None:
    page = await signed_in("reviewer")
    answer = await page.goto("/console/corrections")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", name="无权操作")).to_be_visible()
