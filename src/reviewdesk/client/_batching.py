"""The background ingest queue: traced runs are sent in batches by one daemon thread."""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from reviewdesk.client._encoding import dumps

log = logging.getLogger("reviewdesk.client")

DEFAULT_MAX_BATCH_BYTES = 10 * 1024 * 1024
EXIT_FLUSH_SECONDS = 30.0
_ENVELOPE_BYTES = len(b'{"post":[],"patch":[]}')

# (kind, run) where kind is "post" or "patch".
Entry = tuple[str, dict[str, Any]]


def merge_entries(entries: Iterable[Entry]) -> list[Entry]:
    """Fold entries for the same run id, in order: a post followed by its patch becomes one post.

    Later non-null fields win, which is also how the server folds a batch; this only saves bytes.
    """
    merged: dict[Any, Entry] = {}
    for kind, run in entries:
        run_id = run.get("id")
        previous = merged.get(run_id)
        if previous is None:
            merged[run_id] = (kind, run)
            continue
        prev_kind, prev_run = previous
        combined = {**prev_run, **{k: v for k, v in run.items() if v is not None}}
        merged[run_id] = ("post" if "post" in (prev_kind, kind) else "patch", combined)
    return list(merged.values())


def encode_batches(
    entries: Iterable[Entry], *, batch_size: int, max_bytes: int
) -> Iterator[tuple[bytes, int]]:
    """Yield `(body, run_count)` request bodies of at most `batch_size` runs and about `max_bytes`.

    A single run larger than `max_bytes` is sent alone (the server decides whether to take it).
    """
    posts: list[bytes] = []
    patches: list[bytes] = []
    size = _ENVELOPE_BYTES

    def body() -> bytes:
        return b'{"post":[' + b",".join(posts) + b'],"patch":[' + b",".join(patches) + b"]}"

    for kind, run in entries:
        encoded = dumps(run)
        count = len(posts) + len(patches)
        if count and (count >= batch_size or size + len(encoded) + 1 > max_bytes):
            yield body(), count
            posts, patches, size = [], [], _ENVELOPE_BYTES
        (posts if kind == "post" else patches).append(encoded)
        size += len(encoded) + 1
    if posts or patches:
        yield body(), len(posts) + len(patches)


class BatchQueue:
    """Runs wait here until a daemon thread sends them to `POST /runs/batch`.

    The thread wakes every `flush_interval` seconds, as soon as `batch_size` runs are waiting, or when
    `flush()` asks; a send that fails (after the transport's retries) is logged and its error is
    raised by the next `flush()`.
    """

    def __init__(
        self,
        send: Callable[[bytes], None],
        *,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ) -> None:
        self._send = send
        self.batch_size = max(1, batch_size)
        self.flush_interval = max(0.001, flush_interval)
        self.max_batch_bytes = max(1024, max_batch_bytes)
        self._cond = threading.Condition()
        self._pending: list[Entry] = []
        self._enqueued = 0  # entries ever put
        self._finished = 0  # entries whose send is over, successfully or not
        self._flush_requested = False
        self._closed = False
        self._errors: list[Exception] = []
        self._thread: threading.Thread | None = None

    def put(self, kind: str, run: dict[str, Any]) -> None:
        """Queue a run post or patch; it is sent within `flush_interval` seconds."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the client is closed")
            self._pending.append((kind, run))
            self._enqueued += 1
            if self._thread is None:
                self._start_thread()
            if len(self._pending) >= self.batch_size:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued before this call was sent; raise the first send error."""
        with self._cond:
            target = self._enqueued
            if self._finished < target:
                self._flush_requested = True
                self._cond.notify_all()
            done = self._cond.wait_for(lambda: self._finished >= target, timeout)
            errors, self._errors = self._errors, []
        if not done:
            raise TimeoutError(f"runs were still being sent after {timeout} seconds")
        if errors:
            raise errors[0]

    def close(self, timeout: float | None = None) -> None:
        """Flush, then stop the thread. Idempotent."""
        try:
            self.flush(timeout)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
                thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)

    @property
    def pending(self) -> int:
        """Entries queued and not yet sent."""
        with self._cond:
            return self._enqueued - self._finished

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reviewdesk-ingest", daemon=True)
        self._thread.start()
        # A daemon thread dies with the interpreter: flush what is queued on a normal exit.
        atexit.register(_flush_at_exit, weakref.ref(self))

    def _wake(self) -> bool:
        return self._closed or self._flush_requested or len(self._pending) >= self.batch_size

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(self._wake, self.flush_interval)
                batch, self._pending = self._pending, []
                self._flush_requested = False
                if self._closed and not batch:
                    return
            if batch:
                self._send_batch(batch)

    def _send_batch(self, batch: list[Entry]) -> None:
        try:
            bodies = encode_batches(
                merge_entries(batch), batch_size=self.batch_size, max_bytes=self.max_batch_bytes
            )
            for body, count in bodies:
                self._send(body)
                log.debug("sent %d runs (%d bytes)", count, len(body))
        except Exception as exc:  # noqa: BLE001 - kept for flush(); a daemon thread has no caller
            log.warning("reviewdesk: could not send %d queued runs: %s", len(batch), exc)
            with self._cond:
                self._errors.append(exc)
        finally:
            with self._cond:
                self._finished += len(batch)
                self._cond.notify_all()


def _flush_at_exit(ref: weakref.ref[BatchQueue]) -> None:
    queue = ref()
    if queue is None or queue._closed:
        return
    try:
        queue.flush(EXIT_FLUSH_SECONDS)
    except TimeoutError:
        log.warning("reviewdesk: %d runs still unsent at exit", queue.pending)
    except Exception:  # noqa: BLE001 - the sending thread has logged it; no one is left to raise to
        pass
