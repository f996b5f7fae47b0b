"""Tracing: runs opened by `Client.trace` nest through a context variable and go to the ingest queue.

Each run is queued as a post when it starts (so a long-running parent shows up, as "pending") and as a
patch when it ends; when both are still waiting in the queue they are merged into one post.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, cast

from reviewdesk.client._encoding import format_time, jsonable

log = logging.getLogger("reviewdesk.client")

F = TypeVar("F", bound=Callable[..., Any])

# Run posts and patches go to this callable (the client's batch queue): (kind, run payload).
RunSink = Callable[[str, dict[str, Any]], None]

_current_run: contextvars.ContextVar[RunTree | None] = contextvars.ContextVar(
    "reviewdesk_current_run", default=None
)


def get_current_run() -> RunTree | None:
    """The run of the innermost active `trace` in this thread or task, if any."""
    return _current_run.get()


def _order_segment(start: datetime, run_id: uuid.UUID) -> str:
    return start.strftime("%Y%m%dT%H%M%S%fZ") + str(run_id)


def error_text(exc: BaseException) -> str:
    """What a failed run stores as `error`: the exception's repr and its traceback."""
    return repr(exc) + "\n\n" + "".join(traceback.format_exception(exc)).rstrip()


class RunTree:
    """One traced run. Fields are plain attributes; `end`, `add_metadata`, `set_usage` change them."""

    def __init__(
        self,
        name: str,
        *,
        run_type: str = "chain",
        parent: RunTree | None = None,
        project: str | None = None,
        inputs: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        session_id: str | None = None,
        run_id: uuid.UUID | str | None = None,
    ) -> None:
        self.id = uuid.UUID(str(run_id)) if run_id is not None else uuid.uuid4()
        self.name = name
        self.run_type = run_type
        self.parent_run_id = parent.id if parent else None
        self.trace_id = parent.trace_id if parent else self.id
        self.start_time = datetime.now(UTC)
        segment = _order_segment(self.start_time, self.id)
        self.dotted_order = f"{parent.dotted_order}.{segment}" if parent else segment
        self.project = project or (parent.project if parent else None)
        self.session_id = session_id or (parent.session_id if parent else None)
        self.inputs: dict[str, Any] = jsonable(inputs or {})
        self.outputs: dict[str, Any] | None = None
        self.error: str | None = None
        self.end_time: datetime | None = None
        self.tags: list[str] = list(tags or [])
        self.metadata: dict[str, Any] = jsonable(metadata or {})
        self.usage: dict[str, int] = {}
        self.cost: float | None = None

    @property
    def ended(self) -> bool:
        return self.end_time is not None

    def end(self, outputs: Any = None, *, error: str | BaseException | None = None) -> None:
        """Record the outputs (a dict, or any value stored as `{"output": value}`) and the end time."""
        if outputs is not None:
            self.set_outputs(outputs)
        if error is not None:
            self.error = error if isinstance(error, str) else error_text(error)
        if self.end_time is None:
            self.end_time = datetime.now(UTC)

    def set_outputs(self, value: Any) -> None:
        """Record outputs: a dict as it is, any other value (None too) as `{"output": value}`."""
        self.outputs = jsonable(value if isinstance(value, dict) else {"output": value})

    def add_metadata(self, metadata: dict[str, Any] | None = None, /, **values: Any) -> None:
        """Merge keys into the run's metadata."""
        self.metadata.update(jsonable({**(metadata or {}), **values}))

    def add_tags(self, *tags: str) -> None:
        """Append tags (duplicates are ignored)."""
        self.tags.extend(t for t in tags if t not in self.tags)

    def set_usage(
        self,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        total_tokens: int | None = None,
        *,
        cost: float | None = None,
    ) -> None:
        """Record token usage (the total defaults to prompt + completion) and, optionally, the cost."""
        given = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        self.usage.update({k: int(v) for k, v in given.items() if v is not None})
        if total_tokens is not None:
            self.usage["total_tokens"] = int(total_tokens)
        elif prompt_tokens is not None or completion_tokens is not None:
            self.usage["total_tokens"] = self.usage.get("prompt_tokens", 0) + self.usage.get(
                "completion_tokens", 0
            )
        if cost is not None:
            self.cost = float(cost)

    def _identity(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "trace_id": str(self.trace_id),
            "parent_run_id": str(self.parent_run_id) if self.parent_run_id else None,
            "dotted_order": self.dotted_order,
            "project": self.project,
            "name": self.name,
            "run_type": self.run_type,
            "session_id": self.session_id,
        }

    def post_payload(self) -> dict[str, Any]:
        """The run as first sent: identity, inputs, start time, tags and metadata."""
        return {
            **self._identity(),
            "inputs": dict(self.inputs),
            "start_time": format_time(self.start_time),
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
        }

    def patch_payload(self) -> dict[str, Any]:
        """The run's end: outputs or error, end time, and the tags/metadata/usage as they are now."""
        return {
            **self._identity(),
            "start_time": format_time(self.start_time),
            "outputs": dict(self.outputs) if self.outputs is not None else None,
            "error": self.error,
            "end_time": format_time(self.end_time) if self.end_time else None,
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "usage": dict(self.usage) or None,
            "cost": self.cost,
        }

    def __repr__(self) -> str:
        return f"RunTree(name={self.name!r}, id={self.id}, trace_id={self.trace_id})"


