"""/dashboards: the controls (time range, key, split, filter, queue) and one context per chart panel.

The page renders its controls at once; each panel is its own request (htmx, on load), so a slow panel
never holds up the others and each is timed on its own in bench/analytics.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Invalid
from reviewdesk.services import feedback_configs, queues

RANGES = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}
SPLITS = {
    "source": "source (human / model / user)",
    "queue": "queue",
    "reviewer": "reviewer",
    "none": "nothing",
}
BUCKETS = {"day": "day", "week": "week", "hour": "hour"}
PANELS = ("scores", "queues", "agreement", "calibration", "human-vs-model", "pairwise", "reviewers")
SCORED = ("categorical", "boolean", "continuous")


@dataclass
class Controls:
    days: str = "30"
    key: str = ""
    split: str = "source"
    bucket: str = "day"
    filter: str = ""
    queue: str = ""

    def query(self) -> str:
        return urlencode({k: v for k, v in self.__dict__.items() if v})


def read_controls(query: dict[str, str]) -> Controls:
    controls = Controls(
        days=query.get("days") or "30",
        key=query.get("key") or "",
        split=query.get("split") or "source",
        bucket=query.get("bucket") or "day",
        filter=(query.get("filter") or "").strip(),
        queue=query.get("queue") or "",
    )
    if controls.days not in RANGES:
        controls.days = "30"
    if controls.queue:
        try:
            uuid.UUID(controls.queue)
        except ValueError:
            raise Invalid("is not a queue id", field="queue") from None
    return controls


@dataclass
class DashboardPage:
    controls: Controls
    keys: list[dict[str, Any]]
    queues: list[dict[str, Any]]
    queue: dict[str, Any] | None
    panels: tuple[str, ...] = PANELS
    ranges: dict[str, str] = field(default_factory=lambda: RANGES)
    splits: dict[str, str] = field(default_factory=lambda: SPLITS)
    buckets: dict[str, str] = field(default_factory=lambda: BUCKETS)
    can_filter: bool = True


def default_key(keys: list[dict[str, Any]], shown: list[dict[str, Any]]) -> str:
    """What reviewers score comes first: the first rubric field of the queue(s) shown."""
    scored = {k["key"] for k in keys}
    rubric = [f["key"] for q in shown for f in q["rubric"]]
    return next((key for key in rubric if key in scored), keys[0]["key"] if keys else "")


def build_page(db: Any, actor: Actor, controls: Controls) -> DashboardPage:
    keys = [c for c in feedback_configs.list_configs(db, actor) if c["type"] in SCORED]
    visible = [q for q in queues.list_queues(db, actor) if not q["archived"]]
    queue = queues.get_queue(db, actor, uuid.UUID(controls.queue)) if controls.queue else None
    if not controls.key:
        controls.key = default_key(keys, [queue] if queue else visible)
    return DashboardPage(
        controls=controls, keys=keys, queues=visible, queue=queue, can_filter=actor.can(Permission.READ_RUNS)
    )
