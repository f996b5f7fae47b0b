"""/calibrations in a real browser: a queue's sessions over time with their alerts and the trend of
each field's agreement; reviewers are refused."""

from __future__ import annotations

import re
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
    feedback_configs.create_config(web_db, SYSTEM_ACTOR, {"key": "cal_safe", "type": "boolean"})
    people = [make_user(web_db, "reviewer", f"cal-{name}@example.com") for name in ("dee", "eli", "fay")]
    now = datetime.now(UTC)
    runs = [run_payload(400 + i, start=now - timedelta(hours=2, minutes=i)) for i in range(6)]
    ingest.ingest_batch(web_db, SYSTEM_ACTOR, post=runs, patch=None)
    queue = queues.create_queue(
        web_db,
        SYSTEM_ACTOR,
        {
            "name": "tone-check",
            "reviewers": [str(p.id) for p in people],
            "rubric": [{"key": "cal_tone"}, {"key": "cal_safe"}],
        },
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
                review.submit(
                    web_db, actor, view["item"]["id"], {"answers": {"cal_tone": tone, "cal_safe": True}}
                )
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
    assert section.locator("figure.chart svg path.series").count() == 2  # one line per field
    assert section.locator("figure.chart .legend").inner_text().split("\n") == ["cal_tone", "cal_safe"]
    december = sessions["sessions"][2]["id"]
    assert rows.nth(0).get_by_role("link", name="JSON").get_attribute("href") == (
        f"/api/v1/calibrations/{december}/report"
    )
    assert rows.nth(0).get_by_role("link", name="report", exact=True).get_attribute("href") == (
        f"/calibrations/{december}"
    )
    screenshot(page, "calibrations", full_page=True)


def test_the_report_page_shows_figures_alerts_disputes_reviewers_and_the_trend(page, world, sessions):
    login(page, world.member.email, world.member.password)
    page.goto(f"/queues/{sessions['queue']['id']}")  # the queue page links its last session's report
    report = page.get_by_role("link", name="its report").get_attribute("href")
    assert report == f"/calibrations/{sessions['sessions'][2]['id']}"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calibrations").click()
    page.get_by_role("link", name="December").click()
    december = sessions["sessions"][2]
    assert page.url.endswith(f"/calibrations/{december['id']}")
    assert page.get_by_role("heading", name="Calibration: December").is_visible()
    assert "Alert on cal_tone" in page.get_by_role("alert").inner_text()
    row = page.locator('#field-table tr[data-field="cal_tone"]')
    cells = row.locator("td")
    assert cells.nth(0).inner_text() == "nominal" and cells.nth(1).inner_text() == "6"
    agreement = int(cells.nth(2).inner_text().rstrip("%"))
    assert int(cells.nth(3).inner_text().rstrip("%")) == 100 - agreement
    assert re.fullmatch(r"-?\d\.\d\d \(-?\d\.\d\d – -?\d\.\d\d\)", cells.nth(5).inner_text())
    assert cells.nth(6).inner_text() == "alert"
    # Everyone said the same on every item: α is undefined, shown as null with the reason, no alert.
    safe = page.locator('#field-table tr[data-field="cal_safe"] td')
    assert safe.nth(2).inner_text() == "100%"
    assert safe.nth(5).inner_text() == "null: all ratings identical"
    assert safe.nth(6).inner_text() == "none"
    field = page.locator("#field-cal_tone")
    assert "disagreement" in field.locator(".alert-reasons").inner_text()
    disputed = field.locator("table.disputed tbody tr")
    assert disputed.count() >= 1
    link = disputed.first.get_by_role("link")
    assert re.fullmatch(r"/runs/[0-9a-f-]{36}", link.get_attribute("href"))
    assert "cal-dee@example.com" in disputed.first.inner_text()
    distances = field.locator("table.reviewers tbody tr")
    assert distances.count() == 3
    assert distances.first.locator("td").nth(1).inner_text() == "6"
    assert float(distances.first.locator("td").nth(2).inner_text()) > 0
    trend = field.locator("table.trend tbody tr")
    assert [trend.nth(i).locator("td").first.inner_text() for i in range(3)] == [
        "October",
        "November",
        "December",
    ]
    assert trend.nth(0).locator("td").nth(2).inner_text() == "100%"
    assert field.locator("figure.chart-box svg path.series").count() == 2
    assert field.locator("figure.chart-box .legend").inner_text().split("\n") == ["% agreement", "α × 100"]
    screenshot(page, "calibration-report", full_page=True)
    # The first session has no earlier one to compare with, and agreed: no alert.
    page.goto(f"/calibrations/{sessions['sessions'][0]['id']}")
    assert "No alert" in page.locator(".verdict").inner_text()
    assert "No earlier session" in page.locator("#field-cal_tone").inner_text()


def test_reviewers_may_not_open_calibrations(page, world, sessions):
    login(page, world.reviewer.email, world.reviewer.password)
    assert page.goto("/calibrations").status == 403
    assert page.goto(f"/calibrations/{sessions['sessions'][2]['id']}").status == 403
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Calibrations").count() == 0
