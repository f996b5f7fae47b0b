"""Many reviewers hammering next/submit at once never collide, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import accounts, feedback_configs, queue_items, queues, review
from reviewdesk.store.tables import reviews

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
