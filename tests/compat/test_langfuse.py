"""The Langfuse Python SDK (current major, from PyPI) against ReviewDesk: the docs' example run as is.

Pointed at ReviewDesk by LANGFUSE_HOST and a key pair (`pk-lf-<project>` : a ReviewDesk API key),
with `langfuse.openai` wrapping an OpenAI client that talks to the fake OpenAI server.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.compat.clients import (
    children_of,
    feedback_on,
    openai_env,
    queue_with_rule,
    review_once,
    root_of,
    run_program,
    runs_of_trace,
)
from tests.conftest import ADMIN_KEY
from tests.fake_openai_server import ANSWER, COMPLETION_TOKENS, PROMPT_TOKENS, FakeOpenAI

DOC = Path(__file__).parents[2] / "docs" / "langfuse.md"


def docs_example() -> str:
    (code,) = re.findall(r"## Example.*?```python\n(.*?)```", DOC.read_text(), re.S)
    return code


def langfuse_env(url: str, fake: FakeOpenAI, project: str = "support-bot") -> dict[str, str]:
    return {
        "LANGFUSE_HOST": url,
        "LANGFUSE_PUBLIC_KEY": f"pk-lf-{project}",
        "LANGFUSE_SECRET_KEY": ADMIN_KEY,
        "LANGFUSE_TRACING_ENVIRONMENT": "staging",
        "LANGFUSE_RELEASE": "2026.12.1",
        **openai_env(fake.url),
    }


def test_docs_example_stores_the_tree_scores_and_is_reviewable(
    db: Database, fake: FakeOpenAI, tmp_path: Path
) -> None:
    queue = queue_with_rule(db, "Unhelpful answers", "feedback.helpfulness < 0.5")
    program = tmp_path / "langfuse_example.py"
    program.write_text(docs_example())
    with serve(db) as url:
        out = run_program(program, langfuse_env(url, fake), tmp_path)
        trace_hex = re.search(r"trace ([0-9a-f]{32})", out).group(1)  # type: ignore[union-attr]
        runs = runs_of_trace(db, uuid.UUID(trace_hex))

        # The tree: support-bot → generation, tool, generation.
        root = root_of(runs)
        assert (root["name"], root["run_type"], root["project"]) == ("support-bot", "chain", "support-bot")
        first, tool, second = children_of(runs, root)
        assert [first["run_type"], tool["run_type"], second["run_type"]] == ["llm", "tool", "llm"]
        assert root["inputs"] == {"args": ["Where is order 7?"]}
        assert ANSWER in str(root["outputs"])
        # The generation: chat messages in and out, model, tokens, the user, session, tags, metadata.
        assert [m["role"] for m in first["inputs"]["messages"]] == ["system", "user"]
        assert first["outputs"]["messages"][0]["tool_calls"][0]["function"]["name"] == "lookup_order"
        assert second["outputs"]["messages"][0]["content"].startswith(ANSWER)
        assert second["inputs"]["messages"][-1]["role"] == "tool"
        assert first["metadata"]["ls_model_name"].startswith("gpt-4o-mini")
        assert (first["usage"]["prompt_tokens"], first["usage"]["completion_tokens"]) == (
            PROMPT_TOKENS,
            COMPLETION_TOKENS,
        )
        assert first["usage"]["total_tokens"] == PROMPT_TOKENS + COMPLETION_TOKENS
        assert tool["inputs"] == {"args": ["7"]}
        assert tool["outputs"] == {"order_id": "7", "status": "shipped"}
        for run in (root, first):
            assert run["session_id"] == "conv-7" and run["metadata"]["user_id"] == "u-42"
            assert run["metadata"]["tier"] == "gold" and "returns" in run["tags"]
            assert run["metadata"]["environment"] == "staging"
        assert root["metadata"]["release"] == "2026.12.1"

        # Scores: numeric on the trace (its root), categorical and boolean on the root observation.
        scores = {f["key"]: f for f in feedback_on(db, root["trace_id"])}
        assert scores["helpfulness"]["run_id"] == root["id"] and scores["helpfulness"]["score"] == 0.0
        assert scores["helpfulness"]["comment"] == "did not answer the question"
        assert scores["correctness"]["value"] == "wrong" and scores["correctness"]["run_id"] == root["id"]
        assert scores["resolved"]["value"] is False and scores["resolved"]["source"] == "api"

        # The late score routed the trace; a reviewer works it.
        shown = review_once(db, url, queue, "Never said when it ships.")
        assert shown["item"]["run_id"] == str(root["id"])
    notes = [f for f in feedback_on(db, root["trace_id"]) if f["key"] == "reviewer_note"]
    assert [n["value"] for n in notes] == ["Never said when it ships."]
