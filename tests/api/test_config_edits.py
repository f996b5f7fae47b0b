"""Score config edits once feedback exists, and agreement reports that survive any allowed (or
historical) config change; measurement level from the config in every endpoint. Both databases."""

from __future__ import annotations

import pytest

from tests.factories import run_payload


@pytest.fixture
def rated(client, make_user):
    """Two reviewers rate four runs on a 3-option field and a 1-5 score."""
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "quality", "type": "categorical", "options": ["good", "ok", "bad"]},
    )
    client.post("/api/v1/feedback-configs", json={"key": "stars", "type": "continuous", "min": 1, "max": 5})
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "q",
            "reviewers_per_item": 2,
            "reviewers": [str(ana.id), str(ben.id)],
            "rubric": [{"key": "quality", "required": True}, {"key": "stars"}],
        },
    ).json()
    runs = [run_payload() for _ in range(4)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs]})
    index = {r["id"]: i for i, r in enumerate(runs)}
    says = {ana.email: ["good", "ok", "bad", "good"], ben.email: ["good", "bad", "bad", "ok"]}
    for reviewer in (ana, ben):
        while (
            view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
        ).status_code == 200:
            i = index[view.json()["runs"][0]["id"]]
            client.post(
                f"/api/v1/items/{view.json()['item']['id']}/submit",
                json={"answers": {"quality": says[reviewer.email][i], "stars": 4}},
                headers=reviewer.headers,
            )
    return queue


def test_edits_that_would_orphan_feedback_are_refused_with_the_count(client, rated):
    removed = client.patch("/api/v1/feedback-configs/quality", json={"options": ["good", "ok"]})
    assert removed.status_code == 409
    error = removed.json()["error"]
    assert error["code"] == "in_use" and error["field"] == "options" and error["affected_rows"] == 3
    retyped = client.patch("/api/v1/feedback-configs/quality", json={"type": "freeform"})
    assert retyped.status_code == 409 and retyped.json()["error"]["affected_rows"] == 8
    narrowed = client.patch("/api/v1/feedback-configs/stars", json={"min": 1, "max": 3})
    assert narrowed.status_code == 409 and narrowed.json()["error"]["affected_rows"] == 8
    # Adding options, describing them, reordering, ranking and widening are always allowed.
    grown = client.patch(
        "/api/v1/feedback-configs/quality",
        json={"options": ["bad", {"value": "ok", "description": "fine"}, "good", "great"], "ordered": True},
    )
    assert grown.status_code == 200 and grown.json()["ordered"] is True
    assert client.patch("/api/v1/feedback-configs/stars", json={"min": 0, "max": 10}).status_code == 200
    unused = client.post(
        "/api/v1/feedback-configs", json={"key": "fresh", "type": "categorical", "options": ["a", "b"]}
    ).json()
    assert unused["ordered"] is False
    assert client.patch("/api/v1/feedback-configs/fresh", json={"type": "boolean"}).status_code == 200
    bad = client.patch("/api/v1/feedback-configs/quality", json={"ordered": "yes"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "ordered"


def test_level_comes_from_the_config_and_drives_alpha_and_kappa(client, rated):
    nominal = {f["key"]: f for f in client.get(f"/api/v1/queues/{rated['id']}/agreement").json()["fields"]}
    assert nominal["quality"]["level"] == "nominal"
    client.patch("/api/v1/feedback-configs/quality", json={"ordered": True})
    ordinal = {f["key"]: f for f in client.get(f"/api/v1/queues/{rated['id']}/agreement").json()["fields"]}
    assert ordinal["quality"]["level"] == "ordinal"
    # ok vs bad is a near miss on an ordered scale, so ordinal α and κ are higher than nominal ones.
    assert ordinal["quality"]["krippendorff_alpha"] > nominal["quality"]["krippendorff_alpha"]
    assert ordinal["quality"]["cohen_kappa"] > nominal["quality"]["cohen_kappa"]
    assert ordinal["quality"]["fleiss_kappa"] is None and ordinal["quality"]["fleiss_kappa_reason"]
    assert ordinal["quality"]["percent_agreement"] == pytest.approx(0.5)
    assert ordinal["quality"]["all_agree_share"] == pytest.approx(0.5)
    low, high = ordinal["quality"]["krippendorff_alpha_interval"]
    assert low <= ordinal["quality"]["krippendorff_alpha"] <= high
    # Every star rating is 4: undefined, said so, not a perfect 1.0.
    assert nominal["stars"]["krippendorff_alpha"] is None
    assert nominal["stars"]["krippendorff_alpha_reason"] == "all ratings identical"


def test_a_historical_config_change_never_breaks_the_reports(client, db, rated):
    """Feedback given before the edit rules (or written by an import) may no longer fit the config:
    the reports still answer, counting what they cannot read."""
    from reviewdesk.store.tables import feedback_configs

    with db.write() as conn:
        conn.execute(
            feedback_configs.update()
            .where(feedback_configs.c.key == "quality")
            .values(
                options=[
                    {"value": "good", "description": None, "score": None},
                    {"value": "meh", "description": None, "score": None},
                ],
                ordered=True,
            )
        )
        conn.execute(
            feedback_configs.update()
            .where(feedback_configs.c.key == "stars")
            .values(
                type="categorical",
                options=[
                    {"value": "x", "description": None, "score": None},
                    {"value": "y", "description": None, "score": None},
                ],
                min=None,
                max=None,
            )
        )
    report = client.get(f"/api/v1/queues/{rated['id']}/agreement")
    assert report.status_code == 200, report.text
    fields = {f["key"]: f for f in report.json()["fields"]}
    assert fields["quality"]["level"] == "ordinal" and fields["quality"]["krippendorff_alpha"] is not None
    versus = client.get("/api/v1/analytics/human-vs-model", params={"key": "stars"})
    assert versus.status_code == 200 and versus.json()["pairs"] == 0
    assert versus.json()["cohen_kappa"] is None and versus.json()["cohen_kappa_reason"]
