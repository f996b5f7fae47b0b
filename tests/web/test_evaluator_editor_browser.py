"""A member builds an LLM judge in the editor (a refused save keeps what was typed), tries it on one
run (prompt, raw answer, score; nothing written), then runs it offline and watches the progress,
a failed attempt shown with its reason and retry time, until the run is done. The server's own
worker thread runs the jobs against a fake judge on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import evaluators, feedback_configs, ingest
from reviewdesk.store import feedback as feedback_store
from tests.client.conftest import serve
from tests.conftest import settings_for_tests
from tests.evaluators.fake_judge import FakeJudge, fake_judge
from tests.factories import run_payload
from tests.web.conftest import login, screenshot
from tests.web.seed import World

ANSWERS = ["Your order ships tomorrow.", "The refund policy is wrong here.", "Track it on the orders page."]


@pytest.fixture(scope="module")
def judge() -> Iterator[FakeJudge]:
    with fake_judge() as server:
        yield server


@pytest.fixture(scope="module")
def base_url(web_db, world: World) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """This module's server runs evaluator jobs itself, as `serve` does, and may call 127.0.0.1."""
    settings = settings_for_tests(
        evaluator_worker=True, evaluator_poll_seconds=0.2, allow_private_destinations="127.0.0.1/32"
    )
    with serve(web_db, settings) as url:
        yield url


@pytest.fixture(scope="module")
def runs(web_db) -> list[dict]:  # type: ignore[no-untyped-def]
    options = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]
    feedback_configs.create_config(
        web_db, SYSTEM_ACTOR, {"key": "answer_helpful", "type": "categorical", "options": options}
    )
    payloads = [run_payload(outputs={"answer": text}, tags=["evalui"]) for text in ANSWERS]
    ingest.ingest_batch(web_db, SYSTEM_ACTOR, post=payloads, patch=None)
    return payloads


def test_member_builds_a_judge_tries_it_and_runs_it_offline(page, web_db, world: World, judge, runs):
    login(page, world.member.email, world.member.password)
    page.goto("/evaluators")
    page.get_by_role("link", name="New evaluator").click()
    page.get_by_label("Name").fill("Helpfulness judge")
    page.get_by_label("Writes the score").fill("answer_helpful")
    page.get_by_label("Base URL").fill(judge.base_url)
    page.get_by_label("Model").fill("judge-careful")
    page.get_by_label("API key variable").fill("")
    page.get_by_label("Prompt template").fill("Rate this answer: {{outputs}}")
    page.get_by_label("Temperature").fill("5")
    page.get_by_label("Daily budget (USD)").fill("2.5")
    page.get_by_role("button", name="Create evaluator").click()

    # Refused in place: the message at the field, everything typed still there.
    error = page.locator(".field-error")
    assert "must be a number in [0, 2]" in error.inner_text()
    assert page.get_by_label("Temperature").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Prompt template").input_value() == "Rate this answer: {{outputs}}"
    assert page.get_by_label("Base URL").input_value() == judge.base_url
    assert page.get_by_label("Daily budget (USD)").input_value() == "2.5"
    screenshot(page, "evaluator-editor-refused", full_page=True)

    page.get_by_label("Temperature").fill("0")
    page.get_by_role("button", name="Create evaluator").click()
    page.wait_for_url("**/evaluators/*?notice=created")
    evaluator_id = page.url.split("/evaluators/")[1].split("?")[0]
    saved = evaluators.get_evaluator(web_db, SYSTEM_ACTOR, uuid.UUID(evaluator_id))
    assert saved["spec"]["model"] == "judge-careful" and saved["spec"]["temperature"] == 0
    assert "api_key" not in saved["spec"] and saved["online"] is None

    # Try the saved definition on the run whose answer is wrong.
    page.get_by_role("link", name="Edit").click()
    wrong_run = runs[1]["id"]
    page.get_by_label("Run id").fill(wrong_run)
    page.get_by_role("button", name="Try on this run").click()
    result = page.locator(".trial-result")
    result.wait_for()
    assert "Rate this answer:" in result.locator(".trial-prompt").inner_text()
    assert "The refund policy is wrong here." in result.locator(".trial-prompt").inner_text()
    assert '"score": "bad"' in result.locator(".trial-answer").inner_text()
    assert result.locator(".trial-value").inner_text() == "bad"
    assert result.locator(".trial-score").inner_text() == "0"
    assert "judge-careful finds it bad" in result.inner_text()
    screenshot(page, "evaluator-try-on-run", full_page=True)
    with web_db.read() as conn:
        written = feedback_store.for_runs(conn, [uuid.UUID(wrong_run)])
    assert all(f["key"] != "answer_helpful" for rows in written.values() for f in rows)

    # An offline run over the three runs; the judge's first answer is a 500, retried 2 s later.
    page.get_by_role("link", name="Back to Helpfulness judge").click()
    judge.script = ["500"]
    page.get_by_role("textbox", name="Filter").fill('"evalui" in tags')
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_url("**/runs/*")
    progress = page.locator("#run-progress")
    page.locator("#run-progress .failures", has_text="server_error: 500 from the judge").wait_for()
    row = page.locator("#run-progress .failures tbody tr").first
    assert "retrying" in row.inner_text() and "1 of 5" in row.inner_text()
    screenshot(page, "evaluator-run-retrying", full_page=True)
    page.locator('#run-progress[data-status="done"]').wait_for(timeout=30_000)
    assert "3 of 3" in progress.locator(".progress-text").inner_text()
    recovered = page.locator("#run-progress .failures tbody tr")
    assert recovered.count() == 1 and "done after a retry" in recovered.inner_text()
    assert "2 of 5" in recovered.inner_text() and "server_error: 500 from the judge" in recovered.inner_text()
    screenshot(page, "evaluator-run-done", full_page=True)
    with web_db.read() as conn:
        scored = feedback_store.for_runs(conn, [uuid.UUID(r["id"]) for r in runs])
    values = {
        str(run_id): [f["value"] for f in rows if f["key"] == "answer_helpful"]
        for run_id, rows in scored.items()
    }
    assert values == {runs[0]["id"]: ["good"], runs[1]["id"]: ["bad"], runs[2]["id"]: ["good"]}

    # The evaluator page lists the run, done, and the job that needed two attempts.
    page.get_by_role("link", name="Back to Helpfulness judge").click()
    assert "3/3" in page.locator("table.batches").inner_text()
    assert "server_error: 500 from the judge" in page.locator("table.jobs").inner_text()
    assert page.js_errors == []


