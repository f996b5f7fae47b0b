"""Reviewer agreement per rubric field, and automated scores against human ones."""

from __future__ import annotations

import pytest

from tests.factories import run_payload


@pytest.fixture
def calibration(client, make_user):
    """Two reviewers score the same six runs; they agree on four."""
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "overall_quality", "type": "categorical", "options": ["good", "acceptable", "bad"]},
    )
    client.post(
        "/api/v1/feedback-configs", json={"key": "helpfulness", "type": "continuous", "min": 1, "max": 5}
    )
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "calibration",
            "reviewers_per_item": 2,
            "reviewers": [str(ana.id), str(ben.id)],
            "rubric": [{"key": "overall_quality", "required": True}, {"key": "helpfulness"}],
        },
    ).json()
    runs = [run_payload() for _ in range(6)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs]})
    index = {r["id"]: i for i, r in enumerate(runs)}
    ana_says = ["good", "good", "bad", "acceptable", "good", "bad"]
    ben_says = ["good", "good", "bad", "acceptable", "bad", "good"]
    for reviewer, says in ((ana, ana_says), (ben, ben_says)):
        while (
            view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
        ).status_code == 200:
            i = index[view.json()["runs"][0]["id"]]
            answers = {"overall_quality": says[i], "helpfulness": 5 if says[i] == "good" else 2}
            client.post(
                f"/api/v1/items/{view.json()['item']['id']}/submit",
                json={"answers": answers},
                headers=reviewer.headers,
            )
    return {"queue": queue, "runs": runs, "ana": ana, "ben": ben}


def test_queue_agreement_per_field(client, calibration):
    report = client.get(f"/api/v1/queues/{calibration['queue']['id']}/agreement").json()
    quality, helpfulness = report["fields"]
    assert quality["key"] == "overall_quality" and quality["level"] == "nominal"
    assert quality["items_with_2_or_more"] == 6 and quality["reviewers"] == 2
    assert quality["percent_agreement"] == pytest.approx(4 / 6)
    assert -1 <= quality["krippendorff_alpha"] < 1
    assert quality["cohen_kappa"] is not None and quality["fleiss_kappa"] is not None
    (pair,) = quality["pairs"]
    assert {pair["a"], pair["b"]} == {"ana@example.com", "ben@example.com"}
    assert pair["items"] == 6 and pair["agreement"] == pytest.approx(4 / 6)
    assert len(quality["disagreements"]) == 2
    assert helpfulness["level"] == "interval" and helpfulness["krippendorff_alpha"] is not None


def test_human_vs_model(client, calibration):
    runs = calibration["runs"]
    for run, label in zip(runs, ["good", "good", "bad", "good", "good", "good"], strict=True):
        client.post(
            "/api/v1/feedback",
            json={"run_id": run["id"], "key": "overall_quality", "value": label, "source": "model"},
        )
    report = client.get("/api/v1/analytics/human-vs-model", params={"key": "overall_quality"}).json()
    assert report["pairs"] == 12
    ana = next(r for r in report["per_reviewer"] if r["reviewer"] == "ana@example.com")
    assert ana["pairs"] == 6 and ana["agreement"] == pytest.approx(4 / 6)
    assert sum(c["count"] for c in report["confusion"]) == 12
    assert report["cohen_kappa"] is not None
    for run, score in zip(runs, [4.5, 4.8, 1.5, 2.5, 3.0, 2.0], strict=True):
        client.post(
            "/api/v1/feedback",
            json={"run_id": run["id"], "key": "helpfulness", "score": score, "source": "model"},
        )
    numeric = client.get("/api/v1/analytics/human-vs-model", params={"key": "helpfulness"}).json()
    assert numeric["pairs"] == 12 and numeric["pearson"] > 0.5
    assert client.get("/api/v1/analytics/human-vs-model").status_code == 400
