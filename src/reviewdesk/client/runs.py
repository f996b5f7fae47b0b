"""Runs and projects: synchronous ingest, reads, search."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._batching import encode_batches, merge_entries
from reviewdesk.client._http import path_part

# The server's own cap on runs per batch request is far higher; this keeps one request reasonable.
SYNC_BATCH_RUNS = 5000


def _with_id(run: dict[str, Any]) -> dict[str, Any]:
    return run if run.get("id") else {**run, "id": str(uuid.uuid4())}


class RunsMixin(ClientCore):
    """Runs (ingest, get, trace tree, search) and projects."""

    def create_run(self, **fields: Any) -> dict[str, Any]:
        """Create (or upsert) one run now; returns `{"accepted": 1, "id": ...}`.

        Fields are those of a run payload (id, trace_id, parent_run_id, name, run_type, inputs,
        outputs, error, start_time, end_time, tags, metadata, usage, cost, session_id, project);
        datetimes and UUIDs may be passed as such. An `id` is generated when absent.
        """
        # With the id fixed here the upsert is idempotent, so the request can safely be retried.
        return self._request("POST", "/runs", json=_with_id(fields), idempotent=True)

    def update_run(self, run_id: Id, **fields: Any) -> dict[str, Any]:
        """Patch one run (e.g. `outputs=…, end_time=…`); null fields never erase stored values."""
        return self._request("PATCH", f"/runs/{path_part(run_id)}", json=fields, idempotent=True)

    def log_runs(
        self, post: Sequence[dict[str, Any]] | None = None, patch: Sequence[dict[str, Any]] | None = None
    ) -> int:
        """Send run posts and patches synchronously (split into requests under the size limit).

        A post and a patch of the same run are folded into one (as the server would), so the result,
        the number of runs the server accepted, counts each run once. Posts without an `id` get one.
        """
        entries = [("post", _with_id(dict(r))) for r in post or []]
        entries += [("patch", dict(r)) for r in patch or []]
        accepted = 0
        for body, _count in encode_batches(
            merge_entries(entries), batch_size=SYNC_BATCH_RUNS, max_bytes=self._max_batch_bytes
        ):
            answer = self._request("POST", "/runs/batch", content=body, idempotent=True)
            accepted += int(answer.get("accepted", 0))
        return accepted

    def get_run(self, run_id: Id) -> dict[str, Any]:
        """One run, with derived `status`, `is_root` and `latency_ms`. Raises NotFound."""
        return self._request("GET", f"/runs/{path_part(run_id)}")

    def get_trace(self, trace_id: Id) -> dict[str, Any]:
        """A whole trace: `{"trace_id", "run_count", "roots": [run + "children": [...]]}`."""
        return self._request("GET", f"/traces/{path_part(trace_id)}")

    def search_runs(
        self,
        filter: str | None = None,
        project: str | None = None,
        is_root: bool | None = None,
        limit: int | None = None,
        page_size: int = 100,
        *,
        trace_id: Id | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Runs matching the filter language, newest first, across all pages (stops after `limit`).

        A filter that does not parse raises FilterSyntaxError (with `.position`) on this call.
        """
        query = drop_none(
            filter=filter,
            project=project,
            is_root=is_root,
            trace_id=str(trace_id) if trace_id is not None else None,
        )

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            body = {**query, "limit": page_limit, **drop_none(cursor=cursor)}
            return self._request("POST", "/runs/search", json=body, idempotent=True)

        return self._iterate(fetch, limit=limit, page_size=page_size)

    # -- projects ---------------------------------------------------------------------------------

    def list_projects(
        self, name: str | None = None, limit: int | None = None, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Projects by name, across all pages."""

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            params = {"name": name, "limit": page_limit, "cursor": cursor}
            return self._request("GET", "/projects", params=params)

        return self._iterate(fetch, limit=limit, page_size=page_size)

    def create_project(self, name: str, description: str | None = None) -> dict[str, Any]:
        """Create a project; raises Conflict when the name is taken."""
        return self._request("POST", "/projects", json=drop_none(name=name, description=description))

    def get_project(self, project_id: Id) -> dict[str, Any]:
        """One project by id."""
        return self._request("GET", f"/projects/{path_part(project_id)}")
