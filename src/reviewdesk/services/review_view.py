"""What a reviewer reads of an item: its runs in the shown order, the rubric with its configs, the
feedback it may see (blind until it submits) and model suggestions on rubric keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.blinding import blind_keys, blind_run
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services.queue_items import public_item
from reviewdesk.services.runs import public_run
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import queues as queues_store
from reviewdesk.store import runs as runs_store


def rubric_at(conn: Connection, queue: dict[str, Any], version: int | None) -> list[dict[str, Any]]:
    """The queue's rubric as it was at `version` (the current one needs no read: it is the queue's)."""
    if version is None or version == queue["rubric_version"]:
        return queue["rubric"]
    return queues_store.rubric_version(conn, queue["id"], version) or queue["rubric"]


def rubric_configs(
    conn: Connection, queue: dict[str, Any], rubric: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The score configs of a rubric's keys; those of the queue's current rubric came with the queue
    when it was read for a user (`queue_access`), older versions' are read."""
    if "_rubric_configs" in queue and rubric == queue["rubric"]:
        return queue["_rubric_configs"]
    return configs_store.get_many(conn, [f["key"] for f in rubric])


def _rubric_with_configs(
    conn: Connection, queue: dict[str, Any], rubric: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    configs = rubric_configs(conn, queue, rubric)
    out = []
    for field in rubric:
        config = configs.get(field["key"], {})
        out.append(
            {
                **field,
                **{k: config.get(k) for k in ("type", "options", "min", "max", "max_length", "description")},
            }
        )
    return out


def _runs_in_order(conn: Connection, item: dict[str, Any], review: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs to show: one run, a pair in the order shown to this reviewer, or a session's turns."""
    if item["session_id"] is not None:
        return [public_run(r) for r in runs_store.roots_of_session(conn, item["session_id"])]
    ids = [item["run_id"], item["run_b_id"]] if item["run_b_id"] else [item["run_id"]]
    if review.get("shown_order") == "BA":
        ids.reverse()
    found = {r["id"]: r for r in runs_store.fetch_by_ids(conn, ids)}
    # A run routed from inside a still-running chain may not have arrived yet.
    return [public_run(found[i]) if i in found else {"id": i, "missing": True} for i in ids]


def _blinded(
    queue: dict[str, Any], runs: list[dict[str, Any]], *, for_reviewer: bool
) -> list[dict[str, Any]]:
    """Blind pairwise queues show a reviewer no side's model: its naming keys are removed before it
    reads (an overseer's read, with no review of its own, sees the runs as they are)."""
    keys = blinding_keys(queue, for_reviewer=for_reviewer)
    if keys is None:
        return runs
    return [r if r.get("missing") else blind_run(r, keys) for r in runs]


def blinding_keys(queue: dict[str, Any], *, for_reviewer: bool) -> frozenset[str] | None:
    """The keys hidden from this reader of the queue's runs (and of the traces behind them), if any."""
    if not (for_reviewer and queue["blind"] and queue["kind"] == "pairwise"):
        return None
    return blind_keys(queue.get("blind_metadata_keys"), queue.get("variant_field"))


def _feedback_view(
    conn: Connection, actor: Actor, queue: dict[str, Any], item: dict[str, Any], review: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Feedback the reviewer may read, and suggestions from automated feedback on rubric keys.

    In a blind queue a reviewer sees no other human's feedback on these runs until it has submitted.
    """
    run_ids = [r for r in (item["run_id"], item["run_b_id"]) if r]
    rows = feedback_store.newest_of_runs(conn, run_ids, limit=500)
    # An empty `review` is an overseer's read (review.get_item), not a reviewer's: nothing is hidden.
    hide_humans = queue["blind"] and bool(review) and review.get("status") != "submitted"
    # A queue may also keep automated scores (and their comments and suggestions) back until then.
    hide_automated = hide_humans and bool(queue.get("blind_hides_scores"))
    visible = [
        feedback_service.public_feedback(r)
        for r in rows
        if not (hide_humans and r["source"] == "human" and r["created_by"] != actor.user_id)
        and not (hide_automated and r["source"] != "human")
    ]
    rubric_keys = {f["key"] for f in queue["rubric"]}
    suggestions: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: r["created_at"]) if not hide_automated else ():
        if row["source"] == "model" and row["key"] in rubric_keys:
            suggestions[row["key"]] = {
                "score": row["score"],
                "value": row["value"],
                "source": "model",
                "feedback_id": row["id"],
                "suggested": True,
            }
    return visible, suggestions


def item_view(
    conn: Connection, actor: Actor, queue: dict[str, Any], item: dict[str, Any], review: dict[str, Any]
) -> dict[str, Any]:
    feedback, suggestions = _feedback_view(conn, actor, queue, item, review)
    rubric = rubric_at(conn, queue, review.get("rubric_version"))
    return {
        "item": public_item(item),
        "review": {
            k: review.get(k)
            for k in (
                "id",
                "status",
                "reserved_until",
                "started_at",
                "submitted_at",
                "shown_order",
                "answers",
                "comment",
                "rubric_version",
            )
        },
        "runs": _blinded(queue, _runs_in_order(conn, item, review), for_reviewer=bool(review)),
        "rubric": _rubric_with_configs(conn, queue, rubric),
        "rubric_version": review.get("rubric_version") or queue["rubric_version"],
        "queue": {
            "id": queue["id"],
            "name": queue["name"],
            "description": queue["description"],
            "kind": queue["kind"],
        },
        "reserved_until": review.get("reserved_until"),
        "feedback": feedback,
        "suggestions": suggestions,
    }
