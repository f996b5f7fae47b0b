"""Pairwise queues: randomised sides, answers mapped back to the pair, win rates and position bias."""

from __future__ import annotations

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import dashboards
from tests.factories import run_payload


def test_pairwise_review_win_rates_and_position_bias(client, db, make_user):
    reviewers = [make_user("reviewer") for _ in range(2)]
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "gpt-4o vs llama",
            "kind": "pairwise",
            "variant_field": "metadata.model",
            "reviewers_per_item": 2,
            "reviewers": [str(r.id) for r in reviewers],
        },
    ).json()
    pairs, runs = [], []
    for i in range(12):
        question = {"question": f"question {i}"}
        a = run_payload(inputs=question, metadata={"model": "gpt-4o"})
        b = run_payload(inputs=question, metadata={"model": "llama-3.1-70b"})
        runs += [a, b]
        pairs.append([a["id"], b["id"]])
    gpt_ids = {r["id"] for r in runs if r["metadata"]["model"] == "gpt-4o"}
    client.post("/api/v1/runs/batch", json={"post": runs})
    added = client.post(f"/api/v1/queues/{queue['id']}/items", json={"pairs": pairs + pairs[:2]}).json()
    assert added == {"added": 12, "already_present": 2}
    assert (
        client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [runs[0]["id"]]}).status_code
        == 400
    )

    left_was_gpt = 0
    for reviewer in reviewers:
        while (
            view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
        ).status_code == 200:
            shown = view.json()["runs"]
            assert len(shown) == 2
            # A blind queue hides which model wrote which side; the test knows it by run id.
            assert "model" not in shown[0]["metadata"] and "model" not in shown[1]["metadata"]
            gpt_left = shown[0]["id"] in gpt_ids
            left_was_gpt += gpt_left
            answer = "A" if gpt_left else "B"  # the reviewer always prefers gpt-4o, wherever it is shown
            result = client.post(
                f"/api/v1/items/{view.json()['item']['id']}/submit",
                json={"answers": {"preference": answer}},
                headers=reviewer.headers,
            )
            assert result.status_code == 200, result.text

    stats = client.get(f"/api/v1/queues/{queue['id']}/stats").json()
    assert stats["counts"]["completed"] == 12
    pairwise = stats["pairwise"]
    assert pairwise["reviews"] == 24
    assert pairwise["win_rates"]["gpt-4o"] == {"wins": 24, "comparisons": 24, "win_rate": 1.0}
    assert pairwise["win_rates"]["llama-3.1-70b"]["win_rate"] == 0.0
    assert pairwise["position_bias"]["decided"] == 24
    assert pairwise["position_bias"]["left_won"] == left_was_gpt
    assert 0 < left_was_gpt < 24  # sides really are shuffled per review

    # The dashboard panel reads each side's model in SQL; it agrees with the queue's stats.
    (panel,) = dashboards.pairwise_panel(db, SYSTEM_ACTOR, {"queue_id": queue["id"]})
    assert panel["win_rates"] == pairwise["win_rates"]
    assert panel["position_bias"] == pairwise["position_bias"]
    for field, expected in (("metadata.model.version", {"unknown"}), ("metadata", None), ("name", None)):
        client.patch(f"/api/v1/queues/{queue['id']}", json={"variant_field": field})
        (panel,) = dashboards.pairwise_panel(db, SYSTEM_ACTOR, {"queue_id": queue["id"]})
        assert panel["reviews"] == 24, field
        if expected is not None:
            assert set(panel["win_rates"]) == expected, field

    rows = client.get("/api/v1/feedback", params={"queue_id": queue["id"], "key": "preference"}).json()[
        "items"
    ]
    assert len(rows) == 48  # both runs of every pair, for each of the two reviews
    by_model = {r["run_id"]: r["score"] for r in rows}
    assert {by_model[a] for a, _b in pairs} == {1.0}
    assert {by_model[b] for _a, b in pairs} == {0.0}


def test_a_tie_scores_half_to_each_side(client, make_user):
    rev = make_user("reviewer")
    queue = client.post(
        "/api/v1/queues", json={"name": "ties", "kind": "pairwise", "reviewers": [str(rev.id)]}
    ).json()
    a, b = run_payload(), run_payload()
    client.post("/api/v1/runs/batch", json={"post": [a, b]})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"pairs": [[a["id"], b["id"]]]})
    view = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).json()
    bad = client.post(
        f"/api/v1/items/{view['item']['id']}/submit",
        json={"answers": {"preference": "C"}},
        headers=rev.headers,
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "answers.preference"
    client.post(
        f"/api/v1/items/{view['item']['id']}/submit",
        json={"answers": {"preference": "tie"}},
        headers=rev.headers,
    )
    rows = client.get("/api/v1/feedback", params={"key": "preference"}).json()["items"]
    assert sorted(r["score"] for r in rows) == [0.5, 0.5]
    assert len({r["id"] for r in rows}) == 2
