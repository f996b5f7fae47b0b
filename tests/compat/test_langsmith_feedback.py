"""`create_feedback` by both transports (a multipart part, and POST /feedback), feedback for runs not
yet seen, reading and amending it, and feedback configs — checked against the rows ReviewDesk stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import langsmith as ls
import pytest
from langsmith import utils as ls_utils

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import feedback_configs
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import (
    FLUSH_SECONDS,
    SDK_WARNINGS,
    LiveServer,
    live_server,
    reset_sdk_globals,
    sdk_client,
    stored_runs,
)

pytestmark = SDK_WARNINGS


@pytest.fixture
def server(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    reset_sdk_globals(monkeypatch)
    with live_server(db) as live:
        yield live


def _traced(client: ls.Client, project: str) -> uuid.UUID:
    """One finished root run; returns its id (= its trace id)."""
    run_id = uuid.uuid4()

    @ls.traceable(name="reply", run_type="llm")
    def reply(text: str) -> str:
        return text.upper()

    with ls.tracing_context(client=client, enabled=True, project_name=project):
        reply("hello", langsmith_extra={"run_id": run_id})
    client.flush(timeout=FLUSH_SECONDS)
    return run_id


def _stored(db: Database, feedback_id: uuid.UUID) -> dict:
    with db.read() as conn:
        row = feedback_store.get(conn, feedback_id)
    assert row is not None, "the feedback was not stored"
    return row


def test_create_feedback_as_a_multipart_part(server: LiveServer) -> None:
    with sdk_client(server) as client:
        run_id = _traced(client, "fb-multipart")
        made = client.create_feedback(
            run_id,
            "correctness",
            score=1,
            value="good",
            comment="looks right",
            correction={"answer": "HELLO"},
            trace_id=run_id,
            source_info={"who": "smoke"},
            feedback_config={"type": "continuous", "min": 0, "max": 1},
        )
        client.flush(timeout=FLUSH_SECONDS)
    assert "/langsmith/feedback" not in server.paths("POST")
    assert server.paths("POST").count("/langsmith/runs/multipart") >= 2
    row = _stored(server.db, made.id)
    assert row["run_id"] == run_id and row["trace_id"] == run_id
    assert (row["key"], row["score"], row["value"]) == ("correctness", 1.0, "good")
    assert row["comment"] == "looks right" and row["correction"] == {"answer": "HELLO"}
    assert row["source"] == "api" and row["extra"]["feedback_source_metadata"] == {"who": "smoke"}
    config = feedback_configs.get_config(server.db, SYSTEM_ACTOR, "correctness")
    assert (config["type"], config["min"], config["max"]) == ("continuous", 0.0, 1.0)


def test_create_feedback_by_post_with_a_categorical_config(server: LiveServer) -> None:
    with sdk_client(server, auto_batch_tracing=False) as client:
        run_id = _traced(client, "fb-post")
        made = client.create_feedback(
            run_id,
            "helpfulness",
            score=1.0,
            feedback_source_type=ls.schemas.FeedbackSourceType.MODEL,
            feedback_config={
                "type": "categorical",
                "categories": [{"value": 0, "label": "no"}, {"value": 1, "label": "yes"}],
            },
        )
        read = client.read_feedback(made.id)
    assert "/langsmith/feedback" in server.paths("POST")
    row = _stored(server.db, made.id)
    # The category's label is the stored value; its number the score (as our categorical options).
    assert (row["score"], row["value"], row["source"]) == (1.0, "yes", "model")
    assert read.id == made.id and read.run_id == run_id and read.trace_id == run_id
    assert read.feedback_source.type == "model"
    options = feedback_configs.get_config(server.db, SYSTEM_ACTOR, "helpfulness")["options"]
    assert [(o["value"], o["score"]) for o in options] == [("no", 0.0), ("yes", 1.0)]


def test_feedback_for_a_run_not_seen_yet_is_stored_and_joins_its_trace_later(server: LiveServer) -> None:
    run_id = uuid.uuid4()
    with sdk_client(server, auto_batch_tracing=False) as client:
        made = client.create_feedback(run_id, "thumbs", score=0, stop_after_attempt=1)
        assert _stored(server.db, made.id)["trace_id"] is None
        client.create_run("late", {"q": "?"}, "chain", project_name="fb-late", id=run_id)
    assert _stored(server.db, made.id)["trace_id"] == run_id
    assert stored_runs(server.db, "fb-late")[0]["id"] == run_id


def test_list_update_and_delete_feedback(server: LiveServer) -> None:
    with sdk_client(server, auto_batch_tracing=False) as client:
        run_id = _traced(client, "fb-list")
        made = [client.create_feedback(run_id, "note", score=i / 10, comment=f"#{i}") for i in range(5)]
        client.create_feedback(run_id, "other", score=1)
        # Pages of 2 by offset: the SDK stops at the short last page, with every row once.
        listed = list(client.list_feedback(run_ids=[run_id], feedback_key=["note"], limit=None))
        assert sorted(f.comment for f in listed) == [f"#{i}" for i in range(5)]
        assert len(list(client.list_feedback(run_ids=[run_id]))) == 6
        assert [f.key for f in client.list_feedback(run_ids=[run_id], feedback_source_type=["model"])] == []
        client.update_feedback(made[0].id, score=0.5, comment=None)
        client.delete_feedback(made[1].id)
    amended = _stored(server.db, made[0].id)
    assert amended["score"] == 0.5 and amended["comment"] is None
    remaining = feedback_service.list_feedback(
        server.db, SYSTEM_ACTOR, filters={"run_id": [run_id]}, limit=100, cursor=None
    )[0]
    assert made[1].id not in {f["id"] for f in remaining} and len(remaining) == 5


def test_offset_pages_end(server: LiveServer) -> None:
    with sdk_client(server, auto_batch_tracing=False) as client:
        run_id = _traced(client, "fb-pages")
        for i in range(7):
            client.create_feedback(run_id, "n", score=i)
        pages = [
            client.request_with_retries(
                "GET", "/feedback", params={"run": str(run_id), "limit": 3, "offset": offset}
            ).json()
            for offset in (0, 3, 6, 9)
        ]
    assert [len(p) for p in pages] == [3, 3, 1, 0]
    assert len({f["id"] for p in pages for f in p}) == 7


def test_feedback_configs(server: LiveServer) -> None:
    categories = [{"value": 0, "label": "bad"}, {"value": 1, "label": "good"}]
    with sdk_client(server) as client:
        made = client.create_feedback_config(
            "quality", feedback_config={"type": "categorical", "categories": categories}
        )
        again = client.create_feedback_config(
            "quality", feedback_config={"type": "categorical", "categories": categories}
        )
        with pytest.raises(ls_utils.LangSmithError):
            client.create_feedback_config("quality", feedback_config={"type": "freeform"})
        client.add_feedback_categories("quality", [{"value": 2, "label": "great"}])
        client.remove_feedback_categories("quality", [0])
        listed = list(client.list_feedback_configs(feedback_key=["quality"]))
        client.create_feedback_config("notes", feedback_config={"type": "freeform"})
        client.delete_feedback_config("notes")
    assert made.feedback_key == again.feedback_key == "quality" and made.tenant_id == again.tenant_id
    stored = feedback_configs.get_config(server.db, SYSTEM_ACTOR, "quality")
    assert [(o["value"], o["score"]) for o in stored["options"]] == [("good", 1.0), ("great", 2.0)]
    assert [c.feedback_config["categories"] for c in listed] == [
        [{"value": 1.0, "label": "good"}, {"value": 2.0, "label": "great"}]
    ]
    assert [c["key"] for c in feedback_configs.list_configs(server.db, SYSTEM_ACTOR)] == ["quality"]
