"""Alignment on a dataset's runs: adjudicated labels first, else the majority; continuous keys get
Pearson / Spearman / MAE / bias equal to scipy's on the same pairs; boolean and scored categorical keys
get a bias too (hand-computed)."""

from __future__ import annotations

import pytest
from scipy.stats import pearsonr, spearmanr

from tests.factories import run_payload


def _feedback(client, run_id, key, *, source, **fields):
    response = client.post(
        "/api/v1/feedback", json={"run_id": run_id, "key": key, "source": source, **fields}
    )
    assert response.status_code == 201, response.text


def _code_evaluator(client, key):
    body = {"name": key, "key": key, "kind": "code", "spec": {"checks": [{"type": "valid_json"}]}}
    return client.post("/api/v1/evaluators", json=body).json()


def _model_score(client, evaluator, run_id, *, version=1, **fields):
    extra = {"evaluator_id": evaluator["id"], "evaluator_version": version}
    _feedback(client, run_id, evaluator["key"], source="model", extra=extra, **fields)


def _dataset_of(client, runs):
    dataset = client.post("/api/v1/datasets", json={"name": "golden"}).json()
    added = client.post(
        f"/api/v1/datasets/{dataset['id']}/examples", json={"run_ids": [r["id"] for r in runs]}
    )
    assert added.status_code == 201, added.text
    return dataset


