"""Property test: SQL on SQLite, SQL on PostgreSQL and the Python predicate select the same runs.

Each example generates a set of runs (with feedback), loads it into a real SQLite file and a real
PostgreSQL database, then draws filters, written in both spellings, whose literals are mostly taken
from the values the runs actually hold, or from a look-alike of another type ("1" for 1, "true"
for true, 1 for true, "É" for "é"), so that the typed comparisons are tested where they can go wrong.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from reviewdesk.domain.filters import SqlTargets, evaluate, parse, to_sql
from reviewdesk.store import tables
from reviewdesk.store.database import Database
from reviewdesk.store.migrate import upgrade

EXAMPLES = int(os.environ.get("REVIEWDESK_FILTER_EXAMPLES", "150"))
FILTERS_PER_EXAMPLE = 12

ID_POOL = [uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128)) for i in range(1, 61)]
TRACE_POOL = ID_POOL[:4]
PROJECTS = ["alpha", "beta", "Alpha"]
NAMES = ["ChatOpenAI", "Refund flow", "refund", "ÉCOLE", "école", "", "a'b\"c", "Zeta", "zeta"]
RUN_TYPES = ["llm", "chain", "tool", "retriever"]
STATUSES = ["success", "error", "pending"]
# Strings that look like values of other types come twice, to meet their look-alikes more often.
TEXTS = ["", "a", "É", "é", "true", "false", "1", "0", "null", "Refund", 'q"u\\o', "日本", "true", "1"]
SESSIONS = ["s1", "s2", "S1"]
TAGS = ["prod", "beta", "experimental", "internal", "Prod", "é"]
KEYS = ["a", "b", "0", "x.y", "A"]
# Top-level keys that a path cannot name (the parser refuses them) but metadata_key can.
ODD_KEYS = ['q"k', "n\nl"]
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
# NaN and infinities only in stored data: orjson writes them as null, which evaluate() must mirror.
stored_scalar = st.one_of(scalar, scalar, scalar, st.sampled_from([math.nan, math.inf]))
# Bounded by hand rather than with st.recursive, which spends much of the budget on retries.
shallow = st.one_of(stored_scalar, st.lists(stored_scalar, max_size=2))
json_value = st.one_of(
    stored_scalar,
    stored_scalar,
    st.lists(shallow, max_size=2),
    st.dictionaries(st.sampled_from(KEYS), shallow, max_size=2),
)
json_document = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(KEYS + ODD_KEYS), json_value, max_size=4),
    json_value,
    st.just({}),
)
feedback_row = st.fixed_dictionaries(
    {
        "key": st.sampled_from(FEEDBACK_KEYS),
        "score": st.sampled_from([None, 0, 0.5, 1, -1, 2.5]),
        "value": st.sampled_from(
            [None, "good", "bad", "Good", True, False, 1, "1", "true", "false", {"a": 1}]
        ),
    }
)


# Ingest stores a list of strings; a malformed value must simply never match.
odd_tags = st.sampled_from(["prod", {"prod": 1}, ["prod", ["beta"], 1]])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def run_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=5, max_size=14, unique=True))
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
            "latency_ms": draw(
                optional(st.one_of(st.sampled_from([*LATENCIES, math.inf]), st.floats(0, 1e6)))
            ),
            "prompt_tokens": draw(optional(st.sampled_from(TOKENS))),
            "completion_tokens": draw(optional(st.sampled_from(TOKENS))),
            "total_tokens": draw(optional(st.sampled_from(TOKENS))),
            "cost": draw(optional(st.sampled_from([*COSTS, math.inf, -math.inf]))),
            "tags": draw(optional(st.one_of(st.lists(st.sampled_from(TAGS), max_size=3), odd_tags))),
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


# --- what the runs hold, so that filters can aim at it ---


def is_scalar(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str | bool)
        or (isinstance(value, int | float) and math.isfinite(value))
    )


def look_alikes(value: Any) -> list[Any]:
    """The value itself and values of other types (or cases) that a sloppy compiler would confuse."""
    if not is_scalar(value):
        return [None, 0, "a"]
    found: list[Any] = [value]
    if value is None:
        found += ["null", False, 0]
    elif isinstance(value, bool):
        found += ["true" if value else "false", int(value), not value]
    elif isinstance(value, int | float):
        found += [str(value), float(value), value + 0.5, -value, value == 1]
    else:
        found += [value.swapcase(), value.upper(), value.lower(), value[:1], value[1:]]
        found += [{"true": True, "false": False, "null": None}.get(value, 0)]
        with contextlib.suppress(ValueError):
            found.append(float(value))
    return [v for v in found if is_scalar(v)]


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


@dataclass
class Seen:
    paths: list[tuple[str, tuple[str, ...], Any]] = field(default_factory=list)
    entries: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    feedback: list[tuple[str, Any]] = field(default_factory=list)
    strings: list[str] = field(default_factory=lambda: ["ref", "É"])

    @classmethod
    def of(cls, runs: list[dict[str, Any]]) -> Seen:
        seen = cls(entries={root: [] for root in ("metadata", "inputs", "outputs")})
        for run in runs:
            for root in ("metadata", "inputs", "outputs"):
                document = run[root]
                seen.strings.extend(_json_strings(document))
                if not isinstance(document, dict):
                    continue
                for key, value in document.items():
                    seen.entries[root].append((key, value))
                    if key in ODD_KEYS:
                        continue
                    seen.paths.append((root, (key,), value))
                    if isinstance(value, dict):
                        seen.paths.extend((root, (key, inner), v) for inner, v in value.items())
            seen.feedback.extend((row["key"], row["score"]) for row in run["feedback"])
            seen.feedback.extend((row["key"], row["value"]) for row in run["feedback"])
            seen.strings.extend(s for s in (run["name"], run["error"], run["project"]) if s)
            seen.strings.extend(_json_strings(run["tags"]))
        return seen


# --- filters, each rendered in the infix and in the function spelling ---


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
        return draw(st.sampled_from(["true", "True"] if value else ["false", "FALSE"]))
    if isinstance(value, int | float):
        return repr(value)
    return draw(string_literal(value))


INFIX = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
FLIPPED = {"eq": "==", "neq": "!=", "gt": "<", "gte": "<=", "lt": ">", "lte": ">="}


@st.composite
def comparison(draw: st.DrawFn, name: str, value: Any, ordered: bool | None = None) -> Spelled:
    if ordered is None:
        ordered = isinstance(value, int | float | str) and not isinstance(value, bool)
    ops = list(INFIX) if ordered and value is not None else ["eq", "neq"]
    op = draw(st.sampled_from(ops))
    lit = draw(literal(value))
    # A literal on the left is flipped by the parser.
    infix = f"{lit} {FLIPPED[op]} {name}" if draw(st.booleans()) else f"{name} {INFIX[op]} {lit}"
    return Spelled(infix, f"{op}({name}, {lit})")


@st.composite
def membership(draw: st.DrawFn, name: str, values: st.SearchStrategy[Any]) -> Spelled:
    items = ", ".join([draw(literal(v)) for v in draw(st.lists(values, max_size=3))])
    if draw(st.booleans()):
        return Spelled(f"{name} not in [{items}]", f"not(in({name}, [{items}]))")
    return Spelled(f"{name} in [{items}]", f"in({name}, [{items}])")


def condition(
    name: str, values: st.SearchStrategy[Any], ordered: bool | None = None
) -> st.SearchStrategy[Spelled]:
    return st.one_of(
        values.flatmap(lambda value: comparison(name, value, ordered)),
        values.flatmap(lambda value: comparison(name, value, ordered)),
        values.flatmap(lambda value: comparison(name, value, ordered)),
        membership(name, values),
    )


def time_text(moment: datetime, style: str) -> str:
    match style:
        case "z":
            return moment.isoformat().replace("+00:00", "Z")
        case "naive":
            return moment.replace(tzinfo=None).isoformat()
        case "offset":
            return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    return moment.isoformat()


times = st.builds(time_text, st.sampled_from(TIMES), st.sampled_from(["z", "naive", "offset", "plain"]))
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
    "start_time": (times, True),
    "end_time": (optional(times), True),
}
column_term = st.sampled_from(list(COLUMN_VALUES)).flatmap(lambda name: condition(name, *COLUMN_VALUES[name]))


def path_text(root: str, path: tuple[str, ...]) -> str:
    return ".".join([root, *(key if key.replace("_", "").isalnum() else json.dumps(key) for key in path)])


def aimed(seen_values: list[Any], fallback: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if not seen_values:
        return fallback
    return st.one_of(
        fallback, st.sampled_from(seen_values).flatmap(lambda v: st.sampled_from(look_alikes(v)))
    )


def json_term(seen: Seen) -> st.SearchStrategy[Spelled]:
    random_path = st.tuples(
        st.sampled_from(["metadata", "inputs", "outputs"]),
        st.lists(st.sampled_from(KEYS), min_size=1, max_size=2),
    ).map(lambda pair: (pair[0], tuple(pair[1])))
    random_term = random_path.flatmap(lambda rp: condition(path_text(*rp), scalar))
    if not seen.paths:
        return random_term
    aimed_term = st.sampled_from(seen.paths).flatmap(
        lambda seen_path: condition(path_text(seen_path[0], seen_path[1]), aimed([seen_path[2]], scalar))
    )
    return st.one_of(random_term, aimed_term, aimed_term)


@st.composite
def tag_term(draw: st.DrawFn) -> Spelled:
    tag = draw(literal(draw(st.sampled_from([*TAGS, "missing"]))))
    style = draw(st.integers(0, 2))
    if style == 0:
        return Spelled(f"{tag} in tags", f"has(tags, {tag})")
    if style == 1:
        return Spelled(f"tags == {tag}", f"eq(tags, {tag})")
    return draw(membership("tags", st.sampled_from(TAGS)))


def feedback_term(seen: Seen) -> st.SearchStrategy[Spelled]:
    values = aimed([value for _, value in seen.feedback], scalar)
    return st.sampled_from(FEEDBACK_KEYS).flatmap(lambda key: condition(f"feedback.{key}", values))


PAIR_FIELDS = {
    "feedback": ("feedback_key", ["feedback_score", "feedback_value"]),
    "metadata": ("metadata_key", ["metadata_value"]),
    "inputs": ("input_key", ["input_value"]),
    "outputs": ("output_key", ["output_value"]),
}


def pair_term(seen: Seen, family: str, part: str) -> st.SearchStrategy[Spelled]:
    key_field, value_fields = PAIR_FIELDS[family]
    observed = seen.feedback if family == "feedback" else seen.entries[family]
    keys = st.sampled_from(FEEDBACK_KEYS if family == "feedback" else KEYS + ODD_KEYS)
    if part == "key":
        return condition(key_field, keys, ordered=False)
    values = aimed([value for _, value in observed], scalar)
    score_values = aimed([v for _, v in observed if isinstance(v, int | float) or v is None], number).filter(
        lambda v: v is None or (isinstance(v, int | float) and not isinstance(v, bool))
    )
    return st.sampled_from(value_fields).flatmap(
        lambda name: condition(name, score_values if name == "feedback_score" else values)
    )


def pair_terms(seen: Seen) -> st.SearchStrategy[Spelled]:
    """A lone pair term, or a key term with value terms in one `and`, which share one entry."""

    @st.composite
    def group(draw: st.DrawFn) -> Spelled:
        family = draw(st.sampled_from(list(PAIR_FIELDS)))
        key = draw(pair_term(seen, family, "key"))
        more = draw(st.lists(st.sampled_from(["key", "value", "value"]), min_size=1, max_size=2))
        terms = [key, *(draw(pair_term(seen, family, part)) for part in more)]
        return conjunction(draw(st.permutations(terms)), "and")

    lone = st.tuples(st.sampled_from(list(PAIR_FIELDS)), st.sampled_from(["key", "value"])).flatmap(
        lambda fp: pair_term(seen, *fp)
    )
    return st.one_of(lone, group(), group())


def function_term(seen: Seen) -> st.SearchStrategy[Spelled]:
    needles = st.sampled_from(seen.strings).flatmap(
        lambda s: st.sampled_from([s, s.swapcase(), s.upper(), s[1:], s[:2], s[1:3].swapcase(), ""])
    )
    search_fields = st.sampled_from(
        [
            "name",
            "error",
            "inputs",
            "outputs",
            "metadata",
            "metadata.a",
            "tags",
            "project",
            "run_type",
            "inputs.A",
        ]
    )
    roots = st.sampled_from(["metadata", "inputs", "outputs"])
    blobs = st.dictionaries(
        st.sampled_from(KEYS),
        st.one_of(scalar, st.dictionaries(st.sampled_from(KEYS), scalar, max_size=2)),
        max_size=3,
    )
    if seen.paths:
        blobs = st.one_of(
            blobs,
            st.lists(st.sampled_from(seen.paths), min_size=1, max_size=2).map(
                lambda paths: {
                    path[0]: value for _, path, value in paths if len(path) == 1 and is_scalar(value)
                }
            ),
        )

    def has_json(root: str, blob: dict[str, Any]) -> Spelled:
        return same(f"has({root}, '" + json.dumps(blob).replace("\\", "\\\\").replace("'", "\\'") + "')")

    return st.one_of(
        needles.flatmap(string_literal).map(lambda n: same(f"search({n})")),
        st.tuples(search_fields, needles.flatmap(string_literal)).map(
            lambda fn: same(f"search({fn[0]}, {fn[1]})")
        ),
        st.tuples(roots, st.sampled_from(KEYS).flatmap(string_literal)).map(
            lambda rk: same(f"exists({rk[0]}, {rk[1]})")
        ),
        st.tuples(roots, st.sampled_from(KEYS)).map(
            lambda rk: same(f"exists({path_text(rk[0], ('a', rk[1]))})")
        ),
        st.builds(has_json, roots, blobs),
        st.sampled_from(FEEDBACK_KEYS).flatmap(string_literal).map(lambda k: same(f"has_feedback_key({k})")),
    )


def conjunction(parts: list[Spelled], word: str) -> Spelled:
    return Spelled(
        "(" + f" {word} ".join(p.infix for p in parts) + ")",
        f"{word}(" + ", ".join(p.function for p in parts) + ")",
    )


def filters(seen: Seen) -> st.SearchStrategy[Spelled]:
    leaf = st.one_of(
        column_term, json_term(seen), tag_term(), feedback_term(seen), pair_terms(seen), function_term(seen)
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(conjunction, st.lists(inner, min_size=1, max_size=3), st.sampled_from(["and", "or"])),
            inner.map(lambda p: Spelled(f"not ({p.infix})", f"not({p.function})")),
        ),
        max_leaves=4,
    )


# --- databases ---


def _load(db: Database, runs: list[dict[str, Any]], project_ids: dict[str, uuid.UUID]) -> None:
    now = datetime.now(UTC)
    columns = (
        "id",
        "trace_id",
        "parent_run_id",
        "name",
        "run_type",
        "status",
        "error",
        "start_time",
        "end_time",
    )
    columns += (
        "latency_ms",
        "cost",
        "session_id",
        "is_root",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
    )
    run_rows, feedback_rows = [], []
    for run in runs:
        nothing = sa.null() if run["sql_null"] else None
        json_columns = {"tags": "tags", "meta": "metadata", "inputs": "inputs", "outputs": "outputs"}
        run_rows.append(
            {
                **{name: run[name] for name in columns},
                **{column: nothing if run[key] is None else run[key] for column, key in json_columns.items()},
                "project_id": project_ids[run["project"]],
                "created_at": now,
                "updated_at": now,
            }
        )
        feedback_rows.extend(
            {
                **row,
                "id": uuid.uuid4(),
                "run_id": run["id"],
                "source": "api",
                "created_at": now,
                "updated_at": now,
            }
            for row in run["feedback"]
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


@dataclass
class Postgres:
    store: Store | None
    skip_reason: str = ""


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A fresh database on REVIEWDESK_TEST_POSTGRES_URL, dropped at the end; or why there is none."""
    url = os.environ.get("REVIEWDESK_TEST_POSTGRES_URL")
    if not url:
        yield Postgres(None, "REVIEWDESK_TEST_POSTGRES_URL is not set")
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
        yield Postgres(None, f"PostgreSQL at REVIEWDESK_TEST_POSTGRES_URL does not answer: {error.orig}")
        return
    db = Database(make_url(admin.url).set(database=name).render_as_string(hide_password=False))
    try:
        yield Postgres(_prepare(db))
    finally:
        db.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_takes_part(postgres: Postgres) -> None:
    if postgres.store is None:
        pytest.skip(f"{postgres.skip_reason}: the agreement test compared SQLite and Python only")


