"""Gold items mixed into reviewers' streams, looking like any other item, and the reviewer quality
figures they feed; on both databases."""

from __future__ import annotations

from tests.factories import run_payload


def test_gold_items_are_handed_out_disguised_and_score_reviewers(client, make_user):
    client.post(
        "/api/v1/feedback-configs", json={"key": "correct", "type": "categorical", "options": ["yes", "no"]}
    )
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "answers",
            "reviewers": [str(ana.id), str(ben.id)],
            "reviewers_per_item": 2,
            "gold_rate": 1.0,  # every request hands out an unseen gold item first
            "rubric": [{"key": "correct", "required": True}],
        },
    ).json()
    assert queue["gold_rate"] == 1.0
    runs = [run_payload() for _ in range(5)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    ordinary, gold_runs = runs[:3], runs[3:]
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in ordinary]})
    for run in gold_runs:
        added = client.post(
            f"/api/v1/queues/{queue['id']}/gold", json={"run_id": run["id"], "answers": {"correct": "yes"}}
        )
        assert added.status_code == 201, added.text
    assert (
        client.post(
            f"/api/v1/queues/{queue['id']}/gold",
            json={"run_id": gold_runs[0]["id"], "answers": {"correct": "no"}},
        ).status_code
        == 409
    )
    assert client.get(f"/api/v1/queues/{queue['id']}/gold", headers=ana.headers).status_code == 403

    gold_ids = {r["id"] for r in gold_runs}
    seen: dict[str, list[str]] = {"ana": [], "ben": []}
    for name, reviewer, says_gold in (("ana", ana, "yes"), ("ben", ben, "no")):
        while (
            view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
        ).status_code == 200:
            body = view.json()
            assert body["item"]["status"] == "pending" and body["item"]["source"] == "api"
            run_id = body["runs"][0]["id"]
            seen[name].append(run_id)
            answer = says_gold if run_id in gold_ids else "yes"
            done = client.post(
                f"/api/v1/items/{body['item']['id']}/submit",
                json={"answers": {"correct": answer}},
                headers=reviewer.headers,
            )
            assert (
                done.status_code == 200 and done.json()["item_status"] == "pending" or run_id not in gold_ids
            )
    for name in seen:
        assert set(seen[name][:2]) == gold_ids  # gold first at rate 1, then the ordinary items
        assert len(seen[name]) == 5

    stats = client.get(f"/api/v1/queues/{queue['id']}/stats").json()
    assert stats["counts"]["completed"] == 3 and stats["counts"]["pending"] == 0
    # Gold answers are a test of the reviewer, not feedback on the run.
    assert client.get("/api/v1/feedback", params={"run_id": gold_runs[0]["id"]}).json()["items"] == []

    quality = client.get(f"/api/v1/queues/{queue['id']}/reviewer-quality").json()
    by_email = {r["email"]: r for r in quality["reviewers"]}
    assert quality["gold_items"] == 2
    assert by_email["ana@example.com"]["gold_accuracy"] == 1.0
    assert by_email["ben@example.com"]["gold_accuracy"] == 0.0
    assert by_email["ana@example.com"]["consensus_agreement"] == 1.0
    assert by_email["ana@example.com"]["items_reviewed"] == 5
    assert (
        client.get(f"/api/v1/queues/{queue['id']}/reviewer-quality", headers=ana.headers).status_code == 403
    )


def test_an_adjudicated_item_can_be_promoted_to_gold(client, make_user):
    client.post(
        "/api/v1/feedback-configs", json={"key": "correct", "type": "categorical", "options": ["yes", "no"]}
    )
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "answers",
            "reviewers": [str(ana.id), str(ben.id)],
            "reviewers_per_item": 2,
            "rubric": [{"key": "correct", "required": True}],
        },
    ).json()
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]]})
    for reviewer, answer in ((ana, "yes"), (ben, "no")):
        item = client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).json()["item"]
        client.post(
            f"/api/v1/items/{item['id']}/submit",
            json={"answers": {"correct": answer}},
            headers=reviewer.headers,
        )
    not_yet = client.post(f"/api/v1/queues/{queue['id']}/gold", json={"item_id": item["id"]})
    assert not_yet.status_code == 400 and not_yet.json()["error"]["field"] == "item_id"
    client.post(f"/api/v1/items/{item['id']}/adjudicate", json={"answers": {"correct": "no"}})
    promoted = client.post(f"/api/v1/queues/{queue['id']}/gold", json={"item_id": item["id"]})
    assert promoted.status_code == 201 and promoted.json()["answers"] == {"correct": "no"}
    assert promoted.json()["source"] == "adjudication"
