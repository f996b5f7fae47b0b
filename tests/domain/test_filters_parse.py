"""Parsing the filter language: both spellings, every field, virtual pairs, sampling, syntax errors."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from reviewdesk.domain.filters import (
    And,
    AnyEntry,
    Compare,
    Exists,
    HasTag,
    In,
    JsonPath,
    Node,
    Not,
    Or,
    PairField,
    RunField,
    Sample,
    Search,
    parse,
    split_sample_rate,
)
from reviewdesk.errors import FilterSyntaxError, Invalid

FB_KEY = PairField("feedback", "key")
FB_SCORE = PairField("feedback", "score")
FB_VALUE = PairField("feedback", "value")
MD_KEY = PairField("metadata", "key")
MD_VALUE = PairField("metadata", "value")


def fb_key(key: str) -> Compare:
    return Compare(FB_KEY, "eq", key)


@pytest.mark.parametrize(
    "spellings",
    [
        (
            'metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
            'or(lt(metadata.eval_score, 0.5), eq(feedback.user_rating, "negative"))',
        ),
        (
            'latency_ms > 10000 and run_type == "llm" and not "internal" in tags',
            'and(gt(latency_ms, 10000), eq(run_type, "llm"), not(has(tags, "internal")))',
            'latency > 10 AND run_type = "llm" AND NOT (has(tags, "internal"))',
        ),
        (
            'has_feedback_key("overall_quality") and feedback.overall_quality == "good"',
            "and(eq(feedback_key, 'overall_quality'), eq(feedback.overall_quality, 'good'))",
        ),
        ('name in ["a", "b"]', 'in(name, ["a", "b"])', "in(name, ['a', 'b'])"),
        ('name not in ["a"]', 'not(in(name, ["a"]))', 'not name in ["a"]'),
        ("latency > 10", "gt(latency, 10)", 'gt(latency, "10s")', "latency_ms > 10000", "10 < latency"),
        ("error != null", "neq(error, null)", "not(eq(error, null))", "not error == NULL"),
        (
            'feedback_key == "k" and feedback_score > 0.5',
            'and(eq(feedback_key, "k"), gt(feedback_score, 0.5))',
        ),
        (
            '(name == "a" and run_type == "llm") and status == "error"',
            'and(eq(name, "a"), eq(run_type, "llm"), eq(status, "error"))',
        ),
        ('and(eq(name, "a"))', 'name == "a"', '((name == "a"))'),
        ('"x" in tags', 'has(tags, "x")', 'eq(tags, "x")', 'tags == "x"'),
        ("session == 's'", "eq(thread_id, 's')", "session_id == 's'"),
    ],
)
def test_spellings_parse_to_the_same_tree(spellings: tuple[str, ...]) -> None:
    trees = [parse(text) for text in spellings]
    assert all(tree == trees[0] for tree in trees), trees


def test_langsmith_examples_parse_verbatim() -> None:
    examples = [
        'and(eq(run_type, "chain"), gt(latency, 10), gt(total_tokens, 5000))',
        'eq(name, "extractor")',
        'and(gt(start_time, "2023-07-15T12:34:56Z"), or(neq(error, null), and(eq(feedback_key, "Correctness"), '
        "eq(feedback_score, 0.0))))",
        'and(or(has(tags, "experimental"), has(tags, "beta")), gt(latency, 2))',
        'and(eq(run_type, "llm"), gt(latency, 5))',
        'eq(status, "error")',
        'lt(start_time, "2025-01-01T00:00:00Z")',
        'eq(trace_id, "0190a1b2-0000-7000-8000-000000000001")',
        'eq(thread_id, "abc")',
        'and(not(has(metadata, \'{"foo": "bar"}\')), exists(metadata, "tenant_id"))',
        'search("image classification")',
        'gt(latency, "5s")',
        "eq(metadata_key, 'user_id')",
        'and(in(metadata_key, ["session_id","conversation_id","thread_id"]), eq(metadata_value, "<id>"))',
        "and(eq(name, 'ChatOpenAI'), eq(metadata_key, 'conversation_id'), eq(metadata_value, 'x'))",
        "and(neq(metadata_key,'x'))",
        'or(has(tags, "experimental"), neq(error, null))',
    ]
    for text in examples:
        assert isinstance(parse(text), Node)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'id == "0190a1b2-0000-7000-8000-000000000001"',
            Compare(RunField("id"), "eq", UUID("0190a1b2-0000-7000-8000-000000000001")),
        ),
        ("parent_run_id == null", Compare(RunField("parent_run_id"), "eq", None)),
        (
            'trace_id in ["0190a1b20000700080000000000000aa"]',
            In(RunField("trace_id"), (UUID(int=0x0190A1B20000700080000000000000AA),)),
        ),
        ('name >= "m"', Compare(RunField("name"), "gte", "m")),
        ('run_type == "llm"', Compare(RunField("run_type"), "eq", "llm")),
        ('status == "pending"', Compare(RunField("status"), "eq", "pending")),
        (
            'start_time > "2024-05-01T12:00:00Z"',
            Compare(RunField("start_time"), "gt", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ),
        (
            'start_time > "2024-05-01T12:00:00"',
            Compare(RunField("start_time"), "gt", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ),
        (
            'end_time <= "2024-05-01T14:00:00+02:00"',
            Compare(RunField("end_time"), "lte", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ),
        (
            'start_time < "2024-05-01"',
            Compare(RunField("start_time"), "lt", datetime(2024, 5, 1, tzinfo=UTC)),
        ),
        ("latency > 2.5", Compare(RunField("latency_ms"), "gt", 2500.0)),
        ('latency > "250ms"', Compare(RunField("latency_ms"), "gt", 250.0)),
        ('latency < "2m"', Compare(RunField("latency_ms"), "lt", 120_000.0)),
        ("latency_ms >= 300", Compare(RunField("latency_ms"), "gte", 300.0)),
        ('latency_ms >= "1.5s"', Compare(RunField("latency_ms"), "gte", 1500.0)),
        ("prompt_tokens > 10", Compare(RunField("prompt_tokens"), "gt", 10)),
        ("completion_tokens <= 1e3", Compare(RunField("completion_tokens"), "lte", 1000.0)),
        ("total_tokens == 5000", Compare(RunField("total_tokens"), "eq", 5000)),
        ("cost < 0.01", Compare(RunField("cost"), "lt", 0.01)),
        ('project == "alpha"', Compare(RunField("project"), "eq", "alpha")),
        ('thread_id == "t1"', Compare(RunField("session_id"), "eq", "t1")),
        ("is_root == true", Compare(RunField("is_root"), "eq", True)),
        ("is_root != FALSE", Not(Compare(RunField("is_root"), "eq", False))),
        ('has(tags, "beta")', HasTag("beta")),
        ("metadata.eval_score < 0.5", Compare(JsonPath("metadata", ("eval_score",)), "lt", 0.5)),
        ("metadata.a.\"b c\".'d.e' == -1", Compare(JsonPath("metadata", ("a", "b c", "d.e")), "eq", -1)),
        ("inputs.question == 'q'", Compare(JsonPath("inputs", ("question",)), "eq", "q")),
        ("outputs.ok == true", Compare(JsonPath("outputs", ("ok",)), "eq", True)),
        ("outputs.n in [1, 'x', null]", In(JsonPath("outputs", ("n",)), (1, "x", None))),
        ("feedback.quality >= 0.5", AnyEntry("feedback", (fb_key("quality"), Compare(FB_SCORE, "gte", 0.5)))),
        (
            'feedback.quality == "good"',
            AnyEntry("feedback", (fb_key("quality"), Compare(FB_VALUE, "eq", "good"))),
        ),
        ("feedback.ok == true", AnyEntry("feedback", (fb_key("ok"), Compare(FB_VALUE, "eq", True)))),
        ("feedback.quality == null", Not(AnyEntry("feedback", (fb_key("quality"),)))),
        ("feedback.quality != null", AnyEntry("feedback", (fb_key("quality"),))),
        ('has_feedback_key("quality")', AnyEntry("feedback", (fb_key("quality"),))),
        (
            'search("Refund")',
            Search((RunField("name"), RunField("error"), JsonPath("inputs"), JsonPath("outputs")), "Refund"),
        ),
        ('search(metadata.a, "x")', Search((JsonPath("metadata", ("a",)),), "x")),
        ('exists(metadata, "tenant_id")', Exists(JsonPath("metadata", ("tenant_id",)))),
        ('exists(inputs.a, "b")', Exists(JsonPath("inputs", ("a", "b")))),
        ("exists(outputs.a.b)", Exists(JsonPath("outputs", ("a", "b")))),
        ('has(metadata, \'{"foo": "bar"}\')', Compare(JsonPath("metadata", ("foo",)), "eq", "bar")),
        ("has(metadata, '{}')", And(())),
        ("in(name, [])", In(RunField("name"), ())),
    ],
)
def test_each_field_and_function_builds_its_node(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_has_json_checks_each_key_and_recurses_into_objects() -> None:
    node = parse('has(inputs, \'{"a": 1, "b": {"c": "x"}, "n": null}\')')
    n = JsonPath("inputs", ("n",))
    assert node == And(
        (
            Compare(JsonPath("inputs", ("a",)), "eq", 1),
            Compare(JsonPath("inputs", ("b", "c")), "eq", "x"),
            Exists(n),
            Compare(n, "eq", None),
        )
    )


def test_string_literals_take_escapes_in_both_quotes() -> None:
    node = parse(r'name == "a\"b\\c\n\u00e9\ud83d\ude00" or name == ' + r"'it\'s'")
    assert node == Or(
        (Compare(RunField("name"), "eq", 'a"b\\c\né😀'), Compare(RunField("name"), "eq", "it's"))
    )


class TestVirtualPairs:
    def test_key_and_value_in_one_and_share_an_entry(self) -> None:
        assert parse('and(eq(feedback_key, "user_score"), eq(feedback_score, 1))') == AnyEntry(
            "feedback", (fb_key("user_score"), Compare(FB_SCORE, "eq", 1))
        )

    def test_a_lone_key_term_is_some_entry_with_that_key(self) -> None:
        assert parse("eq(metadata_key, 'user_id')") == AnyEntry(
            "metadata", (Compare(MD_KEY, "eq", "user_id"),)
        )

    def test_in_on_the_key_side(self) -> None:
        node = parse('and(in(metadata_key, ["a", "b"]), eq(metadata_value, "x"))')
        assert node == AnyEntry("metadata", (In(MD_KEY, ("a", "b")), Compare(MD_VALUE, "eq", "x")))

    def test_negated_value_is_no_entry_with_those_keys_and_that_value(self) -> None:
        node = parse("and(eq(metadata_key, 'user_id'), neq(metadata_value, '1'))")
        key = Compare(MD_KEY, "eq", "user_id")
        assert node == And(
            (AnyEntry("metadata", (key,)), Not(AnyEntry("metadata", (key, Compare(MD_VALUE, "eq", "1")))))
        )

    def test_negated_key_is_no_entry_with_that_key(self) -> None:
        assert parse("and(neq(metadata_key, 'x'))") == Not(
            AnyEntry("metadata", (Compare(MD_KEY, "eq", "x"),))
        )

    def test_terms_under_or_are_separate_entries(self) -> None:
        node = parse("or(eq(metadata_key, 'a'), eq(metadata_value, 'b'))")
        assert node == Or(
            (
                AnyEntry("metadata", (Compare(MD_KEY, "eq", "a"),)),
                AnyEntry("metadata", (Compare(MD_VALUE, "eq", "b"),)),
            )
        )

    def test_families_group_separately_and_keep_their_place(self) -> None:
        node = parse("input_key == 'q' and name == 'n' and output_value == 1 and input_value == 'x'")
        assert node == And(
            (
                AnyEntry(
                    "inputs",
                    (
                        Compare(PairField("inputs", "key"), "eq", "q"),
                        Compare(PairField("inputs", "value"), "eq", "x"),
                    ),
                ),
                Compare(RunField("name"), "eq", "n"),
                AnyEntry("outputs", (Compare(PairField("outputs", "value"), "eq", 1),)),
            )
        )

    def test_feedback_fields_by_key_do_not_merge(self) -> None:
        node = parse("feedback.a == 1 and feedback.b == 2")
        assert isinstance(node, And) and len(node.children) == 2


class TestRandomSample:
    def test_alone(self) -> None:
        assert split_sample_rate(parse("random_sample == 0.05")) == (None, 0.05)

    def test_as_a_top_level_conjunct(self) -> None:
        rest, rate = split_sample_rate(parse('random_sample == 0.1 and run_type == "llm"'))
        assert (rest, rate) == (Compare(RunField("run_type"), "eq", "llm"), 0.1)
        rest, rate = split_sample_rate(parse('and(eq(name, "a"), eq(random_sample, 1), eq(run_type, "llm"))'))
        assert rate == 1.0
        assert rest == And((Compare(RunField("name"), "eq", "a"), Compare(RunField("run_type"), "eq", "llm")))

    def test_absent(self) -> None:
        node = parse('name == "a"')
        assert split_sample_rate(node) == (node, None)

    def test_nested_is_refused_with_its_position(self) -> None:
        with pytest.raises(FilterSyntaxError) as caught:
            split_sample_rate(parse('name == "a" or random_sample == 0.5'))
        assert caught.value.position == 29
        assert "column 30" in caught.value.message and "top-level" in caught.value.message

    def test_twice_is_refused(self) -> None:
        with pytest.raises(FilterSyntaxError, match="only once"):
            split_sample_rate(parse("random_sample == 0.5 and random_sample == 0.1"))

    def test_is_a_sample_node_until_split(self) -> None:
        assert parse("random_sample == 0.05") == Sample(0.05)
        assert issubclass(FilterSyntaxError, Invalid)


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("latency_ms < ", 13, "line 1, column 14: expected a value after '<'"),
        ("metadata.eval_score < or x", 22, "expected a value after '<', found 'or'"),
        ("foo == 1", 0, "line 1, column 1: unknown field 'foo'"),
        ("nmae == 'x'", 0, "did you mean 'name'?"),
        ('eqq(name, "x")', 0, "unknown function 'eqq'; did you mean 'eq'?"),
        ('and(eq(name, "x")', 17, "unbalanced parenthesis: the '(' at column 4 is never closed"),
        ('name == "x")', 11, "unbalanced parenthesis: this ')' has no matching '('"),
        ('latency > "abc"', 10, "column 11: expected a number or a duration"),
        ("gt(tags, 3)", 0, "'gt' does not apply to 'tags'"),
        ('name == "abc', 8, "unterminated string"),
        (r"name == 'a\q'", 10, "invalid escape"),
        ('name ~ "x"', 5, "unexpected character '~'"),
        ("", 0, "the filter is empty"),
        ('name "x"', 5, "expected an operator such as '==' after 'name'"),
        ('name in "x"', 8, "expected a list"),
        ('status == "done"', 10, "expected one of 'success', 'error', 'pending'"),
        ('start_time > "yesterday"', 13, "ISO-8601"),
        ('id == "nope"', 6, "expected a UUID"),
        ("is_root > true", 8, "'>' does not apply to 'is_root'"),
        ("metadata == 1", 9, "compare a key instead: metadata.<key>"),
        ("feedback == 1", 0, "feedback.<key>"),
        ("has(metadata, '{\"a\": [1]}')", 14, "not lists"),
        ("has(metadata, 'nope')", 14, "expected a JSON object"),
        ('exists(name, "x")', 7, "exists() takes"),
        ("random_sample > 0.5", 14, "takes '=='"),
        ("random_sample == 2", 17, "rate between 0 and 1"),
        ("eq(name)", 0, "eq() takes a field and a value; found 1"),
        ('name == "x"\nand foo == 2', 16, "line 2, column 5: unknown field 'foo'"),
        ("lt(metadata.a, true)", 15, "needs a number or a string"),
        ("eq(name, [1])", 9, "expected a value"),
        ("and()", 0, "and() needs at least one condition"),
        ("metadata_key == null", 16, "expected a key"),
        ("name == 1", 8, "expected a string for 'name'"),
        ("and(name, x)", 4, "expected a condition, found 'name'"),
        ("name == 'a' and", 15, "expected a condition"),
        ("name == 'a' 'b'", 12, "expected"),
        ("search(latency, 'x')", 7, "search() does not apply to 'latency'"),
        ("name == '\\u0000'", 8, "NUL"),
        ('metadata."a\\b" == 1', 8, "unexpected character"),
        ("has(metadata, '{\"a\\\\\\\\b\": 1}')", 14, "cannot contain quotes, backslashes"),
        ("x" * 20_001, 20_000, "longer than"),
        ("not(" * 70 + "name == 'a'" + ")" * 70, 4 * 64, "more than 64 levels deep"),
        ("and(" * 65 + "name == 'a'" + ")" * 65, 4 * 64, "more than 64 levels deep"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(text: str, position: int, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert message in error.message, error.message
    assert error.position == position, error.message
    assert error.to_dict()["position"] == position
    assert error.field == "filter"


def test_parentheses_add_no_depth() -> None:
    assert parse("(" * 5000 + "name == 'a'" + ")" * 5000) == Compare(RunField("name"), "eq", "a")


def test_every_syntax_error_message_starts_with_its_location() -> None:
    for text in ["(", ")", "name ==", "and(", "in(name, 1)", "not", "[1]", "name == [1", "1 == 2"]:
        with pytest.raises(FilterSyntaxError) as caught:
            parse(text)
        assert caught.value.message.startswith("line 1, column "), caught.value.message
