"""Every page and htmx endpoint, for every role, on SQLite and PostgreSQL: 403 where the services say so.

Runs without a browser: the TestClient logs in through the login form like a person would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import (
    accounts,
    calibrations,
    dataset_versions,
    datasets,
    evaluator_runs,
    evaluators,
    queue_items,
    rules,
)
from reviewdesk.store.database import Database
from tests.conftest import settings_for_tests
from tests.web.seed import PASSWORD, World, make_world

ROLES = ("admin", "member", "reviewer", "outsider")
EVERYONE_BUT_ADMINS = {"member", "reviewer", "outsider"}
NOT_MANAGERS = {"reviewer", "outsider"}
NOT_WORKERS = {"member", "outsider"}  # the queue is assigned to the reviewer and the admin only

DASHBOARD_PANELS = ("scores", "queues", "agreement", "human-vs-model", "pairwise", "reviewers")

_CODE_EVALUATOR = {"name": "format-{role}", "key": "format_ok", "kind": "code", "checks-0-type": "valid_json"}

# (method, path template, form, roles answered 403)
ROUTES = [
    ("GET", "/", None, set()),
    ("GET", "/account/password", None, set()),
    ("GET", "/queues/new", None, set()),
    ("GET", "/queues/{q}", None, {"outsider"}),
    ("GET", "/queues/{q}/review", None, NOT_WORKERS),
    ("GET", "/queues/{q}/settings", None, NOT_MANAGERS),
    ("GET", "/queues/{q}/items", None, NOT_MANAGERS),
    ("GET", "/queues/{q}/items?status=flagged", None, NOT_MANAGERS),
    ("GET", "/queues/{q}/rules", None, NOT_MANAGERS),
    ("GET", "/traces", None, NOT_MANAGERS),
    ("GET", "/traces?q=name+%3D%3D+%22x%22", None, NOT_MANAGERS),
    ("GET", "/traces/count", None, NOT_MANAGERS),
    ("GET", "/traces/{run}", None, NOT_MANAGERS),
    ("GET", "/runs/{run}", None, NOT_MANAGERS),
    ("GET", "/items/{item}/trace", None, NOT_WORKERS),
    ("GET", "/datasets", None, NOT_MANAGERS),
    ("GET", "/datasets/{ds}", None, NOT_MANAGERS),
    ("GET", "/datasets/{ds}?at=tag:first&split=train", None, NOT_MANAGERS),
    ("GET", "/datasets/{ds}/export?format=parquet", None, NOT_MANAGERS),
    ("GET", "/exports", None, NOT_MANAGERS),
    ("GET", "/exports/feedback?format=csv&pivot=1", None, NOT_MANAGERS),
    ("GET", "/admin/score-configs", None, set()),
    ("GET", "/dashboards", None, set()),
    ("GET", "/dashboards?queue={q}", None, {"outsider"}),
    ("GET", "/queues/{q}/dashboard", None, set()),  # a redirect; the page it leads to decides
    *[("GET", f"/dashboards/panels/{name}", None, set()) for name in DASHBOARD_PANELS],
    *[("GET", f"/dashboards/panels/{name}?queue={{q}}", None, {"outsider"}) for name in DASHBOARD_PANELS],
    ("GET", '/dashboards/panels/scores?filter=name+%3D%3D+"x"', None, NOT_MANAGERS),
    ("GET", "/calibrations", None, NOT_MANAGERS),
    ("GET", "/calibrations/{cal}", None, NOT_MANAGERS),
    ("GET", "/admin/users", None, EVERYONE_BUT_ADMINS),
    ("GET", "/admin/audit", None, EVERYONE_BUT_ADMINS),
    ("GET", "/projects", None, NOT_MANAGERS),
    ("GET", "/queues/{q}/webhooks", None, EVERYONE_BUT_ADMINS),
    ("GET", "/queues/{q}/review/prefetch?after={item}", None, NOT_WORKERS),
    ("GET", "/queues/{q}/review/progress", None, {"outsider"}),
    ("POST", "/queues/new", {"name": "made-by-{role}"}, NOT_MANAGERS),
    ("POST", "/queues/{q}/settings", {"name": "support-answers"}, NOT_MANAGERS),
    ("POST", "/queues/{q}/rules/preview", {"filter": 'name == "x"'}, NOT_MANAGERS),
    ("POST", "/queues/{q}/rules", {"name": "r", "filter": 'name == "y"'}, NOT_MANAGERS),
    ("POST", "/queues/{q}/rules/{rule}/backfill", {"since": "2026-01-01T00:00"}, NOT_MANAGERS),
    ("POST", "/queues/{q}/rules/{rule}/delete", {}, NOT_MANAGERS),
    ("POST", "/items/{item}/heartbeat", {}, NOT_WORKERS),
    ("POST", "/items/{item}/submit", {"queue_id": "{q}", "answer.overall_quality": "good"}, NOT_WORKERS),
    ("POST", "/items/{item}/skip", {"queue_id": "{q}"}, NOT_WORKERS),
    ("POST", "/items/{item}/flag", {"queue_id": "{q}", "reason": "odd"}, NOT_WORKERS),
    ("POST", "/items/{item}/release", {"queue_id": "{q}"}, NOT_WORKERS),
    ("POST", "/queues/{q}/items/{item}/resolve", {"action": "pending"}, EVERYONE_BUT_ADMINS),
    ("POST", "/traces/add-to-queue", {"queue_id": "{q}", "run_id": "{run}"}, NOT_MANAGERS),
    ("POST", "/runs/{run}/annotate", {"key": "overall_quality", "value": "good"}, NOT_MANAGERS),
    ("POST", "/datasets", {"name": "ds-{role}"}, NOT_MANAGERS),
    ("POST", "/datasets/{ds}/tags", {"tag": "t-{role}"}, NOT_MANAGERS),
    ("POST", "/datasets/{ds}/splits", {"split_name": "train", "split_share": "1"}, NOT_MANAGERS),
    ("POST", "/datasets/{ds}/examples/{run}/delete", {}, NOT_MANAGERS),
    (
        "POST",
        "/queues/{q}/webhooks",
        {"url": "https://127.0.0.1/hook", "events": "item.completed"},
        EVERYONE_BUT_ADMINS,
    ),
    ("POST", "/traces/add-to-dataset", {"dataset_id": "{ds}", "run_id": "{run}"}, NOT_MANAGERS),
    ("POST", "/runs/{run}/add-to-dataset", {"dataset_id": "{ds}"}, NOT_MANAGERS),
    ("POST", "/admin/score-configs", {"key": "k-{role}", "type": "boolean"}, NOT_MANAGERS),
    ("POST", "/admin/score-configs/no-such-key/delete", {}, NOT_MANAGERS),
    ("POST", "/admin/score-configs/overall_quality/edit", {"options": "good\nacceptable\nbad"}, NOT_MANAGERS),
    ("POST", "/admin/users", {"email": "new-{role}@example.com", "role": "reviewer"}, EVERYONE_BUT_ADMINS),
    ("POST", "/admin/users/{admin}", {"role": "admin"}, EVERYONE_BUT_ADMINS),
    ("POST", "/admin/users/{admin}/api-keys", {"name": "k"}, EVERYONE_BUT_ADMINS),
    ("POST", "/admin/api-keys/{key}/revoke", {}, EVERYONE_BUT_ADMINS),
    ("GET", "/evaluators", None, NOT_MANAGERS),
    ("GET", "/evaluators?try_run={run}", None, NOT_MANAGERS),
    ("GET", "/evaluators/new", None, NOT_MANAGERS),
    ("GET", "/evaluators/{ev}", None, NOT_MANAGERS),
    ("GET", "/evaluators/{ev}/edit?run_id={run}", None, NOT_MANAGERS),
    ("GET", "/evaluators/{ev}/alignment?queue_id={q}", None, NOT_MANAGERS),
    ("GET", "/evaluators/{ev}/runs/{batch}", None, NOT_MANAGERS),
    ("GET", "/evaluators/{ev}/runs/{batch}/progress", None, NOT_MANAGERS),
    ("POST", "/evaluators/try", {**_CODE_EVALUATOR, "try_run_id": "{run}"}, NOT_MANAGERS),
    ("POST", "/evaluators/new", _CODE_EVALUATOR, NOT_MANAGERS),
    ("POST", "/evaluators/{ev}/edit", _CODE_EVALUATOR, NOT_MANAGERS),
    ("POST", "/evaluators/{ev}/runs", {"source": "filter", "filter": ""}, NOT_MANAGERS),
    ("POST", "/evaluators/{ev}/runs", {"source": "dataset", "dataset_id": "{ds}"}, NOT_MANAGERS),
    (
        "POST",
        "/evaluators/{ev}/alignment/disagreements",
        {"queue_id": "{q}", "target_queue_id": "{q}"},
        NOT_MANAGERS,
    ),
    ("POST", "/evaluators/{ev}/delete", {}, NOT_MANAGERS),  # last: the evaluator is gone after it
]


def login(client: TestClient, email: str) -> str:
    """Log in through the form; return the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)


