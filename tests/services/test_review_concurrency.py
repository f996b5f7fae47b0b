"""Many reviewers hammering next/submit at once never collide, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import accounts, feedback_configs, queue_items, queues, review
from reviewdesk.store import queue_items as queue_items_store
from reviewdesk.store.tables import feedback, reviews

N_ITEMS = 300
N_REVIEWERS = 8
N_THREADS = 16


def _setup(db):
    feedback_configs.create_config(db, SYSTEM_ACTOR, {"key": "ok", "type": "boolean"})
    reviewers = []
    for i in range(N_REVIEWERS):
        user = accounts.create_user(
            db, SYSTEM_ACTOR, email=f"r{i}@example.com", role="reviewer", password="password-123"
        )
        reviewers.append(Actor(user_id=user["id"], email=user["email"], role=Role.REVIEWER))
    queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "hammer",
            "rubric": [{"key": "ok", "required": True}],
            "reviewers_per_item": 2,
            "reviewers": [str(r.user_id) for r in reviewers],
        },
    )
    run_ids = [str(uuid.uuid4()) for _ in range(N_ITEMS)]
    queue_items.add_items(db, SYSTEM_ACTOR, queue["id"], {"run_ids": run_ids})
    return queue, reviewers


def test_eight_reviewers_sixteen_threads_two_reviews_per_item(db):
    queue, reviewers = _setup(db)
    submitted: list[tuple[uuid.UUID, uuid.UUID]] = []
    lock = threading.Lock()

    def work(thread_index: int) -> None:
        actor = reviewers[thread_index % N_REVIEWERS]
        while True:
            view = review.next_item(db, actor, queue["id"])
            if view is None:
                return
            item_id = view["item"]["id"]
            result = review.submit(db, actor, item_id, {"answers": {"ok": True}})
            # Two threads of one reviewer (two browser tabs) may get the same reservation; the second
            # submit is then an idempotent repeat, not a new review.
            if result.get("amended") is not False:
                with lock:
                    submitted.append((item_id, actor.user_id))

    with ThreadPoolExecutor(N_THREADS) as pool:
        list(pool.map(work, range(N_THREADS)))

    per_item = Counter(item for item, _ in submitted)
    assert len(per_item) == N_ITEMS
    assert set(per_item.values()) == {2}
    assert len(set(submitted)) == len(submitted)  # nobody reviewed an item twice
    items = queue_items.list_items(db, SYSTEM_ACTOR, queue["id"], status=None, limit=1000, offset=0)
    assert {i["status"] for i in items} == {"completed"}
    assert {i["reviews_done"] for i in items} == {2}
    with db.read() as conn:
        stored = set(
            conn.execute(
                sa.select(reviews.c.item_id, reviews.c.reviewer_id).where(reviews.c.status == "submitted")
            ).all()
        )
    assert stored == set(submitted)  # no submit lost, none invented


def test_lapsed_reservations_come_back(db):
    queue, reviewers = _setup(db)
    holder, other = reviewers[0], reviewers[1]
    held = review.next_item(db, holder, queue["id"])
    with db.write() as conn:  # time passes: the reservation lapses
        conn.execute(
            reviews.update()
            .where(reviews.c.reviewer_id == holder.user_id)
            .values(reserved_until=held["reserved_until"] - timedelta(hours=1))
        )
    first_for_other = review.next_item(db, other, queue["id"])
    assert first_for_other["item"]["id"] == held["item"]["id"]


def test_one_reviewer_submitting_twice_at_once_counts_once(db, monkeypatch):
    """Two tabs of one reviewer submit the same item at the same moment: one review, one set of
    feedback, and the second call answers as an idempotent repeat instead of failing."""
    feedback_configs.create_config(db, SYSTEM_ACTOR, {"key": "ok", "type": "boolean"})
    feedback_configs.create_config(
        db, SYSTEM_ACTOR, {"key": "quality", "type": "categorical", "options": ["good", "bad"]}
    )
    user = accounts.create_user(
        db, SYSTEM_ACTOR, email="twice@example.com", role="reviewer", password="password-123"
    )
    actor = Actor(user_id=user["id"], email=user["email"], role=Role.REVIEWER)
    queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "twice",
            "rubric": [{"key": "ok", "required": True}, {"key": "quality", "required": False}],
            "reviewers_per_item": 2,  # the item stays pending after this reviewer's one review
            "reviewers": [str(actor.user_id)],
        },
    )
    run_id = uuid.uuid4()
    queue_items.add_items(db, SYSTEM_ACTOR, queue["id"], {"run_ids": [str(run_id)]})
    item_id = review.next_item(db, actor, queue["id"])["item"]["id"]

    # Hold each submit a moment after it has read (and on PostgreSQL locked) the item, so the other
    # one reads while the first is still open: on PostgreSQL it then finds the review unfinished in
    # its snapshot and must learn from the conditional update that it was finished meanwhile.
    require_workable = review.require_workable

    def slow_require_workable(*args, **kwargs):  # type: ignore[no-untyped-def]
        queue = require_workable(*args, **kwargs)
        time.sleep(0.3)
        return queue

    finish_review = queue_items_store.finish_review
    finished: list[bool] = []

    def recorded_finish_review(*args, **kwargs):  # type: ignore[no-untyped-def]
        finished.append(finish_review(*args, **kwargs))
        return finished[-1]

    monkeypatch.setattr(review, "require_workable", slow_require_workable)
    monkeypatch.setattr(queue_items_store, "finish_review", recorded_finish_review)

    both_ready = threading.Barrier(2)
    payload = {"answers": {"ok": True, "quality": "good"}}

    def submit() -> dict:
        both_ready.wait()
        return review.submit(db, actor, item_id, payload)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: submit(), range(2)))  # re-raises either thread's error

    assert sorted(str(r.get("amended", "new")) for r in results) == ["False", "new"]
    assert results[0]["feedback_ids"] == results[1]["feedback_ids"]
    assert {r["item_status"] for r in results} == {"pending"}
    # PostgreSQL lets the second submit read the review before the first commits; SQLite serializes.
    assert sorted(finished) == ([False, True] if db.dialect == "postgresql" else [True])

    with db.read() as conn:
        stored = conn.execute(
            sa.select(reviews.c.status).where(
                reviews.c.item_id == item_id, reviews.c.reviewer_id == actor.user_id
            )
        ).all()
        keys = Counter(
            conn.execute(
                sa.select(feedback.c.key).where(
                    feedback.c.run_id == run_id, feedback.c.queue_id == queue["id"]
                )
            ).scalars()
        )
    assert stored == [("submitted",)]
    assert keys == {"ok": 1, "quality": 1}
    [item] = queue_items.list_items(db, SYSTEM_ACTOR, queue["id"], status=None, limit=10, offset=0)
    assert (item["status"], item["reviews_done"]) == ("pending", 1)
