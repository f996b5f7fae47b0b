"""A queue's webhooks screen (admins only): create, send a test, delete, and read the delivery log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.services import queues, webhooks

DELIVERIES_SHOWN = 20


@dataclass
class WebhookRow:
    webhook: dict[str, Any]
    deliveries: list[dict[str, Any]]


@dataclass
class WebhooksPage:
    queue: dict[str, Any]
    rows: list[WebhookRow]
    events: tuple[str, ...] = webhooks.EVENTS
    notice: str | None = None
    error: str | None = None
    new_secret: str | None = None  # shown once, right after creation
    draft: dict[str, Any] = field(default_factory=dict)


def build_webhooks_page(
    db: Any,
    actor: Actor,
    queue_id: uuid.UUID,
    *,
    notice: str | None = None,
    error: str | None = None,
    new_secret: str | None = None,
    draft: ImmutableMultiDict[str, str] | None = None,
) -> WebhooksPage:
    # Webhooks send queue data to a URL of the caller's choosing: the screen is an admin's, as every
    # write behind it is (services/webhooks).
    actor.require(Permission.MANAGE_WEBHOOKS)
    queue = queues.get_queue(db, actor, queue_id)
    rows = [
        WebhookRow(
            webhook=w,
            deliveries=webhooks.list_deliveries(
                db, actor, queue_id, w["id"], status=None, limit=DELIVERIES_SHOWN
            )[0],
        )
        for w in webhooks.list_webhooks(db, actor, queue_id)
    ]
    typed = {"url": draft.get("url") or "", "events": draft.getlist("events")} if draft is not None else {}
    return WebhooksPage(
        queue=queue, rows=rows, notice=notice, error=error, new_secret=new_secret, draft=typed
    )


def create_webhook(
    db: Any, actor: Actor, queue_id: uuid.UUID, form: ImmutableMultiDict[str, str], guard: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {"url": (form.get("url") or "").strip(), "events": form.getlist("events")}
    return webhooks.create_webhook(db, actor, queue_id, payload, guard)
