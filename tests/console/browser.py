"""What every browser test does: sign in, check a page as its users meet it (accessible, at a desktop's and a
tablet's width), take the README's screenshots, and act as a resident through the API."""

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches chromium keeps calling Google's hosts, which this network refuses.
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
TABLET_WIDTH = 768
# Residents of the tests sign in with fixed codes (OTP_TEST_NUMBERS): nothing is sent to these numbers.
RESIDENT_TEST_NUMBERS = "13900000101:135791,13900000102:135792,13900000103:135793"
RESIDENT_CODES = dict(pair.split(":") for pair in RESIDENT_TEST_NUMBERS.split(","))
# `make screenshots` sets this to docs/console: the README's pictures are taken by the tests themselves.
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
_AXE = Axe()


@dataclass(frozen=True)
class StaffLogin:
    user_id: int
    username: str
    password: str
    role: str
    districts: tuple[str, ...]


async def sign_in(page: Page, base_url: str, login: StaffLogin) -> None:
    await page.goto(f"{base_url}/console/login")
    await page.get_by_label("用户名").fill(login.username)
    await page.get_by_label("密码").fill(login.password)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()


async def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = await _AXE.run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}" for v in serious
    ]
    assert not described, f"{page.url}: " + "; ".join(described)


async def assert_fits(page: Page, width: int) -> None:
    """At this width nothing makes the page scroll sideways (a wide table scrolls inside its own box)."""
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a {width}px window"


# Every control a keyboard user should reach with Tab, visible on the page; a group of radio buttons is one stop.
_TAB_STOPS = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
    + ' select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const radios = new Set();
  return [...document.querySelectorAll(selector)].filter(element => {
    if (!element.getClientRects().length || getComputedStyle(element).visibility === 'hidden') return false;
    const closed = element.closest('details:not([open])');
    if (closed && element !== closed.querySelector(':scope > summary')) return false;
    if (element.type === 'radio') {
      if (radios.has(element.name)) return false;
      radios.add(element.name);
    }
    return true;
  }).length;
}"""
_FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const path = [];
  for (let node = element; node && node.parentElement; node = node.parentElement) {
    path.unshift([...node.parentElement.children].indexOf(node));
  }
  return {path: path.join('.'), outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


async def assert_keyboard_reachable(page: Page) -> None:
    """Tab alone reaches every control on the page, each showing where the focus is, and leads out of none. It
    starts from the skip link, the first stop of every console page, wherever the focus was left."""
    stops = await page.evaluate(_TAB_STOPS)
    await page.locator(".skip-link").focus()
    reached = [(await page.evaluate(_FOCUSED))["path"]]
    presses = 0
    # A date-and-time field keeps the focus for each of its parts: Tab goes on until the focus moves.
    while len(reached) < stops and presses < stops * 8:
        await page.keyboard.press("Tab")
        presses += 1
        focused = await page.evaluate(_FOCUSED)
        assert focused is not None, f"{page.url}: the focus left the page after {len(reached)} of {stops} controls"
        if focused["path"] == reached[-1]:
            continue
        assert focused["outlined"], f"{page.url}: control {len(reached) + 1} shows no focus outline"
        reached.append(focused["path"])
    assert len(set(reached)) == stops, f"{page.url}: Tab reached {len(set(reached))} of {stops} controls"


async def check_page(page: Page) -> None:
    """The page at 1280 and at 768 pixels wide: accessible, nothing wider than the window; and every control
    reachable with the keyboard alone."""
    desktop = page.viewport_size or DESKTOP["viewport"]
    for width in (desktop["width"], TABLET_WIDTH):
        await page.set_viewport_size({"width": width, "height": desktop["height"]})
        await assert_fits(page, width)
        await assert_accessible(page)
    await page.set_viewport_size(desktop)
    await assert_keyboard_reachable(page)


async def screenshot(page: Page, name: str) -> None:
    """A picture for the README (docs/console/NAME.png) when `make screenshots` asks for them."""
    if SCREENSHOTS:
        await asyncio.to_thread(Path(SCREENSHOTS).mkdir, parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def tab_to(page: Page, name: str, *, role: str = "link", limit: int = 80) -> None:
    """Press Tab until the control with this accessible name has the focus, as a keyboard user would."""
    target = page.get_by_role(role, name=name).first
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{name!r} cannot be reached with the Tab key on {page.url}")


# Signed-in residents of the run, by server and phone: the sign-in codes sent to one phone and to one address are
# limited per hour, and a resident of the app signs in once, too.
_RESIDENT_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
TOKEN_REUSED_SECONDS = 10 * 60


async def resident_token(api: httpx.AsyncClient, phone: str) -> str:
    """A resident's access token, signed in as the app does (a test number: no SMS is sent)."""
    key = (str(api.base_url), phone)
    held = _RESIDENT_TOKENS.get(key)
    if held and time.monotonic() - held[1] < TOKEN_REUSED_SECONDS:
        return held[0]
    challenge = await api.post("/v1/auth/otp", json={"phone": phone})
    assert challenge.status_code == 202, challenge.text
    verified = await api.post(
        "/v1/auth/otp/verify", json={"challenge_id": challenge.json()["challenge_id"], "code": RESIDENT_CODES[phone]}
    )
    assert verified.status_code == 200, verified.text
    token = verified.json()["access_token"]
    _RESIDENT_TOKENS[key] = (token, time.monotonic())
    return token
