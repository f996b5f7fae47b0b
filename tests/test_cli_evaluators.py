"""`reviewdesk evaluators list|run` on a real SQLite file: a judge on a fake endpoint on 127.0.0.1
runs over a filter inline (a failed attempt retried) or while a separate worker runs the jobs, and
over a dataset version; the command ends when the run does, with the counts and the failures."""

from __future__ import annotations

import uuid

from click.testing import CliRunner

from reviewdesk.cli import main
from reviewdesk.domain.destinations import parse_policy
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import datasets, evaluator_jobs, evaluators, feedback_configs, ingest
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store.database import Database
from tests.evaluators.fake_judge import fake_judge
from tests.factories import run_payload

ANSWERS = ["It ships tomorrow.", "That is wrong, sorry.", "Returns take 30 days."]


def _env(tmp_path):  # type: ignore[no-untyped-def]
    return {
        "REVIEWDESK_DB": f"sqlite:///{tmp_path / 'cli.db'}",
        "REVIEWDESK_INIT_ADMIN_EMAIL": "",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "",
        "REVIEWDESK_INIT_API_KEY": "",
        "REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS": "127.0.0.1/32",
    }


def _world(env, judge):  # type: ignore[no-untyped-def]
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    db = Database(env["REVIEWDESK_DB"])
    options = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]
    feedback_configs.create_config(
        db, SYSTEM_ACTOR, {"key": "quality", "type": "categorical", "options": options}
    )
    runs = [run_payload(outputs={"answer": text}, tags=["cli"]) for text in ANSWERS]
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    spec = {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate: {{outputs}}"}
    body = {"name": "quality judge", "key": "quality", "kind": "llm_judge", "spec": spec}
    made = evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    return db, runs, made


def _values(db, runs) -> list:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        found = feedback_store.for_runs(conn, [uuid.UUID(r["id"]) for r in runs])
    return sorted(f["value"] for rows in found.values() for f in rows if f["key"] == "quality")


def test_run_inline_over_a_filter_shows_progress_until_done(tmp_path):
    env = _env(tmp_path)
    with fake_judge() as judge:
        db, runs, made = _world(env, judge)
        judge.script = ["500"]  # one job's first attempt fails; the command waits for its retry
        result = CliRunner().invoke(
            main,
            ["evaluators", "run", "quality judge", "--filter", '"cli" in tags', "--poll", "0.2"],
            env=env,
        )
    assert result.exit_code == 0, result.output
    assert "offline run" in result.output and "3 runs, version 1" in result.output
    assert "3/3" in result.output  # the progress bar's last state
    assert "finished 3 of 3: done 3" in result.output
    assert _values(db, runs) == ["bad", "good", "good"]
    listed = CliRunner().invoke(main, ["evaluators", "list"], env=env)
    assert f"{made['id']}  quality judge  llm_judge v1  key=quality  offline  done=3 waiting=0 failed=0" in (
        listed.output
    )
    db.dispose()


def test_wait_follows_a_separate_worker_and_a_dataset_version(tmp_path):
    env = _env(tmp_path)
    with fake_judge() as judge:
        db, runs, made = _world(env, judge)
        dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "golden"})
        datasets.add_examples(db, SYSTEM_ACTOR, dataset["id"], {"run_ids": [runs[0]["id"]]})  # version 1
        datasets.add_examples(db, SYSTEM_ACTOR, dataset["id"], {"run_ids": [runs[1]["id"]]})  # version 2
        worker = evaluator_jobs.EvaluatorWorker(
            db, DestinationGuard(parse_policy("127.0.0.1/32")), poll_seconds=0.1
        )
        worker.start()
        try:
            args = ["evaluators", "run", str(made["id"]), "--dataset", "golden", "--dataset-version", "1"]
            result = CliRunner().invoke(main, [*args, "--wait", "--poll", "0.1"], env=env)
        finally:
            worker.stop()
    assert result.exit_code == 0, result.output
    assert "1 runs, version 1" in result.output and "finished 1 of 1: done 1" in result.output
    assert _values(db, runs) == ["good"]
    db.dispose()


def test_bad_arguments_are_named(tmp_path):
    env = _env(tmp_path)
    with fake_judge() as judge:
        db, _runs, _made = _world(env, judge)
    both = CliRunner().invoke(
        main, ["evaluators", "run", "quality judge", "--filter", "", "--dataset", "x"], env=env
    )
    assert both.exit_code == 2 and "exactly one of --filter and --dataset" in both.output
    unknown = CliRunner().invoke(main, ["evaluators", "run", "nobody", "--filter", ""], env=env)
    assert unknown.exit_code == 2 and "no evaluator named 'nobody'" in unknown.output
    bad_filter = CliRunner().invoke(
        main, ["evaluators", "run", "quality judge", "--filter", "latency >"], env=env
    )
    assert bad_filter.exit_code == 2 and "(filter)" in bad_filter.output
    db.dispose()
