"""Annotation queues: settings, putting runs and pairs in, and working items as a reviewer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._http import path_part

# A rubric field: a score-config key, or {"key", "required", "instructions"}.
RubricField = str | dict[str, Any]


def _id_list(ids: Id | Iterable[Id], what: str) -> list[str]:
    """One id or many, as strings (a lone string is one id, not its characters)."""
    if isinstance(ids, str | uuid.UUID):
        return [str(ids)]
    out = [str(i) for i in ids]
    if not all(out):
        raise ValueError(f"{what} must not contain empty ids")
    return out


class QueuesMixin(ClientCore):
    """Queues: `{"id", "name", "description", "kind", "rubric", "rubric_version", "reviewers_per_item",
    "reservation_seconds", "reviewer_access", "blind", "variant_field", "backlog_alert_days",
    "archived", "reviewers", "created_at", "updated_at"}`; items: `{"id", "queue_id", "target_kind",
    "run_id", "run_b_id", "session_id", "source", "reason", "priority", "status", "reviews_done",
    "flag_reason", "added_by", "added_at", "completed_at"}`.

    Methods that take `queue_id=None, *, queue_name=None` accept either (exactly one).
    """

    # -- resolving a queue --------------------------------------------------------------------------

    def _queue_by_name(self, queue_name: str) -> dict[str, Any]:
        """The queue called `queue_name`. Raises NotFound (field "queue_name")."""
        return self._request("GET", "/queues", params={"name": queue_name})["items"][0]

    def _resolve_queue_id(self, queue_id: Id | None, queue_name: str | None) -> str:
        """The id of the queue given by id or by name (the one place names become ids)."""
        if (queue_id is None) == (queue_name is None):
            raise TypeError("give exactly one of queue_id or queue_name")
        if queue_id is not None:
            return str(queue_id)
        return str(self._queue_by_name(str(queue_name))["id"])

    # -- queues ---------------------------------------------------------------------------------------

    def create_queue(
        self,
        name: str,
        *,
        rubric: Sequence[RubricField] | None = None,
        description: str | None = None,
        kind: str = "single",
        reviewers_per_item: int = 1,
        reservation_seconds: int = 600,
        reviewers: Iterable[Id] | None = None,
        reviewer_access: str = "assigned",
        blind: bool = True,
        variant_field: str | None = None,
    ) -> dict[str, Any]:
        """Create a queue (kind "single" or "pairwise"); `rubric` names score configs.

        The answer may carry `warnings` (e.g. a long rubric). Raises InvalidRequest with `.field`
        (e.g. "rubric[0].key" for an unknown config), Conflict if the name is taken.
        """
        body = drop_none(
            name=name,
            rubric=list(rubric) if rubric is not None else None,
            description=description,
            kind=kind,
            reviewers_per_item=reviewers_per_item,
            reservation_seconds=reservation_seconds,
            reviewers=_id_list(reviewers, "reviewers") if reviewers is not None else None,
            reviewer_access=reviewer_access,
            blind=blind,
            variant_field=variant_field,
        )
        return self._request("POST", "/queues", json=body)

    def list_queues(self, include_archived: bool = False) -> list[dict[str, Any]]:
        """Queues the caller may see (a reviewer: those assigned to it)."""
        return self._all("/queues", {"include_archived": include_archived})

    def get_queue(self, queue_id: Id | None = None, *, queue_name: str | None = None) -> dict[str, Any]:
        """One queue, by id or by name. Raises NotFound, PermissionDenied (a queue not assigned)."""
        if queue_id is None and queue_name is not None:
            return self._queue_by_name(queue_name)  # the lookup answers the whole queue already
        return self._request("GET", f"/queues/{path_part(self._resolve_queue_id(queue_id, queue_name))}")

    def update_queue(self, queue_id: Id, **changes: Any) -> dict[str, Any]:
        """Change settings (name, description, rubric, reviewers, archived, ...); a changed rubric
        bumps `rubric_version`. The kind cannot change."""
        if changes.get("reviewers") is not None:
            changes["reviewers"] = _id_list(changes["reviewers"], "reviewers")
        return self._request("PATCH", f"/queues/{path_part(queue_id)}", json=changes, idempotent=True)

    def delete_queue(self, queue_id: Id) -> None:
        """Delete a queue and its items (its feedback stays). Raises NotFound."""
        self._request("DELETE", f"/queues/{path_part(queue_id)}")

    # -- items ----------------------------------------------------------------------------------------

    def _add_items(self, queue_id: str, body: dict[str, Any]) -> dict[str, int]:
        # Items enter a queue once, so resending after a lost answer cannot add duplicates (the
        # retry's counts then report them as already present).
        return self._request("POST", f"/queues/{path_part(queue_id)}/items", json=body, idempotent=True)

    def add_runs(
        self,
        queue_id: Id | None = None,
        *,
        queue_name: str | None = None,
        run_ids: Id | Iterable[Id],
        reason: str | None = None,
        comment: str | None = None,
        priority: int = 0,
    ) -> dict[str, int]:
        """Put runs in a queue: `add_runs(queue_name="production-rag-review", run_ids=[...],
        reason="Low confidence: 0.41")` → `{"added", "already_present"}`.

        `run_ids` are UUIDs or strings; `comment` is an alias of `reason`. A run already in the queue
        is counted, not added again.
        """
        if comment is not None and reason is not None and comment != reason:
            raise TypeError("give reason or its alias comment, not both")
        body = drop_none(
            run_ids=_id_list(run_ids, "run_ids"),
            reason=reason if reason is not None else comment,
            priority=priority,
        )
        return self._add_items(self._resolve_queue_id(queue_id, queue_name), body)

    def add_runs_by_filter(
        self,
        queue_id: Id | None = None,
        *,
        queue_name: str | None = None,
        filter: str,
        project: str | None = None,
        reason: str | None = None,
    ) -> dict[str, int]:
        """Put every root run matching a filter expression (e.g. `metadata.eval_score < 0.5`) in a
        queue, optionally only from `project`. Raises FilterSyntaxError for a bad filter."""
        body = drop_none(filter=filter, project=project, reason=reason)
        return self._add_items(self._resolve_queue_id(queue_id, queue_name), body)

    def add_pairs(
        self,
        queue_id: Id,
        pairs: Iterable[Sequence[Id]],
        *,
        reason: str | None = None,
        priority: int = 0,
    ) -> dict[str, int]:
        """Put `(run_a, run_b)` pairs in a pairwise queue → `{"added", "already_present"}`."""
        body = drop_none(
            pairs=[[str(run) for run in pair] for pair in pairs], reason=reason, priority=priority
        )
        return self._add_items(str(queue_id), body)

    def list_queue_items(
        self,
        queue_id: Id,
        status: str | None = None,
        limit: int | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """A queue's items (status pending, completed or flagged), across all pages (queue managers)."""

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            params = {"status": status, "limit": page_limit, "cursor": cursor}
            return self._request("GET", f"/queues/{path_part(queue_id)}/items", params=params)

        return self._iterate(fetch, limit=limit, page_size=page_size)

    def remove_queue_item(self, queue_id: Id, item_id: Id) -> None:
        """Take an item out of a queue. Raises NotFound."""
        self._request("DELETE", f"/queues/{path_part(queue_id)}/items/{path_part(item_id)}")

    def resolve_flag(self, item_id: Id, action: str) -> dict[str, Any] | None:
        """An admin resolves a flagged item: action "pending" (back to review; returns the item) or
        "remove" (returns None)."""
        return self._request("POST", f"/items/{path_part(item_id)}/resolve", json={"action": action})

    def queue_stats(self, queue_id: Id) -> dict[str, Any]:
        """`{"counts": {"pending", "completed", "flagged"}, "total", "reviewers", "per_day",
        "backlog_days", "backlog_alert", ...}`."""
        return self._request("GET", f"/queues/{path_part(queue_id)}/stats")

    # -- reviewing ------------------------------------------------------------------------------------

    def next_item(self, queue_id: Id) -> dict[str, Any] | None:
        """Reserve the next item for the caller: `{"item", "review", "runs", "rubric", "queue",
        "reserved_until", "feedback", "suggestions", ...}`, or None when nothing is left for it.

        Asking again hands back the reservation the caller already holds, so this is safe to retry.
        """
        return self._request("POST", f"/queues/{path_part(queue_id)}/next", idempotent=True)

    def get_item(self, item_id: Id) -> dict[str, Any]:
        """An item the caller holds or reviewed, in the same shape as `next_item`."""
        return self._request("GET", f"/items/{path_part(item_id)}")

    def heartbeat(self, item_id: Id) -> dict[str, Any]:
        """Extend the caller's reservation: `{"item_id", "reserved_until"}`. Raises Conflict if none."""
        return self._request("POST", f"/items/{path_part(item_id)}/heartbeat", idempotent=True)

    def release(self, item_id: Id) -> None:
        """Give the reservation back for someone else. Raises Conflict if the caller holds none."""
        self._request("POST", f"/items/{path_part(item_id)}/release")

    def submit(
        self, item_id: Id, answers: dict[str, Any], *, comment: str | None = None, correction: Any = None
    ) -> dict[str, Any]:
        """Answer the rubric: `{"item_id", "status", "item_status", "feedback_ids"}`.

        Submitting again with different answers amends the review (`"amended": True`). Raises
        InvalidRequest with `.field` "answers.<key>" for a value the rubric does not allow or a
        required key left out.
        """
        body = drop_none(answers=answers, comment=comment, correction=correction)
        # Resending the same answers changes nothing on the server.
        return self._request("POST", f"/items/{path_part(item_id)}/submit", json=body, idempotent=True)

    def skip(self, item_id: Id, reason: str | None = None) -> dict[str, Any]:
        """Pass the item on; it is never handed to the caller again."""
        return self._request("POST", f"/items/{path_part(item_id)}/skip", json=drop_none(reason=reason))

    def flag(self, item_id: Id, reason: str) -> dict[str, Any]:
        """Take the item out of review for an admin (a reason is required)."""
        return self._request("POST", f"/items/{path_part(item_id)}/flag", json={"reason": reason})

    def review_history(self, queue_id: Id, limit: int = 50) -> list[dict[str, Any]]:
        """The caller's own finished reviews in a queue, newest first:
        `{"item_id", "status", "submitted_at", "answers", "comment", "reason"}`."""
        answer = self._request("GET", f"/queues/{path_part(queue_id)}/history", params={"limit": limit})
        return answer["items"]
