"""An app that may call judges on 127.0.0.1 (REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS), and the fake judge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.services import evaluator_jobs
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.evaluators.fake_judge import FakeJudge, fake_judge


@pytest.fixture
def judge() -> Iterator[FakeJudge]:
    with fake_judge() as server:
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
