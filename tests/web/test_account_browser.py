"""The account page in the browser: where am I logged in, and ending a session I do not recognise."""

from __future__ import annotations

from tests.web.conftest import login, screenshot
from tests.web.seed import World

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)


def test_a_user_sees_its_sessions_and_ends_another_browsers(page, browser, base_url, world: World):
    others = []
    for user_agent in (FIREFOX_WINDOWS, SAFARI_MAC):
        context = browser.new_context(base_url=base_url, user_agent=user_agent)
        other = context.new_page()
        login(other, world.member.email, world.member.password)
        others.append(other)
    login(page, world.member.email, world.member.password)

    page.get_by_role("link", name="Account").click()
    page.wait_for_url("**/account")
    rows = page.locator("table.sessions tbody tr")
    assert rows.count() == 3
    assert "this browser" in rows.first.inner_text()  # the current session comes first
    assert "Firefox on Windows" in page.locator("table.sessions").inner_text()
    assert "Safari on macOS" in page.locator("table.sessions").inner_text()
    screenshot(page, "account-sessions", full_page=True)

    page.get_by_role("button", name="End the session of Firefox on Windows at 127.0.0.1").click()
    assert "The session was ended" in page.locator(".notice").inner_text()
    assert page.locator("table.sessions tbody tr").count() == 2
    others[0].goto("/")
    assert "/login" in others[0].url  # the Firefox browser must log in again
    others[1].goto("/")
    assert "/login" not in others[1].url

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log out everywhere else").click()
    page.wait_for_selector("text=Every other session was ended.")
    assert page.locator("table.sessions tbody tr").count() == 1
    others[1].goto("/")
    assert "/login" in others[1].url
    assert page.js_errors == []  # type: ignore[attr-defined]
    for other in others:
        other.context.close()
