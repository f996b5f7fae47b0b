"""The Python predicate: what each field, operator and virtual pair means on one run."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from reviewdesk.domain.filters import SqlTargets, evaluate, parse, to_sql
from reviewdesk.errors import Invalid

RUN_ID = UUID("0190a1b2-0000-7000-8000-000000000001")
TRACE_ID = UUID("0190a1b2-0000-7000-8000-0000000000aa")
START = datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)


def make_run(**changes: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "id": RUN_ID,
        "trace_id": TRACE_ID,
        "parent_run_id": None,
        "name": "Refund Flow",
        "run_type": "chain",
        "status": "success",
        "error": None,
        "start_time": START,
        "end_time": START + timedelta(seconds=12),
        "latency_ms": 12_000.0,
        "prompt_tokens": 4000,
        "completion_tokens": 1200,
        "total_tokens": 5200,
        "cost": 0.012,
        "tags": ["production", "beta"],
        "project": "support-bot",
        "session_id": "thread-1",
        "is_root": True,
        "metadata": {
            "eval_score": 0.4,
            "flag": True,
            "tenant_id": "t1",
            "user": {"tier": "gold"},
            "none": None,
        },
        "inputs": {
            "question": "Where is my REFUND?",
            "history": [{"role": "user", "content": "Bonjour Élise"}],
        },
        "outputs": {"answer": "It ships Monday", "score": 1},
        "feedback": [
            {"key": "correctness", "score": 0.0, "value": None},
            {"key": "user_rating", "score": None, "value": "negative"},
            {"key": "user_score", "score": 1.0, "value": None},
            {"key": "helpful", "score": None, "value": True},
        ],
    }
    run.update(changes)
    return run


def matches(text: str, **changes: Any) -> bool:
    return evaluate(parse(text), make_run(**changes))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'id == "{RUN_ID}"', True),
        (f'id == "{RUN_ID.hex}"', True),
        (f'trace_id in ["{TRACE_ID}", "{RUN_ID}"]', True),
        ("parent_run_id == null", True),
        ('name == "Refund Flow"', True),
        ('name == "refund flow"', False),
        ('name > "Q" and name < "S"', True),
        ('run_type == "chain"', True),
        ('status == "success"', True),
        ("error == null", True),
        ("neq(error, null)", False),
        ('start_time == "2024-05-01T12:00:00.5Z"', True),
        ('start_time == "2024-05-01T14:00:00.500000+02:00"', True),
        ('start_time > "2024-05-01T12:00:00"', True),
        ('end_time < "2024-05-01T12:00:12.5"', False),
        ('end_time <= "2024-05-01T12:00:12.5"', True),
        ("latency > 10", True),
        ('latency < "12.5s"', True),
        ('latency == "12000ms"', True),
        ("latency_ms >= 12000", True),
        ('latency > "1m"', False),
        ("prompt_tokens > 3999.5", True),
        ("completion_tokens == 1200", True),
        ("gt(total_tokens, 5000)", True),
        ("cost < 0.02", True),
        ('"beta" in tags', True),
        ('has(tags, "Beta")', False),
        ('not "internal" in tags', True),
        ('tags in ["x", "production"]', True),
        ('project == "support-bot"', True),
        ('session == "thread-1"', True),
        ('thread_id != "thread-1"', False),
        ("is_root == true", True),
        ("metadata.eval_score < 0.5", True),
        ("metadata.user.tier == 'gold'", True),
        ("metadata.user.tier > 'g'", True),
        ("metadata.flag == true", True),
        ("metadata.flag == 1", False),
        ("metadata.eval_score == '0.4'", False),
        ("metadata.missing == null", True),
        ("metadata.none == null", True),
        ("metadata.none != null", False),
        ("metadata.user == null", False),
        ("metadata.tenant_id in ['t0', 't1']", True),
        ("inputs.question == 'Where is my REFUND?'", True),
        ("inputs.history.role == 'user'", False),
        ("outputs.score >= 1", True),
    ],
)
def test_fields(text: str, expected: bool) -> None:
    assert matches(text) is expected


class TestMissingValues:
    def test_a_comparison_on_a_missing_field_is_false_and_its_negation_true(self) -> None:
        for text in [
            "latency > 1",
            "latency <= 1",
            "metadata.nope > 1",
            "metadata.nope == 'x'",
            "cost == 0.012",
        ]:
            assert matches(text, latency_ms=None, cost=None) is False
            assert matches(f"not ({text})", latency_ms=None, cost=None) is True

    def test_neq_is_not_eq(self) -> None:
        assert matches("latency != 5", latency_ms=None) is True
        assert matches("metadata.flag != 1") is True  # a boolean is no number

    def test_missing_json_documents(self) -> None:
        assert matches("metadata.a == null", metadata=None) is True
        assert matches("exists(metadata, 'a')", metadata=None) is False
        assert matches("eq(metadata_key, 'a')", metadata=["a"]) is False

    def test_non_finite_json_numbers_read_as_null_as_they_are_stored(self) -> None:
        assert matches("metadata.x == null", metadata={"x": math.nan}) is True
        assert matches("metadata.x > 0", metadata={"x": math.inf}) is False
        assert matches("metadata_value == null", metadata={"x": math.inf}) is True

    def test_infinite_columns_stay_numbers(self) -> None:
        assert matches("latency > 1000", latency_ms=math.inf) is True
        assert matches("cost < 0", cost=-math.inf) is True

    def test_naive_run_timestamps_are_utc(self) -> None:
        assert matches('start_time == "2024-05-01T12:00:00Z"', start_time=datetime(2024, 5, 1, 12)) is True
        plus_two = datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=2)))
        assert matches('start_time == "2024-05-01T12:00:00Z"', start_time=plus_two) is True


class TestFeedback:
    def test_a_number_compares_the_score(self) -> None:
        assert matches("feedback.user_score == 1") is True
        assert matches("feedback.correctness > 0") is False

    def test_a_string_or_a_boolean_compares_the_value(self) -> None:
        assert matches('feedback.user_rating == "negative"') is True
        assert matches("feedback.helpful == true") is True
        assert matches("feedback.helpful == 1") is False

    def test_null_means_no_feedback_with_that_key(self) -> None:
        assert matches("feedback.nope == null") is True
        assert matches("feedback.correctness == null") is False
        assert matches('has_feedback_key("correctness")') is True
        assert matches('has_feedback_key("nope")') is False

    def test_any_reviewer_counts(self) -> None:
        rows = [{"key": "q", "score": 0.0, "value": None}, {"key": "q", "score": 1.0, "value": None}]
        assert matches("feedback.q == 1 and feedback.q == 0", feedback=rows) is True

    def test_key_and_score_in_one_and_refer_to_one_row(self) -> None:
        assert matches('and(eq(feedback_key, "correctness"), eq(feedback_score, 1))') is False
        assert matches('and(eq(feedback_key, "user_score"), eq(feedback_score, 1))') is True
        # under `or` a term is an entry of its own again
        assert (
            matches('eq(feedback_key, "correctness") and (feedback_score == 1 or feedback_score == 2)')
            is True
        )
        assert matches("feedback_score >= 1") is True

    def test_negated_score_is_no_row_with_that_key_and_score(self) -> None:
        rows = [{"key": "q", "score": 0.0, "value": None}, {"key": "r", "score": 1.0, "value": None}]
        assert matches('and(eq(feedback_key, "q"), neq(feedback_score, 1))', feedback=rows) is True
        rows.append({"key": "q", "score": 1.0, "value": None})
        assert matches('and(eq(feedback_key, "q"), neq(feedback_score, 1))', feedback=rows) is False


class TestJsonPairs:
    def test_key_alone_and_with_a_value(self) -> None:
        assert matches("eq(metadata_key, 'tenant_id')") is True
        assert matches("and(eq(metadata_key, 'tenant_id'), eq(metadata_value, 't1'))") is True
        assert matches("and(eq(metadata_key, 'tenant_id'), eq(metadata_value, true))") is False
        assert matches("and(eq(metadata_key, 'flag'), eq(metadata_value, true))") is True

    def test_keys_are_top_level_only(self) -> None:
        assert matches("eq(metadata_key, 'tier')") is False
        assert matches("eq(input_key, 'role')") is False
        assert matches("eq(output_key, 'answer')") is True

    def test_negative_filtering(self) -> None:
        assert matches("neq(metadata_key, 'user_id')") is True
        assert matches("and(eq(metadata_key, 'tenant_id'), neq(metadata_value, 't1'))") is False
        assert matches("and(eq(metadata_key, 'tenant_id'), neq(metadata_value, 't2'))") is True
        # the value term refers to the tenant_id entry, not to any entry
        assert matches("and(eq(metadata_key, 'flag'), neq(metadata_value, 't1'))") is True

    def test_in_on_keys(self) -> None:
        text = 'and(in(metadata_key, ["session_id", "tenant_id"]), eq(metadata_value, "t1"))'
        assert matches(text) is True
        assert matches(text, metadata={"session_id": "t2", "tenant_id": "t0"}) is False


class TestSearchExistsHas:
    def test_search_is_an_ascii_case_insensitive_substring(self) -> None:
        assert matches('search("refund")') is True  # name and inputs
        assert matches('search("MONDAY")') is True  # outputs
        assert matches('search("élise")') is False  # É is not folded: ASCII only
        assert matches('search("Élise")') is True  # nested string in inputs
        assert matches('search("history")') is False  # keys are not searched

    def test_search_one_field(self) -> None:
        assert matches('search(name, "FLOW")') is True
        assert matches('search(outputs, "refund")') is False
        assert matches('search(metadata.user, "GOL")') is True
        assert matches('search(tags, "duct")') is True
        assert matches('search(project, "BOT")') is True
        assert matches('search(error, "x")') is False

    def test_exists(self) -> None:
        assert matches('exists(metadata, "tenant_id")') is True
        assert matches('exists(metadata, "none")') is True
        assert matches('exists(metadata.user, "tier")') is True
        assert matches('exists(inputs, "nope")') is False

    def test_has_json_object(self) -> None:
        assert matches('has(metadata, \'{"tenant_id": "t1", "flag": true}\')') is True
        assert matches('has(metadata, \'{"user": {"tier": "gold"}}\')') is True
        assert matches("has(metadata, '{\"none\": null}')") is True
        assert matches("has(metadata, '{\"absent\": null}')") is False
        assert matches('not(has(metadata, \'{"foo": "bar"}\'))') is True


def test_random_sample_is_not_a_condition() -> None:
    node = parse("random_sample == 0.1 and is_root == true")
    with pytest.raises(Invalid, match="split_sample_rate"):
        evaluate(node, make_run())
    targets = SqlTargets(sa.table("runs"), sa.table("feedback"), sa.table("projects"), "sqlite")  # type: ignore[arg-type]
    with pytest.raises(Invalid, match="split_sample_rate"):
        to_sql(node, targets)


def test_to_sql_builds_for_both_dialects_without_a_database() -> None:
    metadata = sa.MetaData()
    runs = sa.Table(
        "runs",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("tags", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("meta", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    feedback = sa.Table(
        "feedback",
        metadata,
        sa.Column("run_id", sa.Uuid),
        sa.Column("key", sa.String),
        sa.Column("score", sa.Float),
        sa.Column("value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    projects = sa.Table("projects", metadata, sa.Column("id", sa.Uuid), sa.Column("name", sa.String))
    node = parse(
        'name > "a" and not latency > 5 and "x" in tags and metadata.a == 1 and feedback.k == "good" '
        'and project == "p" and eq(metadata_key, "m")'
    )
    for dialect, compiler in (("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect())):
        where = to_sql(node, SqlTargets(runs, feedback, projects, dialect))  # type: ignore[arg-type]
        sql = str(sa.select(runs.c.id).where(where).compile(dialect=compiler))
        assert "EXISTS" in sql and "coalesce" in sql
        assert ('COLLATE "C"' in sql) is (dialect == "postgresql")
    roots = runs.alias("roots")
    where = to_sql(node, SqlTargets(roots, feedback, projects, "sqlite"))
    sql = str(
        sa.select(runs.c.id).join(roots, roots.c.id == runs.c.id).join(feedback, sa.true()).where(where)
    )
    assert ".run_id = roots.id" in sql and ".id = roots.project_id" in sql
    assert sql.count("FROM feedback") == 1  # the EXISTS keeps its own feedback despite the outer join