def _describe(runs: list[dict[str, Any]], ids: set[uuid.UUID]) -> str:
    return "\n".join(
        repr({k: v for k, v in run.items() if k != "sql_null"}) for run in runs if run["id"] in ids
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Shrinking re-loads both databases per step and can take minutes; the failure message already
    # names the one filter and the runs on which the compilers disagree.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(runs=run_sets(), data=st.data())
def test_sql_and_python_select_the_same_runs(
    sqlite_store: Store, postgres: Postgres, runs: list[dict[str, Any]], data: st.DataObject
) -> None:
    stores = [s for s in (sqlite_store, postgres.store) if s is not None]
    for store in stores:
        _load(store.db, runs, store.project_ids)
    strategy = filters(Seen.of(runs))
    for _ in range(FILTERS_PER_EXAMPLE):
        text = data.draw(strategy)
        node = parse(text.function)
        assert parse(text.infix) == node, f"the two spellings differ:\n{text.infix}\n{text.function}"
        expected = {run["id"] for run in runs if evaluate(node, run)}
        event("matches: " + ("none" if not expected else "all" if len(expected) == len(runs) else "some"))
        for store in stores:
            query = sa.select(tables.runs.c.id).where(to_sql(node, store.targets))
            with store.db.read() as conn:
                found = set(conn.scalars(query))
            assert found == expected, (
                f"{store.db.dialect} disagrees with evaluate() on {text.function}\n{node}\n"
                f"only in SQL:\n{_describe(runs, found - expected)}\n"
                f"only in Python:\n{_describe(runs, expected - found)}"
            )
