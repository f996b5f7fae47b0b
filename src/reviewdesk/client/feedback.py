"""Feedback on runs: create, read, list, amend, delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._http import path_part
from reviewdesk.client.errors import Conflict

IdFilter = Id | Sequence[Id] | None


def _ids(value: IdFilter) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str | uuid.UUID):
        return [str(value)]
    return [str(v) for v in value]


def _strings(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class FeedbackMixin(ClientCore):
    """Feedback rows: `{"id", "run_id", "trace_id", "key", "score", "value", "comment", "correction",
    "source", "created_by", "queue_id", "rubric_version", "created_at", "updated_at"}`."""

    def create_feedback(
        self,
        run_id: Id,
        key: str,
        *,
        score: float | bool | None = None,
        value: Any = None,
        comment: str | None = None,
        correction: Any = None,
        source: str = "api",
        feedback_id: Id | None = None,
    ) -> dict[str, Any]:
        """Add feedback on a run (checked against the key's score config, if there is one).

        Raises InvalidRequest (with `.field`) for a value the config does not allow, Conflict for a
        `feedback_id` that exists.
        """
        generated = feedback_id is None
        new_id = str(uuid.uuid4()) if generated else str(feedback_id)
        body = drop_none(
            id=new_id,
            run_id=str(run_id),
            key=key,
            score=score,
            value=value,
            comment=comment,
            correction=correction,
            source=source,
        )
        try:
            # The id is fixed before sending, so a retry after a lost answer cannot add a duplicate.
            return self._request("POST", "/feedback", json=body, idempotent=True)
        except Conflict:
            if not generated:
                raise
            # Our own fresh id can only conflict with our own earlier attempt, which therefore landed.
            return self.get_feedback(new_id)

    def get_feedback(self, feedback_id: Id) -> dict[str, Any]:
        """One feedback row. Raises NotFound."""
        return self._request("GET", f"/feedback/{path_part(feedback_id)}")

    def list_feedback(
        self,
        run_id: IdFilter = None,
        trace_id: IdFilter = None,
        key: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        queue_id: IdFilter = None,
        created_by: IdFilter = None,
        limit: int | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Feedback matching every given filter (each may be one value or a list), across all pages."""
        filters = {
            "run_id": _ids(run_id),
            "trace_id": _ids(trace_id),
            "key": _strings(key),
            "source": _strings(source),
            "queue_id": _ids(queue_id),
            "created_by": _ids(created_by),
        }

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            params = {**filters, "limit": page_limit, "cursor": cursor}
            return self._request("GET", "/feedback", params=params)

        return self._iterate(fetch, limit=limit, page_size=page_size)

    def update_feedback(self, feedback_id: Id, **changes: Any) -> dict[str, Any]:
        """Amend score, value, comment or correction (author or admin only); returns the new row."""
        return self._request("PATCH", f"/feedback/{path_part(feedback_id)}", json=changes, idempotent=True)

    def delete_feedback(self, feedback_id: Id) -> None:
        """Delete a feedback row (author or admin only). Raises NotFound."""
        self._request("DELETE", f"/feedback/{path_part(feedback_id)}")
