"""The signal loop end to end on both databases: three reviewers score a calibration set with
disagreement planted on one field; the alert fires for that field only (and its webhook is queued);
an admin adjudicates; a dataset built with gold=adjudicated holds the adjudicated values."""

from __future__ import annotations

import json

import pytest

from reviewdesk.domain.destinations import parse_policy
from reviewdesk.services.destinations import DestinationGuard
from tests.factories import TableResolver, run_payload


@pytest.fixture
def source_queue(client, make_user):
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "correct", "type": "categorical", "options": ["yes", "partly", "no"]},
    )
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "tone", "type": "categorical", "options": ["warm", "neutral", "curt"]},
    )
    reviewers = [make_user("reviewer", f"r{i}@example.com") for i in range(3)]
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "support answers",
            "reviewers": [str(r.id) for r in reviewers],
            "rubric": [{"key": "correct", "required": True}, {"key": "tone", "required": True}],
        },
    ).json()
    runs = [run_payload() for _ in range(8)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs]})
    # The hook points at loopback (no delivery is made here; the test reads the outbox).
    client.app.state.destination_guard = DestinationGuard(parse_policy("127.0.0.1/32"), TableResolver({}))
    hook = client.post(
        f"/api/v1/queues/{queue['id']}/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["calibration.alert"]},
    )
    assert hook.status_code == 201, hook.text
    return {"queue": queue, "runs": runs, "reviewers": reviewers, "webhook": hook.json()}


def _work_through(client, queue_id, reviewer, answer_for):
    done = 0
    while (
        view := client.post(f"/api/v1/queues/{queue_id}/next", headers=reviewer.headers)
    ).status_code == 200:
        body = view.json()
        answers = answer_for(body["runs"][0]["id"])
        submitted = client.post(
            f"/api/v1/items/{body['item']['id']}/submit",
            json={"answers": answers, "comment": f"{reviewer.email} says {answers['tone']}"},
            headers=reviewer.headers,
        )
        assert submitted.status_code == 200, submitted.text
        done += 1
    return done


