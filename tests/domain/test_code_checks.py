"""Built-in code checks and the judge's tolerant answer reader (pure functions)."""

from __future__ import annotations

import pytest

from reviewdesk.domain.code_checks import find_pii, run_checks
from reviewdesk.domain.judge import (
    JUDGEMENT_FUNCTION,
    JudgeAnswerError,
    coerce_score,
    parse_answer,
    render_prompt,
)


def _run(outputs, **extra):
    return {"outputs": outputs, "inputs": {"q": "hi"}, **extra}


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("write to jane.doe@example.com", ["email"]),
        ("card 4111 1111 1111 1111 please", ["card"]),
        ("card 4111 1111 1111 1112 please", []),  # fails Luhn: not a card (nor a phone number)
        ("IBAN GB82 WEST 1234 5698 7654 32", ["iban"]),
        ("IBAN GB82 WEST 1234 5698 7654 33", []),  # bad checksum
        ("call +44 20 7946 0958 now", ["phone"]),
        ("order 42 ships in 3 days", []),
    ],
)
def test_pii_detectors(text, kinds):
    assert find_pii(text, ["email", "phone", "card", "iban"]) == kinds


def test_checks_pass_and_fail_with_reasons():
    checks = [
        {"type": "regex", "pattern": r"ships", "must_match": True},
        {"type": "regex", "pattern": r"(?i)as an ai", "must_match": False},
        {"type": "contains", "values": ["order", "ships"], "mode": "all"},
        {"type": "length", "min": 5, "max": 100},
        {"type": "latency_ms", "max": 2000},
    ]
    score, comment = run_checks(checks, _run({"answer": "Your order ships today"}, latency_ms=1500.0))
    assert score == 1.0 and "FAIL" not in comment
    score, comment = run_checks(checks, _run({"answer": "As an AI, I cannot"}, latency_ms=2500.0))
    assert score == 0.0
    assert comment.count("FAIL") == 4 and "latency_ms 2500 (max 2000)" in comment


def test_json_checks_and_reference_match():
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    assert run_checks([{"type": "json_schema", "schema": schema}], _run('{"id": 3}'))[0] == 1.0
    score, comment = run_checks([{"type": "json_schema", "schema": schema}], _run('{"id": "x"}'))
    assert score == 0.0 and "'x' is not of type 'integer'" in comment
    assert run_checks([{"type": "valid_json"}], _run("{nope"))[0] == 0.0
    ref = {"answer": "Paris is the capital"}
    assert run_checks([{"type": "reference_match"}], _run(ref, reference=ref))[0] == 1.0
    fuzzy = [{"type": "reference_match", "mode": "fuzzy", "threshold": 0.8}]
    assert run_checks(fuzzy, _run({"answer": "Paris is the capital."}, reference=ref))[0] == 1.0
    assert run_checks(fuzzy, _run({"answer": "Lyon"}, reference=ref))[0] == 0.0


def test_prompt_template_fills_fields_and_metadata():
    run = {"inputs": {"q": "hi"}, "outputs": "hello", "reference": None, "metadata": {"tier": "gold"}}
    assert render_prompt("{{inputs}} | {{ outputs }} | {{reference}} | {{metadata.tier}}", run) == (
        '{"q": "hi"} | hello |  | gold'
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"reasoning": "fine", "score": 0.8}', (0.8, "fine")),
        ('Sure!\n```json\n{"score": "good", "reasoning": "ok"}\n```', ("good", "ok")),
        ('My verdict is {"score": 1, "reason": "clear"} as asked.', (1, "clear")),
        ("good", ("good", "")),
    ],
)
def test_tolerant_answer_reader(content, expected):
    assert parse_answer({"choices": [{"message": {"content": content}}]}) == expected


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        ({"choices": []}, "malformed"),
        ({"choices": [{"message": {"content": None, "refusal": "no"}}]}, "refusal"),
        (
            {"choices": [{"message": {"content": "I'm sorry, but I cannot rate this content at all."}}]},
            "refusal",
        ),
        ({"choices": [{"message": {"content": '{"score": '}}]}, "malformed"),
    ],
)
def test_unusable_answers_say_why(response, kind):
    with pytest.raises(JudgeAnswerError) as caught:
        parse_answer(response)
    assert caught.value.kind == kind


def test_the_judgement_call_is_read_among_other_tool_calls():
    calls = [
        {"function": {"name": "search", "arguments": '{"score": "not this"}'}},
        {"function": {"name": JUDGEMENT_FUNCTION, "arguments": {"reasoning": "clear", "score": 4}}},
    ]
    assert parse_answer({"choices": [{"message": {"content": None, "tool_calls": calls}}]}) == (4, "clear")


def test_scores_fit_the_config_or_are_refused():
    config = {"type": "continuous", "min": 0, "max": 1}
    assert coerce_score("0.25", config) == (0.25, None)
    with pytest.raises(JudgeAnswerError):
        coerce_score(3, config)
    categorical = {
        "type": "categorical",
        "options": [{"value": "good", "score": 1}, {"value": "bad", "score": 0}],
    }
    assert coerce_score("Bad", categorical) == (0, "bad")
