"""Signal quality: how far reviewers agree with each other per rubric field, and how far automated
(model) scores agree with human ones."""

from __future__ import annotations

import itertools
import statistics
import uuid
from collections import Counter, defaultdict
from typing import Any

from reviewdesk.domain.agreement import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pearson,
    percent_agreement,
    spearman,
)
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.score_configs import validate_key
from reviewdesk.services.queue_access import load_visible
from reviewdesk.store import agreement as agreement_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store.database import Database

MAX_DISAGREEMENTS = 20


def _rating(row: dict[str, Any], config: dict[str, Any] | None) -> Any:
    """The value agreement is computed on: the category, or the number for scores."""
    kind = (config or {}).get("type")
    if kind in ("continuous",) or (kind is None and row["value"] is None):
        return row["score"]
    if kind == "boolean":
        return bool(row["value"]) if row["value"] is not None else bool(row["score"])
    return row["value"]


def _level(config: dict[str, Any] | None) -> tuple[str, list[Any] | None]:
    kind = (config or {}).get("type")
    if kind == "continuous":
        return "interval", None
    if kind == "categorical":
        # Options are listed best to worst (or in their natural order): treat them as ordinal.
        return "ordinal", [o["value"] for o in config["options"]]  # type: ignore[index]
    if kind == "freeform":
        return "text", None
    return "nominal", None


def _field_report(key: str, config: dict[str, Any] | None, by_item: dict[uuid.UUID, dict[str, Any]]) -> dict:
    level, order = _level(config)
    units = [list(v.values()) for v in by_item.values() if len(v) >= 2]
    raters = sorted({r for v in by_item.values() for r in v})
    report: dict[str, Any] = {
        "key": key,
        "type": (config or {}).get("type"),
        "level": level,
        "items_rated": len(by_item),
        "items_with_2_or_more": len(units),
        "reviewers": len(raters),
        "percent_agreement": percent_agreement(units),
        "krippendorff_alpha": None,
        "fleiss_kappa": None,
        "cohen_kappa": None,
    }
    if level != "text":
        report["krippendorff_alpha"] = krippendorff_alpha(
            units, "ordinal" if level == "ordinal" else level, order=order
        )
        report["fleiss_kappa"] = fleiss_kappa(units) if level in ("nominal", "ordinal") else None
        if len(raters) == 2:
            pairs = [(v[raters[0]], v[raters[1]]) for v in by_item.values() if len(v) == 2]
            weights = "quadratic" if level == "ordinal" else None
            report["cohen_kappa"] = cohen_kappa(pairs, order, weights) if level != "interval" else None
    report["pairs"] = _pair_matrix(raters, by_item, level, order)
    report["disagreements"] = [
        {"run_id": run_id, "ratings": ratings}
        for run_id, ratings in by_item.items()
        if len(ratings) >= 2 and len({str(x) for x in ratings.values()}) > 1
    ][:MAX_DISAGREEMENTS]
    return report


def _pair_matrix(
    raters: list[str], by_item: dict[uuid.UUID, dict[str, Any]], level: str, order: list[Any] | None
) -> list[dict[str, Any]]:
    """Each pair of reviewers on the items both rated: n, agreement and Cohen's κ."""
    rows = []
    for a, b in itertools.combinations(raters, 2):
        pairs = [(v[a], v[b]) for v in by_item.values() if a in v and b in v]
        if not pairs:
            continue
        kappa = None
        if level in ("nominal", "ordinal"):
            kappa = cohen_kappa(pairs, order, "quadratic" if level == "ordinal" else None)
        rows.append(
            {
                "a": a,
                "b": b,
                "items": len(pairs),
                "agreement": sum(x == y for x, y in pairs) / len(pairs),
                "cohen_kappa": kappa,
            }
        )
    return rows


def queue_agreement(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    """Per rubric field: n, percent agreement beside Krippendorff's α (and Fleiss'/Cohen's κ where they
    apply), a reviewer×reviewer matrix, and the items reviewers disagree on (for adjudication)."""
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        actor.require(Permission.READ_FEEDBACK)
        rows = agreement_store.human_ratings(conn, queue_id)
        configs = configs_store.get_many(conn, [f["key"] for f in queue["rubric"]])
    grouped: dict[str, dict[uuid.UUID, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        reviewer = row["email"] or str(row["created_by"])
        grouped[row["key"]][row["run_id"]][reviewer] = _rating(row, configs.get(row["key"]))
    fields = [
        _field_report(f["key"], configs.get(f["key"]), grouped.get(f["key"], {})) for f in queue["rubric"]
    ]
    return {"queue_id": queue_id, "fields": fields}


def human_vs_model(db: Database, actor: Actor, key: Any, queue_id: uuid.UUID | None = None) -> dict[str, Any]:
    """On runs that have both, the latest model score against each human rating of the same key."""
    actor.require(Permission.READ_FEEDBACK)
    key = validate_key(key)
    with db.read() as conn:
        if queue_id is not None:
            load_visible(conn, actor, queue_id)
        rows = agreement_store.ratings_of_key(conn, key, queue_id)
        config = configs_store.get(conn, key)
    model: dict[uuid.UUID, Any] = {}
    humans: list[tuple[uuid.UUID, str, Any]] = []
    for row in rows:  # oldest first: the last model row per run wins
        value = _rating(row, config)
        if row["source"] == "model":
            model[row["run_id"]] = value
        else:
            humans.append((row["run_id"], row["email"] or str(row["created_by"]), value))
    pairs = [(h, model[run_id]) for run_id, _who, h in humans if run_id in model]
    report: dict[str, Any] = {"key": key, "type": (config or {}).get("type"), "pairs": len(pairs)}
    numeric = pairs and all(isinstance(v, int | float) and not isinstance(v, bool) for p in pairs for v in p)
    if numeric:
        xs, ys = [float(h) for h, _ in pairs], [float(m) for _, m in pairs]
        report.update(
            {
                "pearson": pearson(xs, ys),
                "spearman": spearman(xs, ys),
                "mean_absolute_error": statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True)),
            }
        )
    else:
        order = [o["value"] for o in config["options"]] if config and config.get("options") else None
        report.update(
            {
                "accuracy": sum(h == m for h, m in pairs) / len(pairs) if pairs else None,
                "cohen_kappa": cohen_kappa(
                    [(str(h), str(m)) for h, m in pairs], [str(o) for o in order] if order else None
                ),
                "confusion": [
                    {"human": str(h), "model": str(m), "count": n}
                    for (h, m), n in sorted(Counter((str(h), str(m)) for h, m in pairs).items())
                ],
            }
        )
    per_reviewer: dict[str, list[bool]] = defaultdict(list)
    for run_id, who, value in humans:
        if run_id in model:
            per_reviewer[who].append(value == model[run_id])
    report["per_reviewer"] = [
        {"reviewer": who, "pairs": len(v), "agreement": sum(v) / len(v)}
        for who, v in sorted(per_reviewer.items())
    ]
    return report
