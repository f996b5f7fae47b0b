"""Who may see and work which queue: the one place queue access is decided."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission, Role
from reviewdesk.errors import Forbidden, NotFound
from reviewdesk.store import queue_items as items_store
from reviewdesk.store import queues as queues_store


def _assigned(conn: Connection, actor: Actor, queue: dict[str, Any]) -> bool:
    # Known from the queue's own read when it was loaded for this user (load_visible).
    known = queue.setdefault("_assigned", {})
    if actor.user_id not in known:
        known[actor.user_id] = actor.user_id in queues_store.reviewer_ids(conn, queue["id"])
    return known[actor.user_id]


def can_view(conn: Connection, actor: Actor, queue: dict[str, Any]) -> bool:
    """Admins and members see every queue; a reviewer only the live (not archived) queues it is
    assigned to: archiving closes a queue to its reviewers (docs/access.md)."""
    if actor.role in (Role.ADMIN, Role.MEMBER):
        return True
    return not queue["archived"] and _assigned(conn, actor, queue)


def can_work(conn: Connection, actor: Actor, queue: dict[str, Any]) -> bool:
    """Admins always; assigned users always; members too when the queue is open to any member."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.REVIEWER and queue["archived"]:
        return False
    if _assigned(conn, actor, queue):
        return True
    return actor.role == Role.MEMBER and queue["reviewer_access"] == "any"


def _load(
    conn: Connection, actor: Actor, queue_id: uuid.UUID, for_update: bool, held_at: datetime | None
) -> dict[str, Any] | None:
    if actor.user_id is None:
        return queues_store.get(conn, queue_id, for_update=for_update)
    found = queues_store.get_for_user(conn, queue_id, actor.user_id, for_update=for_update, held_at=held_at)
    if found is None:
        return None
    return with_facts(actor, *found)


def with_facts(actor: Actor, queue: dict[str, Any], facts: queues_store.UserFacts) -> dict[str, Any]:
    """The queue carrying what its read answered for this actor (see `queues_store.get_for_user`)."""
    queue["_assigned"] = {actor.user_id: facts.assigned}
    queue["_webhooks_enabled"] = facts.webhooks_enabled
    queue["_held_item_id"] = facts.held_item_id
    queue["_rubric_configs"] = facts.rubric_configs
    return queue


def load_visible(
    conn: Connection,
    actor: Actor,
    queue_id: uuid.UUID,
    *,
    for_update: bool = False,
    held_at: datetime | None = None,
) -> dict:
    """The queue if the actor may see it. With `held_at`, `queue["_held_item_id"]` is the item the
    actor holds a live reservation on at that time (or None), read in the same statement."""
    return _require_visible(
        conn, actor, _require_found(_load(conn, actor, queue_id, for_update, held_at), queue_id)
    )


def load_workable(
    conn: Connection, actor: Actor, queue_id: uuid.UUID, *, held_at: datetime | None = None
) -> dict[str, Any]:
    return require_workable(
        conn, actor, _require_found(_load(conn, actor, queue_id, False, held_at), queue_id)
    )


def require_workable(conn: Connection, actor: Actor, queue: dict[str, Any]) -> dict[str, Any]:
    """The queue, if the actor may see and work it (a queue already read, e.g. with an item)."""
    if not can_work(conn, actor, _require_visible(conn, actor, queue)):
        raise Forbidden("you are not a reviewer of this queue")
    return queue


def _require_found(queue: dict[str, Any] | None, queue_id: uuid.UUID) -> dict[str, Any]:
    if queue is None:
        raise NotFound(f"no queue {queue_id}", field="queue_id")
    return queue


def _require_visible(conn: Connection, actor: Actor, queue: dict[str, Any]) -> dict[str, Any]:
    # A queue a reviewer may not see answers 404 rather than 403 for other ids, but 403 for its own id
    # is no leak; we answer 403 so the UI can say "not assigned to you".
    if not can_view(conn, actor, queue):
        raise Forbidden("this queue is not assigned to you")
    return queue


def load_manageable(conn: Connection, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    actor.require(Permission.MANAGE_QUEUES)
    return load_visible(conn, actor, queue_id)


def require_trace_access(conn: Connection, actor: Actor, trace_id: uuid.UUID | None) -> None:
    """Members and admins read every run; a reviewer only the traces of live items (not removed) of
    live queues (not archived) it is assigned to, checked at each read, so removing the item,
    unassigning the reviewer or archiving the queue ends the access at once."""
    if actor.can(Permission.READ_RUNS):
        return
    if (
        actor.role == Role.REVIEWER
        and actor.user_id is not None
        and trace_id is not None
        and items_store.trace_reachable_by_reviewer(conn, actor.user_id, trace_id)
    ):
        return
    raise Forbidden("you may read only the runs of items in your queues")


def require_live_item(actor: Actor, item: dict[str, Any]) -> dict[str, Any]:
    """A removed item is gone for those who read runs only through their queues."""
    if item["status"] == "removed" and not actor.can(Permission.READ_RUNS):
        raise NotFound(f"item {item['id']} was removed from its queue", field="item_id")
    return item