def test_a_code_evaluator_is_built_from_checks(page, web_db, world: World, runs):
    login(page, world.member.email, world.member.password)
    page.goto("/evaluators/new")
    page.get_by_label("Code checks").check()
    page.get_by_label("Name").fill("Mentions the order")
    page.get_by_label("Writes the score").fill("mentions_order")
    page.get_by_label("Check 1").select_option("contains")
    page.locator("textarea[name='checks-0-values']").fill("order\nparcel")
    page.get_by_role("button", name="Add another check").click()
    page.get_by_label("Check 2").select_option("latency_ms")
    page.locator("input[name='checks-1-max']").fill("slow")
    page.get_by_role("button", name="Create evaluator").click()
    assert "spec.checks[1].max: must be a number" in page.locator(".error-banner").inner_text()
    assert page.locator("textarea[name='checks-0-values']").input_value() == "order\nparcel"
    page.locator("input[name='checks-1-max']").fill("5000")
    page.get_by_label("Run id").fill(runs[0]["id"])
    page.get_by_role("button", name="Try on this run").click()
    checks = page.locator(".trial-checks")
    checks.wait_for()
    assert "contains 'order'" in checks.inner_text() and "latency_ms 1500 (max 5000)" in checks.inner_text()
    screenshot(page, "evaluator-code-try", full_page=True)
    page.get_by_role("button", name="Create evaluator").click()
    page.wait_for_url("**/evaluators/*?notice=created")
    evaluator_id = uuid.UUID(page.url.split("/evaluators/")[1].split("?")[0])
    saved = evaluators.get_evaluator(web_db, SYSTEM_ACTOR, evaluator_id)
    assert saved["spec"]["checks"] == [
        {
            "type": "contains",
            "field": "outputs",
            "values": ["order", "parcel"],
            "mode": "any",
            "case_sensitive": False,
        },
        {"type": "latency_ms", "max": 5000.0},
    ]
    assert page.js_errors == []


def test_a_trace_page_offers_to_try_an_evaluator(page, world: World, runs, web_db, judge):
    spec = {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate: {{outputs}}"}
    body = {"name": "Trace-page judge", "key": "answer_helpful", "kind": "llm_judge", "spec": spec}
    evaluators.create_evaluator(web_db, SYSTEM_ACTOR, body, None)
    login(page, world.member.email, world.member.password)
    page.goto(f"/runs/{runs[1]['id']}")
    page.get_by_role("link", name="Try an evaluator on this run").click()
    page.locator("table.evaluators").get_by_role("link", name="Trace-page judge").click()
    assert page.get_by_label("Run id").input_value() == runs[1]["id"]
    page.locator(".trial-result").wait_for()  # the try starts by itself when a run is given
    assert page.locator(".trial-value").inner_text() == "bad"
    assert page.js_errors == []
