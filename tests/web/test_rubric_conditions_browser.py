"""Conditional rubric fields end to end: an admin builds the condition in the queue form (a trigger
field picked, its answers ticked; a mistake refused beside the control with the picks kept), then a
reviewer sees the dependent field appear and become required only after the trigger answer, and the
server refuses a submit that lacks it even when the browser does not check."""

from __future__ import annotations

import re
import uuid

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback, queue_items
from tests.web.conftest import login, press_and_swap, screenshot
from tests.web.seed import World


def _condition(page, rule: str, key: str):  # type: ignore[no-untyped-def]
    select = page.locator(f'select[name="{rule}.{key}"]')
    return select, select.locator("xpath=ancestor::div[@data-condition]")


def _answers(page, rule: str, key: str, trigger: str):  # type: ignore[no-untyped-def]
    return page.locator(f'input[name="{rule}.{key}.{trigger}"]')


def _answer(page, rule: str, key: str, trigger: str, value: str):  # type: ignore[no-untyped-def]
    return page.locator(f'input[name="{rule}.{key}.{trigger}"][value="{value}"]')


def _create_queue_with_a_condition(page, world: World) -> uuid.UUID:  # type: ignore[no-untyped-def]
    login(page, world.admin.email, world.admin.password)
    page.goto("/queues/new")
    page.get_by_label("Name", exact=True).fill("follow-ups")
    page.get_by_label("use overall_quality").check()
    page.get_by_label("overall_quality required", exact=True).check()
    page.locator('input[name="order.overall_quality"]').fill("1")
    page.get_by_label("use groundedness").check()
    page.locator('input[name="order.groundedness"]').fill("2")
    page.get_by_label(world.reviewer.email).check()

    shown_if, shown_box = _condition(page, "visible_if", "groundedness")
    assert shown_box.locator(".condition-answers:visible").count() == 0
    shown_if.select_option("overall_quality")
    visible_answers = shown_box.locator(".condition-answers:visible")
    assert visible_answers.count() == 1  # only the picked field's answers
    assert [t.strip() for t in visible_answers.locator("label").all_inner_texts()] == [
        "good",
        "acceptable",
        "bad",
    ]
    _answer(page, "visible_if", "groundedness", "overall_quality", "acceptable").check()
    _answer(page, "visible_if", "groundedness", "overall_quality", "bad").check()
    required_if, required_box = _condition(page, "required_if", "groundedness")
    required_if.select_option("overall_quality")  # …and no answer ticked yet: refused in place

    with page.expect_navigation():
        page.get_by_role("button", name="Create queue").click()
    error = required_box.locator(".field-error")
    assert error.inner_text() == "tick at least one answer of overall_quality"
    assert required_if.get_attribute("aria-invalid") == "true"
    assert required_if.input_value() == "overall_quality"  # the picks came back
    ticked = _answers(page, "visible_if", "groundedness", "overall_quality")
    assert [ticked.nth(i).is_checked() for i in range(3)] == [False, True, True]
    assert page.get_by_label("Name", exact=True).input_value() == "follow-ups"
    required_box.scroll_into_view_if_needed()
    screenshot(page, "settings-condition-refused")

    _answer(page, "required_if", "groundedness", "overall_quality", "bad").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Create queue").click()
    assert page.locator(".notice").inner_text() == "Saved."
    _condition(page, "visible_if", "groundedness")[1].scroll_into_view_if_needed()
    screenshot(page, "settings-condition-saved")
    return uuid.UUID(re.search(r"/queues/([0-9a-f-]+)/settings", page.url).group(1))


def test_an_admin_builds_a_condition_that_the_reviewer_and_the_server_follow(page, web_db, world: World):
    queue_id = _create_queue_with_a_condition(page, world)
    run_ids = [str(r) for r in world.run_ids[1:4]]  # the first run carries a model suggestion
    queue_items.add_items(web_db, SYSTEM_ACTOR, queue_id, {"run_ids": run_ids})

    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{queue_id}/review")
    quality = page.locator('fieldset[data-field="overall_quality"]')
    grounded = page.locator('fieldset[data-field="groundedness"]')
    assert grounded.is_hidden()
    page.keyboard.press("1")  # good: still hidden
    assert grounded.is_hidden()
    quality.locator("input[value=acceptable]").check()  # shown, not required
    assert grounded.is_visible() and grounded.locator(".req").is_hidden()
    quality.locator("input[value=bad]").check()  # shown and required
    assert grounded.is_visible() and grounded.locator(".req").is_visible()
    screenshot(page, "review-condition-required")

    # A browser that does not check: the server refuses, and the item comes back with the error and
    # the answer given (the prefetched next item was already on screen meanwhile).
    item = page.locator(".review-bar").get_attribute("data-item-id")
    page.evaluate("() => { document.getElementById('review-form').noValidate = true; }")
    page.keyboard.press("s")
    page.wait_for_selector(".error-banner")
    page.wait_for_function("() => document.getElementById('review-item').dataset.posting === '0'")
    assert page.locator(".review-bar").get_attribute("data-item-id") == item
    assert "groundedness" in page.locator(".error-banner").inner_text()
    assert quality.locator("input[value=bad]").is_checked()
    assert grounded.is_visible() and grounded.locator(".req").is_visible()
    assert (
        page.evaluate("() => document.activeElement.name") == "answer.groundedness"
    )  # keys go on from there
    assert re.fullmatch(r"\d+:\d\d", page.locator("#reservation .countdown").inner_text())
    for button in ("submit", "skip", "flag"):  # the error banner pushes none off a 1280×800 screen
        box = page.locator(f"#{button}-button").bounding_box()
        assert box and box["y"] + box["height"] <= 800, (button, box)
    rows, _next = feedback.list_feedback(
        web_db, SYSTEM_ACTOR, filters={"queue_id": [queue_id]}, limit=10, cursor=None
    )
    assert rows == []
    screenshot(page, "review-condition-refused")

    page.keyboard.press("3")  # hallucinated
    press_and_swap(page, "s")
    assert page.locator(".review-bar").get_attribute("data-item-id") != item
    rows, _next = feedback.list_feedback(
        web_db, SYSTEM_ACTOR, filters={"queue_id": [queue_id]}, limit=10, cursor=None
    )
    assert sorted((r["key"], r["value"]) for r in rows) == [
        ("groundedness", "hallucinated"),
        ("overall_quality", "bad"),
    ]
    assert page.js_errors == []
