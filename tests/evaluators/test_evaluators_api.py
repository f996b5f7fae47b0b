"""The evaluators noun: who may manage it, versions on every change, and bad input named by field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from tests.conftest import ADMIN_KEY, settings_for_tests

CODE = {
    "name": "format",
    "key": "format_ok",
    "kind": "code",
    "spec": {"checks": [{"type": "valid_json"}, {"type": "length", "max": 2000}]},
}


def test_member_manages_reviewer_is_refused_everywhere(client, make_user):
    member, reviewer = make_user("member"), make_user("reviewer")
    created = client.post("/api/v1/evaluators", json=CODE, headers=member.headers)
    assert created.status_code == 201, created.text
    eid = created.json()["id"]
    calls = [
        ("post", "/api/v1/evaluators", CODE),
        ("get", "/api/v1/evaluators", None),
        ("get", f"/api/v1/evaluators/{eid}", None),
        ("patch", f"/api/v1/evaluators/{eid}", {"name": "x"}),
        ("delete", f"/api/v1/evaluators/{eid}", None),
        ("post", f"/api/v1/evaluators/{eid}/runs", {"filter": ""}),
        ("get", f"/api/v1/evaluators/{eid}/jobs", None),
        ("get", f"/api/v1/evaluators/{eid}/alignment?dataset_id={eid}", None),
        ("post", f"/api/v1/evaluators/{eid}/alignment/disagreements", {"queue_id": eid, "dataset_id": eid}),
    ]
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=reviewer.headers)
        assert response.status_code == 403, (method, url, response.text)
    assert client.request("get", f"/api/v1/evaluators/{eid}", headers=member.headers).status_code == 200


def test_every_change_is_a_new_version(client):
    eid = client.post("/api/v1/evaluators", json=CODE).json()["id"]
    changed = client.patch(f"/api/v1/evaluators/{eid}", json={"spec": {"checks": [{"type": "valid_json"}]}})
    assert changed.json()["version"] == 2
    client.patch(f"/api/v1/evaluators/{eid}", json={"online": {"filter": "latency > 2", "sample_rate": 0.5}})
    got = client.get(f"/api/v1/evaluators/{eid}").json()
    assert got["version"] == 3 and [v["version"] for v in got["versions"]] == [1, 2, 3]
    assert got["versions"][0]["spec"]["checks"][1] == {"type": "length", "max": 2000}
    assert got["online"] == {"filter": "latency > 2", "sample_rate": 0.5, "daily_budget_usd": None}
    assert client.delete(f"/api/v1/evaluators/{eid}").status_code == 204
    assert client.get(f"/api/v1/evaluators/{eid}").status_code == 404
    assert client.get("/api/v1/evaluators").json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CODE, "kind": "python"}, "kind"),
        ({**CODE, "spec": {"checks": [{"type": "regex", "pattern": "(unclosed"}]}}, "spec.checks[0].pattern"),
        (
            {**CODE, "spec": {"checks": [{"type": "json_schema", "schema": {"type": 7}}]}},
            "spec.checks[0].schema",
        ),
        ({**CODE, "spec": {"checks": [{"type": "pii", "kinds": ["dna"]}]}}, "spec.checks[0].kinds"),
        ({**CODE, "spec": {"checks": []}}, "spec.checks"),
        ({**CODE, "online": {"filter": "latency >", "sample_rate": 1}}, "online.filter"),
        ({**CODE, "online": {"sample_rate": 2}}, "online.sample_rate"),
        ({**CODE, "name": ""}, "name"),
        (
            {
                "name": "j",
                "key": "q",
                "kind": "llm_judge",
                "spec": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "prompt": "p", "api_key": "sk-1"},
            },
            "spec.api_key",
        ),
        (
            {
                "name": "j",
                "key": "q",
                "kind": "llm_judge",
                "spec": {"base_url": "ftp://x", "model": "m", "prompt": "p"},
            },
            "spec.base_url",
        ),
        (
            {
                "name": "j",
                "key": "q",
                "kind": "llm_judge",
                "spec": {
                    "base_url": "http://127.0.0.1:9/v1",
                    "model": "m",
                    "prompt": "p",
                    "api_key_env": "no spaces",
                },
            },
            "spec.api_key_env",
        ),
    ],
)
def test_bad_definitions_are_400_naming_the_field(client, body, field):
    response = client.post("/api/v1/evaluators", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("check", "field"),
    [
        ({"type": "length", "min": "a"}, "min"),
        ({"type": "length", "min": 10, "max": 5}, "min"),
        ({"type": "reference_match", "threshold": "x"}, "threshold"),
        ({"type": "reference_match", "threshold": 1.5}, "threshold"),
        ({"type": "reference_match", "mode": "close"}, "mode"),
        ({"type": "contains", "values": ["a"], "mode": "most"}, "mode"),
        ({"type": "contains", "values": ["a"], "case_sensitive": "yes"}, "case_sensitive"),
        ({"type": "regex", "pattern": "a", "must_match": "no"}, "must_match"),
        ({"type": "regex"}, "pattern"),
        ({"type": "pii", "kinds": 3}, "kinds"),
        ({"type": "valid_json", "field": ["outputs"]}, "field"),
        ({"type": "valid_json", "feild": "inputs"}, "feild"),
        ({"type": "cost"}, "max"),
    ],
)
def test_code_check_parameters_are_checked_when_saved(client, check, field):
    """A parameter of the wrong type used to be saved, then fail every job (and "try") on every run."""
    response = client.post("/api/v1/evaluators", json={**CODE, "spec": {"checks": [check]}})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == f"spec.checks[0].{field}"


def test_every_parameter_a_check_documents_is_accepted(client):
    checks = [
        {"type": "regex", "field": "inputs", "pattern": "x", "must_match": False},
        {"type": "contains", "field": "outputs", "values": ["a", "b"], "mode": "all", "case_sensitive": True},
        {"type": "valid_json", "field": "outputs"},
        {"type": "json_schema", "schema": {"type": "object"}},
        {"type": "length", "min": 0, "max": 10},
        {"type": "latency_ms", "max": 2000},
        {"type": "total_tokens", "max": 4000},
        {"type": "cost", "max": 0.05},
        {"type": "pii", "kinds": ["email", "iban"]},
        {"type": "reference_match", "mode": "fuzzy", "threshold": 0.8},
    ]
    response = client.post("/api/v1/evaluators", json={**CODE, "spec": {"checks": checks}})
    assert response.status_code == 201, response.text


def test_judge_on_a_private_address_is_refused_without_the_setting(db):
    app = create_app(settings_for_tests(), db=db)  # REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS unset
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as client:
        for url in ("http://127.0.0.1:8080/v1", "http://169.254.169.254/v1", "http://10.0.0.5/v1"):
            body = {
                "name": "j",
                "key": "q",
                "kind": "llm_judge",
                "spec": {"base_url": url, "model": "m", "prompt": "p"},
            }
            response = client.post("/api/v1/evaluators", json=body)
            assert response.status_code == 400 and response.json()["error"]["field"] == "spec.base_url", url


def test_api_key_env_is_stored_by_name_only(client):
    body = {
        "name": "j",
        "key": "q",
        "kind": "llm_judge",
        "spec": {
            "base_url": "http://127.0.0.1:9/v1",
            "model": "m",
            "prompt": "p",
            "api_key_env": "OPENAI_API_KEY",
        },
    }
    got = client.post("/api/v1/evaluators", json=body).json()
    assert got["spec"]["api_key_env"] == "OPENAI_API_KEY" and "api_key" not in got["spec"]


def test_offline_run_and_alignment_input_errors(client):
    eid = client.post("/api/v1/evaluators", json=CODE).json()["id"]
    both = client.post(f"/api/v1/evaluators/{eid}/runs", json={"filter": "", "dataset_id": eid})
    assert both.status_code == 400 and both.json()["error"]["field"] == "filter"
    bad_version = client.post(f"/api/v1/evaluators/{eid}/runs", json={"filter": "", "version": 9})
    assert bad_version.status_code == 400 and bad_version.json()["error"]["field"] == "version"
    neither = client.get(f"/api/v1/evaluators/{eid}/alignment")
    assert neither.status_code == 400 and neither.json()["error"]["field"] == "queue_id"
