"""docs/langsmith.md's copy-paste example runs as written against a live server, and stores what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from langsmith import run_trees

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import dataset_versions, datasets, feedback, queue_items, queues
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import FLUSH_SECONDS, SDK_WARNINGS, live_server, set_sdk_env, stored_runs

pytestmark = SDK_WARNINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "langsmith.md"


def _example() -> str:
    section = DOC.read_text().split("## A copy-paste example", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the copy-paste example is missing"
    return match.group(1)


def test_the_copy_paste_example_works(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with live_server(db) as server:
        set_sdk_env(monkeypatch, server, "support-bot")
        namespace: dict = {}
        try:
            exec(compile(_example(), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
        finally:
            namespace["client"].close(timeout=FLUSH_SECONDS)
            run_trees.get_cached_client().close(timeout=FLUSH_SECONDS)
    roots = stored_runs(db, "support-bot", is_root=True)
    assert [r["name"] for r in roots] == ["support-bot"]
    (queue,) = queues.list_queues(db, SYSTEM_ACTOR)
    assert queue["name"] == "Unhappy customers" and [f["key"] for f in queue["rubric"]] == [
        "correctness",
        "helpfulness",
    ]
    items = queue_items.list_items(db, SYSTEM_ACTOR, queue["id"], status=None, limit=10, offset=0)
    assert [i["run_id"] for i in items] == [roots[0]["id"]]
    scores, _ = feedback.list_feedback(
        db, SYSTEM_ACTOR, filters={"run_id": [roots[0]["id"]]}, limit=10, cursor=None
    )
    assert [(f["key"], f["score"]) for f in scores] == [("user_score", 0.0)]
    (dataset,) = datasets.list_datasets(db, SYSTEM_ACTOR)
    examples, _ = dataset_versions.list_examples(db, SYSTEM_ACTOR, dataset["id"])
    assert [e["source_run_id"] for e in examples] == [roots[0]["id"]]
