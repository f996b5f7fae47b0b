"""REVIEWDESK_QUERY_TIMEOUT_S: a query past the limit is stopped by the database (PostgreSQL's
statement_timeout, SQLite's progress handler) and answered 503 with the error shape and a hint.
The review (#11) saw a search run for minutes inside PostgreSQL after its client had left."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import QueryTimeout
from reviewdesk.services.ingest import ingest_batch
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.factories import run_payload

# Counts to a billion: minutes of work on either database, unless stopped.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c"
# 240 key/value pairs over 1,000 runs of 20 metadata keys: seconds on both databases, and within
# every parse-time limit (each pair is a correlated scan of a run's metadata entries).
COSTLY_FILTER = (
    "or("
    + ",".join(f'and(metadata_key == "k{i % 20}", metadata_value == "nope{i}")' for i in range(240))
    + ")"
)


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).query_timeout_s == 10
    assert Settings.from_env({"REVIEWDESK_QUERY_TIMEOUT_S": "2.5"}).query_timeout_s == 2.5


def test_a_transaction_past_the_limit_is_stopped_and_the_database_still_answers(db) -> None:
    db.query_timeout_s = 0.2
    for scope in (db.read, db.write):
        with pytest.raises(QueryTimeout) as stopped, scope() as conn:
            conn.exec_driver_sql(ENDLESS).scalar_one()
        assert "REVIEWDESK_QUERY_TIMEOUT_S" in stopped.value.message
        with scope() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    db.query_timeout_s = None  # as the CLI leaves it: no limit
    with db.read() as conn:
        assert conn.exec_driver_sql(ENDLESS.replace("1000000000", "100000")).scalar_one() == 100_000


def test_a_costly_search_answers_503_with_a_hint(db) -> None:
    runs = [run_payload(metadata={f"k{j}": f"value {j} {i}" for j in range(20)}) for i in range(1000)]
    ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    app = create_app(settings_for_tests(query_timeout_s=0.3), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as client:
        response = client.post("/api/v1/runs/search", json={"filter": COSTLY_FILTER})
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] == "query_timeout" and error["field"] == "filter"
        assert "0.3 s" in error["message"] and "Hint" in error["message"]
        cheap = client.post("/api/v1/runs/search", json={"filter": 'metadata.k1 == "value 1 7"'})
        assert cheap.status_code == 200 and len(cheap.json()["items"]) == 1
