"""The full-text index behind search() (migration 0009) is kept in step with every write, is built
for runs stored before it, and is what the search's SQL reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services.ingest import ingest_batch
from reviewdesk.services.runs import compile_filter, search_runs
from reviewdesk.store import migrate, tables
from reviewdesk.store import runs as runs_store
from tests.factories import run_payload


def _found(db, needle: str) -> set[str]:
    runs, _ = search_runs(db, SYSTEM_ACTOR, filter=f"search({needle!r})".replace("'", '"'), limit=100)
    return {run["name"] for run in runs}


def _indexed(db, name: str, needle: str) -> bool:
    """Whether the index itself (not the exact test) holds the run named `name` under `needle`."""
    with db.read() as conn:
        if db.dialect == "sqlite":
            query = " ".join(f'"{needle[i : i + 3]}"' for i in range(len(needle) - 2))
            ids = sa.text("SELECT rowid FROM runs_search WHERE runs_search MATCH :q").bindparams(q=query)
            statement = sa.select(sa.literal_column("runs.rowid")).where(
                tables.runs.c.name == name, sa.literal_column("runs.rowid").in_(ids)
            )
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            doc = sa.func.reviewdesk_search_doc(
                tables.runs.c.name, tables.runs.c.error, tables.runs.c.inputs, tables.runs.c.outputs
            )
            statement = sa.select(tables.runs.c.id).where(
                tables.runs.c.name == name, doc.ilike(f"%{needle}%")
            )
        return conn.execute(statement).first() is not None


def test_search_finds_text_in_every_indexed_place_and_follows_updates(db) -> None:
    runs = [
        run_payload(name="by name: Refund flow"),
        run_payload(name="by error", error="RefundError: card declined"),
        run_payload(name="by inputs", inputs={"messages": [{"content": ["x", "a REFUND please"]}]}),
        run_payload(name="by outputs", outputs={"answer": {"text": "refunded"}}),
        run_payload(name="key only", inputs={"refund": 1}),
        run_payload(name="metadata only", metadata={"note": "refund"}),
    ]
    ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    expected = {"by name: Refund flow", "by error", "by inputs", "by outputs"}
    assert _found(db, "refund") == expected
    assert _found(db, "efu") == expected
    assert all(_indexed(db, name, "efun") for name in expected)
    # A patch replaces the document: the old text is gone from the index, the new one is in it.
    patched = {**runs[3], "outputs": {"answer": {"text": "shipped tomorrow"}}}
    ingest_batch(db, SYSTEM_ACTOR, post=None, patch=[patched])
    assert _found(db, "refund") == expected - {"by outputs"}
    assert not _indexed(db, "by outputs", "efun") and _indexed(db, "by outputs", "shipped")
    # A deleted run leaves the index too (SQLite: a trigger; PostgreSQL: the index is the table's).
    with db.write() as conn:
        conn.execute(tables.runs.delete().where(tables.runs.c.name == "by error"))
    assert _found(db, "refund") == expected - {"by outputs", "by error"}


def test_search_sql_reads_the_index(db) -> None:
    (where,) = compile_filter(db, 'search("refund")')
    sql = str(where.compile(dialect=db.engine.dialect))
    assert ("runs_search MATCH" in sql) if db.dialect == "sqlite" else ("reviewdesk_search_doc" in sql)
    # Too short for a trigram: the exact test alone, as before the index.
    (short,) = compile_filter(db, 'search("re")')
    assert "runs_search" not in str(short.compile(dialect=db.engine.dialect))
    assert "reviewdesk_search_doc" not in str(short.compile(dialect=db.engine.dialect))


def test_the_migration_indexes_runs_stored_before_it(db) -> None:
    # Stored first, then the index dropped (back to 0010, before 0009): ingest itself needs the tables
    # of later migrations, so the run cannot be written at 0010.
    old = run_payload(name=f"old-{uuid.uuid4().hex[:6]}", inputs={"q": "a refund for order 7"})
    ingest_batch(db, SYSTEM_ACTOR, post=[old], patch=None)
    migrate.downgrade(db, "0010")
    migrate.upgrade(db)
    assert _found(db, "refund") == {old["name"]}
    assert _indexed(db, old["name"], "refund")
    new = run_payload(name="new", outputs={"a": "refund issued"})
    ingest_batch(db, SYSTEM_ACTOR, post=[new], patch=None)
    assert _found(db, "refund") == {old["name"], "new"}


def test_a_common_text_is_searched_without_the_index_on_sqlite(db, monkeypatch) -> None:
    """SQLite would start from the index and sort every run holding a common text; past a share of
    runs, the exact test in the page's order is used instead, with the same answer."""
    ingest_batch(db, SYSTEM_ACTOR, post=[run_payload(name=f"refund {i}") for i in range(4)], patch=None)
    ingest_batch(db, SYSTEM_ACTOR, post=[run_payload(name="rare kb-4999")], patch=None)
    monkeypatch.setattr(runs_store, "COMMON_SEARCH_CANDIDATES", 3)
    with db.read() as conn:
        common = runs_store.common_search_texts(conn, {"refund", "kb-4999", "re"})
    assert common == ({"refund"} if db.dialect == "sqlite" else set())
    (where,) = compile_filter(db, 'search("refund") or search("kb-4999")')
    sql = str(where.compile(dialect=db.engine.dialect))
    if db.dialect == "sqlite":
        assert sql.count("runs_search MATCH") == 1  # only the rare text goes through the index
    assert _found(db, "refund") == {f"refund {i}" for i in range(4)}
    assert _found(db, "kb-4999") == {"rare kb-4999"}