def inputs_of(signature: inspect.Signature | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict:
    """A call's arguments by parameter name (defaults filled in, a leading self/cls left out)."""
    if signature is None:
        return {"args": list(args), "kwargs": kwargs}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": list(args), "kwargs": kwargs}
    bound.apply_defaults()
    inputs: dict[str, Any] = {}
    for index, (name, value) in enumerate(bound.arguments.items()):
        kind = signature.parameters[name].kind
        if index == 0 and name in ("self", "cls"):
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            inputs.update({k: v for k, v in value.items() if k not in inputs})
        else:
            inputs[name] = list(value) if kind is inspect.Parameter.VAR_POSITIONAL else value
    return inputs


class TraceSpec:
    """What `Client.trace(...)` returns: a context manager (sync and async) and a decorator."""

    def __init__(
        self,
        sink: RunSink,
        name: str | None,
        *,
        run_type: str = "chain",
        project: str | None = None,
        inputs: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        session_id: str | None = None,
        run_id: uuid.UUID | str | None = None,
    ) -> None:
        self._sink = sink
        self.name = name
        self.run_type = run_type
        self.project = project
        self.inputs = inputs
        self.tags = tags
        self.metadata = metadata
        self.session_id = session_id
        self.run_id = run_id
        self._open: list[tuple[RunTree, contextvars.Token[RunTree | None]]] = []
        self._lock = threading.Lock()

    # -- running one run ---------------------------------------------------------------------------

    def start(self, name: str, inputs: dict[str, Any] | None, run_id: Any = None) -> RunTree:
        """Open a run under the current one and queue its post (tracing never breaks the caller)."""
        run = RunTree(
            name,
            run_type=self.run_type,
            parent=_current_run.get(),
            project=self.project,
            inputs=inputs,
            tags=self.tags,
            metadata=self.metadata,
            session_id=self.session_id,
            run_id=run_id,
        )
        self._emit("post", run)
        return run

    def finish(self, run: RunTree, exc: BaseException | None) -> None:
        if exc is not None and run.error is None:
            run.error = error_text(exc)
        run.end()
        self._emit("patch", run)

    def _emit(self, kind: str, run: RunTree) -> None:
        try:
            self._sink(kind, run.post_payload() if kind == "post" else run.patch_payload())
        except Exception as exc:  # noqa: BLE001 - a closed client or bad value must not break the app
            log.warning("reviewdesk: could not queue run %s (%s): %s", run.name, kind, exc)

    # -- context manager ---------------------------------------------------------------------------

    def __enter__(self) -> RunTree:
        run = self.start(self.name or "trace", self.inputs, self.run_id)
        token = _current_run.set(run)
        with self._lock:
            self._open.append((run, token))
        return run

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The block closing is the one whose run is current here, even if several threads or tasks
        # share this object; fall back to the last opened one if the nesting was broken.
        current = _current_run.get()
        with self._lock:
            index = next((i for i, (run, _) in enumerate(self._open) if run is current), -1)
            run, token = self._open.pop(index)
        _current_run.reset(token)
        self.finish(run, exc)

    async def __aenter__(self) -> RunTree:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    # -- decorator ---------------------------------------------------------------------------------

    def __call__(self, fn: F) -> F:
        name = self.name or getattr(fn, "__name__", "trace")
        try:
            signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            signature = None

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                run = self.start(name, inputs_of(signature, args, kwargs))
                token = _current_run.set(run)
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as exc:
                    _current_run.reset(token)
                    self.finish(run, exc)
                    raise
                _current_run.reset(token)
                if run.outputs is None:
                    run.set_outputs(result)
                self.finish(run, None)
                return result

            return cast(F, async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = self.start(name, inputs_of(signature, args, kwargs))
            token = _current_run.set(run)
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                _current_run.reset(token)
                self.finish(run, exc)
                raise
            _current_run.reset(token)
            if run.outputs is None:
                run.set_outputs(result)
            self.finish(run, None)
            return result

        return cast(F, wrapper)
