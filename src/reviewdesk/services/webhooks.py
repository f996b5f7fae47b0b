"""Webhooks of a queue: create, list, delete, the delivery log, and enqueueing events into the outbox.

Creating, deleting and test-pinging a webhook is for admins (it makes the server send data to a URL
of the caller's choosing); queue managers read the webhooks and delivery log of their queues.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from reviewdesk.domain import webhook_signing
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.services.paging import decode_cursor, encode_cursor
from reviewdesk.services.queue_access import load_manageable
from reviewdesk.store import webhooks as webhooks_store
from reviewdesk.store.database import Database

EVENTS = ("item.completed", "item.flagged", "queue.backlog_alert", "calibration.alert")
TEST_EVENT = "webhook.test"
DELIVERY_STATUSES = ("pending", "delivered", "failed")
_FIELDS = ("url", "secret", "events", "enabled")
MAX_URL_LENGTH = 2000
SECRET_SHOWN_CHARS = 10  # "whsec_" and four characters: enough to tell two secrets apart


def public_webhook(row: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    body = {k: row[k] for k in ("id", "queue_id", "url", "events", "enabled", "created_at")}
    body["secret_prefix"] = row["secret"][:SECRET_SHOWN_CHARS]
    if with_secret:
        body["secret"] = row["secret"]
    return body


def public_delivery(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "webhook_id",
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    )
    return {k: row[k] for k in keys}


def _check_url(value: Any, guard: DestinationGuard) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("is required: an http or https URL", field="url")
    url = value.strip()
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"must be at most {MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise Invalid("is not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise Invalid("must be an http or https URL", field="url")
    if not parts.hostname:
        raise Invalid("must name a host", field="url")
    if parts.username or parts.password:
        raise Invalid("must not carry credentials; the signature authenticates deliveries", field="url")
    guard.check_url(url)  # checked again, address by address, at every delivery
    return url


def _check_events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid(f"must be a non-empty list of: {', '.join(EVENTS)}", field="events")
    for i, name in enumerate(value):
        if name not in EVENTS:
            raise Invalid(f"must be one of {', '.join(EVENTS)}", field=f"events[{i}]")
    return [e for e in EVENTS if e in value]


def _check_secret(value: Any) -> str:
    if value is None:
        return webhook_signing.generate_secret()
    try:
        webhook_signing.secret_key(value)
    except ValueError as exc:
        raise Invalid(str(exc), field="secret") from None
    return value


def _check(payload: dict[str, Any], guard: DestinationGuard) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    unknown = sorted(set(payload) - set(_FIELDS))
    if unknown:
        raise Invalid(f"unknown webhook setting; allowed: {', '.join(_FIELDS)}", field=unknown[0])
    enabled = payload.get("enabled", True)
    if not isinstance(enabled, bool):
        raise Invalid("must be true or false", field="enabled")
    return {
        "url": _check_url(payload.get("url"), guard),
        "events": _check_events(payload.get("events", list(EVENTS))),
        "secret": _check_secret(payload.get("secret")),
        "enabled": enabled,
    }


def create_webhook(
    db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any], guard: DestinationGuard
) -> dict:
    """The answer carries the secret; later reads show only its prefix."""
    actor.require(Permission.MANAGE_WEBHOOKS)  # before the URL is looked up: no DNS probing by others
    values = _check(payload, guard)
    row = {**values, "id": uuid.uuid4(), "queue_id": queue_id, "created_at": utcnow()}
    with db.write() as conn:
        load_manageable(conn, actor, queue_id)
        webhooks_store.insert(conn, row)
        details = {"queue_id": str(queue_id), "url": row["url"], "events": row["events"]}
        audit.record(conn, actor, "webhook.create", "webhook", row["id"], details)
    return public_webhook(row, with_secret=True)


def list_webhooks(db: Database, actor: Actor, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    with db.read() as conn:
        load_manageable(conn, actor, queue_id)
        return [public_webhook(r) for r in webhooks_store.of_queue(conn, queue_id)]


def _load(conn: Connection, actor: Actor, queue_id: uuid.UUID, webhook_id: uuid.UUID) -> dict[str, Any]:
    load_manageable(conn, actor, queue_id)
    webhook = webhooks_store.get(conn, webhook_id)
    if webhook is None or webhook["queue_id"] != queue_id:
        raise NotFound(f"no webhook {webhook_id} on this queue", field="webhook_id")
    return webhook


def delete_webhook(db: Database, actor: Actor, queue_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    """Its pending deliveries go with it."""
    actor.require(Permission.MANAGE_WEBHOOKS)
    with db.write() as conn:
        webhook = _load(conn, actor, queue_id, webhook_id)
        webhooks_store.delete(conn, webhook_id)
        details = {"queue_id": str(queue_id), "url": webhook["url"], "events": webhook["events"]}
        audit.record(conn, actor, "webhook.delete", "webhook", webhook_id, details)


def list_deliveries(
    db: Database,
    actor: Actor,
    queue_id: uuid.UUID,
    webhook_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A keyset page of the delivery log, newest first, and the cursor of the next page (None at the end)."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise Invalid(f"must be one of {', '.join(DELIVERY_STATUSES)}", field="status")
    with db.read() as conn:
        _load(conn, actor, queue_id, webhook_id)
        rows = webhooks_store.deliveries_of(
            conn, webhook_id, status=status, limit=limit + 1, after=decode_cursor(cursor)
        )
    if len(rows) <= limit:
        return [public_delivery(r) for r in rows], None
    last = rows[limit - 1]
    return [public_delivery(r) for r in rows[:limit]], encode_cursor(last["created_at"], last["id"])


def send_test(db: Database, actor: Actor, queue_id: uuid.UUID, webhook_id: uuid.UUID) -> dict[str, Any]:
    """Queue a `webhook.test` ping to this webhook alone, whatever events it subscribes to."""
    actor.require(Permission.MANAGE_WEBHOOKS)
    with db.write() as conn:
        webhook = _load(conn, actor, queue_id, webhook_id)
        payload = {"queue_id": str(queue_id), "webhook_id": str(webhook_id), "requested_by": actor.email}
        row = _delivery_row(webhook["id"], TEST_EVENT, payload)
        webhooks_store.insert_deliveries(conn, [row])
        audit.record(conn, actor, "webhook.test", "webhook", webhook_id, {"delivery_id": str(row["id"])})
    return public_delivery(row)


def _delivery_row(webhook_id: uuid.UUID, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "webhook_id": webhook_id,
        "event": event,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
    }


def enqueue(conn: Connection, queue_id: uuid.UUID, event: str, payload: dict[str, Any]) -> int:
    """One outbox row per enabled webhook of the queue subscribed to `event`, in the caller's transaction.

    The dispatcher delivers them after the commit, so an event is sent if and only if its cause
    committed. Returns how many deliveries were queued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    targets = [w for w in webhooks_store.of_queue(conn, queue_id) if w["enabled"] and event in w["events"]]
    webhooks_store.insert_deliveries(conn, [_delivery_row(w["id"], event, payload) for w in targets])
    return len(targets)


def item_payload(queue: dict[str, Any], item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What `item.*` events say about the item; receivers fetch feedback through the API by run id."""
    return {
        "queue_id": str(queue["id"]),
        "queue_name": queue["name"],
        "item_id": str(item["id"]),
        "run_id": str(item["run_id"]) if item.get("run_id") else None,
        "run_b_id": str(item["run_b_id"]) if item.get("run_b_id") else None,
        "session_id": item.get("session_id"),
        **{k: _plain(v) for k, v in extra.items()},
    }


def _plain(value: Any) -> Any:
    """Stored JSON reads back the same on both databases only if it is plain strings and numbers."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
