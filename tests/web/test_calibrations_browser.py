"""/calibrations in a real browser: a queue's sessions over time with their alerts and the trend of
each field's agreement; reviewers are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import calibrations, feedback_configs, ingest, queues, review
from tests.web.conftest import login, screenshot
from tests.web.seed import make_user, run_payload

TONES = ["warm", "neutral", "curt"]


@pytest.fixture(scope="module")
def sessions(web_db, world):
    feedback_configs.create_config(
        web_db, SYSTEM_ACTOR, {"key": "cal_tone", "type": "categorical", "options": TONES}
    )
    people = [make_user(web_db, "reviewer", f"cal-{name}@example.com") for name in ("dee", "eli", "fay")]
    now = datetime.now(UTC)
    runs = [run_payload(400 + i, start=now - timedelta(hours=2, minutes=i)) for i in range(6)]
    ingest.ingest_batch(web_db, SYSTEM_ACTOR, post=runs, patch=None)
    queue = queues.create_queue(
        web_db,
        SYSTEM_ACTOR,
        {"name": "tone-check", "reviewers": [str(p.id) for p in people], "rubric": [{"key": "cal_tone"}]},
    )
    index = {r["id"]: i for i, r in enumerate(runs)}
    created = []
    for round_, name in enumerate(("October", "November", "December")):
        session = calibrations.create_calibration(
            web_db,
            SYSTEM_ACTOR,
            {"name": name, "queue_id": str(queue["id"]), "run_ids": [r["id"] for r in runs]},
        )
        for who, person in enumerate(people):
            actor = Actor(user_id=person.id, email=person.email, role=Role.REVIEWER)
            while (view := review.next_item(web_db, actor, session["queue_id"])) is not None:
                i = index[str(view["runs"][0]["id"])]
                # October agrees; later each reviewer drifts more (the planted disagreement).
                tone = TONES[(i + (who if round_ and (i % 3 < round_) else 0)) % 3]
                review.submit(web_db, actor, view["item"]["id"], {"answers": {"cal_tone": tone}})
        created.append(session)
    return {"queue": queue, "sessions": created}


def test_members_see_sessions_alerts_and_the_trend(page, world, sessions):
    login(page, world.member.email, world.member.password)
    response = page.goto("/calibrations")
    assert response.status == 200
    section = page.locator("section", has=page.get_by_role("heading", name="tone-check"))
    rows = section.locator("tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).locator("td").first.inner_text() == "December"  # newest first
    assert "none" in rows.nth(2).inner_text()  # October agreed: no alert
    assert section.locator(".badge-alert").count() >= 1
    assert section.locator("figure.chart svg path.series").count() == 1
    report = rows.nth(0).get_by_role("link", name="report (JSON)").get_attribute("href")
    assert report == f"/api/v1/calibrations/{sessions['sessions'][2]['id']}/report"
    screenshot(page, "calibrations", full_page=True)


def test_reviewers_may_not_open_calibrations(page, world, sessions):
    login(page, world.reviewer.email, world.reviewer.password)
    assert page.goto("/calibrations").status == 403