def test_calibration_alerts_on_the_planted_field_then_adjudication_feeds_the_dataset(client, source_queue):
    queue, runs, reviewers = source_queue["queue"], source_queue["runs"], source_queue["reviewers"]
    created = client.post(
        "/api/v1/calibrations",
        json={
            "name": "December",
            "queue_id": queue["id"],
            "run_ids": [r["id"] for r in runs],
            "reviewers": [str(r.id) for r in reviewers],
            "max_disagreement": 0.2,
            "min_alpha": 0.667,
        },
    )
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["queue_id"] != queue["id"] and session["source_queue_id"] == queue["id"]
    cal_queue = client.get(f"/api/v1/queues/{session['queue_id']}").json()
    assert cal_queue["blind"] is True and cal_queue["reviewers_per_item"] == 3

    index = {r["id"]: i for i, r in enumerate(runs)}
    correct = ["yes", "no", "partly", "yes", "no", "yes", "partly", "no"]
    tones = ["warm", "neutral", "curt"]

    def answers_of(who):
        # Everyone agrees on `correct`; on `tone` each reviewer goes its own way (planted).
        return lambda run_id: {"correct": correct[index[run_id]], "tone": tones[(index[run_id] + who) % 3]}

    for who, reviewer in enumerate(reviewers):
        assert _work_through(client, session["queue_id"], reviewer, answers_of(who)) == len(runs)

    report = client.get(f"/api/v1/calibrations/{session['id']}/report").json()
    fields = {f["key"]: f for f in report["fields"]}
    assert report["complete"] is True
    assert report["alert"] is True and report["alert_fields"] == ["tone"]
    assert fields["correct"]["alert"] is False and fields["correct"]["percent_agreement"] == 1.0
    assert fields["correct"]["krippendorff_alpha"] == pytest.approx(1.0)
    assert fields["tone"]["disagreement"] == pytest.approx(1.0)
    low, high = fields["tone"]["krippendorff_alpha_interval"]
    assert low <= fields["tone"]["krippendorff_alpha"] <= high
    assert len(fields["tone"]["most_disputed"]) == 5
    assert {r["reviewer"] for r in fields["tone"]["reviewers"]} == {r.email for r in reviewers}

    # The alert went to the source queue's webhook outbox, once, naming the field.
    deliveries = client.get(
        f"/api/v1/queues/{queue['id']}/webhooks/{source_queue['webhook']['id']}/deliveries"
    ).json()["items"]
    assert [d["event"] for d in deliveries] == ["calibration.alert"]
    assert deliveries[0]["payload"]["alert_fields"] == ["tone"]

    listed = client.get("/api/v1/calibrations", params={"queue_id": queue["id"]}).json()["items"]
    assert [c["id"] for c in listed] == [session["id"]] and listed[0]["alert_fields"] == ["tone"]
    status = client.get(f"/api/v1/queues/{queue['id']}/calibration-status").json()
    assert status["last_calibration"]["id"] == session["id"] and status["overdue"] is False

    # Every item disagrees on tone: all are open for adjudication.
    open_cases = client.get(f"/api/v1/queues/{session['queue_id']}/adjudications").json()
    assert len(open_cases["items"]) == len(runs) and open_cases["next_cursor"] is None
    first = client.get(f"/api/v1/queues/{session['queue_id']}/adjudications", params={"limit": 3}).json()
    rest = client.get(
        f"/api/v1/queues/{session['queue_id']}/adjudications",
        params={"limit": 100, "cursor": first["next_cursor"]},
    ).json()
    assert [c["item_id"] for c in first["items"] + rest["items"]] == [
        c["item_id"] for c in open_cases["items"]
    ]
    case = open_cases["items"][0]
    assert case["disagreeing_fields"] == ["tone"] and len(case["reviews"]) == 3
    reviewer_try = client.post(
        f"/api/v1/items/{case['item_id']}/adjudicate",
        json={"answers": {"tone": "warm"}},
        headers=reviewers[0].headers,
    )
    assert reviewer_try.status_code == 403
    settled = client.post(
        f"/api/v1/items/{case['item_id']}/adjudicate",
        json={"answers": {"tone": "neutral"}, "comment": "neutral per the guide"},
    )
    assert settled.status_code == 200, settled.text
    assert len(settled.json()["review_ids"]) == 3
    resolved = client.get(
        f"/api/v1/queues/{session['queue_id']}/adjudications", params={"status": "resolved"}
    ).json()
    assert [c["item_id"] for c in resolved["items"]] == [case["item_id"]]
    assert resolved["items"][0]["adjudication"]["answers"] == {"tone": "neutral"}

    # The adjudicated value is not a fourth rating: agreement is unchanged.
    again = client.get(f"/api/v1/calibrations/{session['id']}/report").json()
    assert {f["key"]: f["percent_agreement"] for f in again["fields"]}["tone"] == pytest.approx(0.0)

    dataset = client.post("/api/v1/datasets", json={"name": "tone gold"}).json()
    added = client.post(
        f"/api/v1/datasets/{dataset['id']}/examples",
        json={"run_ids": [case["run_id"]], "gold": "adjudicated"},
    )
    assert added.status_code == 201, added.text
    (example,) = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert example["metadata"]["feedback"]["tone"] == "neutral"
    assert example["metadata"]["feedback"]["correct"] == correct[index[case["run_id"]]]
    assert example["metadata"]["gold"] == "adjudicated" and example["metadata"]["adjudicated"] is True
    exported = client.get(
        "/api/v1/exports/feedback",
        params={"format": "jsonl", "gold": "adjudicated", "queue_id": session["queue_id"]},
    )
    assert exported.status_code == 200, exported.text
    rows = {r["run_id"]: r for r in map(json.loads, exported.text.splitlines())}
    assert rows[case["run_id"]]["gold:tone"] == "neutral"
    other = next(r for r in rows if r != case["run_id"])
    assert rows[other]["gold:correct"] == correct[index[other]]
    bad = client.post(f"/api/v1/datasets/{dataset['id']}/examples", json={"run_ids": [], "gold": "vote"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "gold"


def test_calibration_input_is_checked(client, source_queue, make_user):
    queue = source_queue["queue"]
    one = [str(source_queue["reviewers"][0].id)]
    cases = [
        ({"queue_id": queue["id"], "reviewers": one}, "name"),
        ({"name": "x", "queue_id": queue["id"], "reviewers": one}, "reviewers"),
        ({"name": "x", "queue_id": queue["id"], "item_count": 1}, "item_count"),
        ({"name": "x", "queue_id": queue["id"], "max_disagreement": 2}, "max_disagreement"),
        ({"name": "x", "queue_id": "nope"}, "queue_id"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/calibrations", json=body)
        assert response.status_code == 400 and response.json()["error"]["field"] == field, body
    member = make_user("member", "m@example.com")
    drawn = client.post(
        "/api/v1/calibrations", json={"name": "sampled", "queue_id": queue["id"], "item_count": 5}
    )
    assert drawn.status_code == 201 and drawn.json()["items"] == 5
    reviewer = source_queue["reviewers"][0]
    assert client.post(
        "/api/v1/calibrations", json={"name": "y", "queue_id": queue["id"]}, headers=reviewer.headers
    ).status_code in (403, 404)
    report = client.get(f"/api/v1/calibrations/{drawn.json()['id']}/report", headers=member.headers).json()
    tone = {f["key"]: f for f in report["fields"]}["tone"]
    assert report["complete"] is False and tone["percent_agreement"] is None
    assert tone["krippendorff_alpha_reason"] == "fewer than 2 items rated by 2 or more reviewers"
