"""The feedback export page: filters, row or per-reviewer (pivot) shape, and the format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain import export_formats
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import exports, feedback_configs, queues
from reviewdesk.services.feedback import SOURCES

FEEDBACK_FORMATS = tuple(f for f in export_formats.FORMATS if f != "openai-chat")


@dataclass
class ExportsPage:
    queues: list[dict[str, Any]]
    keys: list[str]
    sources: tuple[str, ...] = SOURCES
    formats: tuple[str, ...] = FEEDBACK_FORMATS
    draft: dict[str, list[str]] = field(default_factory=dict)  # the form as typed
    error: str | None = None
    notice: str | None = None

    def typed(self, name: str, default: str = "") -> str:
        values = self.draft.get(name)
        return values[0] if values else default

    def chosen(self, name: str, value: str) -> bool:
        return value in self.draft.get(name, [])


def build_exports_page(
    db: Any, actor: Actor, *, draft: ImmutableMultiDict[str, str] | None = None, error: str | None = None
) -> ExportsPage:
    # Asks the exports service whether this actor may export feedback (the stream is never read),
    # so the page answers 403 exactly when the download would.
    exports.feedback_rows(db, actor, {})
    return ExportsPage(
        queues=queues.list_queues(db, actor, include_archived=True),
        keys=[c["key"] for c in feedback_configs.list_configs(db, actor)],
        draft={k: draft.getlist(k) for k in draft} if draft is not None else {},
        error=error,
    )


def _text(params: ImmutableMultiDict[str, str], name: str) -> str | None:
    return (params.get(name) or "").strip() or None


def feedback_stream(db: Any, actor: Actor, params: ImmutableMultiDict[str, str]) -> tuple[Any, str]:
    """The chosen rows (one per feedback, or one per run with a column per reviewer and key)."""
    fmt = exports.check_format(params.get("format") or "jsonl", allow_chat=False)
    filters = {
        "filter": _text(params, "filter"),
        "project": _text(params, "project"),
        "key": [k for k in params.getlist("key") if k] or None,
        "source": [s for s in params.getlist("source") if s] or None,
        "queue_id": [q for q in params.getlist("queue_id") if q] or None,
        "since": _text(params, "since"),
        "until": _text(params, "until"),
    }
    build = exports.feedback_pivot if params.get("pivot") else exports.feedback_rows
    return build(db, actor, filters), fmt
