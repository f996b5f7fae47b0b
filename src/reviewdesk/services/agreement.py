"""Signal quality: how far reviewers agree with each other per rubric field, and how far automated
(model) scores agree with human ones. The measurement level comes from the score config (nominal
unless a categorical config is `ordered`; continuous is interval) and drives every figure alike."""

from __future__ import annotations

import itertools
import statistics
import uuid
from collections import Counter, defaultdict
from typing import Any

from reviewdesk.domain.agreement import (
    BOOTSTRAP_REPLICATES,
    Estimate,
    all_agree_share,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pearson,
    percent_agreement,
    spearman,
    undefined,
)
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.score_configs import validate_key
from reviewdesk.services.queue_access import load_visible
from reviewdesk.store import agreement as agreement_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store.database import Database

MAX_DISAGREEMENTS = 20
TEXT_REASON = "free text is not rated on a scale"

Ratings = dict[Any, dict[str, Any]]  # item (run id) -> reviewer -> rating


def measurement_level(config: dict[str, Any] | None) -> tuple[str, list[Any] | None]:
    """(level, order): categorical is nominal unless `ordered`, then ordinal in option order."""
    kind = (config or {}).get("type")
    if kind == "continuous":
        return "interval", None
    if kind == "categorical":
        if config.get("ordered"):  # type: ignore[union-attr]
            return "ordinal", [o["value"] for o in config["options"]]  # type: ignore[index]
        return "nominal", None
    if kind == "freeform":
        return "text", None
    return "nominal", None


def rating_of(row: dict[str, Any], level: str) -> Any:
    """The value agreement is computed on, or None when the row cannot be read at this level (a value
    given under an older config of another type): the number for interval, else the category."""
    value, score = row.get("value"), row.get("score")
    if level == "interval":
        number = score if score is not None else value
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None
        return float(number)
    if value is None:
        return score
    if isinstance(value, dict | list):
        return None
    return value


def put(report: dict[str, Any], name: str, estimate: Estimate, *, interval: bool = False) -> None:
    """A figure as `name` (null when undefined), `name_reason`, and `name_interval` when asked for."""
    report[name] = estimate.value
    report[f"{name}_reason"] = estimate.reason
    if interval:
        report[f"{name}_interval"] = list(estimate.interval) if estimate.interval else None


def field_agreement(
    key: str, config: dict[str, Any] | None, by_item: Ratings, *, bootstrap: int = BOOTSTRAP_REPLICATES
) -> dict[str, Any]:
    """Every figure for one field over items → reviewer → rating."""
    level, order = measurement_level(config)
    units = [list(v.values()) for v in by_item.values() if len(v) >= 2]
    raters = sorted({r for v in by_item.values() for r in v})
    report: dict[str, Any] = {
        "key": key,
        "type": (config or {}).get("type"),
        "level": level,
        "items_rated": len(by_item),
        "items_with_2_or_more": len(units),
        "reviewers": len(raters),
    }
    put(report, "percent_agreement", percent_agreement(units))
    put(report, "all_agree_share", all_agree_share(units))
    if level == "text":
        for name in ("krippendorff_alpha", "cohen_kappa", "fleiss_kappa"):
            put(report, name, undefined(TEXT_REASON), interval=name != "fleiss_kappa")
        report["pairs"] = []
    else:
        alpha = krippendorff_alpha(units, level, order, bootstrap=bootstrap, seed=_seed(key))
        put(report, "krippendorff_alpha", alpha, interval=True)
        if level == "nominal":
            put(report, "fleiss_kappa", fleiss_kappa(units))
        else:
            put(report, "fleiss_kappa", undefined("Fleiss' κ is defined for nominal fields only"))
        if len(raters) == 2:
            pairs = [(v[raters[0]], v[raters[1]]) for v in by_item.values() if len(v) == 2]
            kappa = cohen_kappa(pairs, level, order, bootstrap=bootstrap, seed=_seed(key))
        else:
            kappa = undefined(f"Cohen's κ needs exactly 2 reviewers ({len(raters)} rated)")
        put(report, "cohen_kappa", kappa, interval=True)
        report["pairs"] = _pair_matrix(raters, by_item, level, order)
    report["disagreements"] = [
        {"run_id": run_id, "ratings": ratings}
        for run_id, ratings in by_item.items()
        if len(ratings) >= 2 and len({str(x) for x in ratings.values()}) > 1
    ][:MAX_DISAGREEMENTS]
    return report


def _seed(key: str) -> int:
    """The same data gives the same interval on every request."""
    return sum(key.encode()) * 7919


def _pair_matrix(raters: list[str], by_item: Ratings, level: str, order: list[Any] | None) -> list[dict]:
    """Each pair of reviewers on the items both rated: n, agreement and Cohen's κ."""
    rows = []
    for a, b in itertools.combinations(raters, 2):
        pairs = [(v[a], v[b]) for v in by_item.values() if a in v and b in v]
        if not pairs:
            continue
        row = {"a": a, "b": b, "items": len(pairs), "agreement": sum(x == y for x, y in pairs) / len(pairs)}
        put(row, "cohen_kappa", cohen_kappa(pairs, level, order))
        rows.append(row)
    return rows


