"""langchain-openai + LangGraph traced by the LangSmith SDK (all from PyPI) into ReviewDesk's
LangSmith-compatible API: the graph's tree, the chat model's messages, model and tokens, the
session, the app's feedback, then a routing rule and a reviewer on it."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.compat.clients import (
    APPS,
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


def test_langgraph_agent_through_the_langsmith_sdk(db: Database, fake: FakeOpenAI, tmp_path: Path) -> None:
    queue = queue_with_rule(db, "Unhappy users", "feedback.user_score < 0.5")
    with serve(db) as url:
        env = {
            "LANGSMITH_ENDPOINT": f"{url}/langsmith",
            "LANGSMITH_API_KEY": ADMIN_KEY,
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_PROJECT": "support-bot",
            "LANGSMITH_DISABLE_RUN_COMPRESSION": "true",
            **openai_env(fake.url),
        }
        out = run_program(APPS / "langgraph_app.py", env, tmp_path)
        root_id = uuid.UUID(re.search(r"root ([0-9a-f-]{36})", out).group(1))  # type: ignore[union-attr]
        runs = runs_of_trace(db, root_id)
        root = root_of(runs)
        assert (root["id"], root["name"], root["run_type"], root["project"]) == (
            root_id,
            "support-bot",
            "chain",
            "support-bot",
        )
        assert (
            root["session_id"] == "conv-7"
            and root["metadata"]["tier"] == "gold"
            and "returns" in root["tags"]
        )
        assert [c["name"] for c in children_of(runs, root)] == ["agent", "tools", "agent"]
        llms = sorted((r for r in runs if r["run_type"] == "llm"), key=lambda r: r["start_time"])
        assert [r["name"] for r in llms] == ["ChatOpenAI", "ChatOpenAI"]
        first, second = llms
        for llm in llms:
            assert llm["metadata"]["ls_model_name"] == "gpt-4o-mini"
            assert llm["usage"]["prompt_tokens"] == PROMPT_TOKENS
            assert llm["usage"]["completion_tokens"] == COMPLETION_TOKENS
        # The chat model's messages, as the review view renders them.
        assert "Where is order 7?" in str(first["inputs"]) and "lookup_order" in str(first["outputs"])
        assert ANSWER in str(second["outputs"])
        (tool,) = [r for r in runs if r["run_type"] == "tool"]
        assert tool["name"] == "lookup_order" and "shipped" in str(tool["outputs"])

        (thumb,) = [f for f in feedback_on(db, root_id) if f["key"] == "user_score"]
        assert (thumb["score"], thumb["comment"], thumb["run_id"]) == (0.0, "still waiting", root_id)
        assert review_once(db, url, queue, "Gave no date.")["item"]["run_id"] == str(root_id)
