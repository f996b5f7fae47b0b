"""Delivering the webhook outbox (signed POSTs, retries with backoff) and raising backlog alerts.

Every POST goes through the destination guard (services/destinations.py): a URL whose host is or
resolves to an address the policy refuses is never connected to; its delivery fails at once with
"blocked by policy: …" in the log.

`dispatch_due` and `check_backlog_alerts` each do one pass and are what tests call;
`WebhookDispatcher` is the background thread the app's lifespan runs them on. Any number of app
processes may run one: a delivery is leased to one sender at a time, and a backlog alert is raised
by whichever process flips the queue's `backlog_alerted_at` first.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from reviewdesk import __version__
from reviewdesk.domain import webhook_signing
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import NotFound
from reviewdesk.services import audit, queue_stats
from reviewdesk.services import webhooks as webhooks_service
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationBlocked, DestinationGuard
from reviewdesk.store import queues as queues_store
from reviewdesk.store import webhooks as webhooks_store
from reviewdesk.store.database import Database

log = logging.getLogger("reviewdesk.webhooks")

# Seconds to wait after failed attempt n (1-based); the attempt after the last delay is the final one.
RETRY_DELAYS = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
REQUEST_TIMEOUT_SECONDS = 5.0
BATCH_SIZE = 20
SEND_THREADS = 8
# Longer than a pass can take (BATCH_SIZE / SEND_THREADS rounds of the timeout), so a delivery is
# claimed again only when its sender died.
CLAIM_LEASE = timedelta(minutes=5)
BACKLOG_CHECK_SECONDS = 60.0
ERROR_TEXT_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    blocked: bool = False  # refused by the destination policy: no retry would go anywhere else

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None when the delivery has failed for good."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=RETRY_DELAYS[attempts - 1])


def request_body(delivery: dict[str, Any]) -> bytes:
    """The Standard Webhooks envelope; built from stored fields, so every retry sends the same bytes."""
    created: datetime = delivery["created_at"]
    envelope = {"type": delivery["event"], "timestamp": created.isoformat(), "data": delivery["payload"]}
    return orjson.dumps(envelope)


def _send(client: httpx.Client, delivery: dict[str, Any]) -> Outcome:
    body = request_body(delivery)
    sent_at = int(utcnow().timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": f"ReviewDesk-Webhooks/{__version__}",
        **webhook_signing.signed_headers(delivery["secret"], str(delivery["id"]), sent_at, body),
    }
    try:
        response = client.post(delivery["url"], content=body, headers=headers)
    except DestinationBlocked as exc:
        return Outcome(None, str(exc)[:ERROR_TEXT_CHARS], blocked=True)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_CHARS])
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, None)
    # The status line only, never the response body: the log is readable by whoever set the URL,
    # and a URL pointing inside our network must not become a way to read what answers there.
    return Outcome(response.status_code, f"HTTP {response.status_code} {response.reason_phrase}".strip())


def _result_values(attempts: int, outcome: Outcome, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        return {**values, "status": "delivered", "delivered_at": now}
    delay = None if outcome.blocked else retry_delay(attempts)
    if delay is None:
        return {**values, "status": "failed"}
    return {**values, "next_attempt_at": now + delay}


def new_http_client(guard: DestinationGuard) -> httpx.Client:
    # No redirects: a 3xx is an answer from the configured URL, and following it would send the
    # signed body somewhere nobody configured.
    return guard.client(timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=False)


def dispatch_due(
    db: Database,
    now: datetime | None = None,
    *,
    guard: DestinationGuard,
    client: httpx.Client | None = None,
) -> int:
    """One pass: claim due deliveries, POST them outside any transaction, record each outcome.

    `client` (for reuse across passes) must come from `new_http_client(guard)`.

    Returns how many deliveries were attempted.
    """
    now = now or utcnow()
    with db.read() as conn:
        if not webhooks_store.any_due(conn, now):
            return 0
    with db.write() as conn:
        claimed = webhooks_store.claim_due(conn, now, now + CLAIM_LEASE, BATCH_SIZE)
    if not claimed:
        return 0
    own_client = client is None
    http = client or new_http_client(guard)
    try:
        with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(claimed))) as pool:
            outcomes = list(pool.map(lambda d: _send(http, d), claimed))
    finally:
        if own_client:
            http.close()
    with db.write() as conn:
        for delivery, outcome in zip(claimed, outcomes, strict=True):
            values = _result_values(delivery["attempts"], outcome, now)
            recorded = webhooks_store.record_attempt(conn, delivery["id"], delivery["attempts"], values)
            if recorded and values.get("status") == "failed":
                details = {
                    "delivery_id": str(delivery["id"]),
                    "event": delivery["event"],
                    "attempts": delivery["attempts"],
                    "last_error": outcome.error,
                }
                audit.record(
                    conn, SYSTEM_ACTOR, "webhook.delivery_failed", "webhook", delivery["webhook_id"], details
                )
    return len(claimed)


def check_backlog_alerts(db: Database, now: datetime | None = None) -> list[uuid.UUID]:
    """Raise `queue.backlog_alert` for each live queue that went over its threshold since the last check.

    The alert is edge-triggered: it fires once, and again only after the backlog dropped back under
    the threshold. The figure is the one the queue's stats page shows. Returns the queues alerted.
    """
    now = now or utcnow()
    with db.read() as conn:
        queues = queues_store.list_all(conn, include_archived=False, only_ids=None)
    fired = []
    for queue in queues:
        try:
            figures = queue_stats.stats(db, SYSTEM_ACTOR, queue["id"])
        except NotFound:
            continue  # deleted since the list was read
        over = figures["backlog_alert"]
        if over == (queue["backlog_alerted_at"] is not None):
            continue  # no change: no write, no lock
        with db.write() as conn:
            if not over:
                webhooks_store.clear_backlog_alerted(conn, queue["id"])
            elif webhooks_store.set_backlog_alerted(conn, queue["id"], now):
                payload = {
                    "queue_id": str(queue["id"]),
                    "queue_name": queue["name"],
                    "pending": figures["counts"]["pending"],
                    "backlog_days": figures["backlog_days"],
                    "backlog_alert_days": figures["backlog_alert_days"],
                    "alerted_at": now.isoformat(),
                }
                webhooks_service.enqueue(conn, queue["id"], "queue.backlog_alert", payload)
                audit.record(conn, SYSTEM_ACTOR, "queue.backlog_alert", "queue", queue["id"], payload)
                fired.append(queue["id"])
    return fired


class WebhookDispatcher:
    """The background thread: drain due deliveries every poll, check backlogs every minute."""

    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float,
        guard: DestinationGuard,
        backlog_check_seconds: float = BACKLOG_CHECK_SECONDS,
    ) -> None:
        self.db = db
        self.guard = guard
        self.poll_seconds = poll_seconds
        self.backlog_check_seconds = backlog_check_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="reviewdesk-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = REQUEST_TIMEOUT_SECONDS * 3) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        next_backlog_check = time.monotonic() + self.backlog_check_seconds
        with new_http_client(self.guard) as client:
            while not self._stopping.is_set():
                try:
                    while (
                        dispatch_due(self.db, guard=self.guard, client=client) == BATCH_SIZE
                        and not self._stopping.is_set()
                    ):
                        pass
                    if time.monotonic() >= next_backlog_check:
                        check_backlog_alerts(self.db)
                        next_backlog_check = time.monotonic() + self.backlog_check_seconds
                except Exception:
                    # The thread outlives a database restart or a lock timeout: log it, try next poll.
                    log.exception("webhook dispatch pass failed")
                self._stopping.wait(self.poll_seconds)
