"""Datasets (examples, versions, tags, splits) and streamed exports of datasets and feedback."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._encoding import format_time
from reviewdesk.client._http import RETRY_STATUSES, _clean_params, path_part
from reviewdesk.client.errors import ConnectionFailed, error_from_response
from reviewdesk.client.export_stream import ExportStream, save_export

# Formats whose body is one JSON document per line, handed out parsed when no path is given.
LINE_FORMATS = frozenset({"jsonl", "openai-chat"})
Time = datetime | str


def _time(value: Time | None) -> str | None:
    return format_time(value) if isinstance(value, datetime) else value


def _feedback_params(
    *, since: Time | None = None, until: Time | None = None, **params: Any
) -> dict[str, Any]:
    return {**params, "since": _time(since), "until": _time(until)}


def _public_feedback_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The tutorial's analysis row, from one row of the feedback export."""
    value = row.get("value")
    return {
        "run_id": row["run_id"],
        "input": row.get("input"),
        "output": row.get("output"),
        "score_key": row["key"],
        "score_value": value if value is not None else row.get("score"),
        "comment": row.get("comment"),
        "reviewer": row.get("author"),
    }


class DatasetsMixin(ClientCore):
    """Datasets: `{"id", "name", "description", "version", "example_count", "splits", "tags",
    "created_at", "updated_at"}`; examples: `{"id", "dataset_id", "inputs", "outputs", "metadata",
    "split", "source_run_id", "version", "created_at"}`.

    Every change to a dataset's examples makes a new version; older versions stay readable by
    number or by tag. Methods that take `dataset_id=None, *, dataset_name=None` accept either.
    """

    # -- datasets -------------------------------------------------------------------------------------

    def create_dataset(self, name: str, description: str | None = None) -> dict[str, Any]:
        """Create an empty dataset (version 0). Raises Conflict if the name is taken."""
        return self._request("POST", "/datasets", json=drop_none(name=name, description=description))

    def list_datasets(self) -> list[dict[str, Any]]:
        """Every dataset, with its example count, splits and tags."""
        return self._all("/datasets")

    def get_dataset(self, dataset_id: Id | None = None, *, name: str | None = None) -> dict[str, Any]:
        """One dataset, by id or by name. Raises NotFound."""
        if (dataset_id is None) == (name is None):
            raise TypeError("give exactly one of dataset_id or name")
        if dataset_id is not None:
            return self._request("GET", f"/datasets/{path_part(dataset_id)}")
        return self._request("GET", "/datasets", params={"name": name})["items"][0]

    def delete_dataset(self, dataset_id: Id) -> None:
        """Delete a dataset with every version of its examples. Raises NotFound."""
        self._request("DELETE", f"/datasets/{path_part(dataset_id)}")

    def _resolve_dataset_id(self, dataset_id: Id | None, dataset_name: str | None) -> str:
        if (dataset_id is None) == (dataset_name is None):
            raise TypeError("give exactly one of dataset_id or dataset_name")
        if dataset_id is not None:
            return str(dataset_id)
        return str(self.get_dataset(name=dataset_name)["id"])

    # -- examples -------------------------------------------------------------------------------------

    def add_examples(
        self,
        dataset_id: Id | None = None,
        *,
        dataset_name: str | None = None,
        run_ids: Iterable[Id] | None = None,
        from_filter: str | None = None,
        project: str | None = None,
        examples: Iterable[Mapping[str, Any]] | None = None,
        split: str | None = None,
        split_proportions: Mapping[str, float] | None = None,
    ) -> dict[str, int]:
        """Add examples in one new version → `{"added", "already_present", "version"}`.

        Give exactly one source: `run_ids` (at most 10,000), `from_filter` (root runs matching a
        filter expression such as `feedback.overall_quality == "good"`, optionally only from
        `project`), or `examples` (`{"inputs", "outputs", "metadata", "split", "source_run_id"}`,
        at most 10,000). A run becomes an example once, with a reviewer's correction as its output.
        `split` puts every new example in one split; `split_proportions` (`{"train": 0.8,
        "test": 0.2}`) assigns each deterministically by its source run.

        Raises FilterSyntaxError for a bad filter, InvalidRequest (with `.field`) otherwise.
        """
        given = [
            n
            for n, v in (("run_ids", run_ids), ("from_filter", from_filter), ("examples", examples))
            if v is not None
        ]
        if len(given) != 1:
            raise TypeError("give exactly one of run_ids, from_filter or examples")
        if project is not None and from_filter is None:
            raise TypeError("project only narrows from_filter")
        body = drop_none(
            run_ids=[str(r) for r in run_ids] if run_ids is not None else None,
            filter=from_filter,
            project=project,
            examples=[dict(e) for e in examples] if examples is not None else None,
            split=split,
            split_proportions=dict(split_proportions) if split_proportions is not None else None,
        )
        target = path_part(self._resolve_dataset_id(dataset_id, dataset_name))
        # A run is added once, so resending after a lost answer only counts it as already present;
        # given examples have no such key and would be added twice.
        return self._request("POST", f"/datasets/{target}/examples", json=body, idempotent=examples is None)

    def list_examples(
        self,
        dataset_id: Id,
        *,
        version: int | None = None,
        tag: str | None = None,
        split: str | None = None,
        limit: int | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """The examples at a version (or tag; the current version by default), across all pages.

        Raises NotFound for an unknown tag, InvalidRequest for a version that does not exist.
        """
        filters = {"version": version, "tag": tag, "split": split}

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            params = {**filters, "limit": page_limit, "cursor": cursor}
            return self._request("GET", f"/datasets/{path_part(dataset_id)}/examples", params=params)

        return self._iterate(fetch, limit=limit, page_size=page_size)

    def update_example(self, dataset_id: Id, example_id: Id, **changes: Any) -> dict[str, Any]:
        """Change inputs, outputs, metadata or split (a new version); returns the new example."""
        path = f"/datasets/{path_part(dataset_id)}/examples/{path_part(example_id)}"
        return self._request("PATCH", path, json=changes, idempotent=True)

    def delete_example(self, dataset_id: Id, example_id: Id) -> int:
        """Remove an example from the current version on; returns the new version. Raises NotFound."""
        path = f"/datasets/{path_part(dataset_id)}/examples/{path_part(example_id)}"
        return int(self._request("DELETE", path)["version"])

    def tag_version(self, dataset_id: Id, tag: str, version: int | None = None) -> dict[str, Any]:
        """Name a version (the current one by default), e.g. "v1" → `{"tag", "version"}`.

        Tagging again moves the tag. "latest" always means the current version and cannot be set.
        """
        body = drop_none(tag=tag, version=version)
        return self._request("POST", f"/datasets/{path_part(dataset_id)}/tags", json=body, idempotent=True)

    def assign_splits(self, dataset_id: Id, proportions: Mapping[str, float]) -> dict[str, int]:
        """Re-split every example by a hash of its source (`{"train": 0.8, "test": 0.2}`), as a new
        version → `{"version", "changed"}`. The same proportions always give the same splits."""
        body = {"split_proportions": dict(proportions)}
        path = f"/datasets/{path_part(dataset_id)}/splits"
        return self._request("POST", path, json=body, idempotent=True)

    # -- exports --------------------------------------------------------------------------------------

    def export(
        self,
        dataset_id: Id,
        format: str = "jsonl",
        *,
        path: str | os.PathLike[str] | None = None,
        version: int | None = None,
        tag: str | None = None,
        split: str | None = None,
    ) -> Path | ExportStream:
        """Export a dataset's examples as `format` jsonl, openai-chat, csv or parquet.

        With `path`, the body is written there as it arrives and the path is returned (a `Path`).
        Without, an `ExportStream`: parsed rows for jsonl and openai-chat (`{"messages": [...]}`),
        bytes chunks for csv and parquet. Either way memory stays flat whatever the export's size.
        Raises NotFound for an unknown tag, InvalidRequest for an unknown format.
        """
        params = {"format": format, "version": version, "tag": tag, "split": split}
        return self._export(f"/datasets/{path_part(dataset_id)}/export", params, format, path)

    def export_feedback(
        self,
        *,
        format: str = "jsonl",
        path: str | os.PathLike[str] | None = None,
        pivot: bool = False,
        filter: str | None = None,
        project: str | None = None,
        key: str | list[str] | None = None,
        source: str | list[str] | None = None,
        queue_id: Id | list[Id] | None = None,
        created_by: Id | list[Id] | None = None,
        since: Time | None = None,
        until: Time | None = None,
    ) -> Path | ExportStream:
        """Export feedback (jsonl, csv or parquet), oldest first, as `export` does (a path or a stream).

        A row: `{"feedback_id", "run_id", "trace_id", "project", "input", "output", "key", "score",
        "value", "comment", "correction", "source", "author", "queue", "rubric_version",
        "created_at"}`. `pivot=True` gives one row per run with one `"<author>:<key>"` column per
        reviewer and key instead. `filter` and `project` select runs (the search language);
        `key`, `source`, `queue_id`, `created_by` (one or a list) and `since`/`until` (the
        feedback's creation time) select feedback. Raises FilterSyntaxError for a bad filter.
        """
        params = _feedback_params(
            format=format,
            pivot=pivot,
            filter=filter,
            project=project,
            key=key,
            source=source,
            queue_id=queue_id,
            created_by=created_by,
            since=since,
            until=until,
        )
        return self._export("/exports/feedback", params, format, path)

    def feedback_rows(
        self,
        *,
        filter: str | None = None,
        project: str | None = None,
        key: str | list[str] | None = None,
        since: Time | None = None,
        until: Time | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Feedback as analysis rows: `{"run_id", "input", "output", "score_key", "score_value",
        "comment", "reviewer"}`, one per feedback, streamed from one export request.

        `score_value` is the feedback's value (e.g. "good"), else its score; `reviewer` is the
        author's email, or the source (e.g. "model") when no user wrote it.
        """
        params = _feedback_params(
            format="jsonl", filter=filter, project=project, key=key, since=since, until=until
        )
        rows = self._stream("/exports/feedback", params, "jsonl")
        return (_public_feedback_row(row) for row in rows)

    def _export(
        self, path: str, params: dict[str, Any], fmt: str, target: str | os.PathLike[str] | None
    ) -> Path | ExportStream:
        if target is None:
            return self._stream(path, params, fmt)
        return save_export(self._open_stream(path, params), Path(target))

    def _stream(self, path: str, params: dict[str, Any], fmt: str) -> ExportStream:
        return ExportStream(self._open_stream(path, params), parse_lines=fmt in LINE_FORMATS)

    def _open_stream(self, path: str, params: dict[str, Any]) -> httpx.Response:
        """Send a GET whose body is read later; a failed answer raises its typed error here.

        Retried like any read (connection failures, 502/503/504) until the body starts; an export
        changes nothing, so resending one is safe. The Transport has no streaming call, so this
        drives its httpx client with the Transport's own retry settings.
        """
        transport = self._http
        request = transport._http.build_request("GET", path, params=_clean_params(params))
        attempt = 0
        while True:
            try:
                response = transport._http.send(request, stream=True)
            except httpx.TransportError as exc:
                if attempt < transport.max_retries:
                    transport._sleep(attempt, None)
                    attempt += 1
                    continue
                raise ConnectionFailed(
                    f"GET {transport.base_url}{path} failed: {type(exc).__name__}: {exc}",
                    code="connection_error",
                ) from exc
            if response.is_success:
                return response
            response.read()
            response.close()
            if response.status_code in RETRY_STATUSES and attempt < transport.max_retries:
                transport._sleep(attempt, response.headers.get("retry-after"))
                attempt += 1
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            raise error_from_response(response.status_code, body, response.text)
