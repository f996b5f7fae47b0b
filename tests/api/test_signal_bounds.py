"""Reviewer quality and the adjudication list stay bounded on a long queue: agreement with the
consensus over the newest ratings (and the answer says from when), active time summed by the
database, adjudication cases found and paged by the database. Both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import adjudication, gold
from reviewdesk.store.tables import reviews
from tests.factories import run_payload

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _queue(client, make_user, rubric, configs):
    for config in configs:
        client.post("/api/v1/feedback-configs", json=config)
    ana, ben = make_user("reviewer", "ana@example.com"), make_user("reviewer", "ben@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "long",
            "reviewers": [str(ana.id), str(ben.id)],
            "reviewers_per_item": 2,
            "rubric": [{"key": k, "required": False} for k in rubric],
        },
    ).json()
    return queue, ana, ben


def _review(client, queue, answers_by_item, ana, ben):
    """One item per entry, added oldest first; ana then ben submit each item in turn."""
    runs = [run_payload() for _ in answers_by_item]
    client.post("/api/v1/runs/batch", json={"post": runs})
    for run, (ana_says, ben_says) in zip(runs, answers_by_item, strict=True):
        client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]]})
        for reviewer, answers in ((ana, ana_says), (ben, ben_says)):
            view = client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
            done = client.post(
                f"/api/v1/items/{view.json()['item']['id']}/submit",
                json={"answers": answers},
                headers=reviewer.headers,
            )
            assert done.status_code == 200, done.text


def test_consensus_agreement_reads_the_newest_ratings_and_says_from_when(client, make_user, monkeypatch):
    verdict = {"key": "verdict", "type": "categorical", "options": ["yes", "no"]}
    queue, ana, ben = _queue(client, make_user, ["verdict"], [verdict])
    yes, no = {"verdict": "yes"}, {"verdict": "no"}
    _review(client, queue, [(yes, no), (yes, yes), (yes, yes)], ana, ben)
    path = f"/api/v1/queues/{queue['id']}/reviewer-quality"

    whole = client.get(path).json()
    assert whole["consensus_window"] == {"newest_ratings": gold.AGREEMENT_RATINGS, "read_since": None}
    by_email = {r["email"]: r for r in whole["reviewers"]}
    assert by_email["ana@example.com"]["consensus_agreement"] == 2 / 3  # the first item has no majority
    assert by_email["ana@example.com"]["items_reviewed"] == 3

    monkeypatch.setattr(gold, "AGREEMENT_RATINGS", 4)  # the newest two items' ratings
    newest = client.get(path).json()
    assert newest["consensus_window"]["read_since"] is not None
    by_email = {r["email"]: r for r in newest["reviewers"]}
    assert by_email["ana@example.com"]["consensus_agreement"] == 1.0
    assert by_email["ben@example.com"]["items_reviewed"] == 3  # counts are over the whole history


def test_active_seconds_count_from_the_later_of_reservation_and_previous_submit(client, make_user, db):
    verdict = {"key": "verdict", "type": "categorical", "options": ["yes", "no"]}
    queue, ana, ben = _queue(client, make_user, ["verdict"], [verdict])
    yes = {"verdict": "yes"}
    _review(client, queue, [(yes, yes)] * 4, ana, ben)
    # ana: reserved together at T0, submitted 4 min, 6 min, 6 min 3 s and 60 min later: spans of
    # 4 min, 2 min, 3 s (too short to time: left out) and 53 min 57 s (a break: capped at 15 min).
    spans = [(T0, 4 * 60), (T0, 6 * 60), (T0, 6 * 60 + 3), (T0, 60 * 60)]
    with db.write() as conn:
        ids = conn.execute(
            sa.select(reviews.c.id).where(reviews.c.reviewer_id == ana.id).order_by(reviews.c.submitted_at)
        ).scalars()
        for review_id, (started, seconds) in zip(list(ids), spans, strict=True):
            conn.execute(
                reviews.update()
                .where(reviews.c.id == review_id)
                .values(started_at=started, submitted_at=started + timedelta(seconds=seconds))
            )
    quality = client.get(f"/api/v1/queues/{queue['id']}/reviewer-quality").json()
    by_email = {r["email"]: r for r in quality["reviewers"]}
    assert by_email["ana@example.com"]["active_seconds"] == 4 * 60 + 2 * 60 + 15 * 60


def test_adjudication_cases_are_found_and_paged_by_the_database(client, make_user, db, monkeypatch):
    configs = [
        {"key": "verdict", "type": "categorical", "options": ["yes", "no"]},
        {"key": "tone", "type": "categorical", "options": ["warm", "flat", "curt"]},
        {"key": "ok", "type": "boolean"},
    ]
    queue, ana, ben = _queue(client, make_user, ["verdict", "tone", "ok"], configs)
    answers = [
        ({"verdict": "yes", "tone": "warm"}, {"verdict": "yes", "tone": "warm"}),
        ({"verdict": "yes", "ok": True}, {"verdict": "yes"}),  # one left a field empty
        ({"verdict": "yes"}, {"verdict": "no"}),
        ({"tone": "flat"}, {"tone": "curt"}),
        ({"ok": True}, {"ok": False}),
        ({"verdict": "no", "ok": False}, {"verdict": "yes", "ok": False}),
    ]
    _review(client, queue, answers, ana, ben)
    path = f"/api/v1/queues/{queue['id']}/adjudications"

    pages, cursor = [], None
    while True:
        page = client.get(path, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [2, 2]
    cases = [c for p in pages for c in p]
    assert [c["disagreeing_fields"] for c in cases] == [["verdict"], ["tone"], ["ok"], ["verdict"]]
    assert all(len(c["reviews"]) == 2 for c in cases)
    listing = adjudication.list_adjudications(db, SYSTEM_ACTOR, uuid.UUID(queue["id"]), limit=1)
    assert (listing["open"], listing["open_capped"]) == (4, False)
    monkeypatch.setattr(adjudication, "OPEN_COUNT_CAP", 3)
    listing = adjudication.list_adjudications(db, SYSTEM_ACTOR, uuid.UUID(queue["id"]), limit=1)
    assert (listing["open"], listing["open_capped"]) == (3, True)
    monkeypatch.setattr(adjudication, "OPEN_COUNT_CAP", 1_000)

    settled = client.post(
        f"/api/v1/items/{cases[1]['item_id']}/adjudicate", json={"answers": {"tone": "flat"}}
    )
    assert settled.status_code == 200, settled.text
    opened = client.get(path).json()
    assert cases[1]["item_id"] not in {c["item_id"] for c in opened["items"]} and len(opened["items"]) == 3
    assert adjudication.list_adjudications(db, SYSTEM_ACTOR, uuid.UUID(queue["id"]), limit=1)["open"] == 3
    resolved = client.get(path, params={"status": "resolved"}).json()
    assert [c["item_id"] for c in resolved["items"]] == [cases[1]["item_id"]]
    every = client.get(path, params={"status": "all"}).json()
    assert [c["item_id"] for c in every["items"]] == [c["item_id"] for c in cases]
    assert client.get(path, params={"cursor": "nonsense"}).json()["error"]["field"] == "cursor"
