"""The Langfuse SDK v3 (3.15), which cannot be installed beside the current major: what it really sent
(recorded by record_langfuse_v3.py from the real package in its own venv) replayed to ReviewDesk as it
was sent, with this test's key pair. v3 sends spans plain (no gzip) and scores in /ingestion envelopes,
where only a 200/201 or a 207 without errors counts as delivered."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import httpx

from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.compat.clients import (
    children_of,
    feedback_on,
    queue_with_rule,
    review_once,
    root_of,
    runs_of_trace,
)
from tests.conftest import ADMIN_KEY
from tests.fake_openai_server import COMPLETION_TOKENS, PROMPT_TOKENS

RECORDED = json.loads((Path(__file__).parent / "recorded" / "langfuse_v3" / "requests.json").read_text())
AUTH = "Basic " + base64.b64encode(f"pk-lf-support-bot:{ADMIN_KEY}".encode()).decode()


def replay(url: str) -> list[httpx.Response]:
    answers = []
    for request in RECORDED["requests"]:
        headers = {"authorization": AUTH, "content-type": request["content_type"]}
        if request["content_encoding"]:
            headers["content-encoding"] = request["content_encoding"]
        body = base64.b64decode(request["body_b64"])
        answers.append(httpx.post(f"{url}{request['path']}", content=body, headers=headers))
    return answers


def test_v3_spans_and_ingestion_scores(db: Database) -> None:
    assert RECORDED["langfuse_version"].startswith("3.")
    queue = queue_with_rule(db, "Unhelpful v3 answers", "feedback.helpfulness < 0.5")
    with serve(db) as url:
        spans, scores = replay(url)
        assert spans.status_code == 200
        # What v3 counts as delivered: a 207 with no errors (an error would make it re-send the batch).
        assert scores.status_code == 207 and scores.json()["errors"] == []
        assert len(scores.json()["successes"]) == 3

        runs = runs_of_trace(db, uuid.UUID(RECORDED["trace_id"]))
        root = root_of(runs)
        assert (root["name"], root["project"], root["session_id"]) == ("support-bot", "support-bot", "conv-7")
        assert root["metadata"]["user_id"] == "u-42" and root["metadata"]["tier"] == "gold"
        assert root["tags"] == ["returns"] and root["metadata"]["environment"] == "staging"
        assert root["metadata"]["release"] == "2026.12.1"  # v3 keeps it on the resource only
        generation, tool = children_of(runs, root)
        assert (generation["run_type"], tool["run_type"]) == ("llm", "tool")
        assert [m["role"] for m in generation["inputs"]["messages"]] == ["system", "user"]
        assert generation["outputs"]["messages"][0]["role"] == "assistant"
        assert generation["usage"]["prompt_tokens"] == PROMPT_TOKENS
        assert generation["usage"]["completion_tokens"] == COMPLETION_TOKENS
        assert generation["metadata"]["ls_model_name"].startswith("gpt-4o-mini")

        found = {f["key"]: f for f in feedback_on(db, root["trace_id"])}
        assert found["helpfulness"]["score"] == 0.0 and found["helpfulness"]["run_id"] == root["id"]
        assert found["correctness"]["value"] == "wrong" and found["resolved"]["value"] is True
        # v3 re-sends a batch it thinks failed: the same scores again change nothing.
        again = replay(url)[1]
        assert again.status_code == 207 and again.json()["errors"] == []
        assert len(feedback_on(db, root["trace_id"])) == 3

        assert review_once(db, url, queue, "Too vague.")["item"]["run_id"] == str(root["id"])
