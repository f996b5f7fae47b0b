"""Property test: SQL on SQLite, SQL on PostgreSQL and the Python predicate select the same runs.

Each example generates a set of runs (with feedback) from small value pools, so that generated
filters hit equal, smaller, missing and wrongly typed values often, loads it into a real SQLite file
and a real PostgreSQL database, and checks several generated filters, written in both spellings.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from reviewdesk.domain.filters import SqlTargets, evaluate, parse, to_sql
from reviewdesk.store import tables
from reviewdesk.store.database import Database
from reviewdesk.store.migrate import upgrade

EXAMPLES = int(os.environ.get("REVIEWDESK_FILTER_EXAMPLES", "150"))
FILTERS_PER_EXAMPLE = 16

ID_POOL = [uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128)) for i in range(1, 61)]
TRACE_POOL = ID_POOL[:4]
PROJECTS = ["alpha", "beta", "Alpha"]
NAMES = ["ChatOpenAI", "Refund flow", "refund", "ÉCOLE", "école", "", "a'b\"c", "Zeta", "zeta"]
RUN_TYPES = ["llm", "chain", "tool", "retriever"]
STATUSES = ["success", "error", "pending"]
TEXTS = ["", "a", "A", "é", "É", "true", "1", "null", "Refund", "ref", 'q"u\\o', "日本"]
SESSIONS = ["s1", "s2", "S1"]
TAGS = ["prod", "beta", "experimental", "internal", "Prod", "é"]
KEYS = ["a", "b", "0", "x.y", "A"]
NUMBERS: list[int | float] = [0, 1, -1, 0.5, 1.0, 2.5, 0.1, 2**53 + 1, 1e20]
FEEDBACK_KEYS = ["correctness", "user_score", "quality"]
BASE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
TIMES = [
    BASE,
    BASE + timedelta(microseconds=1),
    BASE + timedelta(seconds=30, microseconds=250_000),
    BASE + timedelta(hours=3),
    datetime(2024, 5, 1, tzinfo=UTC),
    BASE - timedelta(days=40),
]
LATENCIES = [0.0, 250.0, 1000.0, 1500.0, 5000.0, 10000.0, 60000.0, 12.5]
TOKENS = [0, 10, 5000, 5001]
COSTS = [0.0, 0.01, 1.5]

any_float = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
number = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(NUMBERS), any_float)
scalar = st.one_of(st.sampled_from(TEXTS), number, st.booleans(), st.none())
# Bounded by hand rather than with st.recursive, which spends much of the budget on retries.
shallow = st.one_of(scalar, st.lists(scalar, max_size=2))
json_value = st.one_of(
    scalar, scalar, st.lists(shallow, max_size=2), st.dictionaries(st.sampled_from(KEYS), shallow, max_size=2)
)
json_document = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(KEYS), json_value, max_size=4), json_value, st.just({})
)
feedback_row = st.fixed_dictionaries(
    {
        "key": st.sampled_from(FEEDBACK_KEYS),
        "score": st.sampled_from([None, 0, 0.5, 1, -1, 2.5]),
        "value": st.sampled_from([None, "good", "bad", "Good", True, False, 1, "1", {"a": 1}]),
    }
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def run_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=6, max_size=20, unique=True))
    return [
        {
            "id": run_id,
            "trace_id": draw(st.sampled_from(TRACE_POOL)),
            "parent_run_id": draw(st.sampled_from([None, *ID_POOL[:3]])),
            "name": draw(st.sampled_from(NAMES)),
            "run_type": draw(st.sampled_from(RUN_TYPES)),
            "status": draw(st.sampled_from(STATUSES)),
            "error": draw(optional(st.sampled_from(TEXTS))),
            "start_time": draw(st.sampled_from(TIMES)),
            "end_time": draw(optional(st.sampled_from(TIMES))),
            "latency_ms": draw(optional(st.one_of(st.sampled_from(LATENCIES), st.floats(0, 1e6)))),
            "prompt_tokens": draw(optional(st.sampled_from(TOKENS))),
            "completion_tokens": draw(optional(st.sampled_from(TOKENS))),
            "total_tokens": draw(optional(st.sampled_from(TOKENS))),
            "cost": draw(optional(st.sampled_from(COSTS))),
            "tags": draw(optional(st.lists(st.sampled_from(TAGS), max_size=3))),
            "project": draw(st.sampled_from(PROJECTS)),
            "session_id": draw(optional(st.sampled_from(SESSIONS))),
            "is_root": draw(st.booleans()),
            "metadata": draw(json_document),
            "inputs": draw(json_document),
            "outputs": draw(json_document),
            "feedback": draw(st.lists(feedback_row, max_size=3)),
            # Both ways a JSON column can hold "nothing": SQL NULL or the JSON text null.
            "sql_null": draw(st.booleans()),
        }
        for run_id in ids
    ]


# --- filters: each generated filter is rendered in the infix and in the function spelling ---


@dataclass(frozen=True)
class Spelled:
    infix: str
    function: str


def same(text: str) -> Spelled:
    return Spelled(text, text)


@st.composite
def string_literal(draw: st.DrawFn, value: str) -> str:
    style = draw(st.sampled_from(["ascii", "utf8", "single"]))
    if style == "single":
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return json.dumps(value, ensure_ascii=style == "ascii")


@st.composite
def literal(draw: st.DrawFn, value: Any) -> str:
    if value is None:
        return draw(st.sampled_from(["null", "NULL"]))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return draw(string_literal(value))


INFIX = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
FLIPPED = {"eq": "==", "neq": "!=", "gt": "<", "gte": "<=", "lt": ">", "lte": ">="}


@st.composite
def comparison(draw: st.DrawFn, field: str, value: Any, ordered: bool) -> Spelled:
    ops = list(INFIX) if ordered and value is not None and not isinstance(value, bool) else ["eq", "neq"]
    op = draw(st.sampled_from(ops))
    lit = draw(literal(value))
    if draw(st.booleans()) and not field.startswith("random"):
        infix = f"{lit} {FLIPPED[op]} {field}"  # a literal on the left is flipped by the parser
    else:
        infix = f"{field} {INFIX[op]} {lit}"
    return Spelled(infix, f"{op}({field}, {lit})")


@st.composite
def membership(draw: st.DrawFn, field: str, values: st.SearchStrategy[Any]) -> Spelled:
    items = ", ".join([draw(literal(v)) for v in draw(st.lists(values, max_size=3))])
    if draw(st.booleans()):
        return Spelled(f"{field} not in [{items}]", f"not(in({field}, [{items}]))")
    return Spelled(f"{field} in [{items}]", f"in({field}, [{items}])")


def time_text(moment: datetime, style: str) -> str:
    match style:
        case "z":
            return moment.isoformat().replace("+00:00", "Z")
        case "naive":
            return moment.replace(tzinfo=None).isoformat()
        case "offset":
            return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    return moment.isoformat()


COLUMN_VALUES: dict[str, tuple[st.SearchStrategy[Any], bool]] = {
    "name": (st.sampled_from(NAMES), True),
    "run_type": (st.sampled_from(RUN_TYPES), True),
    "status": (st.sampled_from(STATUSES), False),
    "error": (optional(st.sampled_from(TEXTS)), True),
    "session": (optional(st.sampled_from(SESSIONS)), True),
    "thread_id": (optional(st.sampled_from(SESSIONS)), False),
    "project": (st.sampled_from(PROJECTS), True),
    "id": (st.sampled_from([str(i) for i in ID_POOL[:12]]), False),
    "trace_id": (st.sampled_from([str(i) for i in TRACE_POOL]), False),
    "parent_run_id": (optional(st.sampled_from([str(i) for i in ID_POOL[:3]])), False),
    "prompt_tokens": (optional(st.sampled_from([*TOKENS, 4999.5])), True),
    "completion_tokens": (st.sampled_from(TOKENS), True),
    "total_tokens": (st.sampled_from(TOKENS), True),
    "cost": (optional(st.sampled_from([*COSTS, 0.005])), True),
    "latency_ms": (
        optional(st.one_of(st.sampled_from([*LATENCIES, "250ms", "1.5s", "1m"]), any_float)),
        True,
    ),
    "latency": (st.sampled_from([0, 0.25, 1, 1.5, 5, 10, "5s", "250ms", "1m", 0.0125]), True),
    "is_root": (st.booleans(), False),
}


@st.composite
def column_term(draw: st.DrawFn) -> Spelled:
    field = draw(st.sampled_from([*COLUMN_VALUES, "start_time", "end_time"]))
    if field in ("start_time", "end_time"):
        values: st.SearchStrategy[Any] = st.builds(
            time_text, st.sampled_from(TIMES), st.sampled_from(["z", "naive", "offset", "plain"])
        )
        if field == "end_time":
            values = optional(values)
        ordered = True
    else:
        values, ordered = COLUMN_VALUES[field]
    if draw(st.integers(0, 4)) == 0:
        return draw(membership(field, values))
    return draw(comparison(field, draw(values), ordered))


def quoted_key(key: str) -> str:
    return key if key.replace("_", "").isalnum() else json.dumps(key)


@st.composite
def json_term(draw: st.DrawFn) -> Spelled:
    root = draw(st.sampled_from(["metadata", "inputs", "outputs"]))
    path = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=2))
    field = ".".join([root, *map(quoted_key, path)])
    if draw(st.integers(0, 4)) == 0:
        return draw(membership(field, scalar))
    value = draw(scalar)
    return draw(comparison(field, value, isinstance(value, int | float | str)))


@st.composite
def tag_term(draw: st.DrawFn) -> Spelled:
    tag = draw(literal(draw(st.sampled_from([*TAGS, "missing"]))))
    style = draw(st.integers(0, 2))
    if style == 0:
        return Spelled(f"{tag} in tags", f"has(tags, {tag})")
    if style == 1:
        return Spelled(f"tags == {tag}", f"eq(tags, {tag})")
    return draw(membership("tags", st.sampled_from(TAGS)))


feedback_value = st.sampled_from([None, "good", "bad", "Good", True, False, 1, 0.5, 0, "1", 2.5])


@st.composite
def feedback_term(draw: st.DrawFn) -> Spelled:
    field = f"feedback.{draw(st.sampled_from(FEEDBACK_KEYS))}"
    if draw(st.integers(0, 4)) == 0:
        return draw(membership(field, feedback_value))
    value = draw(feedback_value)
    return draw(comparison(field, value, isinstance(value, int | float | str)))


PAIR_FIELDS = {
    "feedback": ("feedback_key", st.sampled_from(FEEDBACK_KEYS), ["feedback_score", "feedback_value"]),
    "metadata": ("metadata_key", st.sampled_from(KEYS), ["metadata_value"]),
    "inputs": ("input_key", st.sampled_from(KEYS), ["input_value"]),
    "outputs": ("output_key", st.sampled_from(KEYS), ["output_value"]),
}


@st.composite
def pair_term(draw: st.DrawFn, family: str) -> Spelled:
    key_field, keys, value_fields = PAIR_FIELDS[family]
    if draw(st.booleans()):
        if draw(st.integers(0, 3)) == 0:
            return draw(membership(key_field, keys))
        return draw(comparison(key_field, draw(keys), False))
    field = draw(st.sampled_from(value_fields))
    values = st.sampled_from([None, 0, 0.5, 1, 2.5, -1]) if field == "feedback_score" else scalar
    if draw(st.integers(0, 4)) == 0:
        return draw(membership(field, values))
    value = draw(values)
    return draw(comparison(field, value, isinstance(value, int | float | str)))


@st.composite
def pair_group(draw: st.DrawFn) -> Spelled:
    family = draw(st.sampled_from(list(PAIR_FIELDS)))
    terms = draw(st.lists(pair_term(family), min_size=1, max_size=3))
    return conjunction(terms, "and")


@st.composite
def function_term(draw: st.DrawFn) -> Spelled:
    needle = draw(
        string_literal(draw(st.sampled_from(["ref", "REF", "a", "é", "É", "", "good", "1", "日", "true"])))
    )
    key = draw(string_literal(draw(st.sampled_from(KEYS))))
    root = draw(st.sampled_from(["metadata", "inputs", "outputs"]))
    search_field = draw(
        st.sampled_from(
            ["name", "error", "inputs", "outputs", "metadata", "metadata.a", "tags", "project", "run_type"]
        )
    )
    blob = draw(
        st.dictionaries(
            st.sampled_from(KEYS), st.one_of(scalar, st.dictionaries(st.sampled_from(KEYS), scalar))
        )
    )
    blob_text = json.dumps(blob).replace("\\", "\\\\").replace("'", "\\'")
    choices = [
        f"search({needle})",
        f"search({search_field}, {needle})",
        f"exists({root}, {key})",
        f"exists({root}.a, {key})",
        f"exists({root}.{quoted_key(draw(st.sampled_from(KEYS)))})",
        f"has({root}, '{blob_text}')",
        f"has_feedback_key({draw(string_literal(draw(st.sampled_from(FEEDBACK_KEYS))))})",
    ]
    return same(draw(st.sampled_from(choices)))


def conjunction(parts: list[Spelled], word: str) -> Spelled:
    return Spelled(
        "(" + f" {word} ".join(p.infix for p in parts) + ")",
        f"{word}(" + ", ".join(p.function for p in parts) + ")",
    )


leaf = st.one_of(
    column_term(),
    json_term(),
    tag_term(),
    feedback_term(),
    st.sampled_from(list(PAIR_FIELDS)).flatmap(pair_term),
    pair_group(),
    function_term(),
)
filters = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(conjunction, st.lists(inner, min_size=1, max_size=3), st.sampled_from(["and", "or"])),
        inner.map(lambda p: Spelled(f"not ({p.infix})", f"not({p.function})")),
    ),
    max_leaves=5,
)


# --- databases ---


def _load(db: Database, runs: list[dict[str, Any]], project_ids: dict[str, uuid.UUID]) -> None:
    now = datetime.now(UTC)
    run_rows, feedback_rows = [], []
    for run in runs:
        nothing = sa.null() if run["sql_null"] else None
        run_rows.append(
            {
                **{
                    k: run[k]
                    for k in ("id", "trace_id", "parent_run_id", "name", "run_type", "status", "error")
                },
                **{
                    k: run[k]
                    for k in ("start_time", "end_time", "latency_ms", "cost", "session_id", "is_root")
                },
                **{k: run[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
                "project_id": project_ids[run["project"]],
                "tags": nothing if run["tags"] is None else run["tags"],
                "meta": nothing if run["metadata"] is None else run["metadata"],
                "inputs": nothing if run["inputs"] is None else run["inputs"],
                "outputs": nothing if run["outputs"] is None else run["outputs"],
                "created_at": now,
                "updated_at": now,
            }
        )
        for row in run["feedback"]:
            feedback_rows.append(
                {
                    **row,
                    "id": uuid.uuid4(),
                    "run_id": run["id"],
                    "source": "api",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    with db.write() as conn:
        conn.execute(sa.delete(tables.feedback))
        conn.execute(sa.delete(tables.runs))
        conn.execute(sa.insert(tables.runs), run_rows)
        if feedback_rows:
            conn.execute(sa.insert(tables.feedback), feedback_rows)


@dataclass
class Store:
    db: Database
    targets: SqlTargets
    project_ids: dict[str, uuid.UUID]


def _prepare(db: Database) -> Store:
    upgrade(db)
    project_ids = {name: uuid.uuid4() for name in PROJECTS}
    with db.write() as conn:
        conn.execute(
            sa.insert(tables.projects),
            [{"id": pid, "name": name, "created_at": datetime.now(UTC)} for name, pid in project_ids.items()],
        )
    targets = SqlTargets(tables.runs, tables.feedback, tables.projects, db.dialect)  # type: ignore[arg-type]
    return Store(db, targets, project_ids)


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("filters") / "agreement.db"
    db = Database(f"sqlite:///{path}")
    yield _prepare(db)
    db.dispose()


@pytest.fixture(scope="module")
def postgres_store() -> Iterator[Store | None]:
    url = os.environ.get("REVIEWDESK_TEST_POSTGRES_URL")
    if not url:
        yield None
        return
    admin = Database(url)
    name = f"reviewdesk_filters_{uuid.uuid4().hex[:12]}"
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            try:
                # A linguistic default collation, so that string ordering must not depend on it.
                conn.exec_driver_sql(
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
                )
            except sa.exc.DBAPIError:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at REVIEWDESK_TEST_POSTGRES_URL does not answer: {error.orig}")
    db = Database(make_url(admin.url).set(database=name).render_as_string(hide_password=False))
    try:
        yield _prepare(db)
    finally:
        db.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_is_configured(postgres_store: Store | None) -> None:
    if postgres_store is None:
        pytest.skip(
            "REVIEWDESK_TEST_POSTGRES_URL is not set: the agreement test ran on SQLite and Python only"
        )


def _describe(runs: list[dict[str, Any]], ids: set[uuid.UUID]) -> str:
    return "\n".join(
        repr({k: v for k, v in run.items() if k != "sql_null"}) for run in runs if run["id"] in ids
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(runs=run_sets(), spelled=st.lists(filters, min_size=FILTERS_PER_EXAMPLE, max_size=FILTERS_PER_EXAMPLE))
def test_sql_and_python_select_the_same_runs(
    sqlite_store: Store, postgres_store: Store | None, runs: list[dict[str, Any]], spelled: list[Spelled]
) -> None:
    stores = [s for s in (sqlite_store, postgres_store) if s is not None]
    for store in stores:
        _load(store.db, runs, store.project_ids)
    for text in spelled:
        node = parse(text.function)
        assert parse(text.infix) == node, f"the two spellings differ:\n{text.infix}\n{text.function}"
        expected = {run["id"] for run in runs if evaluate(node, run)}
        from hypothesis import event

        event("none" if not expected else "all" if len(expected) == len(runs) else "some")
        for store in stores:
            query = sa.select(tables.runs.c.id).where(to_sql(node, store.targets))
            with store.db.read() as conn:
                found = set(conn.scalars(query))
            assert found == expected, (
                f"{store.db.dialect} disagrees with evaluate() on {text.function}\n{node}\n"
                f"only in SQL:\n{_describe(runs, found - expected)}\n"
                f"only in Python:\n{_describe(runs, expected - found)}"
            )
