"""Feedback and score configs through the real API."""

from __future__ import annotations

import uuid

from tests.factories import run_payload


def _config(client, **body):
    response = client.post("/api/v1/feedback-configs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_feedback_crud_and_list_filters(client):
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    created = client.post(
        "/api/v1/feedback",
        json={"run_id": run["id"], "key": "helpfulness", "score": 0.8, "comment": "mostly right"},
    )
    assert created.status_code == 201
    fb = created.json()
    assert fb["trace_id"] == run["id"]
    assert fb["source"] == "api"
    assert fb["created_by"] is not None

    assert client.get(f"/api/v1/feedback/{fb['id']}").json()["score"] == 0.8
    patched = client.patch(f"/api/v1/feedback/{fb['id']}", json={"score": 0.6, "correction": {"answer": "x"}})
    assert patched.status_code == 200
    assert patched.json()["score"] == 0.6
    assert patched.json()["correction"] == {"answer": "x"}

    client.post(
        "/api/v1/feedback", json={"run_id": run["id"], "key": "tone", "value": "friendly", "source": "model"}
    )
    by_key = client.get("/api/v1/feedback", params={"key": "tone"}).json()["items"]
    assert [f["value"] for f in by_key] == ["friendly"]
    by_run = client.get("/api/v1/feedback", params={"run_id": run["id"]}).json()["items"]
    assert len(by_run) == 2
    by_source = client.get("/api/v1/feedback", params={"source": "model"}).json()["items"]
    assert len(by_source) == 1

    assert client.delete(f"/api/v1/feedback/{fb['id']}").status_code == 204
    assert client.get(f"/api/v1/feedback/{fb['id']}").status_code == 404


def test_feedback_from_two_authors_is_kept_side_by_side(client, make_user):
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    alice, bob = make_user("member"), make_user("member")
    for user, score in ((alice, 1), (bob, 0)):
        response = client.post(
            "/api/v1/feedback",
            json={"run_id": run["id"], "key": "correct", "score": score},
            headers=user.headers,
        )
        assert response.status_code == 201
    rows = client.get("/api/v1/feedback", params={"run_id": run["id"], "key": "correct"}).json()["items"]
    assert sorted((str(r["created_by"]), r["score"]) for r in rows) == sorted(
        [(str(alice.id), 1.0), (str(bob.id), 0.0)]
    )
    # An author may amend its own feedback, not someone else's.
    bobs = next(r for r in rows if r["created_by"] == str(bob.id))
    assert (
        client.patch(f"/api/v1/feedback/{bobs['id']}", json={"score": 1}, headers=alice.headers).status_code
        == 403
    )


def test_feedback_before_its_run_joins_the_run_when_it_arrives(client):
    run = run_payload()
    fb = client.post(
        "/api/v1/feedback", json={"run_id": run["id"], "key": "user_rating", "value": "negative"}
    )
    assert fb.status_code == 201
    assert fb.json()["trace_id"] is None
    client.post("/api/v1/runs/batch", json={"post": [run]})
    stored = client.get(f"/api/v1/feedback/{fb.json()['id']}").json()
    assert stored["trace_id"] == run["id"]
    found = client.post("/api/v1/runs/search", json={"filter": 'feedback.user_rating == "negative"'}).json()
    assert [r["id"] for r in found["items"]] == [run["id"]]


def test_feedback_is_validated_against_its_score_config(client):
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    _config(
        client,
        key="overall_quality",
        type="categorical",
        options=[{"value": "good", "description": "ship it"}, "acceptable", "bad"],
    )
    _config(client, key="helpfulness", type="continuous", min=1, max=5)
    _config(client, key="safe", type="boolean")
    _config(client, key="note", type="freeform", max_length=10)

    def post(**body):
        return client.post("/api/v1/feedback", json={"run_id": run["id"], **body})

    bad = post(key="overall_quality", value="great")
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "value"
    assert "'good', 'acceptable', 'bad'" in bad.json()["error"]["message"]
    out_of_range = post(key="helpfulness", score=7)
    assert out_of_range.status_code == 400
    assert out_of_range.json()["error"]["field"] == "score"
    assert "[1, 5]" in out_of_range.json()["error"]["message"]
    assert post(key="safe", value="yes").status_code == 400
    assert post(key="note", value="x" * 11).status_code == 400
    assert client.get("/api/v1/feedback", params={"run_id": run["id"]}).json()["items"] == []

    assert post(key="overall_quality", value="good").status_code == 201
    assert post(key="helpfulness", score=4).status_code == 201
    assert post(key="safe", value=True).json()["score"] == 1.0
    assert post(key="note", value="short").status_code == 201


def test_score_config_crud_and_rules(client):
    _config(client, key="tier", type="categorical", options=["a", "b"])
    configs = client.get("/api/v1/feedback-configs").json()["items"]
    assert [c["key"] for c in configs] == ["tier"]
    assert configs[0]["options"][0] == {"value": "a", "description": None, "score": None}
    updated = client.patch("/api/v1/feedback-configs/tier", json={"options": ["a", "b", "c"]})
    assert updated.status_code == 200
    assert len(updated.json()["options"]) == 3
    duplicate = client.post("/api/v1/feedback-configs", json={"key": "tier", "type": "boolean"})
    assert duplicate.status_code == 409
    bad_range = client.post(
        "/api/v1/feedback-configs", json={"key": "s", "type": "continuous", "min": 5, "max": 1}
    )
    assert bad_range.status_code == 400
    assert bad_range.json()["error"]["field"] == "min"
    one_option = client.post(
        "/api/v1/feedback-configs", json={"key": "c", "type": "categorical", "options": ["x"]}
    )
    assert one_option.status_code == 400
    assert client.delete("/api/v1/feedback-configs/tier").status_code == 204
    assert client.get("/api/v1/feedback-configs/tier").status_code == 404


def test_feedback_with_a_client_chosen_id_is_not_duplicated(client):
    fid = str(uuid.uuid4())
    body = {"id": fid, "run_id": str(uuid.uuid4()), "key": "k", "score": 1}
    assert client.post("/api/v1/feedback", json=body).status_code == 201
    again = client.post("/api/v1/feedback", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "id"
