"""Annotation queues and their items."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.responses import FastJSONResponse, page
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import agreement, queue_items, queue_stats, queues, review, rule_preview, rules
from reviewdesk.services.paging import MAX_LIMIT, by_creation, check_limit, page_of_list
from reviewdesk.store.database import Database

router = APIRouter(tags=["queues"])


@router.post("/queues", status_code=201)
def create_queue(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(queues.create_queue(db, actor, body), status_code=201)


@router.get("/queues")
def list_queues(
    include_archived: bool = False,
    name: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    if name is not None:
        rows = [queues.get_queue_by_name(db, actor, name)]
    else:
        rows = queues.list_queues(db, actor, include_archived=include_archived)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.get("/queues/{queue_id}")
def get_queue(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(queues.get_queue(db, actor, queue_id))


@router.patch("/queues/{queue_id}")
def update_queue(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(queues.update_queue(db, actor, queue_id, body))


@router.delete("/queues/{queue_id}", status_code=204)
def delete_queue(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    queues.delete_queue(db, actor, queue_id)
    return Response(status_code=204)


@router.post("/queues/{queue_id}/items")
def add_items(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"run_ids", "reason"}`, `{"filter", "project", "reason"}`, `{"session_ids"}` or `{"pairs"}`."""
    return FastJSONResponse(queue_items.add_items(db, actor, queue_id, body))


@router.get("/queues/{queue_id}/items")
def list_items(
    queue_id: uuid.UUID,
    status: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Highest priority first, then oldest; keyset pages (send next_cursor back as cursor)."""
    items, next_cursor = queue_items.list_items_page(
        db, actor, queue_id, status=status, limit=check_limit(limit), cursor=cursor
    )
    return page(items, next_cursor)


@router.delete("/queues/{queue_id}/items/{item_id}", status_code=204)
def remove_item(
    queue_id: uuid.UUID,
    item_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    queue_items.remove_item(db, actor, queue_id, item_id)
    return Response(status_code=204)


@router.post("/queues/{queue_id}/next")
def next_item(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> Response:
    """Reserve the next item for the caller: 200 with the item, or 204 when nothing is left for it."""
    view = review.next_item(db, actor, queue_id)
    if view is None:
        return Response(status_code=204)
    return FastJSONResponse(view)


@router.get("/queues/{queue_id}/history")
def my_history(
    queue_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """The caller's own finished reviews in this queue, newest first (its last 1,000)."""
    rows = review.history(db, actor, queue_id, MAX_LIMIT)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=_by_submission, newest_first=True))


def _by_submission(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["submitted_at"], row["item_id"])


@router.get("/queues/{queue_id}/stats")
def queue_stats_route(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    return FastJSONResponse(queue_stats.stats(db, actor, queue_id))


@router.post("/queues/{queue_id}/rules", status_code=201)
def create_rule(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"name", "filter", "sample_rate", "daily_cap", "roots_only", "enabled"}`."""
    return FastJSONResponse(rules.create_rule(db, actor, queue_id, body), status_code=201)


@router.get("/queues/{queue_id}/rules")
def list_rules(
    queue_id: uuid.UUID,
    limit: int = 100,
    cursor: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    rows = rules.list_rules(db, actor, queue_id)
    return page(*page_of_list(rows, limit=limit, cursor=cursor, key=by_creation))


@router.patch("/queues/{queue_id}/rules/{rule_id}")
def update_rule(
    queue_id: uuid.UUID,
    rule_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    return FastJSONResponse(rules.update_rule(db, actor, queue_id, rule_id, body))


@router.delete("/queues/{queue_id}/rules/{rule_id}", status_code=204)
def delete_rule(
    queue_id: uuid.UUID,
    rule_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    rules.delete_rule(db, actor, queue_id, rule_id)
    return Response(status_code=204)


@router.post("/queues/{queue_id}/rules/preview")
def preview_draft_rule(
    queue_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Preview an unsaved rule (the editor's live preview): `{"filter", "sample_rate", "daily_cap", "days"}`."""
    return FastJSONResponse(rule_preview.preview(db, actor, queue_id, body))


@router.post("/queues/{queue_id}/rules/{rule_id}/preview")
def preview_rule(
    queue_id: uuid.UUID,
    rule_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"days": 7}` → matches and items per day, reviewer-hours per day at the queue's speed."""
    return FastJSONResponse(rule_preview.preview(db, actor, queue_id, body, rule_id=rule_id))


@router.post("/queues/{queue_id}/rules/{rule_id}/backfill")
def backfill_rule(
    queue_id: uuid.UUID,
    rule_id: uuid.UUID,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """`{"since": ISO}`: apply the rule to stored runs."""
    return FastJSONResponse(rule_preview.backfill(db, actor, queue_id, rule_id, body))


@router.get("/queues/{queue_id}/agreement")
def queue_agreement(
    queue_id: uuid.UUID, actor: Actor = Depends(current_actor), db: Database = Depends(get_db)
) -> FastJSONResponse:
    """Per rubric field: percent agreement, Krippendorff's α, Fleiss'/Cohen's κ, reviewer pairs."""
    return FastJSONResponse(agreement.queue_agreement(db, actor, queue_id))


@router.get("/analytics/human-vs-model")
def human_vs_model(
    key: str,
    queue_id: uuid.UUID | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """How automated scores on a key agree with human ones on the same runs."""
    return FastJSONResponse(agreement.human_vs_model(db, actor, key, queue_id))
