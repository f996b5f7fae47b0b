"""Webhooks through the real API, delivered to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.domain.destinations import parse_policy
from reviewdesk.domain.webhook_signing import verify
from reviewdesk.services import webhooks as webhooks_service
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.services.webhook_dispatcher import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    check_backlog_alerts,
)
from reviewdesk.services.webhook_dispatcher import dispatch_due as dispatch_with
from reviewdesk.store import queues as queues_store
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.factories import TableResolver, run_payload

RUBRIC = [{"key": "overall_quality", "required": True}]
# The receivers listen on 127.0.0.1; the policy lets exactly that address through, nothing else.
LOOPBACK_ONLY = "127.0.0.1/32"
# Names used in these tests resolve from this table: no DNS packet leaves the machine.
NAMES = {"hooks.example.com": ["93.184.215.14"], "example.com": ["93.184.215.14"]}
LOOPBACK_GUARD = DestinationGuard(parse_policy(LOOPBACK_ONLY), TableResolver(NAMES))


def dispatch_due(db, now=None, *, guard: DestinationGuard = LOOPBACK_GUARD) -> int:
    return dispatch_with(db, now, guard=guard)


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 refuses connections when three dispatchers send at once.
    request_queue_size = 128


class Receiver:
    """An HTTP endpoint that records every request and answers 500 to the first `fail_first`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_first = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                        }
                    )
                    failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"receiver down" if failing else b"ok")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    yield rx
    rx.close()


@pytest.fixture
def client(db) -> Iterator[TestClient]:
    """The app with its dispatcher thread off: the tests run each pass themselves, at a `now` they pick."""
    app = create_app(settings_for_tests(allow_private_destinations=LOOPBACK_ONLY), db=db)
    app.state.destination_guard = LOOPBACK_GUARD
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as test_client:
        yield test_client


