"""An evaluator's scores are found by the feedback table's evaluator columns and their index (not by
reading every model score of the key), including the scores stored before migration 0019 added them."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from reviewdesk.services.clock import utcnow
from reviewdesk.store import evaluators as evaluators_store
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import migrate
from reviewdesk.store.tables import feedback

MIGRATION = Path(migrate.__file__).parent / "migrations/versions/0019_feedback_evaluator_columns.py"
JUDGE, OTHER_JUDGE = uuid.uuid4(), uuid.uuid4()
START = utcnow()


def _row(n: int, *, key: str = "quality", source: str = "model", extra: dict | None = None) -> dict:
    at = START + timedelta(seconds=n)
    return {
        "id": uuid.uuid4(),
        "run_id": uuid.uuid4(),
        "key": key,
        "score": 1.0,
        "source": source,
        "extra": extra,
        "created_at": at,
        "updated_at": at,
    }


def _by(evaluator: uuid.UUID, version: object, n: int, **fields: object) -> dict:
    return _row(n, extra={"evaluator_id": str(evaluator), "evaluator_version": version, "cost": 0}, **fields)


def _mixed_rows() -> tuple[dict[str, dict], list[dict]]:
    """Named rows of every kind the lookup must tell apart, in creation order."""
    named = {
        "judge v1": _by(JUDGE, 1, 1),
        "judge v2": _by(JUDGE, 2, 2),
        "judge v1 again": _by(JUDGE, 1, 3),
        "judge v1 other key": _by(JUDGE, 1, 4, key="tone"),
        "other judge v1": _by(OTHER_JUDGE, 1, 5),
        "human naming the judge": _by(JUDGE, 1, 6, source="human"),
        "upper-case id": _row(7, extra={"evaluator_id": str(JUDGE).upper(), "evaluator_version": 2}),
        "malformed id": _row(8, extra={"evaluator_id": "judge-1", "evaluator_version": 1}),
        "version not a number": _by(JUDGE, "1", 9),
        "version a boolean": _by(JUDGE, True, 10),
        "no extra": _row(11),
    }
    return named, list(named.values())


def _names(named: dict[str, dict], rows: list[dict]) -> list[str]:
    by_id = {row["id"]: name for name, row in named.items()}
    return [by_id[row["id"]] for row in rows]


def _columns(db) -> dict[uuid.UUID, tuple]:  # type: ignore[no-untyped-def]
    query = sa.select(feedback.c.id, feedback.c.evaluator_id, feedback.c.evaluator_version)
    with db.read() as conn:
        return {row.id: (row.evaluator_id, row.evaluator_version) for row in conn.execute(query)}


def test_lookup_returns_only_that_evaluators_and_versions_rows(db) -> None:
    named, rows = _mixed_rows()
    with db.write() as conn:
        feedback_store.insert_many(conn, rows[:6])
        for row in rows[6:]:
            feedback_store.insert(conn, row)
    with db.read() as conn:
        every_version = evaluators_store.model_scores(conn, JUDGE, "quality", None)
        v1 = evaluators_store.model_scores(conn, JUDGE, "quality", 1)
        v2 = evaluators_store.model_scores(conn, JUDGE, "quality", 2)
        other = evaluators_store.model_scores(conn, OTHER_JUDGE, "quality", None)
        tone = evaluators_store.model_scores(conn, JUDGE, "tone", 1)
    assert _names(named, every_version) == ["judge v1", "judge v2", "judge v1 again", "upper-case id"]
    assert _names(named, v1) == ["judge v1", "judge v1 again"]
    assert _names(named, v2) == ["judge v2", "upper-case id"]
    assert _names(named, other) == ["other judge v1"]
    assert _names(named, tone) == ["judge v1 other key"]
    # What clients read is unchanged: the evaluator stays named in `extra` too.
    assert v1[0]["extra"] == {"evaluator_id": str(JUDGE), "evaluator_version": 1, "cost": 0}


def test_the_migration_fills_the_columns_of_scores_stored_before_it(db) -> None:
    named, rows = _mixed_rows()
    spec = importlib.util.spec_from_file_location("migration_0019", MIGRATION)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    # More rows than one backfill batch, so that the named rows fall on several pages.
    filler = [_by(OTHER_JUDGE, 3, 100 + n) for n in range(module.BATCH_ROWS + 1)]
    with db.write() as conn:
        feedback_store.insert_many(conn, rows + filler)
    migrate.downgrade(db, "0017")
    migrate.upgrade(db)
    columns = _columns(db)
    filled = {name for name, row in named.items() if columns[row["id"]] != (None, None)}
    assert filled == {
        "judge v1",
        "judge v2",
        "judge v1 again",
        "judge v1 other key",
        "other judge v1",
        "upper-case id",
    }
    assert columns[named["judge v2"]["id"]] == (JUDGE, 2)
    assert columns[named["upper-case id"]["id"]] == (JUDGE, 2)
    assert all(columns[row["id"]] == (OTHER_JUDGE, 3) for row in filler)
    with db.read() as conn:
        assert _names(named, evaluators_store.model_scores(conn, JUDGE, "quality", 1)) == [
            "judge v1",
            "judge v1 again",
        ]


def _plan_of_lookup(db, number: int | None) -> str:  # type: ignore[no-untyped-def]
    """The database's plan for the very statement model_scores sends."""
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.read() as conn:
            evaluators_store.model_scores(conn, JUDGE, "quality", number)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    (statement, parameters) = next(s for s in sent if "FROM feedback" in s[0])
    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    with db.read() as conn:
        return "\n".join(str(line[-1]) for line in conn.exec_driver_sql(explain + statement, parameters))


def test_the_lookup_reads_the_evaluator_index(db) -> None:
    """Among many scores of the same key by no evaluator and by another one, the lookup starts from
    ix_feedback_evaluator rather than the key's rows or the whole table."""
    _named, rows = _mixed_rows()
    crowd = [_row(20 + n, source="human" if n % 2 else "api") for n in range(3000)]
    crowd += [_by(OTHER_JUDGE, 1, 4000 + n) for n in range(1000)]
    with db.write() as conn:
        feedback_store.insert_many(conn, rows + crowd)
    with db.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE feedback" if db.dialect == "postgresql" else "ANALYZE"))
        conn.commit()
    for number in (None, 1):
        plan = _plan_of_lookup(db, number)
        assert "ix_feedback_evaluator" in plan, plan
