"""The adjudication view in a real browser: three reviews side by side with their comments (escaped),
a form that settles the item, and the queue page's signal panels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import calibrations, ingest, queue_items, queues, review
from tests.web.conftest import login, screenshot
from tests.web.seed import XSS_OUTPUT, make_user, run_payload

TONES = ["warm", "neutral", "curt"]
VERDICTS = ["right", "right", "wrong", "right", "wrong", "right"]


@pytest.fixture(scope="module")
def disputed(web_db, world):
    from reviewdesk.services import feedback_configs

    feedback_configs.create_config(
        web_db, SYSTEM_ACTOR, {"key": "verdict", "type": "categorical", "options": ["right", "wrong"]}
    )
    feedback_configs.create_config(
        web_db,
        SYSTEM_ACTOR,
        {"key": "tone", "type": "categorical", "options": ["warm", "neutral", "curt"], "ordered": True},
    )
    people = [make_user(web_db, "reviewer", f"adj-{name}@example.com") for name in ("ana", "ben", "cleo")]
    now = datetime.now(UTC)
    runs = [run_payload(200 + i, start=now - timedelta(hours=1, minutes=i)) for i in range(len(VERDICTS))]
    ingest.ingest_batch(web_db, SYSTEM_ACTOR, post=runs, patch=None)
    queue = queues.create_queue(
        web_db,
        SYSTEM_ACTOR,
        {
            "name": "refund-answers",
            "reviewers_per_item": 3,
            "reviewers": [str(p.id) for p in people],
            "rubric": [{"key": "verdict", "required": True}, {"key": "tone", "required": True}],
        },
    )
    queue_items.add_items(web_db, SYSTEM_ACTOR, queue["id"], {"run_ids": [r["id"] for r in runs]})
    index = {r["id"]: i for i, r in enumerate(runs)}
    for who, person in enumerate(people):
        actor = Actor(user_id=person.id, email=person.email, role=Role.REVIEWER)
        while (view := review.next_item(web_db, actor, queue["id"])) is not None:
            i = index[str(view["runs"][0]["id"])]
            comment = (
                XSS_OUTPUT
                if who == 2 and i == 0
                else f"{person.email.split('@')[0]}: tone felt {TONES[(i + who) % 3]}"
            )
            review.submit(
                web_db,
                actor,
                view["item"]["id"],
                {"answers": {"verdict": VERDICTS[i], "tone": TONES[(i + who) % 3]}, "comment": comment},
            )
    calibrations.create_calibration(
        web_db,
        SYSTEM_ACTOR,
        {
            "name": "first",
            "queue_id": str(queue["id"]),
            "item_count": 3,
            "reviewers": [str(p.id) for p in people],
        },
    )
    return queue


def test_admin_adjudicates_side_by_side(page, world, disputed):
    login(page, world.admin.email, world.admin.password)
    page.goto(f"/queues/{disputed['id']}")
    panel = page.locator("section.signal")
    assert "Agreement between reviewers" in panel.inner_text()
    assert "tone" in panel.inner_text() and "ordinal" in panel.inner_text()
    assert "6 items to adjudicate" in panel.inner_text()
    assert "Reviewer quality" in panel.inner_text()
    screenshot(page, "queue-signal-panel", full_page=True)

    page.get_by_role("link", name="6 items to adjudicate").click()
    page.wait_for_url(f"**/queues/{disputed['id']}/adjudicate")
    cases = page.locator("article.adjudication")
    assert cases.count() == 6
    first = cases.first
    headers = first.locator("table.side-by-side thead th").all_inner_texts()
    assert headers[1:] == ["adj-ana@example.com", "adj-ben@example.com", "adj-cleo@example.com"]
    assert "tone" in first.locator("tr.disputed").inner_text()
    # A reviewer's comment is shown as text, never run.
    assert page.evaluate("window.__pwned") is None
    assert XSS_OUTPUT in page.locator("td.comment").all_inner_texts()
    screenshot(page, "adjudicate-open", full_page=True)

    form = first.locator("form.adjudicate-form")
    form.locator("select[name='answer.tone']").select_option("neutral")
    form.locator("textarea[name=comment]").fill("Neutral is what the guide asks for.")
    form.get_by_role("button", name="Adjudicate").click()
    page.wait_for_url("**/adjudicate?notice=done")
    assert "The item was adjudicated." in page.locator(".notice").inner_text()
    assert page.locator("article.adjudication").count() == 5
    page.get_by_role("link", name="Resolved").click()
    resolved = page.locator("article.adjudication")
    assert resolved.count() == 1
    assert "Neutral is what the guide asks for." in resolved.inner_text()
    screenshot(page, "adjudicate-resolved", full_page=True)
    assert page.js_errors == []


def test_reviewers_cannot_adjudicate(page, world, disputed):
    login(page, world.reviewer.email, world.reviewer.password)
    response = page.goto(f"/queues/{disputed['id']}/adjudicate")
    assert response.status in (403, 404)
    csrf_less = page.request.post(
        f"/queues/{disputed['id']}/adjudicate/{uuid.uuid4()}", form={"comment": "x"}
    )
    assert csrf_less.status in (403, 404)
