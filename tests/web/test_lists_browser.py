"""Lists and admin screens in the browser: the explorer's column chooser and its sticky add bar,
the projects page, and a queue's webhooks (created, secret shown once, deliveries listed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.conftest import settings_for_tests
from tests.web.conftest import login, screenshot
from tests.web.seed import World


@pytest.fixture(scope="module")
def base_url(web_db: Database, world: World) -> Iterator[str]:
    # Loopback allowed for this server alone: the webhook below points at 127.0.0.1, checked by
    # policy (an address literal, no DNS lookup); the test delivery fails fast on a closed port.
    with serve(web_db, settings_for_tests(allow_private_destinations="127.0.0.0/8")) as url:
        yield url


def test_the_column_chooser_remembers_hidden_columns_and_the_add_bar_sticks(page, world: World):
    login(page, world.member.email, world.member.password)
    page.goto("/traces")
    page.wait_for_selector("table.runs tbody tr")
    tokens = page.locator('#runs-table th[data-col="tokens"]')
    assert tokens.is_visible()
    page.locator("details.column-chooser summary").click()
    page.get_by_label("Tokens", exact=True).uncheck()
    page.get_by_label("Tags", exact=True).uncheck()
    assert not tokens.is_visible()
    assert page.locator('#runs-table td[data-col="tags"]:visible').count() == 0
    page.reload()  # the choice is this browser's, kept across pages
    page.wait_for_selector("table.runs tbody tr")
    assert not page.locator('#runs-table th[data-col="tokens"]').is_visible()
    assert page.locator('#runs-table th[data-col="latency"]').is_visible()
    # No selection: the add bar scrolls away with the page.
    panel = page.locator("#add-panel")
    assert "has-selection" not in (panel.get_attribute("class") or "")
    page.locator("input.row-select").nth(0).check()
    page.locator("input.row-select").nth(2).check()
    assert page.locator("#selected-count").inner_text() == "2"
    assert "has-selection" in panel.get_attribute("class")
    page.set_viewport_size({"width": 1280, "height": 420})
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 100")
    box = panel.bounding_box()
    assert box is not None and -1 <= box["y"] <= 2, box  # held at the top of the screen
    screenshot(page, "explorer-selection-sticky")
    # Unticking both lets it go again.
    page.locator("input.row-select").nth(0).uncheck()
    page.locator("input.row-select").nth(2).uncheck()
    assert "has-selection" not in (panel.get_attribute("class") or "")
    page.evaluate("() => localStorage.clear()")
    assert page.js_errors == []


def test_the_projects_page_lists_projects_and_links_their_traces(page, world: World):
    login(page, world.member.email, world.member.password)
    page.goto("/projects")
    rows = page.locator("table.data tbody tr")
    names = rows.locator("td strong").all_inner_texts()
    assert "support-rag" in names
    screenshot(page, "projects")
    rows.filter(has_text="support-rag").get_by_role("link", name="Traces →").click()
    page.wait_for_url(lambda url: "/traces" in url and "project=support-rag" in url)
    page.wait_for_selector("table.runs tbody tr")
    assert set(page.locator("table.runs tbody td[data-col=name] .muted").all_inner_texts()) == {"support-rag"}
    assert page.js_errors == []


def test_webhooks_screen_shows_the_secret_once_and_lists_deliveries(page, world: World):
    login(page, world.admin.email, world.admin.password)
    queue_id = world.single_queue["id"]
    page.goto(f"/queues/{queue_id}/webhooks")
    assert "No webhooks" in page.locator("main").inner_text()
    page.get_by_label("URL (https)").fill("http://127.0.0.1:9/reviewdesk-hook")
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator(".new-key code.key")
    assert secret.inner_text().startswith("whsec_")
    shown = secret.inner_text()
    card = page.locator("article.webhook")
    assert card.locator("h2").inner_text() == "http://127.0.0.1:9/reviewdesk-hook"
    assert "No deliveries yet." in card.inner_text()
    screenshot(page, "webhooks-created", full_page=True)
    card.get_by_role("button", name="Send a test").click()
    page.wait_for_selector("article.webhook td.mono")
    assert page.locator("article.webhook td.mono").first.inner_text() == "webhook.test"
    # The secret was shown once: after the test delivery's page it is gone, only its prefix stays.
    assert page.locator(".new-key").count() == 0
    assert shown not in page.content()
    assert "secret whsec_" in card.inner_text()  # only the prefix, to tell secrets apart
    screenshot(page, "webhooks-deliveries", full_page=True)
    assert page.js_errors == []


def test_the_exports_page_and_a_queues_items_page_fit_the_window(page, world: World):
    login(page, world.admin.email, world.admin.password)
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Exports").click()
    page.wait_for_url(lambda url: url.endswith("/exports"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "exports", full_page=True)
    page.goto(f"/queues/{world.single_queue['id']}/items")
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "queue-items", full_page=True)
    assert page.js_errors == []