@pytest.fixture
def world(db: Database) -> World:
    return make_world(db, runs=3, pairs=1)


@pytest.fixture
def web_client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for_tests(), db=db)) as client:
        yield client


def _ids(db: Database, world: World) -> dict[str, str]:
    rule = rules.create_rule(db, SYSTEM_ACTOR, world.single_queue["id"], {"filter": 'name == "z"'})
    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "golden"})
    datasets.add_examples(
        db, SYSTEM_ACTOR, dataset["id"], {"run_ids": [str(world.run_ids[1])], "split": "train"}
    )
    dataset_versions.tag_version(db, SYSTEM_ACTOR, dataset["id"], {"tag": "first"})
    key = accounts.create_api_key(db, SYSTEM_ACTOR, world.admin.id, name="spare")
    item = queue_items.list_items(db, SYSTEM_ACTOR, world.single_queue["id"], status=None, limit=1, offset=0)[
        0
    ]
    spec = {"checks": [{"type": "valid_json"}]}
    body = {"name": "format", "key": "format_ok", "kind": "code", "spec": spec}
    evaluator = evaluators.create_evaluator(db, SYSTEM_ACTOR, body, None)
    batch = evaluator_runs.start_run(db, SYSTEM_ACTOR, evaluator["id"], {"filter": ""})
    calibration = calibrations.create_calibration(
        db,
        SYSTEM_ACTOR,
        {
            "name": "Dec",
            "queue_id": str(world.single_queue["id"]),
            "run_ids": [str(r) for r in world.run_ids[:2]],
        },
    )
    return {
        "ev": str(evaluator["id"]),
        "batch": batch["id"],
        "cal": str(calibration["id"]),
        "q": str(world.single_queue["id"]),
        "run": str(world.run_ids[0]),
        "item": str(item["id"]),
        "rule": str(rule["id"]),
        "key": str(key["id"]),
        "admin": str(world.admin.id),
        "ds": str(dataset["id"]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_endpoint_answers_403_where_the_services_forbid(role, db, world, web_client):
    ids = _ids(db, world)
    email = {
        "admin": world.admin.email,
        "member": world.member.email,
        "reviewer": world.reviewer.email,
        "outsider": world.other_reviewer.email,
    }[role]
    token = login(web_client, email)
    for method, template, form, forbidden_for in ROUTES:
        path = template.format(**ids)
        if method == "GET":
            response = web_client.get(path, follow_redirects=False)
        else:
            data = {k: v.format(role=role, **ids) for k, v in (form or {}).items()}
            response = web_client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        where = f"{role} {method} {path}: {response.status_code}"
        if role in forbidden_for:
            assert response.status_code == 403, where
            assert "support_answer" not in response.text, where  # the page shows no run data
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
        else:
            assert response.status_code != 403, f"{where} {response.text[:300]}"
            assert response.status_code < 500, where


def test_anonymous_visitors_are_sent_to_log_in(web_client, world):
    for path in ("/", "/traces", f"/queues/{world.single_queue['id']}/review", "/admin/users"):
        response = web_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    htmx = web_client.get("/traces", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/login")
