"""Data for the web tests, written through the services (never raw SQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, feedback, feedback_configs, ingest, queue_items, queues
from reviewdesk.store.database import Database

PASSWORD = "password-123"
XSS_OUTPUT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
XSS_NAME = '<img src=x onerror="window.__pwned=2">run'

CONFIGS: list[dict[str, Any]] = [
    {
        "key": "overall_quality",
        "type": "categorical",
        "description": "Would you ship this answer as it is?",
        "options": [
            {"value": "good", "description": "correct, complete, well said"},
            {"value": "acceptable", "description": "right but could be better"},
            {"value": "bad", "description": "wrong, unsafe or useless"},
        ],
    },
    {
        "key": "groundedness",
        "type": "categorical",
        "options": [
            {"value": "grounded", "description": "every claim is in the sources"},
            {"value": "partially_grounded"},
            {"value": "hallucinated", "description": "makes things up"},
        ],
    },
    {"key": "helpfulness", "type": "continuous", "min": 1, "max": 5, "description": "1 useless, 5 ideal"},
    {"key": "reviewer_note", "type": "freeform"},
    {"key": "correctness", "type": "continuous", "min": 0, "max": 1},
]


@dataclass
class User:
    id: uuid.UUID
    email: str
    role: str
    password: str = PASSWORD


@dataclass
class World:
    admin: User
    member: User
    reviewer: User
    other_reviewer: User
    single_queue: dict[str, Any]
    pairwise_queue: dict[str, Any]
    other_queue: dict[str, Any]
    run_ids: list[uuid.UUID] = field(default_factory=list)
    pair_ids: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    xss_run_id: uuid.UUID | None = None
    xss_queue: dict[str, Any] | None = None


def make_user(db: Database, role: str, email: str | None = None) -> User:
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.com"
    row = accounts.create_user(db, SYSTEM_ACTOR, email=email, role=role, password=PASSWORD, name=role.title())
    return User(id=row["id"], email=email, role=role)


def make_configs(db: Database) -> None:
    for config in CONFIGS:
        feedback_configs.create_config(db, SYSTEM_ACTOR, config)


def run_payload(index: int, *, start: datetime, **fields: Any) -> dict[str, Any]:
    run_id = str(uuid.uuid4())
    question = f"Question {index}: how do I reset my router?"
    payload = {
        "id": run_id,
        "trace_id": run_id,
        "name": "support_answer",
        "run_type": "chain",
        "project": "support-rag",
        "inputs": {
            "messages": [
                {"role": "system", "content": "You are a support agent. Answer from the sources."},
                {"role": "user", "content": question},
            ]
        },
        "outputs": {
            "answer": f"**Answer {index}.** Hold the reset button for *10 seconds*.\n\n- unplug\n- wait"
        },
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(milliseconds=1200 + index)).isoformat(),
        "tags": ["production"],
        "metadata": {"eval_score": 0.3 if index % 2 else 0.9, "tenant": "acme", "model": "gpt-x"},
        "usage": {"prompt_tokens": 120, "completion_tokens": 40},
        "cost": 0.0012,
    }
    payload.update(fields)
    return payload


def child_runs(root: dict[str, Any]) -> list[dict[str, Any]]:
    start = datetime.fromisoformat(root["start_time"])
    common = {"trace_id": root["id"], "parent_run_id": root["id"], "project": root["project"]}
    return [
        {
            **common,
            "id": str(uuid.uuid4()),
            "name": "retrieve_docs",
            "run_type": "retriever",
            "inputs": {"query": "reset router"},
            "outputs": {"documents": [{"page_content": "Hold reset for 10 s."}]},
            "start_time": (start + timedelta(milliseconds=5)).isoformat(),
            "end_time": (start + timedelta(milliseconds=300)).isoformat(),
        },
        {
            **common,
            "id": str(uuid.uuid4()),
            "name": "ChatModel",
            "run_type": "llm",
            "inputs": {"messages": [{"role": "user", "content": "reset router?"}]},
            "outputs": {"generations": [[{"text": "Hold the reset button."}]]},
            "start_time": (start + timedelta(milliseconds=310)).isoformat(),
            "end_time": (start + timedelta(milliseconds=1100)).isoformat(),
            "usage": {"prompt_tokens": 100, "completion_tokens": 30},
        },
    ]


def make_world(db: Database, *, runs: int = 8, pairs: int = 2) -> World:
    """Users of each role, score configs, a single and a pairwise queue with items, and one more queue."""
    make_configs(db)
    admin = make_user(db, "admin", "web-admin@example.com")
    member = make_user(db, "member", "web-member@example.com")
    reviewer = make_user(db, "reviewer", "web-reviewer@example.com")
    other = make_user(db, "reviewer", "web-other@example.com")
    now = datetime.now(UTC)
    payloads = [run_payload(i, start=now - timedelta(hours=2, minutes=i)) for i in range(runs)]
    pair_payloads = [
        run_payload(100 + i, start=now - timedelta(hours=3, minutes=i)) for i in range(2 * pairs)
    ]
    children = child_runs(payloads[0])
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=[*payloads, *pair_payloads, *children], patch=None)
    feedback.create_feedback(
        db,
        SYSTEM_ACTOR,
        {"run_id": payloads[0]["id"], "key": "overall_quality", "value": "acceptable", "source": "model"},
    )
    single = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "support-answers",
            "description": "## How to review\nJudge the **answer** against the sources. <script>alert(1)</script>",
            "rubric": [
                {"key": "overall_quality", "required": True, "instructions": "Would you ship it?"},
                {"key": "groundedness", "required": True},
                {"key": "helpfulness"},
                {"key": "reviewer_note"},
            ],
            "reviewers": [str(reviewer.id), str(admin.id)],
        },
    )
    pairwise = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "model-a-vs-b",
            "kind": "pairwise",
            "description": "Pick the better answer.",
            "rubric": [{"key": "helpfulness"}],
            "reviewers": [str(reviewer.id)],
        },
    )
    other_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {"name": "secret-queue", "rubric": ["overall_quality"], "reviewers": [str(other.id)]},
    )
    run_ids = [uuid.UUID(p["id"]) for p in payloads]
    queue_items.add_items(db, SYSTEM_ACTOR, single["id"], {"run_ids": [str(r) for r in run_ids]})
    pair_ids = [
        (uuid.UUID(pair_payloads[2 * i]["id"]), uuid.UUID(pair_payloads[2 * i + 1]["id"]))
        for i in range(pairs)
    ]
    queue_items.add_items(
        db, SYSTEM_ACTOR, pairwise["id"], {"pairs": [[str(a), str(b)] for a, b in pair_ids]}
    )
    queue_items.add_items(db, SYSTEM_ACTOR, other_queue["id"], {"run_ids": [str(run_ids[0])]})
    return World(
        admin=admin,
        member=member,
        reviewer=reviewer,
        other_reviewer=other,
        single_queue=single,
        pairwise_queue=pairwise,
        other_queue=other_queue,
        run_ids=run_ids,
        pair_ids=pair_ids,
    )


def add_xss_queue(db: Database, world: World) -> None:
    """A run whose output, name and metadata carry markup, in a queue of its own."""
    payload = run_payload(
        999,
        start=datetime.now(UTC) - timedelta(minutes=5),
        name=XSS_NAME,
        outputs={"answer": XSS_OUTPUT, "raw": {"html": XSS_OUTPUT}},
        metadata={"note": XSS_OUTPUT},
        inputs={"question": XSS_OUTPUT},
    )
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=[payload], patch=None)
    queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {"name": "xss-check", "rubric": ["overall_quality"], "reviewers": [str(world.reviewer.id)]},
    )
    queue_items.add_items(db, SYSTEM_ACTOR, queue["id"], {"run_ids": [payload["id"]]})
    world.xss_run_id = uuid.UUID(payload["id"])
    world.xss_queue = queue
