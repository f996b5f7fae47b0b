"""/dashboards in the browser over the demo's month: every panel draws its chart, the controls change
what is drawn, a queue has its own view, and a reviewer sees only its queues and itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, demo, queues
from reviewdesk.services.demo_setup import DEMO_PASSWORD
from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.web.conftest import login, screenshot

ADMIN = ("admin@reviewdesk.local", "admin-password-1")
MARKUP_QUEUE = '<img src=x onerror="window.__pwned=1">queue'
PANELS = ("scores", "queues", "agreement", "calibration", "human-vs-model", "pairwise", "reviewers")


@pytest.fixture(scope="module")
def demo_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("dashboards") / "reviewdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    demo.load_demo(db, seed=7, n_traces=400, now=datetime.now(UTC))
    accounts.create_user(db, SYSTEM_ACTOR, email=ADMIN[0], role="admin", password=ADMIN[1])
    queues.create_queue(db, SYSTEM_ACTOR, {"name": MARKUP_QUEUE, "rubric": ["overall_quality"]})
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def base_url(demo_db: Database) -> Iterator[str]:
    with serve(demo_db) as url:
        yield url


def _loaded(page) -> None:  # type: ignore[no-untyped-def]
    for name in PANELS:
        page.wait_for_selector(f"#panel-{name} h2")


def test_every_panel_draws_a_chart_with_its_numbers(page):
    login(page, *ADMIN)
    page.get_by_role("link", name="Dashboards").click()
    _loaded(page)
    for name in PANELS:
        panel = page.locator(f"#panel-{name}")
        assert panel.locator("svg.chart").count() >= 1, f"{name}: {panel.inner_text()[:200]}"
        assert panel.locator(".empty").count() == 0
    scores = page.locator("#panel-scores")
    assert "Scores over time" in scores.locator("h2").inner_text()
    assert {"human", "model"} <= set(scores.locator(".legend li").all_inner_texts())
    # Hovering a point shows its numbers: each mark carries a <title>.
    tip = scores.locator("svg.chart circle title").first.text_content()
    assert " · 20" in tip and "n=" in tip
    queues_panel = page.locator("#panel-queues")
    assert "production-rag-review" in queues_panel.inner_text()
    assert "backlog" in queues_panel.inner_text()
    agreement = page.locator("#panel-agreement")
    assert "groundedness" in agreement.inner_text() and "overall_quality" in agreement.inner_text()
    hvm = page.locator("#panel-human-vs-model")
    assert "human says" in hvm.inner_text() and "Cohen's κ" in hvm.inner_text()
    assert hvm.locator("svg.chart").count() == 2  # overall_quality heatmap and helpfulness scatter
    assert "gpt-4o-mini" in page.locator("#panel-pairwise").inner_text()
    assert "ana@reviewdesk.local" in page.locator("#panel-reviewers").inner_text()
    calibration = page.locator("#panel-calibration")
    assert "rubric kick-off" in calibration.inner_text() and "groundedness check" in calibration.inner_text()
    assert "Alerts: groundedness check: groundedness" in calibration.inner_text()
    legend = calibration.locator(".legend li").all_inner_texts()
    assert legend == ["overall_quality", "groundedness"]  # free text has no α to draw
    reviewers = page.locator("#panel-reviewers")
    assert reviewers.locator("svg.chart").count() == 2  # speed, and gold accuracy beside consensus
    assert "ana · gold" in reviewers.locator("svg.chart").nth(1).inner_html()
    reviewers.locator("summary").click()
    table = reviewers.locator("table").inner_text()
    assert "items / hour" in table and "gold right" in table and "consensus" in table
    assert page.evaluate("window.__pwned") is None
    assert page.js_errors == []
    screenshot(page, "dashboards-admin", full_page=True)


def test_controls_change_the_series_and_a_bad_filter_is_explained(page):
    login(page, *ADMIN)
    page.goto("/dashboards")
    page.get_by_label("Score key").select_option("groundedness")
    page.get_by_label("Split by").select_option("reviewer")
    page.get_by_label("Time bucket").select_option("week")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#panel-scores svg.chart")
    legend = set(page.locator("#panel-scores .legend li").all_inner_texts())
    assert {"ana@reviewdesk.local", "ben@reviewdesk.local", "chen@reviewdesk.local"} <= legend
    assert "share “grounded”" in page.locator("#panel-scores svg.chart").inner_html()
    screenshot(page, "dashboards-groundedness-by-reviewer")

    page.get_by_label("Runs matching (filter language)").fill("metadata.eval_score < 0.5 and")
    page.get_by_role("button", name="Show").click()
    error = page.locator("#panel-scores .error-banner")
    error.wait_for()
    assert "filter" in error.inner_text()
    page.get_by_label("Runs matching (filter language)").fill('project == "support-rag"')
    page.get_by_label("Split by").select_option("source")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#panel-scores svg.chart")
    assert page.locator("#panel-scores .error-banner").count() == 0
    assert page.js_errors == []


def test_a_queue_has_its_own_dashboard(page, demo_db):
    login(page, *ADMIN)
    rag = queues.get_queue_by_name(demo_db, SYSTEM_ACTOR, "production-rag-review")
    page.goto(f"/queues/{rag['id']}/dashboard")
    page.wait_for_url(lambda url: "/dashboards?queue=" in url)
    _loaded(page)
    assert page.locator("h1").inner_text() == "Dashboards: production-rag-review"
    assert "quality-sample-5pct" not in page.locator("#panel-queues").inner_text()
    assert page.locator("#panel-pairwise .empty").count() == 1
    screenshot(page, "dashboards-one-queue", full_page=True)


def test_a_reviewer_sees_its_queues_and_only_itself(page):
    login(page, "ana@reviewdesk.local", DEMO_PASSWORD)
    page.goto("/dashboards?split=reviewer&key=overall_quality")
    _loaded(page)
    assert page.get_by_label("Runs matching (filter language)").count() == 0
    legend = set(page.locator("#panel-scores .legend li").all_inner_texts())
    assert legend == {"you", "other reviewers"}
    reviewers = page.locator("#panel-reviewers").inner_text()
    assert "ana@reviewdesk.local" in reviewers and "ben@" not in reviewers
    assert page.locator("#panel-reviewers svg.chart").count() == 1  # speed only: quality is for admins
    assert MARKUP_QUEUE not in page.locator("#panel-queues").inner_text()  # not assigned to ana
    assert page.js_errors == []
    screenshot(page, "dashboards-reviewer", full_page=True)


def test_labels_are_escaped(page):
    login(page, *ADMIN)
    page.goto("/dashboards")
    _loaded(page)
    assert MARKUP_QUEUE in page.locator("#panel-queues").inner_text()
    assert page.evaluate("window.__pwned") is None
