"""Queue pages: the list of my queues, one queue's progress, its settings form, its items."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Forbidden, Invalid, NotFound
from reviewdesk.services import accounts, feedback_configs, queue_items, queue_stats, queues, rules

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


@dataclass
class QueuePage:
    card: QueueCard
    reviewers: list[ReviewerRow]


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
    return QueuePage(card=card, reviewers=rows)


@dataclass
class RubricRow:
    key: str
    type: str
    description: str | None
    included: bool
    required: bool
    instructions: str
    order: int


@dataclass
class SettingsPage:
    queue: dict[str, Any] | None  # None: the create form
    rubric_rows: list[RubricRow]
    users: list[dict[str, Any]] | None  # None when the caller may not list users
    reviewer_lines: str
    rules_count: int | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    saved: bool = False


def build_settings_page(
    db: Any, actor: Actor, queue_id: uuid.UUID | None, *, error: str | None = None, saved: bool = False
) -> SettingsPage:
    queue = None
    rules_count = None
    if queue_id is not None:
        # list_rules asks the same "may manage this queue" question that saving will ask.
        rules_count = len(rules.list_rules(db, actor, queue_id))
        queue = queues.get_queue(db, actor, queue_id)
    configs = feedback_configs.list_configs(db, actor)
    current = {f["key"]: (i, f) for i, f in enumerate(queue["rubric"])} if queue else {}
    rows = []
    for config in configs:
        position, chosen = current.get(config["key"], (None, None))
        rows.append(
            RubricRow(
                key=config["key"],
                type=config["type"],
                description=config["description"],
                included=chosen is not None,
                required=bool(chosen and chosen["required"]),
                instructions=(chosen or {}).get("instructions") or "",
                order=(position + 1) if position is not None else len(configs) + 1,
            )
        )
    rows.sort(key=lambda r: (r.order, r.key))
    users = users_or_none(db, actor)
    emails = {str(u["id"]): u["email"] for u in users or []}
    reviewer_lines = "\n".join(emails.get(str(r), str(r)) for r in (queue["reviewers"] if queue else []))
    return SettingsPage(
        queue=queue,
        rubric_rows=rows,
        users=users,
        reviewer_lines=reviewer_lines,
        rules_count=rules_count,
        error=error,
        saved=saved,
    )


def _int(form: ImmutableMultiDict[str, str], name: str, default: int) -> int:
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Invalid("must be a whole number", field=name) from None


def _float(form: ImmutableMultiDict[str, str], name: str, default: float) -> float:
    raw = (form.get(name) or "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise Invalid("must be a number", field=name) from None


def _rubric_from(form: ImmutableMultiDict[str, str]) -> list[dict[str, Any]]:
    chosen = []
    for key in form.getlist("rubric_key"):
        if form.get(f"include.{key}") is None:
            continue
        order = _int(form, f"order.{key}", 1000)
        field_ = {
            "key": key,
            "required": form.get(f"required.{key}") is not None,
            "instructions": (form.get(f"instructions.{key}") or "").strip() or None,
        }
        chosen.append((order, key, field_))
    return [f for _o, _k, f in sorted(chosen, key=lambda t: (t[0], t[1]))]


def _reviewers_from(db: Any, form: ImmutableMultiDict[str, str]) -> list[str]:
    ids = list(form.getlist("reviewer"))
    for line in (form.get("reviewer_lines") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            ids.append(str(uuid.UUID(line)))
        except ValueError:
            try:
                ids.append(str(accounts.get_user_by_email(db, line)["id"]))
            except NotFound:
                raise Invalid(f"no user with email {line}", field="reviewers") from None
    return list(dict.fromkeys(ids))


def settings_payload(db: Any, form: ImmutableMultiDict[str, str], *, creating: bool) -> dict[str, Any]:
    """The queue settings form as the queues service takes them."""
    payload: dict[str, Any] = {
        "name": (form.get("name") or "").strip(),
        "description": form.get("description") or None,
        "rubric": _rubric_from(form),
        "reviewers": _reviewers_from(db, form),
        "reviewers_per_item": _int(form, "reviewers_per_item", 1),
        "reservation_seconds": _int(form, "reservation_minutes", 10) * 60,
        "reviewer_access": form.get("reviewer_access") or "assigned",
        "blind": form.get("blind") is not None,
        "backlog_alert_days": _float(form, "backlog_alert_days", 3.0),
    }
    if creating:
        payload["kind"] = form.get("kind") or "single"
    else:
        payload["archived"] = form.get("archived") is not None
    return payload


def save_queue(db: Any, actor: Actor, queue_id: uuid.UUID | None, form: ImmutableMultiDict[str, str]) -> dict:
    payload = settings_payload(db, form, creating=queue_id is None)
    if queue_id is None:
        return queues.create_queue(db, actor, payload)
    return queues.update_queue(db, actor, queue_id, payload)


@dataclass
class ItemsPage:
    queue: dict[str, Any]
    items: list[dict[str, Any]]
    status: str | None
    offset: int
    more: bool
    notice: str | None = None
    error: str | None = None


def build_items_page(
    db: Any, actor: Actor, queue_id: uuid.UUID, status: str | None, offset: int, notice: str | None = None
) -> ItemsPage:
    items = queue_items.list_items(
        db, actor, queue_id, status=status or None, limit=ITEMS_PAGE + 1, offset=offset
    )
    queue = queues.get_queue(db, actor, queue_id)
    return ItemsPage(
        queue=queue,
        items=items[:ITEMS_PAGE],
        status=status or None,
        offset=offset,
        more=len(items) > ITEMS_PAGE,
        notice=notice,
    )
