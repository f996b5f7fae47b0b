"""The OpenAPI document tells the truth: bodies, error statuses, auth; and the HTTP rules it implies."""

from __future__ import annotations

import uuid

import pytest

from reviewdesk.api import openapi
from reviewdesk.api.schemas import NO_BODY, PUBLIC_OPERATIONS, REQUEST_BODIES, operation_key
from reviewdesk.app import create_app
from tests.conftest import settings_for_tests

BODY_METHODS = {"POST", "PUT", "PATCH"}


@pytest.fixture(scope="module")
def app():
    return create_app(settings_for_tests())


@pytest.fixture(scope="module")
def document(app):
    return app.openapi()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_every_write_operation_is_registered_with_its_body(app):
    """A new POST/PUT/PATCH route fails here until its body model is in api/schemas REQUEST_BODIES."""
    routes = openapi.api_routes(app)
    missing = sorted(
        f"{method} {route.path_format} -> register {operation_key(route.endpoint)!r}"
        for route in routes
        for method in route.methods
        if method in BODY_METHODS and operation_key(route.endpoint) not in REQUEST_BODIES
    )
    assert not missing, "request bodies not declared:\n" + "\n".join(missing)
    known = {operation_key(route.endpoint) for route in routes}
    assert not set(REQUEST_BODIES) - known, "registered operations that no longer exist"
    assert known >= PUBLIC_OPERATIONS


def test_the_document_declares_bodies_and_the_statuses_the_api_uses(document):
    with_body = 0
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        assert "422" not in responses, f"{method} {path}: validation answers 400, not 422"
        assert responses["400"]["content"]["application/json"]["schema"] == openapi.ERROR_REF
        public = operation.get("security") == []
        assert public or {"401", "403"} <= set(responses), f"{method} {path}"
        if "requestBody" in operation:
            with_body += 1
            assert "413" in responses, f"{method} {path}"
    assert with_body >= 70  # of 72 today: every write that reads a body
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["error"]
    assert {"apiKey", "bearer"} <= set(document["components"]["securitySchemes"])
    queue = document["paths"]["/api/v1/queues"]["post"]["requestBody"]["content"]["application/json"]
    assert queue["schema"] == {"$ref": "#/components/schemas/QueueCreate"}
    assert "name" in document["components"]["schemas"]["QueueCreate"]["required"]


def test_body_less_writes_declare_none(document):
    for path, method, operation in _operations(document):
        if path.endswith(("/heartbeat", "/release", "/next")):
            assert "requestBody" not in operation, f"{method} {path}"
    assert REQUEST_BODIES["items.heartbeat"] is NO_BODY


def test_405_names_the_allowed_methods(client):
    response = client.put("/api/v1/queues")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
    one = client.put(f"/api/v1/queues/{uuid.uuid4()}")
    assert one.status_code == 405 and one.headers["allow"] == "DELETE, GET, HEAD, PATCH"


def test_unknown_query_parameters_are_refused_by_name(client):
    response = client.get("/api/v1/queues", params={"include_archived": "true", "lmit": "5"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "lmit" and error["code"] == "unknown_query_parameter"
    assert "include_archived" in error["message"]
    assert client.get("/api/v1/health", params={"verbose": "1"}).status_code == 400
    assert client.get("/api/v1/queues", params={"include_archived": "true"}).status_code == 200
    # repeated list parameters are one name
    assert client.get("/api/v1/feedback", params=[("key", "a"), ("key", "b")]).status_code == 200


def test_validation_errors_answer_400_naming_the_parameter(client):
    response = client.get("/api/v1/runs/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "run_id"
