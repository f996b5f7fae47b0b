"""Run payload builders for tests (plain data; stored through the real API or services)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def run_payload(**fields: Any) -> dict[str, Any]:
    run_id = fields.pop("id", None) or str(uuid.uuid4())
    start = fields.pop("start_time", BASE_TIME)
    end = fields.pop("end_time", start + timedelta(milliseconds=1500))
    payload = {
        "id": run_id,
        "name": "answer_question",
        "run_type": "chain",
        "project": "support-rag",
        "inputs": {"question": "Where is my order?"},
        "outputs": {"answer": "It ships tomorrow."},
        "start_time": start.isoformat() if isinstance(start, datetime) else start,
        "end_time": end.isoformat() if isinstance(end, datetime) else end,
        "tags": ["production"],
        "metadata": {"eval_score": 0.9},
    }
    payload.update(fields)
    return payload


def trace_payload(root_name: str = "rag_chain", start: datetime = BASE_TIME) -> list[dict[str, Any]]:
    """A root chain with a retriever and an llm child."""
    root_id = str(uuid.uuid4())
    root = run_payload(
        id=root_id, name=root_name, trace_id=root_id, start_time=start, end_time=start + timedelta(seconds=3)
    )
    retriever = run_payload(
        name="retrieve",
        run_type="retriever",
        trace_id=root_id,
        parent_run_id=root_id,
        start_time=start + timedelta(milliseconds=10),
        end_time=start + timedelta(milliseconds=400),
        metadata={},
    )
    llm = run_payload(
        name="ChatOpenAI",
        run_type="llm",
        trace_id=root_id,
        parent_run_id=root_id,
        start_time=start + timedelta(milliseconds=410),
        end_time=start + timedelta(seconds=2.9),
        usage={"prompt_tokens": 120, "completion_tokens": 30},
        cost=0.0012,
        metadata={},
    )
    return [root, retriever, llm]


class TableResolver:
    """A name resolver for the destination guard that answers from a table and never sends a packet.

    Unknown names fail as an unknown host does; `calls` records every lookup asked of it.
    """

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(table or {})
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[Any]:
        import ipaddress
        import socket

        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in self.table[host]]
