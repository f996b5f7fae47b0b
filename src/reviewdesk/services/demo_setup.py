"""The demo's people and queues: reviewers, the tutorial's queue and rule (two reviewers an item, so
agreement shows), a 5% quality sample, and a pairwise model comparison run in weekly rounds."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.errors import Conflict
from reviewdesk.services import accounts, feedback_configs, ingest, queue_items, queues, rules
from reviewdesk.store.database import Database

DEMO_PASSWORD = "reviewdesk-demo"
GOLD_RATE = 0.05  # of the items handed out in the review queue, once it has gold items
REVIEWERS = [
    ("ana@reviewdesk.local", "Ana Reviewer"),
    ("ben@reviewdesk.local", "Ben Reviewer"),
    ("chen@reviewdesk.local", "Chen Reviewer"),
]
RUBRIC_CONFIGS: list[dict[str, Any]] = [
    {
        "key": "overall_quality",
        "type": "categorical",
        "description": "Would you ship this answer to the customer as it is?",
        "options": [
            {"value": "good", "score": 1, "description": "correct, complete, on-brand"},
            {"value": "acceptable", "score": 0.5, "description": "right but could be clearer or shorter"},
            {"value": "bad", "score": 0, "description": "wrong, unsafe or unhelpful"},
        ],
    },
    {
        "key": "groundedness",
        "type": "categorical",
        "description": "Is every claim supported by the retrieved documents?",
        "options": [
            {"value": "grounded", "description": "every claim is in the sources"},
            {"value": "hallucinated", "description": "a claim contradicts or is absent from the sources"},
            {"value": "partially_grounded", "description": "mostly supported, one unsupported detail"},
        ],
    },
    {
        "key": "reviewer_note",
        "type": "freeform",
        "max_length": 2000,
        "description": "What was wrong, or what a better answer would say.",
    },
    {
        "key": "helpfulness",
        "type": "continuous",
        "min": 1,
        "max": 5,
        "description": "1 = did not help at all, 3 = partly, 5 = solved the user's problem.",
    },
]
GUIDE = """**Review production answers that users or the evaluator flagged.**

1. Read the question and the retrieved sources first.
2. *Overall quality*: would you send this answer to the customer unchanged?
3. *Groundedness*: check each claim against the sources; invented policies are **hallucinated**.
4. If the answer is wrong, write the corrected answer in the correction editor.
"""


def _ensure_configs(db: Database) -> None:
    for config in RUBRIC_CONFIGS:
        with contextlib.suppress(Conflict):
            feedback_configs.create_config(db, SYSTEM_ACTOR, config)


def _ensure_reviewers(db: Database) -> list[Actor]:
    actors = []
    for email, name in REVIEWERS:
        try:
            user = accounts.create_user(
                db, SYSTEM_ACTOR, email=email, role="reviewer", password=DEMO_PASSWORD, name=name
            )
        except Conflict:
            user = accounts.get_user_by_email(db, email)
        actors.append(Actor(user_id=user["id"], email=email, role=Role.REVIEWER))
    return actors


def create_queues(db: Database) -> dict[str, Any]:
    """Queues and rules go in before the traces, so the demo's own ingest routes runs into them."""
    _ensure_configs(db)
    reviewers = _ensure_reviewers(db)
    ids = [str(r.user_id) for r in reviewers]
    rag = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "production-rag-review",
            "description": GUIDE,
            "reviewers": ids,
            "reviewers_per_item": 2,
            "gold_rate": GOLD_RATE,
            "rubric": [
                {"key": "overall_quality", "required": True},
                {
                    "key": "groundedness",
                    "required": True,
                    "instructions": "Compare against the retriever's documents in the trace (E).",
                },
                {"key": "reviewer_note"},
            ],
        },
    )
    rules.create_rule(
        db,
        SYSTEM_ACTOR,
        rag["id"],
        {
            "name": "low eval score or thumbs down",
            "filter": 'metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
        },
    )
    sample = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "quality-sample-5pct",
            "reviewers": ids,
            "reviewers_per_item": 2,
            "description": "A 5% random sample of all production traffic, scored by two reviewers each.",
            "rubric": [
                {"key": "overall_quality", "required": True},
                {"key": "helpfulness", "required": True},
            ],
        },
    )
    rules.create_rule(
        db, SYSTEM_ACTOR, sample["id"], {"name": "5% sample", "filter": "random_sample == 0.05"}
    )
    pairwise = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "gpt-4o-vs-gpt-4o-mini",
            "kind": "pairwise",
            "reviewers": ids,
            "variant_field": "metadata.model",
            "description": "Same question, two models. Pick the answer you would rather send (A, B, T tie, X both bad).",
        },
    )
    return {"reviewers": reviewers, "rag": rag, "sample": sample, "pairwise": pairwise}


def _concise(answer: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", answer.strip())
    return " ".join(sentences[:2])


def add_model_comparison(
    db: Database, queue: dict[str, Any], roots: list[dict[str, Any]], at: datetime, tag: str
) -> int:
    """One experiment round: these support questions answered again by gpt-4o and by a terser
    gpt-4o-mini, each pair put in the comparison queue."""
    posts, pairs = [], []
    for i, root in enumerate(roots):
        answer = (root["outputs"] or {}).get("answer")
        if not isinstance(answer, str):
            continue
        start = at - timedelta(minutes=30, seconds=20 * i)
        ids = []
        for model, text in (("gpt-4o", answer), ("gpt-4o-mini", _concise(answer))):
            run_id = str(uuid.uuid5(uuid.UUID(str(root["id"])), model))
            ids.append(run_id)
            posts.append(
                {
                    "id": run_id,
                    "project": "support-rag-experiments",
                    "name": "support_chat",
                    "run_type": "chain",
                    "inputs": root["inputs"],
                    "outputs": {"answer": text},
                    "start_time": start.isoformat(),
                    "end_time": (start + timedelta(seconds=2)).isoformat(),
                    "metadata": {"model": model, "experiment": tag},
                    "tags": ["experiment"],
                }
            )
        pairs.append(ids)
    if not pairs:
        return 0
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=posts, patch=None)
    return queue_items.add_items(db, SYSTEM_ACTOR, queue["id"], {"pairs": pairs, "reason": tag})["added"]