@pytest.fixture
def queue(client) -> dict:
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "overall_quality", "type": "categorical", "options": ["good", "bad"]},
    )
    response = client.post(
        "/api/v1/queues", json={"name": "hooks", "rubric": RUBRIC, "reviewers_per_item": 1}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _add_runs(client, queue_id: str, n: int) -> list[str]:
    runs = [run_payload() for _ in range(n)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue_id}/items", json={"run_ids": [r["id"] for r in runs]})
    return [r["id"] for r in runs]


def _hook(client, queue_id: str, url: str, **body) -> dict:
    response = client.post(f"/api/v1/queues/{queue_id}/webhooks", json={"url": url, **body})
    assert response.status_code == 201, response.text
    return response.json()


def _review_next(client, queue_id: str, action: str, body: dict) -> dict:
    item = client.post(f"/api/v1/queues/{queue_id}/next").json()["item"]
    response = client.post(f"/api/v1/items/{item['id']}/{action}", json=body)
    assert response.status_code == 200, response.text
    return item


def _deliveries(client, queue_id: str, hook_id: str) -> list[dict]:
    response = client.get(f"/api/v1/queues/{queue_id}/webhooks/{hook_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_completing_an_item_delivers_a_signed_item_completed(client, db, queue, receiver):
    hook = _hook(client, queue["id"], receiver.url, events=["item.completed"])
    (run_id,) = _add_runs(client, queue["id"], 1)
    item = _review_next(client, queue["id"], "submit", {"answers": {"overall_quality": "good"}})
    assert dispatch_due(db) == 1
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks" and headers["content-type"] == "application/json"
    verify(hook["secret"], headers, body)
    # The same check by hand, from the published scheme: HMAC-SHA256 over "{id}.{timestamp}.{body}".
    key = base64.b64decode(hook["secret"].removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    event = json.loads(body)
    assert event["type"] == "item.completed"
    assert event["data"]["item_id"] == item["id"] and event["data"]["run_id"] == run_id
    assert event["data"]["queue_id"] == queue["id"] and event["data"]["reviews_done"] == 1
    (delivery,) = _deliveries(client, queue["id"], hook["id"])
    assert delivery["id"] == headers["webhook-id"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
    assert dispatch_due(db) == 0


def test_flagging_delivers_item_flagged_only_to_subscribers(client, db, queue, receiver):
    flags = _hook(client, queue["id"], receiver.url, events=["item.flagged"])
    completions = _hook(client, queue["id"], receiver.url + "/completed", events=["item.completed"])
    _add_runs(client, queue["id"], 1)
    item = _review_next(client, queue["id"], "flag", {"reason": "PII in output"})
    assert dispatch_due(db) == 1
    (event,) = receiver.events()
    assert event["type"] == "item.flagged"
    assert event["data"]["item_id"] == item["id"] and event["data"]["reason"] == "PII in output"
    verify(flags["secret"], receiver.requests[0]["headers"], receiver.requests[0]["body"])
    assert _deliveries(client, queue["id"], completions["id"]) == []


def test_a_pending_item_and_a_rejected_submit_send_nothing(client, db, queue, receiver):
    client.patch(f"/api/v1/queues/{queue['id']}", json={"reviewers_per_item": 2})
    _hook(client, queue["id"], receiver.url)
    _add_runs(client, queue["id"], 1)
    item = client.post(f"/api/v1/queues/{queue['id']}/next").json()["item"]
    bad = client.post(f"/api/v1/items/{item['id']}/submit", json={"answers": {"overall_quality": "meh"}})
    assert bad.status_code == 400
    ok = client.post(f"/api/v1/items/{item['id']}/submit", json={"answers": {"overall_quality": "good"}})
    assert ok.json()["item_status"] == "pending"
    assert dispatch_due(db) == 0 and receiver.requests == []


def test_a_failing_receiver_is_retried_with_growing_delays_then_failed(client, db, queue, receiver):
    receiver.fail_first = 1000
    hook = _hook(client, queue["id"], receiver.url, events=["item.completed"])
    _add_runs(client, queue["id"], 1)
    _review_next(client, queue["id"], "submit", {"answers": {"overall_quality": "good"}})
    now = utcnow()
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            assert dispatch_due(db, now - timedelta(seconds=1)) == 0  # not due before its backoff
        assert dispatch_due(db, now) == 1
        (delivery,) = _deliveries(client, queue["id"], hook["id"])
        assert delivery["attempts"] == attempt
        assert (
            delivery["last_status_code"] == 500 and delivery["last_error"] == "HTTP 500 Internal Server Error"
        )
        if attempt < MAX_ATTEMPTS:
            assert delivery["status"] == "pending"
            next_at = datetime.fromisoformat(delivery["next_attempt_at"])
            delays.append((next_at - now).total_seconds())
            now = next_at
    assert delays == list(RETRY_DELAYS)
    assert all(later > earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert delivery["status"] == "failed"
    assert dispatch_due(db, now + timedelta(days=30)) == 0
    assert len(receiver.requests) == MAX_ATTEMPTS
    # Every retry is the same message: same id, same bytes, so a receiver can deduplicate.
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1
    failed = client.get(
        f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/deliveries", params={"status": "failed"}
    ).json()["items"]
    assert [d["id"] for d in failed] == [delivery["id"]]
    audit = client.get("/api/v1/audit").json()["items"]
    assert [e["details"]["delivery_id"] for e in audit if e["action"] == "webhook.delivery_failed"] == [
        delivery["id"]
    ]


def test_a_receiver_that_recovers_gets_the_delivery(client, db, queue, receiver):
    receiver.fail_first = 2
    hook = _hook(client, queue["id"], receiver.url)
    _add_runs(client, queue["id"], 1)
    _review_next(client, queue["id"], "submit", {"answers": {"overall_quality": "good"}})
    now = utcnow()
    assert dispatch_due(db, now) == 1
    assert dispatch_due(db, now + timedelta(seconds=4)) == 0  # not due before its backoff
    assert dispatch_due(db, now + timedelta(seconds=5)) == 1
    assert dispatch_due(db, now + timedelta(seconds=5 + 30)) == 1
    (delivery,) = _deliveries(client, queue["id"], hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
    assert delivery["last_error"] is None and delivery["delivered_at"] is not None


def test_concurrent_dispatchers_send_each_delivery_once(client, db, queue, receiver):
    hook = _hook(client, queue["id"], receiver.url)
    with db.write() as conn:
        for n in range(45):
            webhooks_service.enqueue(conn, uuid.UUID(queue["id"]), "item.completed", {"n": n})
    now = utcnow()

    def drain() -> None:
        while dispatch_due(db, now):
            pass

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(ids) == 45 and len(set(ids)) == 45
    delivered = _deliveries(client, queue["id"], hook["id"])
    assert {(d["status"], d["attempts"]) for d in delivered} == {("delivered", 1)}


def test_an_unreachable_url_is_logged_as_an_error(client, db, queue, receiver):
    receiver.close()  # nothing listens on that port any more
    hook = _hook(client, queue["id"], receiver.url)
    client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    assert dispatch_due(db) == 1
    (delivery,) = _deliveries(client, queue["id"], hook["id"])
    assert delivery["status"] == "pending" and delivery["last_status_code"] is None
    assert delivery["last_error"].startswith("ConnectError")


def test_backlog_alert_fires_once_and_again_after_it_clears(client, db, queue, receiver):
    _hook(client, queue["id"], receiver.url, events=["queue.backlog_alert"])
    _add_runs(client, queue["id"], 2)
    # A queue made today has no throughput to judge its backlog by: no alert yet.
    assert check_backlog_alerts(db) == []
    with db.write() as conn:
        queues_store.update(conn, uuid.UUID(queue["id"]), {"created_at": utcnow() - timedelta(days=8)})
    # A week old, nothing completed this week and items pending: over any threshold.
    assert [str(q) for q in check_backlog_alerts(db)] == [queue["id"]]
    assert check_backlog_alerts(db) == []
    dispatch_due(db)
    (event,) = receiver.events()
    assert event["type"] == "queue.backlog_alert"
    assert event["data"]["queue_id"] == queue["id"] and event["data"]["pending"] == 2
    for _ in range(2):
        _review_next(client, queue["id"], "submit", {"answers": {"overall_quality": "good"}})
    assert check_backlog_alerts(db) == []  # cleared: nothing pending
    _add_runs(client, queue["id"], 1)  # 1 pending at 2 a week is 3.5 days, over the 3-day threshold
    assert len(check_backlog_alerts(db)) == 1
    dispatch_due(db)
    assert [e["type"] for e in receiver.events()] == ["queue.backlog_alert"] * 2
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert actions.count("queue.backlog_alert") == 2


def test_secret_is_shown_once_and_create_delete_are_audited(client, queue, receiver):
    given = "whsec_" + base64.b64encode(b"k" * 32).decode()
    hook = _hook(client, queue["id"], receiver.url, secret=given, events=["item.flagged", "item.completed"])
    assert hook["secret"] == given and hook["secret_prefix"] == given[:10]
    assert hook["events"] == ["item.completed", "item.flagged"]
    generated = _hook(client, queue["id"], receiver.url)
    assert generated["secret"].startswith("whsec_") and generated["secret"] != given
    assert generated["events"] == [
        "item.completed",
        "item.flagged",
        "queue.backlog_alert",
        "calibration.alert",
    ]
    listed = client.get(f"/api/v1/queues/{queue['id']}/webhooks").json()["items"]
    assert [w["id"] for w in listed] == [hook["id"], generated["id"]]
    assert all("secret" not in w and w["secret_prefix"].startswith("whsec_") for w in listed)
    assert client.delete(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}").status_code == 204
    assert client.delete(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}").status_code == 404
    assert [w["id"] for w in client.get(f"/api/v1/queues/{queue['id']}/webhooks").json()["items"]] == [
        generated["id"]
    ]
    events = client.get("/api/v1/audit").json()["items"]
    mine = [e for e in events if e["action"].startswith("webhook.")]
    assert sorted(e["action"] for e in mine) == ["webhook.create", "webhook.create", "webhook.delete"]
    assert given not in json.dumps(events) and generated["secret"] not in json.dumps(events)


BAD_WEBHOOKS = [
    ({}, "url"),
    ({"url": "ftp://127.0.0.1/x"}, "url"),
    ({"url": "http://"}, "url"),
    ({"url": "http://127.0.0.1:99999/x"}, "url"),
    ({"url": "https://user:pw@example.com/x"}, "url"),
    ({"url": "https://example.com/x", "events": []}, "events"),
    ({"url": "https://example.com/x", "events": ["item.completed", "item.deleted"]}, "events[1]"),
    ({"url": "https://example.com/x", "secret": "hunter2"}, "secret"),
    ({"url": "https://example.com/x", "secret": "whsec_c2hvcnQ="}, "secret"),
    ({"url": "https://example.com/x", "enabled": "yes"}, "enabled"),
    ({"url": "https://example.com/x", "headers": {}}, "headers"),
]


def test_bad_webhooks_are_400_naming_the_field(client, queue):
    for body, field in BAD_WEBHOOKS:
        response = client.post(f"/api/v1/queues/{queue['id']}/webhooks", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["field"] == field, body
    assert client.get(f"/api/v1/queues/{queue['id']}/webhooks").json()["items"] == []


def test_test_ping_reaches_the_receiver(client, db, queue, receiver):
    hook = _hook(client, queue["id"], receiver.url, events=["queue.backlog_alert"])
    ping = client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    assert ping.status_code == 202 and ping.json()["event"] == "webhook.test"
    dispatch_due(db)
    (event,) = receiver.events()
    assert event["type"] == "webhook.test" and event["data"]["webhook_id"] == hook["id"]


def test_deleting_a_webhook_drops_its_pending_deliveries(client, db, queue, receiver):
    hook = _hook(client, queue["id"], receiver.url)
    client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    client.delete(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}")
    assert dispatch_due(db) == 0 and receiver.requests == []


def test_webhook_routes_are_for_admins_and_queue_managers_read(client, queue, receiver, make_user):
    assigned, outsider, member = make_user("reviewer"), make_user("reviewer"), make_user("member")
    client.patch(f"/api/v1/queues/{queue['id']}", json={"reviewers": [str(assigned.id)]})
    hook = _hook(client, queue["id"], receiver.url)
    base = f"/api/v1/queues/{queue['id']}/webhooks"
    writes = [
        ("POST", base, {"url": receiver.url}),
        ("POST", f"{base}/{hook['id']}/test", None),
        ("DELETE", f"{base}/{hook['id']}", None),
    ]
    reads = [("GET", base, None), ("GET", f"{base}/{hook['id']}/deliveries", None)]
    for user in (assigned, outsider):
        for method, path, body in writes + reads:
            response = client.request(method, path, json=body, headers=user.headers)
            assert response.status_code == 403, (user.email, method, path, response.text)
    for method, path, body in writes + reads:
        assert client.request(method, path, json=body, headers={"x-api-key": "nope"}).status_code == 401
    # Members manage queues, so they read a queue's webhooks and delivery log; only admins make the
    # server send somewhere (create, test, delete).
    for method, path, body in writes:
        response = client.request(method, path, json=body, headers=member.headers)
        assert response.status_code == 403, (method, path, response.text)
        assert "manage webhooks" in response.json()["error"]["message"]
    for method, path, body in reads:
        assert client.request(method, path, json=body, headers=member.headers).status_code == 200
    assert [w["id"] for w in client.get(base).json()["items"]] == [hook["id"]]
    assert _deliveries(client, queue["id"], hook["id"]) == []
    other = client.get(f"{base}/{queue['id']}/deliveries")
    assert other.status_code == 404 and other.json()["error"]["field"] == "webhook_id"


def test_the_app_thread_delivers_on_its_own(db, receiver):
    # The setting alone (no injected guard) is what lets the app's own thread reach the receiver.
    settings = settings_for_tests(
        webhooks_enabled=True, webhook_poll_seconds=0.05, allow_private_destinations=LOOPBACK_ONLY
    )
    app = create_app(settings, db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as client:
        queue = client.post("/api/v1/queues", json={"name": "threaded", "kind": "pairwise"}).json()
        hook = _hook(client, queue["id"], receiver.url)
        client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e["type"] for e in receiver.events()] == ["webhook.test"]


REFUSED_AT_CREATION = [
    "http://127.0.0.2:8700/x",  # loopback, but not the one address the setting lets through
    "http://127.1/x",
    "http://0x7f.1/x",
    "http://2130706433/x",
    "http://0.0.0.0:8700/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.2]/x",
    "http://10.0.0.5/x",
    "http://172.20.1.1/x",
    "http://192.168.1.1/x",
    "http://100.64.0.9/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/x",
    "http://[fd00:ec2::254]/x",
    "http://[fc00::5]/x",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://localhost:8700/x",
]


@pytest.fixture
def strict_client(db) -> Iterator[tuple[TestClient, TableResolver]]:
    """The app with the default policy (the setting unset) and a resolver that records its lookups."""
    app = create_app(settings_for_tests(), db=db)
    resolver = TableResolver(NAMES)
    app.state.destination_guard = DestinationGuard(app.state.destination_guard.policy, resolver)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as test_client:
        yield test_client, resolver


def test_private_and_metadata_destinations_are_refused_at_creation(strict_client, queue):
    strict, resolver = strict_client
    for url in REFUSED_AT_CREATION:
        response = strict.post(f"/api/v1/queues/{queue['id']}/webhooks", json={"url": url})
        assert response.status_code == 400, (url, response.text)
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("destination_refused", "url"), url
    assert resolver.calls == []  # addresses and refused names are decided without a lookup
    assert strict.get(f"/api/v1/queues/{queue['id']}/webhooks").json()["items"] == []
    ok = strict.post(f"/api/v1/queues/{queue['id']}/webhooks", json={"url": "https://hooks.example.com/x"})
    assert ok.status_code == 201, ok.text


def test_the_loopback_setting_lets_through_its_network_only(client, queue):
    """127.0.0.1/32 lets every spelling of 127.0.0.1 through, and nothing next to it."""
    for url in ("http://127.1:9/x", "http://2130706433:9/x", "http://[::ffff:127.0.0.1]:9/x"):
        response = client.post(f"/api/v1/queues/{queue['id']}/webhooks", json={"url": url})
        assert response.status_code == 201, (url, response.text)
    for url in ("http://127.0.0.2/x", "http://10.0.0.1/x", "http://169.254.169.254/x"):
        response = client.post(f"/api/v1/queues/{queue['id']}/webhooks", json={"url": url})
        assert response.json()["error"]["code"] == "destination_refused", url


def test_a_name_resolving_to_a_private_address_is_refused_at_creation(strict_client, queue):
    strict, resolver = strict_client
    resolver.table["intranet.example.com"] = ["93.184.215.14", "10.1.2.3"]
    response = strict.post(
        f"/api/v1/queues/{queue['id']}/webhooks", json={"url": "https://intranet.example.com/hook"}
    )
    assert response.status_code == 400
    assert "intranet.example.com resolves to 10.1.2.3" in response.json()["error"]["message"]
    unknown = strict.post(f"/api/v1/queues/{queue['id']}/webhooks", json={"url": "https://nowhere.invalid/"})
    assert unknown.status_code == 400 and "does not resolve" in unknown.json()["error"]["message"]
    assert resolver.calls == [("intranet.example.com", 443), ("nowhere.invalid", 443)]


def test_delivery_rechecks_and_logs_blocked_by_policy_without_connecting(client, db, queue, receiver):
    """A URL accepted once (the setting was on, or the name resolved elsewhere) is checked again."""
    hook = _hook(client, queue["id"], receiver.url)
    client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    strict = DestinationGuard(parse_policy(""), TableResolver(NAMES))
    assert dispatch_due(db, guard=strict) == 1
    assert receiver.requests == []  # nothing reached the receiver: no connection was made
    (delivery,) = _deliveries(client, queue["id"], hook["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 1  # no retry would differ
    assert delivery["last_status_code"] is None
    assert delivery["last_error"].startswith(
        "blocked by policy: refused destination: 127.0.0.1 is a loopback"
    )
    audit = [
        e for e in client.get("/api/v1/audit").json()["items"] if e["action"] == "webhook.delivery_failed"
    ]
    assert [e["details"]["last_error"] for e in audit] == [delivery["last_error"]]


def test_a_name_that_resolves_elsewhere_at_delivery_is_blocked(client, db, queue, receiver):
    """DNS rebinding: public when saved, loopback when sent; the delivery is refused, not sent."""
    port = receiver.server.server_address[1]
    hook = _hook(client, queue["id"], f"http://hooks.example.com:{port}/hooks")
    client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    rebound = DestinationGuard(parse_policy(""), TableResolver({"hooks.example.com": ["127.0.0.1"]}))
    assert dispatch_due(db, guard=rebound) == 1
    assert receiver.requests == []
    (delivery,) = _deliveries(client, queue["id"], hook["id"])
    assert delivery["status"] == "failed"
    assert "hooks.example.com resolves to 127.0.0.1 is a loopback address" in delivery["last_error"]
    # With the address allowed, the same name is sent to the address checked, Host header kept.
    client.post(f"/api/v1/queues/{queue['id']}/webhooks/{hook['id']}/test")
    allowed = DestinationGuard(
        parse_policy(LOOPBACK_ONLY), TableResolver({"hooks.example.com": ["127.0.0.1"]})
    )
    assert dispatch_due(db, guard=allowed) == 1
    (request,) = receiver.requests
    assert request["headers"]["host"] == f"hooks.example.com:{port}"


def test_the_setting_is_read_from_the_environment_and_a_bad_one_stops_the_start(db):
    from reviewdesk.config import Settings

    env = {"REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS": "10.0.0.0/8, 127.0.0.1/32"}
    settings = Settings.from_env(env)
    app = create_app(settings, db=db)
    assert [str(n) for n in app.state.destination_guard.policy.allowed_networks] == [
        "10.0.0.0/8",
        "127.0.0.1/32",
    ]
    with pytest.raises(ValueError, match="REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS: '10.0.0.0/33'"):
        create_app(settings_for_tests(allow_private_destinations="10.0.0.0/33"), db=db)