def test_continuous_figures_match_scipy(client):
    client.post("/api/v1/feedback-configs", json={"key": "helpful", "type": "continuous", "min": 0, "max": 1})
    runs = [run_payload() for _ in range(6)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    evaluator = _code_evaluator(client, "helpful")
    humans = [0.9, 0.2, 0.6, 0.4, 1.0, 0.1]
    model = [0.8, 0.4, 0.7, 0.3, 0.9, 0.3]
    for run, h, m in zip(runs, humans, model, strict=True):
        _feedback(client, run["id"], "helpful", source="human", score=h)
        _model_score(client, evaluator, run["id"], score=m)
    dataset = _dataset_of(client, runs)
    report = client.get(
        f"/api/v1/evaluators/{evaluator['id']}/alignment", params={"dataset_id": dataset["id"]}
    )
    assert report.status_code == 200, report.text
    (v1,) = report.json()["versions"]
    assert report.json()["level"] == "interval" and v1["pairs"] == 6
    assert v1["pearson"] == pytest.approx(pearsonr(humans, model).statistic)
    assert v1["spearman"] == pytest.approx(spearmanr(humans, model).statistic)
    assert v1["mean_absolute_error"] == pytest.approx(
        sum(abs(h - m) for h, m in zip(humans, model, strict=True)) / 6
    )
    assert v1["bias"] == pytest.approx((sum(model) - sum(humans)) / 6)  # > 0: the judge is more lenient
    assert v1["largest_disagreements"][0]["human"] == 0.2  # the widest gap: 0.2 vs 0.4


def test_adjudicated_label_wins_else_majority(client):
    options = [{"value": "pass", "score": 1}, {"value": "fail", "score": 0}]
    client.post(
        "/api/v1/feedback-configs", json={"key": "verdict", "type": "categorical", "options": options}
    )
    runs = [run_payload() for _ in range(3)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    evaluator = _code_evaluator(client, "verdict")
    # run 0: two say fail, one says pass → majority fail. run 1: split, but adjudicated pass.
    for label in ("fail", "fail", "pass"):
        _feedback(client, runs[0]["id"], "verdict", source="human", value=label)
    for label in ("fail", "pass"):
        _feedback(client, runs[1]["id"], "verdict", source="human", value=label)
    _feedback(client, runs[1]["id"], "verdict", source="human", value="pass", extra={"adjudicated": True})
    _feedback(client, runs[2]["id"], "verdict", source="human", value="pass")
    for run, label in zip(runs, ["fail", "fail", "pass"], strict=True):
        _model_score(client, evaluator, run["id"], value=label)
    dataset = _dataset_of(client, runs)
    report = client.get(
        f"/api/v1/evaluators/{evaluator['id']}/alignment", params={"dataset_id": dataset["id"]}
    )
    (v1,) = report.json()["versions"]
    assert v1["pairs"] == 3 and v1["percent_agreement"] == pytest.approx(2 / 3)
    assert v1["largest_disagreements"] == [{"run_id": runs[1]["id"], "human": "pass", "model": "fail"}]
    assert v1["confusion"] == {"labels": ["pass", "fail"], "rows_are": "human", "matrix": [[1, 1], [0, 1]]}
    one = client.get(
        f"/api/v1/evaluators/{evaluator['id']}/alignment", params={"dataset_id": dataset["id"], "version": 2}
    )
    assert one.status_code == 404 and one.json()["error"]["field"] == "version"


def _aligned_on_dataset(client, key, config, human_and_model):
    """Alignment of a code evaluator on `key`, one run per (human, model) fields pair."""
    client.post("/api/v1/feedback-configs", json={"key": key, **config})
    runs = [run_payload() for _ in human_and_model]
    client.post("/api/v1/runs/batch", json={"post": runs})
    evaluator = _code_evaluator(client, key)
    for run, (human, model) in zip(runs, human_and_model, strict=True):
        _feedback(client, run["id"], key, source="human", **human)
        _model_score(client, evaluator, run["id"], **model)
    dataset = _dataset_of(client, runs)
    report = client.get(
        f"/api/v1/evaluators/{evaluator['id']}/alignment", params={"dataset_id": dataset["id"]}
    )
    assert report.status_code == 200, report.text
    (v1,) = report.json()["versions"]
    return v1


def test_boolean_bias_is_the_pass_rate_difference(client):
    humans = [True, True, False, False, True]  # 3 of 5 pass: 0.6
    model = [True, True, True, False, True]  # 4 of 5 pass: 0.8
    pairs = [({"value": h}, {"value": m}) for h, m in zip(humans, model, strict=True)]
    v1 = _aligned_on_dataset(client, "correct", {"type": "boolean"}, pairs)
    assert v1["pairs"] == 5
    assert v1["bias"] == pytest.approx(0.2)  # the judge passes more: lenient
    assert (v1["bias_kind"], v1["bias_reason"]) == ("pass_rate_difference", None)


def test_boolean_bias_harsh_judge_is_negative(client):
    pairs = [({"value": True}, {"value": False}), ({"value": True}, {"value": True})] + [
        ({"value": False}, {"value": False})
    ] * 2  # humans pass 2 of 4, the judge 1 of 4
    v1 = _aligned_on_dataset(client, "correct", {"type": "boolean"}, pairs)
    assert v1["bias"] == pytest.approx(-0.25)


def test_categorical_bias_is_the_mean_option_score_difference(client):
    options = [{"value": "good", "score": 1}, {"value": "ok", "score": 0.5}, {"value": "bad", "score": 0}]
    labels = [("good", "good"), ("ok", "good"), ("bad", "ok"), ("bad", "bad")]
    pairs = [({"value": h}, {"value": m}) for h, m in labels]
    v1 = _aligned_on_dataset(client, "tone", {"type": "categorical", "options": options}, pairs)
    # model minus human: 0, +0.5, +0.5, 0 → 0.25
    assert v1["bias"] == pytest.approx(0.25)
    assert (v1["bias_kind"], v1["bias_reason"]) == ("mean_score_difference", None)


def test_categorical_without_option_scores_has_no_bias_and_says_why(client):
    config = {"type": "categorical", "options": ["red", "blue"]}
    pairs = [({"value": "red"}, {"value": "blue"}), ({"value": "blue"}, {"value": "blue"})]
    v1 = _aligned_on_dataset(client, "colour", config, pairs)
    assert v1["pairs"] == 2 and v1["bias"] is None and v1["bias_kind"] is None
    assert "score" in v1["bias_reason"]
