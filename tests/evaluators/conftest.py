"""An app that may call judges on 127.0.0.1 (REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS), the fake judge, a
judge evaluator on it, and a job clock that can be moved forward."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.services import evaluator_jobs
from reviewdesk.services.clock import utcnow
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.fake_openai_server import FakeOpenAI, fake_openai


@pytest.fixture
def judge() -> Iterator[FakeOpenAI]:
    with fake_openai() as server:
        yield server


@pytest.fixture
def client(db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(settings_for_tests(allow_private_destinations="127.0.0.1/32"), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as test_client:
        yield test_client


@pytest.fixture
def drain(client, db):  # type: ignore[no-untyped-def]
    """Run every due evaluator job now, as the worker would; returns the outcomes."""
    guard = client.app.state.destination_guard
    return lambda: evaluator_jobs.drain(db, guard)


@pytest.fixture
def later(monkeypatch):  # type: ignore[no-untyped-def]
    """Move the job clock forward (backoff delays and leases are minutes long)."""
    shift = [timedelta(0)]
    monkeypatch.setattr(evaluator_jobs, "utcnow", lambda: utcnow() + shift[0])

    def _advance(seconds: float) -> None:
        shift[0] += timedelta(seconds=seconds)

    return _advance


def judge_evaluator(client, judge, **spec):  # type: ignore[no-untyped-def]
    """An online LLM judge of a good/bad `quality` config, every run sampled, on the fake server."""
    client.post(
        "/api/v1/feedback-configs",
        json={
            "key": "quality",
            "type": "categorical",
            "options": [{"value": "good", "score": 1}, {"value": "bad", "score": 0}],
        },
    )
    body = {
        "name": "judge",
        "key": "quality",
        "kind": "llm_judge",
        "spec": {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate: {{outputs}}", **spec},
        "online": {"filter": "", "sample_rate": 1.0},
    }
    response = client.post("/api/v1/evaluators", json=body)
    assert response.status_code == 201, response.text
    return response.json()