def group_ratings(
    rows: list[dict[str, Any]], configs: dict[str, dict[str, Any]]
) -> tuple[dict[str, Ratings], Counter[str]]:
    """key → run → reviewer → rating, leaving out adjudications (a final value, not a rating) and
    rows unreadable at the field's level (counted per key)."""
    grouped: dict[str, Ratings] = defaultdict(lambda: defaultdict(dict))
    unreadable: Counter[str] = Counter()
    for row in rows:
        if (row.get("extra") or {}).get("adjudicated"):
            continue
        level, _order = measurement_level(configs.get(row["key"]))
        rating = rating_of(row, level)
        if rating is None:
            unreadable[row["key"]] += 1
            continue
        reviewer = row["email"] or str(row["created_by"])
        grouped[row["key"]][row["run_id"]][reviewer] = rating
    return grouped, unreadable


def rubric_keys(conn: Any, queue: dict[str, Any], rated_keys: set[str]) -> list[tuple[str, bool]]:
    """The current rubric's keys, then keys only older rubric versions asked for (with ratings)."""
    current = [f["key"] for f in queue["rubric"]]
    older: list[str] = []
    for rubric in agreement_store.rubric_history(conn, queue["id"]):
        older += [f["key"] for f in rubric if f["key"] not in current and f["key"] not in older]
    return [(k, True) for k in current] + [(k, False) for k in older if k in rated_keys]


def queue_agreement(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    """Per rubric field: n, percent agreement beside Krippendorff's α (and Fleiss'/Cohen's κ where they
    apply) with intervals, a reviewer×reviewer matrix, and the items reviewers disagree on."""
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        actor.require(Permission.READ_FEEDBACK)
        rows = agreement_store.human_ratings(conn, queue_id)
        keys = rubric_keys(conn, queue, {r["key"] for r in rows})
        configs = configs_store.get_many(conn, [k for k, _ in keys])
    grouped, unreadable = group_ratings(rows, configs)
    fields = []
    for key, current in keys:
        report = field_agreement(key, configs.get(key), grouped.get(key, {}))
        report["in_current_rubric"] = current
        report["ratings_unreadable"] = unreadable.get(key, 0)
        fields.append(report)
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
    level, order = measurement_level(config)
    if level == "text":
        level = "nominal"
    model: dict[uuid.UUID, Any] = {}
    humans: list[tuple[uuid.UUID, str, Any]] = []
    for row in rows:  # oldest first: the last model row per run wins
        value = rating_of(row, level)
        if value is None or (row.get("extra") or {}).get("adjudicated"):
            continue
        if row["source"] == "model":
            model[row["run_id"]] = value
        else:
            humans.append((row["run_id"], row["email"] or str(row["created_by"]), value))
    pairs = [(h, model[run_id]) for run_id, _who, h in humans if run_id in model]
    report: dict[str, Any] = {"key": key, "type": (config or {}).get("type"), "level": level}
    report["pairs"] = len(pairs)
    if level == "interval":
        _numeric_figures(report, pairs)
    else:
        report["accuracy"] = sum(h == m for h, m in pairs) / len(pairs) if pairs else None
        report["accuracy_reason"] = None if pairs else "no run has both a human and a model score"
        kappa = cohen_kappa(pairs, level, order, bootstrap=BOOTSTRAP_REPLICATES, seed=_seed(key))
        put(report, "cohen_kappa", kappa, interval=True)
        report["confusion"] = [
            {"human": str(h), "model": str(m), "count": n}
            for (h, m), n in sorted(Counter((str(h), str(m)) for h, m in pairs).items())
        ]
    per_reviewer: dict[str, list[bool]] = defaultdict(list)
    for run_id, who, value in humans:
        if run_id in model:
            per_reviewer[who].append(value == model[run_id])
    report["per_reviewer"] = [
        {"reviewer": who, "pairs": len(v), "agreement": sum(v) / len(v)}
        for who, v in sorted(per_reviewer.items())
    ]
    return report


def _numeric_figures(report: dict[str, Any], pairs: list[tuple[Any, Any]]) -> None:
    xs, ys = [float(h) for h, _ in pairs], [float(m) for _, m in pairs]
    for name, compute in (("pearson", pearson), ("spearman", spearman)):
        value = compute(xs, ys) if len(pairs) >= 2 else None
        report[name] = value
        report[f"{name}_reason"] = None if value is not None else _numeric_reason(xs, ys)
    report["mean_absolute_error"] = (
        statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True)) if pairs else None
    )
    kappa = cohen_kappa(pairs, "interval", bootstrap=BOOTSTRAP_REPLICATES, seed=_seed(str(len(pairs))))
    put(report, "cohen_kappa", kappa, interval=True)


def _numeric_reason(xs: list[float], ys: list[float]) -> str:
    if len(xs) < 2:
        return "fewer than 2 runs with both a human and a model score"
    return "all ratings identical" if len(set(xs)) < 2 or len(set(ys)) < 2 else "undefined"
