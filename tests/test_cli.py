"""The `reviewdesk` command as an operator uses it, on a real SQLite file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reviewdesk.cli import main


def _env(tmp_path):
    return {
        "REVIEWDESK_DB": f"sqlite:///{tmp_path / 'cli.db'}",
        "REVIEWDESK_INIT_ADMIN_EMAIL": "",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "",
        "REVIEWDESK_INIT_API_KEY": "",
    }


def test_db_upgrade_and_current(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    empty = runner.invoke(main, ["db", "current"], env=env)
    assert "empty database" in empty.output
    up = runner.invoke(main, ["db", "upgrade"], env=env)
    assert up.exit_code == 0, up.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert current.output.strip() == migrate_head()


def migrate_head() -> str:
    from alembic.script import ScriptDirectory

    from reviewdesk.store.database import Database
    from reviewdesk.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(Database("sqlite://"))).get_current_head()


def test_user_create_list_and_apikey_create(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    created = runner.invoke(
        main,
        ["user", "create", "--email", "rev@example.com", "--role", "reviewer", "--password", "long-password"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "created reviewer rev@example.com" in created.output
    listed = runner.invoke(main, ["user", "list"], env=env)
    assert "rev@example.com" in listed.output
    assert "admin@reviewdesk.local" in listed.output  # the first start made an admin
    key = runner.invoke(main, ["apikey", "create", "--user", "rev@example.com"], env=env)
    assert key.exit_code == 0, key.output
    last_line = key.output.strip().splitlines()[-1]
    assert last_line.startswith("rd_") and " " not in last_line

    from reviewdesk.services import accounts
    from reviewdesk.store.database import Database

    actor = accounts.authenticate_key(Database(env["REVIEWDESK_DB"]), last_line)
    assert actor.email == "rev@example.com"


def test_cli_errors_are_clear_and_exit_non_zero(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    result = runner.invoke(main, ["apikey", "create", "--user", "nobody@example.com"], env=env)
    assert result.exit_code != 0
    bad_email = runner.invoke(
        main, ["user", "create", "--email", "not-an-email", "--password", "long-password"], env=env
    )
    assert bad_email.exit_code != 0
    assert "must be an email address (email)" in bad_email.output
    assert "no user with email nobody@example.com" in result.output


def test_queue_create_list_and_stats(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    runner.invoke(
        main,
        ["user", "create", "--email", "rev@example.com", "--role", "reviewer", "--password", "long-password"],
        env=env,
    )
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import feedback_configs
    from reviewdesk.store.database import Database

    feedback_configs.create_config(
        Database(env["REVIEWDESK_DB"]),
        SYSTEM_ACTOR,
        {"key": "overall_quality", "type": "categorical", "options": ["good", "bad"]},
    )
    created = runner.invoke(
        main,
        [
            "queue",
            "create",
            "--name",
            "triage",
            "--rubric",
            "overall_quality!",
            "--reviewer",
            "rev@example.com",
        ],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "created queue triage" in created.output
    listed = runner.invoke(main, ["queue", "list"], env=env)
    assert listed.output.startswith("triage\tsingle\t0\t0\t")
    stats = runner.invoke(main, ["queue", "stats", "triage"], env=env)
    assert "triage: 0 pending, 0 completed, 0 flagged" in stats.output
    missing = runner.invoke(main, ["queue", "create", "--name", "x", "--rubric", "nope"], env=env)
    assert missing.exit_code != 0
    assert "no score config 'nope'" in missing.output


def test_import_runs_and_examples_then_export_them(tmp_path):
    import json
    import uuid

    import pyarrow.parquet as pq

    runner = CliRunner()
    env = _env(tmp_path)
    runs_file = tmp_path / "runs.jsonl"
    ids = [str(uuid.uuid4()) for _ in range(30)]
    runs_file.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i,
                    "name": "chat",
                    "run_type": "llm",
                    "start_time": "2026-11-01T12:00:00Z",
                    "end_time": "2026-11-01T12:00:01Z",
                    "inputs": {"question": f"q{n}"},
                    "outputs": {"answer": "a"},
                }
            )
            for n, i in enumerate(ids)
        )
        + "\n"
    )
    imported = runner.invoke(main, ["import", "runs", str(runs_file), "--batch", "7"], env=env)
    assert imported.exit_code == 0, imported.output
    assert "imported 30 runs from 30 lines" in imported.output

    examples_file = tmp_path / "examples.jsonl"
    examples_file.write_text(
        "\n".join(
            json.dumps({"inputs": {"q": str(n)}, "outputs": {"a": str(n)}, "split": "train"})
            for n in range(12)
        )
    )
    loaded = runner.invoke(main, ["import", "examples", str(examples_file), "--dataset", "golden"], env=env)
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "golden.parquet"
    exported = runner.invoke(
        main, ["export", "dataset", "golden", "--format", "parquet", "--out", str(out)], env=env
    )
    assert exported.exit_code == 0, exported.output
    assert "wrote 12 rows" in exported.output
    assert pq.read_table(out).num_rows == 12

    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import feedback
    from reviewdesk.store.database import Database

    db = Database(env["REVIEWDESK_DB"])
    for run_id in ids[:5]:
        feedback.create_feedback(db, SYSTEM_ACTOR, {"run_id": run_id, "key": "ok", "score": 1})
    fb_out = tmp_path / "feedback.csv"
    done = runner.invoke(main, ["export", "feedback", "--format", "csv", "--out", str(fb_out)], env=env)
    assert done.exit_code == 0, done.output
    assert len(fb_out.read_text().splitlines()) == 6

    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"id": str(uuid.uuid4()), "name": "x"}) + "\nnot json\n")
    failed = runner.invoke(main, ["import", "runs", str(broken)], env=env)
    assert failed.exit_code != 0
    assert "line 2 is not JSON" in failed.output


def _import_examples(runner, env, tmp_path, dataset, examples):
    import json

    source = tmp_path / f"{dataset}.jsonl"
    source.write_text("\n".join(json.dumps(e) for e in examples) + "\n")
    loaded = runner.invoke(main, ["import", "examples", str(source), "--dataset", dataset], env=env)
    assert loaded.exit_code == 0, loaded.output


def test_openai_chat_export_writes_only_converted_lines_and_says_what_it_skipped(tmp_path):
    import json

    runner = CliRunner()
    env = _env(tmp_path)
    examples = [
        {"inputs": {"question": "where is my order?"}, "outputs": {"answer": "It ships tomorrow."}},
        {"inputs": {"question": "can I return it?"}, "outputs": {"answer": "Within 30 days."}},
        {"inputs": {"q": "1"}, "outputs": {"answer": "a"}},
        {"inputs": {"q": "2"}, "outputs": {"answer": "b"}},
        {"inputs": {"question": "and the colour?"}, "outputs": {"score": 1}},
    ]
    _import_examples(runner, env, tmp_path, "mixed", examples)
    out = tmp_path / "mixed.jsonl"
    done = runner.invoke(
        main, ["export", "dataset", "mixed", "--format", "openai-chat", "--out", str(out)], env=env
    )
    assert done.exit_code == 0, done.output
    assert "wrote 2 rows" in done.output
    assert (
        "skipped 3: 2 inputs hold no chat messages and no question; 1 outputs hold no final answer"
        in done.output
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["messages"][-1]["content"] for line in lines) == [
        "It ships tomorrow.",
        "Within 30 days.",
    ]


def test_openai_chat_export_with_nothing_to_convert_fails_and_writes_no_file(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    examples = [{"inputs": {"q": str(n)}, "outputs": {"a": str(n)}} for n in range(3)]
    _import_examples(runner, env, tmp_path, "plain", examples)
    out = tmp_path / "plain-chat.jsonl"
    failed = runner.invoke(
        main, ["export", "dataset", "plain", "--format", "openai-chat", "--out", str(out)], env=env
    )
    assert failed.exit_code != 0
    assert "none of the 3 examples converts to an OpenAI chat line" in failed.output
    assert "3 inputs hold no chat messages and no question" in failed.output
    assert not out.exists()


def test_an_export_that_fails_part_way_leaves_the_previous_file_whole(tmp_path):
    """The file is written beside `--out` and renamed when complete: a failure (a lost database
    connection, a full disk) leaves the last good export, not a truncated one that looks whole."""
    from reviewdesk.cli_exports import _write

    out = tmp_path / "feedback.jsonl"
    out.write_bytes(b'{"last": "good export"}\n')

    def failing():
        yield b'{"row": 1}\n'
        raise OSError("connection lost")

    with pytest.raises(OSError):
        _write(failing(), str(out))
    assert out.read_bytes() == b'{"last": "good export"}\n'
    assert list(tmp_path.iterdir()) == [out]
    assert _write(iter([b'{"row": 1}\n']), str(out)) == 11 and out.read_bytes() == b'{"row": 1}\n'
