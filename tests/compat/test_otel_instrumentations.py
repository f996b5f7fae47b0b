"""OpenAI instrumentations from PyPI against ReviewDesk's OTLP endpoints: the OpenTelemetry GenAI one
(opentelemetry-instrumentation-openai-v2, messages in span attributes or in log events, metrics on)
and OpenInference's. Each runs a tool-calling conversation, the second call streamed."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.compat.clients import (
    APPS,
    children_of,
    openai_env,
    queue_with_rule,
    review_once,
    root_of,
    run_program,
    runs_of_trace,
)
from tests.conftest import ADMIN_KEY
from tests.fake_openai_server import ANSWER, COMPLETION_TOKENS, PROMPT_TOKENS, FakeOpenAI


def _trace_of(out: str) -> uuid.UUID:
    return uuid.UUID(re.search(r"trace ([0-9a-f]{32})", out).group(1))  # type: ignore[union-attr]


def _check_llm(run: dict) -> None:
    assert run["run_type"] == "llm" and run["metadata"]["ls_model_name"].startswith("gpt-4o-mini")
    assert (run["usage"]["prompt_tokens"], run["usage"]["completion_tokens"]) == (
        PROMPT_TOKENS,
        COMPLETION_TOKENS,
    )


@pytest.mark.parametrize("capture", ["SPAN_ONLY", "EVENT_ONLY"])
def test_otel_genai_instrumentation(db: Database, fake: FakeOpenAI, tmp_path: Path, capture: str) -> None:
    queue = queue_with_rule(db, "Agent runs", 'session == "conv-7" and run_type == "chain"')
    with serve(db) as url:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"{url}/otlp",
            "OTEL_EXPORTER_OTLP_HEADERS": f"x-api-key={ADMIN_KEY}",
            "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": capture,
            **openai_env(fake.url),
        }
        runs = runs_of_trace(db, _trace_of(run_program(APPS / "otel_genai_app.py", env, tmp_path)))
        root = root_of(runs)
        assert (root["name"], root["project"], root["session_id"]) == (
            "invoke_agent support-bot",
            "support-bot",
            "conv-7",
        )
        first, tool, second = children_of(runs, root)
        _check_llm(first)
        _check_llm(second)
        assert (tool["run_type"], tool["inputs"], tool["outputs"]) == (
            "tool",
            {"order_id": "7"},
            {"order_id": "7", "status": "shipped"},
        )
        # The messages, whichever way they travelled: system instructions first, then the conversation.
        assert [m["role"] for m in first["inputs"]["messages"]] == ["system", "user"]
        assert first["inputs"]["messages"][1]["content"] == "Where is order 7?"
        assert first["outputs"]["messages"][0]["tool_calls"][0]["function"]["name"] == "lookup_order"
        assert [m["role"] for m in second["inputs"]["messages"]][-2:] == ["assistant", "tool"]
        assert second["outputs"]["messages"][0]["content"].startswith(ANSWER)  # streamed
        assert review_once(db, url, queue, "Fine.")["item"]["run_id"] == str(root["id"])


def test_openinference_instrumentation(db: Database, fake: FakeOpenAI, tmp_path: Path) -> None:
    queue = queue_with_rule(db, "Returns", 'has(tags, "returns")')
    with serve(db) as url:
        env = {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{url}/otlp/v1/traces",
            "OTEL_EXPORTER_OTLP_HEADERS": f"x-api-key={ADMIN_KEY}",
            **openai_env(fake.url),
        }
        runs = runs_of_trace(db, _trace_of(run_program(APPS / "openinference_app.py", env, tmp_path)))
        root = root_of(runs)
        assert (root["name"], root["run_type"], root["project"]) == ("support-bot", "chain", "support-bot")
        assert root["inputs"] == {"input": "Where is order 7?"} and ANSWER in str(root["outputs"])
        assert root["session_id"] == "conv-7" and root["metadata"]["user_id"] == "u-42"
        assert root["metadata"]["tier"] == "gold" and root["tags"] == ["returns"]
        first, tool, second = children_of(runs, root)
        _check_llm(first)
        _check_llm(second)
        assert tool["run_type"] == "tool" and tool["outputs"] == {"order_id": "7", "status": "shipped"}
        assert [m["role"] for m in first["inputs"]["messages"]] == ["system", "user"]
        assert first["outputs"]["messages"][0]["tool_calls"][0]["function"]["name"] == "lookup_order"
        assert second["outputs"]["messages"][0]["content"].startswith(ANSWER)
        assert first["session_id"] == "conv-7"
        assert review_once(db, url, queue, "Fine.")["item"]["run_id"] == str(root["id"])
