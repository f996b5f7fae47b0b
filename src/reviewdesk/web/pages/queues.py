"""Queue pages: the list of my queues, one queue's progress, its items (its settings form: queue_settings)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Forbidden
from reviewdesk.services import accounts, queue_items, queue_stats, queues, runs
from reviewdesk.services.clock import utcnow
from reviewdesk.web.pages.queue_signal import SignalPanel, build_signal_panel

ITEMS_PAGE = 50


@dataclass
class QueueCard:
    queue: dict[str, Any]
    stats: dict[str, Any]
    assigned_to_me: bool

    @property
    def done(self) -> int:
        return self.stats["counts"]["completed"]

    @property
    def total(self) -> int:
        return self.stats["total"]


@dataclass
class QueueListPage:
    cards: list[QueueCard]


def build_queue_list(db: Any, actor: Actor) -> QueueListPage:
    cards = [
        QueueCard(
            queue=q,
            stats=queue_stats.stats(db, actor, q["id"]),
            assigned_to_me=actor.user_id in q["reviewers"],
        )
        for q in queues.list_queues(db, actor)
    ]
    return QueueListPage(cards=cards)


def users_or_none(db: Any, actor: Actor) -> list[dict[str, Any]] | None:
    """All users for those allowed to list them; None for others (the service decides who)."""
    try:
        return accounts.list_users(db, actor)
    except Forbidden:
        return None


def _emails_by_id(db: Any, actor: Actor) -> dict[str, str]:
    return {str(u["id"]): u["email"] for u in users_or_none(db, actor) or []}


@dataclass
class ReviewerRow:
    label: str
    done: int
    skipped: int
    flagged: int
    median_seconds: float | None
    items_per_hour: float | None
    timed_reviews: int = 0
    active_seconds: float = 0.0
    minutes_per_item: float | None = None


@dataclass
class QueuePage:
    card: QueueCard
    reviewers: list[ReviewerRow]
    signal: SignalPanel | None = None


def build_queue_page(db: Any, actor: Actor, queue_id: uuid.UUID) -> QueuePage:
    queue = queues.get_queue(db, actor, queue_id)
    stats = queue_stats.stats(db, actor, queue_id)
    emails = _emails_by_id(db, actor)
    rows = []
    for reviewer_id, numbers in stats["reviewers"].items():
        label = (
            "you"
            if reviewer_id == str(actor.user_id)
            else emails.get(reviewer_id, f"reviewer {reviewer_id[:8]}")
        )
        rows.append(ReviewerRow(label=label, **numbers))
    card = QueueCard(queue=queue, stats=stats, assigned_to_me=actor.user_id in queue["reviewers"])
    return QueuePage(card=card, reviewers=rows, signal=build_signal_panel(db, actor, queue_id))


@dataclass
class ItemsPage:
    queue: dict[str, Any]
    items: list[dict[str, Any]]
    status: str | None
    offset: int
    more: bool
    notice: str | None = None
    error: str | None = None
    now: datetime = field(default_factory=utcnow)
    previews: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)  # by run id: input, output

    def review_state(self, review: dict[str, Any]) -> str:
        """submitted · skipped · flagged · reviewing (holds it now) · lapsed (a hold that ran out)."""
        if review["status"] != "reserved":
            return review["status"]
        until = review.get("reserved_until")
        return "reviewing" if until is not None and until > self.now else "lapsed"


def build_items_page(
    db: Any, actor: Actor, queue_id: uuid.UUID, status: str | None, offset: int, notice: str | None = None
) -> ItemsPage:
    items = queue_items.list_items(
        db, actor, queue_id, status=status or None, limit=ITEMS_PAGE + 1, offset=offset
    )
    queue = queues.get_queue(db, actor, queue_id)
    shown = items[:ITEMS_PAGE]
    run_ids = [r for it in shown for r in (it["run_id"], it["run_b_id"]) if r]
    return ItemsPage(
        queue=queue,
        items=shown,
        previews=runs.previews_of(db, actor, run_ids) if actor.can(Permission.READ_RUNS) else {},
        status=status or None,
        offset=offset,
        more=len(items) > ITEMS_PAGE,
        notice=notice,
    )
