"""Alignment: how far an evaluator's scores agree with the humans on the same runs, per version.

The human label of a run is its adjudicated value when there is one, else the majority of the
reviewers' ratings (the mean for continuous keys). Figures reuse domain/agreement.py (κ weighted by
the config's level, α, bootstrap intervals)."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from reviewdesk.domain.agreement import (
    BOOTSTRAP_REPLICATES,
    cohen_kappa,
    krippendorff_alpha,
    pearson,
    ranked_values,
    spearman,
)
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services.agreement import measurement_level, put, rating_of
from reviewdesk.services.queue_access import load_visible
from reviewdesk.services.queue_items import MAX_IDS_PER_CALL, add_items
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import evaluators as store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store.database import Database

MAX_DISAGREEMENTS = 20


def _majority(values: list[Any], level: str) -> Any:
    if level == "interval":
        return statistics.fmean(values)
    counts = Counter(values).most_common()
    top = counts[0][1]
    return sorted((v for v, n in counts if n == top), key=str)[0]  # a tie: the same pick every time


def human_label_by_run(rows: list[dict[str, Any]], level: str) -> dict[uuid.UUID, Any]:
    adjudicated: dict[uuid.UUID, Any] = {}
    ratings: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        value = rating_of(row, level)
        if value is None:
            continue
        if (row.get("extra") or {}).get("adjudicated"):
            adjudicated[row["run_id"]] = value  # the latest adjudication wins
        else:
            ratings.setdefault(row["run_id"], []).append(value)
    labels = {run_id: _majority(values, level) for run_id, values in ratings.items()}
    labels.update(adjudicated)
    return labels


def _distance(h: Any, m: Any, level: str, position: dict[Any, int]) -> float:
    if level == "interval":
        return abs(float(h) - float(m))
    if level == "ordinal":
        return abs(position.get(h, 0) - position.get(m, 0))
    return float(h != m)


def _no_bias(reason: str) -> dict[str, Any]:
    return {"bias": None, "bias_kind": None, "bias_reason": reason}


def _pass_value(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, int | float) and value in (0, 1) else None


def _mean_gap(hm: list[tuple[Any, Any]], number: Callable[[Any], float | None], kind: str) -> dict[str, Any]:
    """The mean of model minus human over the pairs both sides of which read as numbers."""
    gaps = [m - h for h, m in ((number(h), number(m)) for h, m in hm) if h is not None and m is not None]
    if not gaps:
        return _no_bias("no pair has a number on both sides")
    return {"bias": statistics.fmean(gaps), "bias_kind": kind, "bias_reason": None}


def _bias(
    hm: list[tuple[Any, Any]], level: str, position: dict[Any, int], config: dict[str, Any] | None
) -> dict[str, Any]:
    """How far the model leans from the humans: a number is model minus human (> 0: more lenient)."""
    if not hm:
        return _no_bias("no run has both a human label and a score")
    if level == "interval":
        return _mean_gap(hm, float, "mean_difference")
    if level == "ordinal":
        higher = sum(position[m] > position[h] for h, m in hm) / len(hm)
        lower = sum(position[m] < position[h] for h, m in hm) / len(hm)
        shares = {"model_higher": higher, "model_lower": lower}
        return {"bias": shares, "bias_kind": "higher_lower_shares", "bias_reason": None}
    kind = (config or {}).get("type")
    if kind == "boolean":
        return _mean_gap(hm, _pass_value, "pass_rate_difference")
    if kind != "categorical":
        return _no_bias("the key has no score config to read a direction from")
    scores = {o["value"]: o.get("score") for o in config["options"]}  # type: ignore[index]
    if any(score is None for score in scores.values()):
        return _no_bias("unordered options without a score each have no direction")
    return _mean_gap(hm, scores.get, "mean_score_difference")


def compare(
    pairs: list[tuple[uuid.UUID, Any, Any]],
    level: str,
    order: list[Any] | None,
    seed: int,
    options: list[Any] | None = None,
    max_disagreements: int = MAX_DISAGREEMENTS,
    config: dict[str, Any] | None = None,
) -> dict:
    """The figures for (run, human, model) triples; the confusion matrix lists `options` first."""
    report: dict[str, Any] = {"pairs": len(pairs)}
    hm = [(h, m) for _r, h, m in pairs]
    report["percent_agreement"] = sum(h == m for h, m in hm) / len(hm) if hm else None
    put(
        report,
        "cohen_kappa",
        cohen_kappa(hm, level, order, bootstrap=BOOTSTRAP_REPLICATES, seed=seed),
        interval=True,
    )
    alpha = krippendorff_alpha(
        [[h, m] for h, m in hm], level, order, bootstrap=BOOTSTRAP_REPLICATES, seed=seed
    )
    put(report, "krippendorff_alpha", alpha, interval=True)
    scale = ranked_values([v for p in hm for v in p], order or options) if level != "interval" else []
    position = {v: i for i, v in enumerate(scale)}
    if level == "interval":
        xs, ys = [float(h) for h, _ in hm], [float(m) for _, m in hm]
        report["pearson"] = pearson(xs, ys) if len(hm) >= 2 else None
        report["spearman"] = spearman(xs, ys) if len(hm) >= 2 else None
        report["mean_absolute_error"] = (
            statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True)) if hm else None
        )
    else:
        counts = Counter(hm)
        report["confusion"] = {
            "labels": [str(v) for v in scale],
            "rows_are": "human",
            "matrix": [[counts.get((h, m), 0) for m in scale] for h in scale],
        }
    report.update(_bias(hm, level, position, config))
    worst = sorted(
        (p for p in pairs if p[1] != p[2]), key=lambda p: (-_distance(p[1], p[2], level, position), str(p[0]))
    )
    report["largest_disagreements"] = [
        {"run_id": str(r), "human": h, "model": m} for r, h, m in worst[:max_disagreements]
    ]
    return report


def evaluator_alignment(
    db: Database,
    actor: Actor,
    evaluator_id: uuid.UUID,
    *,
    queue_id: uuid.UUID | None,
    dataset_id: uuid.UUID | None,
    version: int | None,
    max_disagreements: int = MAX_DISAGREEMENTS,
) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if (queue_id is None) == (dataset_id is None):
        raise Invalid("give exactly one of queue_id and dataset_id", field="queue_id")
    with db.read() as conn:
        evaluator = store.get(conn, evaluator_id)
        if evaluator is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        run_ids = None
        if queue_id is not None:
            load_visible(conn, actor, queue_id)
        else:
            dataset = datasets_store.get(conn, dataset_id)  # type: ignore[arg-type]
            if dataset is None:
                raise NotFound(f"no dataset {dataset_id}", field="dataset_id")
            run_ids = store.dataset_source_runs(conn, dataset_id, dataset["version"])  # type: ignore[arg-type]
        config = configs_store.get(conn, evaluator["key"])
        humans = store.human_labels(conn, evaluator["key"], queue_id, run_ids)
        model_rows = store.model_scores(conn, evaluator_id, evaluator["key"], version)
        numbers = [v["version"] for v in store.versions(conn, evaluator_id)]
    if version is not None and version not in numbers:
        raise NotFound(f"evaluator {evaluator_id} has no version {version}", field="version")
    level, order = measurement_level(config)
    if level == "text":
        raise Invalid("free-text keys have no agreement to measure", field="key")
    labels = human_label_by_run(humans, level)
    options = [o["value"] for o in config["options"]] if config and config["type"] == "categorical" else None
    by_version: dict[int, dict[uuid.UUID, Any]] = {}
    for row in model_rows:  # oldest first: the latest score of a version on a run wins
        value = rating_of(row, level)
        if value is not None:
            by_version.setdefault(row["evaluator_version"], {})[row["run_id"]] = value
    shown = [version] if version is not None else sorted(by_version) or [evaluator["version"]]
    versions = []
    for number in shown:
        scores = by_version.get(number, {})
        pairs = sorted(((r, labels[r], scores[r]) for r in scores if r in labels), key=lambda p: str(p[0]))
        figures = compare(
            pairs,
            level,
            order,
            seed=7919 + number,
            options=options,
            max_disagreements=max_disagreements,
            config=config,
        )
        versions.append({"version": number, **figures})
    return {
        "evaluator_id": str(evaluator_id),
        "key": evaluator["key"],
        "level": level,
        "scope": {
            "queue_id": str(queue_id) if queue_id else None,
            "dataset_id": str(dataset_id) if dataset_id else None,
        },
        "human_labelled_runs": len(labels),
        "versions": versions,
        "best_version": _best(versions),
    }


def _best(versions: list[dict[str, Any]]) -> int | None:
    rated = [v for v in versions if v.get("cohen_kappa") is not None]
    return max(rated, key=lambda v: (v["cohen_kappa"], v["version"]))["version"] if rated else None


def send_disagreements(db: Database, actor: Actor, evaluator_id: uuid.UUID, payload: Any) -> dict[str, Any]:
    """One action: the runs where the evaluator (a version) and the humans disagree go to a queue."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    target = parse_uuid(payload.get("queue_id"), "queue_id", required=True)
    version = payload.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise Invalid("must be an integer", field="version")
    report = evaluator_alignment(
        db,
        actor,
        evaluator_id,
        queue_id=parse_uuid(payload.get("source_queue_id"), "source_queue_id"),
        dataset_id=parse_uuid(payload.get("dataset_id"), "dataset_id"),
        version=version,
        max_disagreements=MAX_IDS_PER_CALL,
    )
    chosen = report["versions"][-1]
    run_ids = [d["run_id"] for d in chosen["largest_disagreements"]]
    reason = f"evaluator {report['key']!r} v{chosen['version']} disagrees with the human label"
    result = (
        add_items(db, actor, target, {"run_ids": run_ids, "reason": reason})
        if run_ids
        else {"added": 0, "already_present": 0}
    )
    return {"version": chosen["version"], "run_ids": run_ids, **result}
