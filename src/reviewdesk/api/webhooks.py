"""Webhooks of a queue and their delivery log (admins create, delete and test; queue managers read)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Response

from reviewdesk.api.deps import current_actor, destination_guard, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import webhooks
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.services.paging import by_creation, check_limit, page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["webhooks"])


@router.post("/queues/{queue_id}/webhooks", status_code=201)
def create_webhook(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
    guard: DestinationGuard = Depends(destination_guard),
) -> FastJSONResponse:
    """`{"url", "events": [...], "secret": "whsec_…" (generated when absent), "enabled"}`. Admins only.

    The answer is the only one that shows the whole secret. A URL whose host is, or resolves to, a
    loopback, private, link-local, unique-local or cloud metadata address is refused (400
    `destination_refused`) unless REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS lets it through.
    """
    return FastJSONResponse(webhooks.create_webhook(db, actor, queue_id, body, guard), status_code=201)


@router.get("/queues/{queue_id}/webhooks")
def list_webhooks(
    queue_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    rows = webhooks.list_webhooks(db, actor, queue_id)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.delete("/queues/{queue_id}/webhooks/{webhook_id}", status_code=204)
def delete_webhook(
    queue_id: uuid.UUID,
    webhook_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    webhooks.delete_webhook(db, actor, queue_id, webhook_id)
    return Response(status_code=204)


@router.get("/queues/{queue_id}/webhooks/{webhook_id}/deliveries")
def list_deliveries(
    queue_id: uuid.UUID,
    webhook_id: uuid.UUID,
    status: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The delivery log, newest first: status, attempts, next attempt, last status code and error."""
    rows, next_cursor = webhooks.list_deliveries(
        db, actor, queue_id, webhook_id, status=status, limit=check_limit(limit), cursor=cursor
    )
    return page(rows, next_cursor)


@router.post("/queues/{queue_id}/webhooks/{webhook_id}/test", status_code=202)
def send_test(
    queue_id: uuid.UUID,
    webhook_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Queue a `webhook.test` ping (admins only); its outcome shows in the delivery log."""
    return FastJSONResponse(webhooks.send_test(db, actor, queue_id, webhook_id), status_code=202)
