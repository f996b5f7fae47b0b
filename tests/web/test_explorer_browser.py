"""Members in the browser: the explorer adds filtered runs to a queue; trace view; rule editor; limits."""

from __future__ import annotations

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import queue_items, queues
from tests.web.conftest import login, screenshot
from tests.web.seed import World, add_xss_queue


def test_explorer_shows_filter_errors_and_adds_all_matching_runs_to_a_queue(page, web_db, world: World):
    target = queues.create_queue(web_db, SYSTEM_ACTOR, {"name": "low-scores", "rubric": ["overall_quality"]})
    login(page, world.member.email, world.member.password)
    page.goto("/traces")
    search = page.get_by_label("Filter")
    search.fill("metadata.eval_score < < 0.5")
    search.press("Enter")
    error = page.locator("#filter-error")
    assert "column 23" in error.inner_text()
    assert error.locator("pre").inner_text().splitlines()[1] == " " * 22 + "^"  # under the second <
    assert page.locator("#q").get_attribute("aria-invalid") == "true"
    search = page.get_by_label("Filter")
    search.fill("metadata.eval_score < 0.5")
    search.press("Enter")
    page.wait_for_selector("table.runs tbody tr")
    rows = page.locator("table.runs tbody tr")
    assert rows.count() == 6  # the odd-numbered runs: 4 of the single queue's, 2 of the pairs'
    assert page.locator(".match-count").inner_text() == "6"
    screenshot(page, "explorer")
    page.locator("#scope-all").check()
    page.get_by_label("Queue").select_option(label="low-scores")
    page.get_by_label("Reason").fill("eval score under 0.5")
    page.get_by_role("button", name="Add to queue").click()
    assert page.locator(".notice").inner_text().startswith("Added 6 run(s)")
    items = queue_items.list_items(web_db, SYSTEM_ACTOR, target["id"], status=None, limit=50, offset=0)
    assert len(items) == 6
    assert {i["reason"] for i in items} == {"eval score under 0.5"}
    assert {i["source"] for i in items} == {"manual"}
    # Selecting two rows adds exactly those two (one new, one already there) to another queue.
    page.locator("input.row-select").nth(0).check()
    page.locator("input.row-select").nth(1).check()
    assert page.locator("#selected-count").inner_text() == "2"
    page.get_by_label("Queue").select_option(label="support-answers")
    page.get_by_role("button", name="Add to queue").click()
    assert page.locator(".notice").inner_text() == "Added 0 run(s) to the queue; 2 were already in it."
    assert page.js_errors == []


def test_trace_view_tree_details_and_direct_annotation(page, web_db, world: World):
    login(page, world.member.email, world.member.password)
    root = world.run_ids[0]
    page.goto(f"/traces/{root}")
    names = page.locator(".span-name").all_inner_texts()
    assert names == ["support_answer", "retrieve_docs", "ChatModel"]
    body = page.locator(f"#run-{root} > details > .span-body")
    assert body.is_visible()  # the root opens by itself
    # A wrong value is refused in place, with what was typed kept.
    body.get_by_label("Score config").select_option("reviewer_note")
    body.get_by_label("Comment").fill("kept after the error")
    body.get_by_role("button", name="Annotate").click()
    assert "choose or enter a value" in body.locator(".annotate-error").inner_text()
    assert body.get_by_label("Comment").input_value() == "kept after the error"
    # Each config type gets its own control: a slider for a 0–1 score.
    body.get_by_label("Score config").select_option("correctness")
    slider = body.locator('input[type=range][name="value.correctness"]')
    assert slider.is_visible()
    slider.evaluate("(e) => { e.value = '0.25'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    body.get_by_role("button", name="Annotate").click()
    assert page.locator(".notice").inner_text() == "Your score was saved."
    assert "correctness=0.25" in page.locator(f"#run-{root} > details > summary").inner_text()
    page.locator(".span-name", has_text="ChatModel").click()
    screenshot(page, "trace-view")
    assert page.js_errors == []


def test_rule_editor_previews_a_draft_live(page, world: World):
    login(page, world.admin.email, world.admin.password)
    queue_id = world.single_queue["id"]
    page.goto(f"/queues/{queue_id}/rules")
    page.get_by_label("Name").fill("low eval score")
    page.get_by_label("Filter").fill("metadata.eval_score <")
    page.wait_for_selector("#rule-preview .filter-error")
    page.get_by_label("Filter").fill("metadata.eval_score < 0.5")
    page.get_by_label("Sample rate (0–1)").fill("0.5")
    page.wait_for_selector("#rule-preview .preview-summary")
    summary = page.locator("#rule-preview .preview-summary").inner_text()
    assert "reviewer-hours a day" in summary
    assert sum(int(c) for c in page.locator("#rule-preview tbody td:nth-child(2)").all_inner_texts()) == 6
    items = [int(c) for c in page.locator("#rule-preview tbody td:nth-child(3)").all_inner_texts()]
    assert sum(items) <= 6  # sampled at one half
    page.get_by_role("button", name="Save rule").click()
    assert page.locator(".notice").inner_text() == "The rule was saved."
    assert "low eval score" in page.locator("table.data").first.inner_text()
    page.wait_for_selector("#rule-preview .preview-summary")
    screenshot(page, "rule-editor")
    assert page.js_errors == []


def test_a_reviewer_gets_403_pages_for_other_queues_and_the_explorer(page, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    other = world.other_queue["id"]
    for path in (
        f"/queues/{other}/review",
        f"/queues/{other}",
        "/traces",
        f"/traces/{world.run_ids[0]}",
        f"/queues/{world.single_queue['id']}/settings",
        f"/queues/{world.single_queue['id']}/rules",
        "/admin/users",
    ):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.get_by_role("heading", name="Not allowed").is_visible()
        assert "support_answer" not in page.content()
    assert "Explorer" not in page.locator("header nav").inner_text()


def test_markup_in_runs_is_shown_as_text_and_never_runs(page, web_db, world: World):
    add_xss_queue(web_db, world)
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{world.xss_queue['id']}/review")
    page.wait_for_selector("#review-form")
    output = page.locator(".io.output").inner_text()
    assert "<script>window.__pwned=1</script>" in output
    assert 'onerror="window.__pwned=1"' in output
    assert "<img" in page.locator(".run-name").inner_text()
    assert page.locator(".io img, .run-name img, .md script").count() == 0
    page.keyboard.press("e")  # the span tree shows the same payload, escaped
    page.wait_for_selector(".trace-panel .span-name")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # The guide's markdown went through the sanitizer: its <script> is text, not an element.
    login(page, world.admin.email, world.admin.password)
    page.goto(f"/traces/{world.xss_run_id}")
    page.locator(".span summary").first.click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main script, main img").count() == 0
    assert page.js_errors == []
