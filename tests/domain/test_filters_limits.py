"""The filter parser never crashes, and the cost limits of domain/limits.py hold at parse time.

The hardening review (#11) found filters that answered 500: a flat chain of ~1,100 terms, a
19,000-digit number, a 4,000-segment path. Each is now a FilterSyntaxError (a 400 in the API).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewdesk.domain.filters import Node, parse
from reviewdesk.domain.limits import (
    FILTER_MAX_NUMBER_CHARS,
    FILTER_MAX_PATH_SEGMENTS,
    FILTER_MAX_SEARCH_TERMS,
    FILTER_MAX_TERMS,
)
from reviewdesk.errors import FilterSyntaxError

# Pieces of the language, so that generated text reaches deep into the parser and the builder, not
# only its first "unexpected character" branch.
TOKENS = [
    "(", ")", "[", "]", ",", "and", "or", "not", "in", "==", "!=", "<", "<=", ">", ">=", "=",
    "name", "latency", "latency_ms", "tags", "status", "run_type", "start_time", "metadata",
    "metadata.a", "metadata.a.b", 'metadata."x y"', "inputs.q", "outputs", "feedback.correctness",
    "feedback_key", "feedback_score", "metadata_key", "metadata_value", "random_sample", "id", "trace_id",
    "eq", "neq", "gt", "lt", "has", "search", "exists", "has_feedback_key", "in", "and(", "or(",
    '"x"', "'y'", '"\\u0000"', '"\\ud800"', '"\\q"', '"2024-05-01T00:00:00Z"', '"5s"', '"250ms"',
    '"{\\"a\\": 1}"', '"{\\"a\\": [1]}"', '"{\\"a\\": {\\"b\\": null}}"', "1", "-1", "0.5", "1e308",
    "1e999", "99999999999999999999999", "true", "false", "null", '"', "'", "\\", "\x00", "\n", "é",
    '"00000000-0000-0000-0000-000000000000"',
]  # fmt: skip


def _parses_or_refuses(text: str) -> None:
    try:
        node = parse(text)
    except FilterSyntaxError as error:
        assert error.position is not None and 0 <= error.position <= len(text)
        assert error.message
    else:
        assert isinstance(node, Node)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_the_typed_error(text: str) -> None:
    _parses_or_refuses(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_any_sequence_of_filter_tokens_parses_or_raises_the_typed_error(text: str) -> None:
    _parses_or_refuses(text)


def _refused(text: str, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as refused:
        parse(text)
    assert words in refused.value.message


def test_the_review_findings_are_syntax_errors() -> None:
    _refused(" or ".join(f"latency_ms == {i}" for i in range(1100)), "longer than")
    _refused("or(" + ",".join(f"latency_ms=={i}" for i in range(1100)) + ")", "conditions; at most")
    _refused("latency > " + "9" * 19_000, f"more than {FILTER_MAX_NUMBER_CHARS} characters")
    _refused("metadata." + ".".join(["a"] * 4000) + " == 1", f"at most {FILTER_MAX_PATH_SEGMENTS}")
    _refused(" or ".join(f'search("t{i}")' for i in range(200)), f"at most {FILTER_MAX_SEARCH_TERMS}")
    _refused('has(metadata, "' + '{\\"a\\":' * 1100 + "1" + "}" * 1100 + '")', "a JSON object")
    _refused('has(metadata, "' + '{\\"a\\":' * 100 + "1" + "}" * 100 + '")', "at most")


def test_filters_just_inside_the_limits_parse() -> None:
    parse("or(" + ",".join(f"latency_ms=={i}" for i in range(FILTER_MAX_TERMS)) + ")")
    parse("id in [" + ",".join(f'"{i:08d}-0000-0000-0000-000000000000"' for i in range(400)) + "]")
    parse(" or ".join(f'search("t{i}")' for i in range(FILTER_MAX_SEARCH_TERMS)))
    parse("metadata." + ".".join(["a"] * FILTER_MAX_PATH_SEGMENTS) + " == 1")
    parse("latency > " + "9" * FILTER_MAX_NUMBER_CHARS)
