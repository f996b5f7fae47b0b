"""Admins in the browser: score configs, a queue's settings, users with queues and keys, the audit log."""

from __future__ import annotations

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, queues
from tests.web.conftest import login, screenshot
from tests.web.seed import World


def test_admin_builds_a_queue_and_a_reviewer_for_it(page, web_db, world: World):
    login(page, world.admin.email, world.admin.password)
    page.goto("/admin/score-configs")
    page.get_by_label("Key").fill("tone")
    page.get_by_label("Type").select_option("categorical")
    page.get_by_label("Options (categorical)").fill("friendly | warm and clear\ncold | curt")
    page.get_by_role("button", name="Create").click()
    assert page.locator(".notice").inner_text() == "Created."
    assert "warm and clear" in page.locator("table.data").inner_text()
    row = page.locator("table.data tr", has_text="warm and clear")
    row.locator("details.edit-config > summary").click()
    assert row.get_by_role("button", name="Save tone").is_visible()
    options = row.get_by_label("Options, one a line")
    assert options.bounding_box()["width"] >= 240  # "friendly | warm and clear" on one line
    table = page.locator("table.data").bounding_box()
    form = page.get_by_role("heading", name="New score config").bounding_box()
    assert table["x"] + table["width"] <= form["x"]  # the open editor does not run under the form
    logout = page.get_by_role("button", name="Log out").bounding_box()
    assert logout is not None and logout["height"] < 30  # one line, not "Log / out"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "admin-score-config-edit", full_page=True)

    page.goto("/queues/new")
    page.get_by_label("Name").fill("tone-check")
    page.get_by_label("Reviewer guide (markdown)").fill("Is the **tone** right?")
    page.get_by_label("use tone").check()
    page.get_by_label("tone required").check()
    page.get_by_label("instructions for tone").fill("Read it aloud.")
    page.get_by_label("use helpfulness").check()
    page.get_by_role("button", name="Create queue").click()
    assert page.locator(".notice").inner_text() == "Saved."
    created = queues.get_queue_by_name(web_db, SYSTEM_ACTOR, "tone-check")
    assert sorted(f["key"] for f in created["rubric"]) == ["helpfulness", "tone"]
    assert {f["key"]: f["required"] for f in created["rubric"]}["tone"] is True
    page.get_by_label("Reservation (minutes)").fill("5")
    page.get_by_role("button", name="Save").click()
    assert queues.get_queue(web_db, SYSTEM_ACTOR, created["id"])["reservation_seconds"] == 300
    screenshot(page, "queue-settings", full_page=True)

    page.goto("/admin/users")
    page.get_by_label("Email").fill("new-reviewer@example.com")
    page.get_by_label("Password (at least 8 characters)").fill("password-456")
    page.get_by_label("tone-check").check()
    page.get_by_role("button", name="Create user").click()
    assert page.locator(".notice").inner_text() == "Created."
    user = accounts.get_user_by_email(web_db, "new-reviewer@example.com")
    assert user["role"] == "reviewer"
    assert user["id"] in queues.get_queue(web_db, SYSTEM_ACTOR, created["id"])["reviewers"]
    row = page.locator("tr", has_text="new-reviewer@example.com")
    row.get_by_label("Key name").fill("laptop")
    row.get_by_role("button", name="New key").click()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("rd_")
    assert accounts.authenticate_key(web_db, key).email == "new-reviewer@example.com"
    screenshot(page, "admin-users")
    page.reload()  # shown once, and a reload mints no second key (the POST redirected)
    assert page.locator("#new-key").count() == 0
    assert len(accounts.list_api_keys(web_db, SYSTEM_ACTOR, user["id"])) == 1

    page.goto("/admin/audit")
    assert page.locator(".chain.ok").inner_text().startswith("Hash chain verified")
    assert "user.create" in page.locator("table.audit").inner_text()
    screenshot(page, "admin-audit")
    assert page.js_errors == []


def test_wide_screen_review_layout(page, world: World):
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, world.admin.email, world.admin.password)
    page.goto(f"/queues/{world.single_queue['id']}/review")
    page.wait_for_selector("#review-form")
    page.keyboard.press("e")
    page.wait_for_selector(".trace-panel .span-name")
    page.locator(".trace-panel .span-name").last.click()
    box = page.locator("#submit-button").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1080  # the actions stay on screen
    screenshot(page, "review-wide-with-trace")
    page.keyboard.press("?")
    assert page.locator("#keys-dialog").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#keys-dialog").is_visible()
