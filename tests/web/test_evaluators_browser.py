"""The evaluators pages: a member sees the list, one judge's versions side by side against a queue's
human labels, and its failed jobs with their reason; reviewers are refused."""

from __future__ import annotations

import uuid

from reviewdesk.domain.destinations import parse_policy
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import evaluator_jobs, evaluator_runs, evaluators, feedback_configs, ingest, queues
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


def _seed(db) -> dict:  # type: ignore[no-untyped-def]
    options = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]
    feedback_configs.create_config(
        db, SYSTEM_ACTOR, {"key": "answer_quality", "type": "categorical", "options": options}
    )
    queue = queues.create_queue(
        db, SYSTEM_ACTOR, {"name": "Judge calibration", "rubric": [{"key": "answer_quality"}]}
    )
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
        judge.script = ["500"]  # one job fails: shown with its reason, waiting for its retry
        evaluator_jobs.drain(db, guard)
        evaluators.update_evaluator(
            db, SYSTEM_ACTOR, made["id"], {"spec": {**spec, "model": "judge-careful"}}, None
        )
        evaluator_runs.start_run(db, SYSTEM_ACTOR, made["id"], {"filter": ""})
        evaluator_jobs.drain(db, guard)
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


def test_member_compares_judge_versions_against_the_humans(page, web_db, world: World):
    seeded = _seed(web_db)
    login(page, world.member.email, world.member.password)
    page.get_by_role("link", name="Evaluators", exact=True).click()
    row = page.locator("table.evaluators tr", has_text="Answer quality judge")
    assert "v2" in row.inner_text() and "judge-careful" in row.inner_text()
    screenshot(page, "evaluators-list")
    row.get_by_role("link").click()
    page.get_by_label("Human labels from queue").select_option(label="Judge calibration")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("table.alignment")
    rows = page.locator("table.alignment tbody tr").all_inner_texts()
    assert rows[0].startswith("v1") and rows[1].startswith("v2")
    assert "100%" in rows[1] and "1.00" in rows[1]
    assert page.locator("table.alignment tr.best").inner_text().startswith("v2")
    assert "server_error: 500 from the judge" in page.locator("table.jobs").inner_text()
    assert page.js_errors == []
    screenshot(page, "evaluator-alignment", full_page=True)
    assert seeded["evaluator"]["version"] == 1


def test_reviewers_cannot_open_evaluators(page, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    response = page.goto("/evaluators")
    assert response.status == 403
