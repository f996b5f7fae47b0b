"""Every response carries the security headers: API answers, errors of every kind, docs, pages, files."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from tests.conftest import ADMIN_KEY, settings_for_tests


def _assert_secured(response, *, csp_starts: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["referrer-policy"] == "same-origin", response.url
    assert headers["x-frame-options"] == "DENY", response.url
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and csp.startswith(csp_starts), (response.url, csp)
    assert len(headers.get_list("content-security-policy")) == 1, response.url  # one policy, not two


NOTHING_LOADS = "default-src 'none'"
PAGE = "default-src 'self'; script-src 'self'; style-src 'self';"


def test_api_answers_and_errors_carry_the_headers(client, make_user):
    reviewer = make_user("reviewer")
    cases = [
        (client.get("/api/v1/queues"), 200),
        (client.post("/api/v1/queues", json={"name": ""}), 400),
        (client.get("/api/v1/queues", headers={"x-api-key": "wrong"}), 401),
        (client.get("/api/v1/runs/00000000-0000-4000-8000-000000000000", headers=reviewer.headers), 403),
        (client.get("/api/v1/no-such-route"), 404),
        (client.delete("/api/v1/health"), 405),
        (client.get("/api/v1/exports/feedback", params={"format": "csv"}), 200),
        (client.get("/openapi.json"), 200),
        (client.get("/static/vendor/htmx/htmx.min.js"), 200),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.url, response.text[:200])
        _assert_secured(response, csp_starts=NOTHING_LOADS)


def test_a_refused_oversized_body_carries_them(db):
    app = create_app(settings_for_tests(max_body_bytes=1000), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as small:
        response = small.post("/api/v1/runs/batch", content=b"x" * 5000)
    assert response.status_code == 413
    _assert_secured(response, csp_starts=NOTHING_LOADS)


def test_an_unexpected_error_is_a_500_in_the_error_shape_with_them(db):
    app = create_app(settings_for_tests(), db=db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/v1/broken")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "internal server error", "field": None}
    }
    _assert_secured(response, csp_starts=NOTHING_LOADS)


@pytest.mark.parametrize("path", ["/login", "/queues/00000000-0000-4000-8000-000000000000"])
def test_web_pages_and_their_errors_carry_the_page_policy(client, path):
    response = client.get(path, headers={"x-api-key": ""}, follow_redirects=False)
    assert response.status_code in (200, 303)
    _assert_secured(response, csp_starts=NOTHING_LOADS if response.status_code == 303 else PAGE)


def test_docs_pages_use_vendored_assets_under_their_policy(client):
    for path, assets in (
        ("/docs", ["/static/vendor/swagger-ui-dist/swagger-ui-bundle.js", "/static/js/api-docs.js"]),
        ("/redoc", ["/static/vendor/redoc/redoc.standalone.js"]),
    ):
        response = client.get(path)
        assert response.status_code == 200
        _assert_secured(response, csp_starts="default-src 'self'; script-src 'self';")
        assert "cdn" not in response.text.lower() and "https://" not in response.text
        for asset in assets:
            assert f'src="{asset}?v=' in response.text
            assert client.get(asset).status_code == 200
    assert client.get("/docs/oauth2-redirect").status_code == 404
