"""The demo's people and queues: reviewers, the tutorial's queue and rule, a 1% quality sample,
a pairwise model comparison, and a few finished reviews so progress and stats have something to show."""

from __future__ import annotations

import contextlib
import random
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.errors import Conflict
from reviewdesk.services import accounts, feedback_configs, ingest, queue_items, queues, review, rules
from reviewdesk.services.runs import search_runs
from reviewdesk.store.database import Database

DEMO_PASSWORD = "reviewdesk-demo"
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
            {"value": "good", "description": "correct, complete, on-brand"},
            {"value": "acceptable", "description": "right but could be clearer or shorter"},
            {"value": "bad", "description": "wrong, unsafe or unhelpful"},
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
            "name": "quality-sample-1pct",
            "reviewers": ids,
            "reviewers_per_item": 2,
            "description": "A 1% random sample of all production traffic, scored by two reviewers each.",
            "rubric": [
                {"key": "overall_quality", "required": True},
                {"key": "helpfulness", "required": True},
            ],
        },
    )
    rules.create_rule(
        db, SYSTEM_ACTOR, sample["id"], {"name": "1% sample", "filter": "random_sample == 0.01"}
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


def add_model_comparison(db: Database, queue: dict[str, Any], now: datetime, n_pairs: int = 40) -> int:
    """Experiment runs: each support question answered by gpt-4o and by a terser gpt-4o-mini."""
    roots, _ = search_runs(
        db, SYSTEM_ACTOR, project="support-rag", is_root=True, filter='status == "success"', limit=n_pairs
    )
    posts, pairs = [], []
    for i, root in enumerate(roots):
        answer = (root["outputs"] or {}).get("answer")
        if not isinstance(answer, str):
            continue
        start = now - timedelta(hours=2, minutes=i)
        ids = []
        for model, text in (("gpt-4o", answer), ("gpt-4o-mini", _concise(answer))):
            run_id = str(uuid.uuid5(root["id"], model))
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
                    "metadata": {"model": model, "experiment": "mini-rollout"},
                    "tags": ["experiment"],
                }
            )
        pairs.append(ids)
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=posts, patch=None)
    return queue_items.add_items(db, SYSTEM_ACTOR, queue["id"], {"pairs": pairs, "reason": "mini rollout"})[
        "added"
    ]


def _answers_for(view: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    score = ((view["runs"][0].get("metadata") or {}).get("eval_score")) or 0.5
    quality = "good" if score > 0.7 else ("acceptable" if score > 0.45 else "bad")
    if rng.random() < 0.2:
        quality = rng.choice(["good", "acceptable", "bad"])  # reviewers disagree sometimes
    answers: dict[str, Any] = {"overall_quality": quality}
    for field in view["rubric"]:
        if field["key"] == "groundedness":
            answers["groundedness"] = (
                "grounded" if quality != "bad" else rng.choice(["hallucinated", "partially_grounded"])
            )
        elif field["key"] == "helpfulness":
            answers["helpfulness"] = {"good": 5, "acceptable": 3, "bad": 1}[quality]
    return answers


def review_some(db: Database, setup: dict[str, Any], per_reviewer: int = 5, seed: int = 7) -> int:
    """A few finished reviews so the queue pages, stats and agreement have data on first start."""
    rng = random.Random(seed)
    done = 0
    for reviewer in setup["reviewers"]:
        for queue in (setup["rag"], setup["sample"]):
            for _ in range(per_reviewer):
                view = review.next_item(db, reviewer, queue["id"])
                if view is None:
                    break
                review.submit(db, reviewer, view["item"]["id"], {"answers": _answers_for(view, rng)})
                done += 1
    return done
