"""The evaluators pages: a member sees the list, one judge's failed jobs (dead letters and retries,
with reason, attempts and retry time), its versions side by side against a queue's human labels,
and sends one version's disagreements to a queue; reviewers are refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from reviewdesk.domain.destinations import parse_policy
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import (
    evaluator_jobs,
    evaluator_runs,
    evaluators,
    feedback_configs,
    ingest,
    queue_items,
    queues,
)
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store import feedback as feedback_store
from tests.evaluators.fake_judge import fake_judge
from tests.factories import run_payload
from tests.web.conftest import login, screenshot
from tests.web.seed import World

ANSWERS = [
    ("Your order ships tomorrow.", "good"),
    ("I am sorry, your order ships tomorrow.", "good"),
    ("The refund policy is wrong in this answer.", "bad"),
    ("Subtly wrong: returns take 90 days.", "bad"),
    ("Track it on the orders page.", "good"),
    ("Sorry for the delay; it is on its way.", "good"),
]

ONE_RUN = 'outputs.answer == "Track it on the orders page."'


def _seed(db) -> dict:  # type: ignore[no-untyped-def]
    options = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]
    feedback_configs.create_config(
        db, SYSTEM_ACTOR, {"key": "answer_quality", "type": "categorical", "options": options}
    )
    queue = queues.create_queue(
        db, SYSTEM_ACTOR, {"name": "Judge calibration", "rubric": [{"key": "answer_quality"}]}
    )
    queues.create_queue(db, SYSTEM_ACTOR, {"name": "Second look", "rubric": [{"key": "answer_quality"}]})
    guard = DestinationGuard(parse_policy("127.0.0.1/32"))
    with fake_judge() as judge:
        spec = {
            "base_url": judge.base_url,
            "model": "judge-naive",
            "prompt": "Answer: {{outputs}}\nGood or bad?",
        }
        body = {"name": "Answer quality judge", "key": "answer_quality", "kind": "llm_judge", "spec": spec}
        made = evaluators.create_evaluator(
            db, SYSTEM_ACTOR, {**body, "online": {"filter": "", "sample_rate": 1.0}}, None
        )
        code = {
            "name": "No personal data",
            "key": "no_pii",
            "kind": "code",
            "spec": {"checks": [{"type": "pii"}]},
        }
        evaluators.create_evaluator(
            db, SYSTEM_ACTOR, {**code, "online": {"filter": "", "sample_rate": 1.0}}, None
        )
        runs = [run_payload(outputs={"answer": text}) for text, _ in ANSWERS]
        ingest.ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
        evaluator_jobs.drain(db, guard)
        _dead_letters(db, guard, judge, spec)
        evaluators.update_evaluator(
            db, SYSTEM_ACTOR, made["id"], {"spec": {**spec, "model": "judge-careful"}}, None
        )
        evaluator_runs.start_run(db, SYSTEM_ACTOR, made["id"], {"filter": ""})
        evaluator_jobs.drain(db, guard)
        # One more job whose attempt fails: shown with its reason, waiting for its retry in 2 s.
        evaluator_runs.start_run(db, SYSTEM_ACTOR, made["id"], {"filter": ONE_RUN})
        judge.script = ["500"]
        assert evaluator_jobs.run_due(db, guard, limit=1) == ["pending"]
    now = utcnow()
    with db.write() as conn:  # a reviewer's labels in the queue
        for run, (_text, label) in zip(runs, ANSWERS, strict=True):
            score = 1.0 if label == "good" else 0.0
            feedback_store.insert(
                conn,
                {
                    "id": uuid.uuid4(),
                    "run_id": uuid.UUID(run["id"]),
                    "trace_id": None,
                    "key": "answer_quality",
                    "score": score,
                    "value": label,
                    "comment": None,
                    "correction": None,
                    "source": "human",
                    "created_by": None,
                    "queue_id": queue["id"],
                    "rubric_version": 1,
                    "extra": None,
                    "created_at": now,
                    "updated_at": now,
                },
            )
    return {"evaluator": made, "queue": queue}


def _dead_letters(db, guard, judge, spec) -> None:  # type: ignore[no-untyped-def]
    """A judge whose endpoint answers 500 every time: its offline run ends in dead letters after
    five attempts (the job clock moved past each backoff instead of waiting for it)."""
    body = {"name": "Flaky judge", "key": "answer_quality", "kind": "llm_judge", "spec": spec}
    flaky = evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    evaluator_runs.start_run(
        db, SYSTEM_ACTOR, flaky["id"], {"filter": 'outputs.answer == "Track it on the orders page."'}
    )
    judge.script = ["500"] * 5
    with pytest.MonkeyPatch.context() as patch:
        for shift in range(5):
            patch.setattr(evaluator_jobs, "utcnow", lambda s=shift: utcnow() + timedelta(minutes=10 * s))
            evaluator_jobs.drain(db, guard)
    assert judge.script == []


def test_member_compares_judge_versions_against_the_humans(page, web_db, world: World):
    seeded = _seed(web_db)
    login(page, world.member.email, world.member.password)
    page.get_by_role("link", name="Evaluators", exact=True).click()
    row = page.locator("table.evaluators tr", has_text="Answer quality judge")
    assert "v2" in row.inner_text() and "judge-careful" in row.inner_text()
    screenshot(page, "evaluators-list")
    row.get_by_role("link").click()
    assert "server_error: 500 from the judge" in page.locator("table.jobs").inner_text()
    retrying = page.locator("table.failures tbody tr", has_text="retrying")
    assert "1 of 5" in retrying.inner_text() and "server_error: 500 from the judge" in retrying.inner_text()
    screenshot(page, "evaluator-page", full_page=True)

    page.goto("/evaluators")
    page.locator("table.evaluators").get_by_role("link", name="Flaky judge").click()
    dead = page.locator("table.failures tbody tr", has_text="dead letter")
    assert dead.count() == 1
    assert "5 of 5" in dead.inner_text() and "server_error: 500 from the judge" in dead.inner_text()
    assert "—" in dead.locator("td").last.inner_text()  # no next attempt for a dead letter
    screenshot(page, "evaluator-dead-letters", full_page=True)

    page.goto("/evaluators")
    page.locator("table.evaluators").get_by_role("link", name="Answer quality judge").click()
    page.get_by_role("link", name="Alignment with the humans").click()
    page.get_by_label("Human labels from queue").select_option(label="Judge calibration")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("table.alignment")
    rows = page.locator("table.alignment tbody tr").all_inner_texts()
    assert rows[0].startswith("v1") and rows[1].startswith("v2")
    assert "100%" in rows[1] and "1.00" in rows[1]
    assert page.locator("table.alignment tr.best").inner_text().startswith("v2")
    first = page.locator("section.version-column", has_text="v1")
    assert first.locator("ul.disagreements li").count() == 3
    screenshot(page, "evaluator-alignment", full_page=True)
    first.get_by_label("Send v1's disagreements to").select_option(label="Second look")
    first.get_by_role("button", name="Send to queue").click()
    notice = page.get_by_role("status").filter(has_text="Sent")
    assert "Sent 3 runs where v1 disagrees with the humans" in notice.inner_text()
    second_look = next(q for q in queues.list_queues(web_db, SYSTEM_ACTOR) if q["name"] == "Second look")
    items = queue_items.list_items(web_db, SYSTEM_ACTOR, second_look["id"], status=None, limit=10, offset=0)
    assert len(items) == 3
    assert page.js_errors == []
    assert seeded["evaluator"]["version"] == 1


def test_reviewers_cannot_open_evaluators(page, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    response = page.goto("/evaluators")
    assert response.status == 403
