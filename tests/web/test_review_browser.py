"""The reviewer's day in a real browser: log in, review with the keyboard only, skip, flag, pairwise."""

from __future__ import annotations

import re
import uuid

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import feedback, queue_items, review
from tests.web.conftest import login, press_and_swap, screenshot
from tests.web.seed import World


def _feedback_of(web_db, queue_id, user_id):
    rows, _next = feedback.list_feedback(
        web_db,
        SYSTEM_ACTOR,
        filters={"queue_id": [queue_id], "created_by": [user_id]},
        limit=1000,
        cursor=None,
    )
    return rows


def test_login_rejects_a_wrong_password_then_lands_on_my_queues(page, world: World):
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label("Email").fill(world.reviewer.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    login(page, world.reviewer.email, world.reviewer.password)
    assert page.get_by_role("heading", name="My queues").is_visible()
    names = page.locator(".queue-card h2").all_inner_texts()
    assert "support-answers" in names and "model-a-vs-b" in names
    assert "secret-queue" not in names
    screenshot(page, "queue-list")
    assert page.js_errors == []


def test_five_items_with_the_keyboard_only(page, web_db, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    queue_id = world.single_queue["id"]
    page.goto(f"/queues/{queue_id}/review")
    chosen = []
    for n in range(5):
        page.wait_for_selector("#review-form")
        if n == 0:
            assert page.locator(".suggested").first.is_visible()  # the model's suggestion, pre-filled
            screenshot(page, "review-single")
            box = page.locator("#submit-button").bounding_box()
            assert box is not None and box["y"] + box["height"] <= 800  # on screen at 1280×800
        # Focus starts on the first field; a digit picks and moves on; S submits.
        quality, grounded, helpful = ((n % 3) + 1, ((n + 1) % 3) + 1, (n % 5) + 1)
        page.keyboard.press(str(quality))
        page.keyboard.press(str(grounded))
        page.keyboard.press(str(helpful))
        if n == 4:
            # Text fields by keyboard too: ↓ enters one, typing is text (even "s"), Esc leaves it.
            page.keyboard.press("ArrowDown")
            page.keyboard.type("seems fine")
            page.keyboard.press("Escape")
            page.keyboard.press("ArrowDown")
            page.keyboard.type("short answer")
            page.keyboard.press("Escape")
            page.keyboard.press("ArrowDown")
            assert page.locator("#correction").get_attribute("open") is not None
            page.keyboard.press("Control+End")
            page.keyboard.type(" Then wait a minute.")
            page.keyboard.press("Escape")
        press_and_swap(page, "s")
        assert page.locator(".swap-note").inner_text() == "Submitted."
        chosen.append(
            (
                ["good", "acceptable", "bad"][quality - 1],
                ["grounded", "partially_grounded", "hallucinated"][grounded - 1],
                float(helpful),
            )
        )
    rows = _feedback_of(web_db, queue_id, world.reviewer.id)
    by_key: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: r["created_at"]):
        by_key.setdefault(row["key"], []).append(
            row["value"] if row["key"] != "helpfulness" else row["score"]
        )
    assert by_key["overall_quality"] == [c[0] for c in chosen]
    assert by_key["groundedness"] == [c[1] for c in chosen]
    assert by_key["helpfulness"] == [c[2] for c in chosen]
    last = [r for r in rows if r["key"] == "reviewer_note"]
    assert [r["value"] for r in last] == ["seems fine"]
    assert last[0]["comment"] == "short answer"
    assert last[0]["correction"]["answer"].endswith("- wait Then wait a minute.")
    page.wait_for_function("() => document.getElementById('progress').innerText.startsWith('5 of 8')")
    assert page.js_errors == []


def test_skip_flag_and_going_back_to_amend(page, web_db, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    queue_id = world.single_queue["id"]
    page.goto(f"/queues/{queue_id}/review")
    page.wait_for_selector("#review-form")
    press_and_swap(page, "k")
    assert page.locator(".swap-note").inner_text() == "Skipped."
    page.keyboard.press("f")
    reason = page.locator("#flag-reason")
    assert page.evaluate("document.activeElement.id") == "flag-reason"
    reason.type("the sources are missing")  # typing "s" and "f" here must not submit or re-flag
    press_and_swap(page, "Enter")
    assert page.locator(".swap-note").inner_text() == "Flagged for an admin."
    me = Actor(user_id=world.reviewer.id, email=world.reviewer.email, role=Role.REVIEWER)
    finished = review.history(web_db, me, queue_id)
    statuses = [h["status"] for h in finished]
    assert statuses[:2] == ["flagged", "skipped"]
    flagged = queue_items.list_items(web_db, SYSTEM_ACTOR, queue_id, status="flagged", limit=10, offset=0)
    assert [i["flag_reason"] for i in flagged] == ["the sources are missing"]

    # ← goes back to my last submitted item; amend it with keys, → returns to the current one.
    with page.expect_navigation():
        page.keyboard.press("ArrowLeft")
    assert "item=" in page.url
    assert page.locator(".history-banner").inner_text().startswith("You submitted this item")
    page.keyboard.press("3")  # overall_quality → bad
    with page.expect_navigation():
        page.keyboard.press("s")
    assert page.locator(".notice").inner_text() == "Your answers were amended."
    amended = review.get_item(web_db, me, uuid.UUID(re.search(r"item=([0-9a-f-]+)", page.url).group(1)))
    assert amended["review"]["answers"]["overall_quality"] == "bad"
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    assert "item=" not in page.url
    assert page.js_errors == []


def test_pairwise_review_with_a_and_b(page, web_db, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    queue_id = world.pairwise_queue["id"]
    page.goto(f"/queues/{queue_id}/review")
    page.wait_for_selector("#review-form")
    sides = page.locator(".side-badge").all_inner_texts()
    assert sides == ["A", "B"]
    screenshot(page, "review-pairwise")
    shown_first = page.locator("article.run").first.get_attribute("id")
    page.keyboard.press("a")
    press_and_swap(page, "s")
    page.wait_for_selector("#review-form")
    second_b = page.locator("article.run").nth(1).get_attribute("id")
    page.keyboard.press("b")
    press_and_swap(page, "s")
    assert page.locator("#end-of-queue").is_visible()
    rows = _feedback_of(web_db, queue_id, world.reviewer.id)
    winners = {str(r["run_id"]): r["score"] for r in rows if r["key"] == "preference"}
    # The run shown on the left got A's win; the one shown on the right of the second pair got B's.
    assert winners[shown_first.removeprefix("run-")] == 1.0
    assert winners[second_b.removeprefix("run-")] == 1.0
    assert sorted(winners.values()) == [0.0, 0.0, 1.0, 1.0]
    assert page.js_errors == []
