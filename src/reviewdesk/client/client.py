"""`Client`: the transport and the ingest queue, composed with one mixin per noun of the API."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, overload

import httpx

from reviewdesk.client import _tracing
from reviewdesk.client._batching import DEFAULT_MAX_BATCH_BYTES, BatchQueue
from reviewdesk.client._http import Transport
from reviewdesk.client._tracing import F, RunTree, TraceSpec
from reviewdesk.client.accounts import AccountsMixin
from reviewdesk.client.configs import ConfigsMixin
from reviewdesk.client.datasets import DatasetsMixin
from reviewdesk.client.feedback import FeedbackMixin
from reviewdesk.client.queues import QueuesMixin
from reviewdesk.client.runs import RunsMixin
from reviewdesk.client.series import ScoreSeriesMixin
from reviewdesk.client.signal import SignalMixin

DEFAULT_URL = "http://127.0.0.1:8700"

log = logging.getLogger("reviewdesk.client")


class Client(
    RunsMixin,
    FeedbackMixin,
    ConfigsMixin,
    AccountsMixin,
    QueuesMixin,
    DatasetsMixin,
    SignalMixin,
    ScoreSeriesMixin,
):
    """A ReviewDesk server seen from Python. Results are plain dicts decoded from the JSON answers.

    `url` defaults to `$REVIEWDESK_URL` (else http://127.0.0.1:8700), `api_key` to
    `$REVIEWDESK_API_KEY`, `project` (where traced runs go) to `$REVIEWDESK_PROJECT` (else the
    server's "default"). Runs opened with `trace` are queued and sent by a background thread every
    `flush_interval` seconds or as soon as `batch_size` are waiting, in requests of at most
    `max_batch_bytes`; `flush()` waits for them, `close()` (or leaving a `with` block) flushes too.
    Failed requests raise a subclass of `ReviewDeskError`.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 30,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        project: str | None = None,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url or os.environ.get("REVIEWDESK_URL") or DEFAULT_URL
        self.project = project or os.environ.get("REVIEWDESK_PROJECT") or None
        self._max_batch_bytes = max_batch_bytes
        self._http = Transport(
            self.url,
            api_key if api_key is not None else os.environ.get("REVIEWDESK_API_KEY"),
            timeout=timeout,
            max_retries=max_retries,
            retry_backoff=retry_backoff,
            transport=transport,
        )
        self._queue = BatchQueue(
            self._send_batch,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_batch_bytes=max_batch_bytes,
        )
        self._closed = False

    # -- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
            return
        # The block's own exception matters more than a failure to send its runs: log that one.
        try:
            self.close()
        except Exception as send_error:  # noqa: BLE001
            log.warning("reviewdesk: closing the client failed: %s", send_error)

    def close(self, timeout: float | None = None) -> None:
        """Send every queued run, stop the background thread and close the connections."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.close(timeout)
        finally:
            self._http.close()

    def flush(self, timeout: float | None = None) -> None:
        """Block until every run queued so far was sent; raises the first send error since the last
        flush (or TimeoutError)."""
        self._queue.flush(timeout)

    @property
    def pending_runs(self) -> int:
        """Queued run posts/patches not yet sent."""
        return self._queue.pending

    def _send_batch(self, body: bytes) -> None:
        self._request("POST", "/runs/batch", content=body, idempotent=True)

    def _enqueue(self, kind: str, run: dict[str, Any]) -> None:
        if self.project and not run.get("project"):
            run["project"] = self.project
        self._queue.put(kind, run)

    # -- tracing ------------------------------------------------------------------------------------

    @overload
    def trace(self, name: F) -> F: ...

    @overload
    def trace(
        self,
        name: str | None = None,
        run_type: str = "chain",
        *,
        project: str | None = None,
        inputs: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        session_id: str | None = None,
        run_id: str | uuid.UUID | None = None,
    ) -> TraceSpec: ...

    def trace(
        self,
        name: str | Callable[..., Any] | None = None,
        run_type: str = "chain",
        *,
        project: str | None = None,
        inputs: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        session_id: str | None = None,
        run_id: str | uuid.UUID | None = None,
    ) -> Any:
        """Trace a function (`@client.trace()` / `@client.trace`) or a block
        (`with client.trace("retrieve", run_type="retriever", inputs={...}) as run:`).

        Nested traces form a tree (parent_run_id, trace_id, dotted_order). A decorated function's
        arguments become `inputs` by parameter name, its return value `outputs` (`{"output": v}`
        unless a dict), and an exception the run's `error` (re-raised). Async functions work too.
        """
        if callable(name):
            return TraceSpec(self._enqueue, None, run_type=run_type)(name)
        return TraceSpec(
            self._enqueue,
            name,
            run_type=run_type,
            project=project,
            inputs=inputs,
            tags=tags,
            metadata=metadata,
            session_id=session_id,
            run_id=run_id,
        )

    @staticmethod
    def get_current_run() -> RunTree | None:
        """The innermost active traced run (use its `.id` to attach feedback), or None."""
        return _tracing.get_current_run()
