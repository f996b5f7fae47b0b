"""/docs and /redoc render the API's operations from vendored assets with the network cut off."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web.conftest import screenshot


def _offline(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request that is not to 127.0.0.1 (a CDN would be one); return what was blocked."""
    blocked: list[str] = []

    def route(request_route) -> None:  # type: ignore[no-untyped-def]
        url = request_route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return blocked


def test_swagger_ui_lists_operations_offline(page):
    blocked = _offline(page)
    page.goto("/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    assert "/api/v1/runs/batch" in _paths(page.locator(".opblock-summary-path"))
    # Swagger UI draws only the operations in view (a virtual list); its deep link scrolls to a tag.
    page.goto("about:blank")
    page.goto("/docs#/webhooks")
    webhooks = page.locator("[id^='operations-webhooks-'] .opblock-summary-path")
    webhooks.first.wait_for(timeout=20_000)
    assert "/api/v1/queues/{queue_id}/webhooks" in _paths(webhooks)
    page.locator("#operations-tag-webhooks").scroll_into_view_if_needed()
    screenshot(page, "api-docs-swagger")
    assert blocked == []
    assert page.js_errors == []  # includes CSP violations


def _paths(locator) -> list[str]:  # type: ignore[no-untyped-def]
    return [locator.nth(i).get_attribute("data-path") for i in range(locator.count())]


# Redoc's attribution badge asks cdn.redoc.ly for its logo; the docs CSP refuses that (so the
# browser never sends it), and the refusal is the one console message the page may log.
REDOC_LOGO_REFUSED = "Loading the image 'https://cdn.redoc.ly/redoc/logo-mini"


def test_redoc_lists_operations_offline(page):
    blocked = _offline(page)
    page.goto("/redoc")
    operations = page.locator("[data-testid='items-navigation-list'] a")
    operations.filter(has_text="/api/v1/queues/{queue_id}/webhooks").first.wait_for(timeout=20_000)
    assert operations.filter(has_text="/api/v1/runs/batch").count() >= 1
    assert operations.count() > 20  # the first five of each tag; "+ Show" unfolds the rest
    screenshot(page, "api-docs-redoc")
    assert blocked == []
    assert [e for e in page.js_errors if not e.startswith(REDOC_LOGO_REFUSED)] == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_cannot_be_framed_and_load_scripts_only_from_here(page, path):
    response = page.goto(path)
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
