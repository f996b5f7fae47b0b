"""Conditional rubric fields: shown or required only after another field's given answer."""

from __future__ import annotations

import pytest

from reviewdesk.domain.rubric import check_answers, field_state, normalize_rubric
from reviewdesk.errors import Invalid

CONFIGS = {
    "verdict": {"key": "verdict", "type": "categorical", "options": [{"value": "good"}, {"value": "bad"}]},
    "failure_kind": {
        "key": "failure_kind",
        "type": "categorical",
        "options": [{"value": "hallucination"}, {"value": "off_topic"}],
    },
    "note": {"key": "note", "type": "freeform"},
    "score": {"key": "score", "type": "continuous", "min": 1, "max": 5},
}
RUBRIC_INPUT = [
    {"key": "verdict", "required": True},
    {
        "key": "failure_kind",
        "visible_if": {"field": "verdict", "equals": "bad"},
        "required_if": {"field": "verdict", "equals": "bad"},
    },
    {"key": "score"},
    {"key": "note", "required_if": {"field": "score", "in": [1, 2]}},
]


def _rubric() -> list[dict]:
    rubric, _warnings = normalize_rubric(RUBRIC_INPUT, CONFIGS)
    return rubric


def test_a_dependent_field_is_hidden_then_shown_and_required_by_its_trigger():
    rubric = _rubric()
    failure = rubric[1]
    assert field_state(failure, {}) == (False, False)
    assert field_state(failure, {"verdict": "good"}) == (False, False)
    assert field_state(failure, {"verdict": "bad"}) == (True, True)
    assert field_state(rubric[3], {"score": 2.0}) == (True, True)  # numbers compare as numbers
    assert field_state(rubric[3], {"score": 4.0}) == (True, False)


def test_the_server_enforces_the_conditions():
    rubric = _rubric()
    check_answers(rubric, CONFIGS, {"verdict": "good"})
    with pytest.raises(Invalid) as missing:
        check_answers(rubric, CONFIGS, {"verdict": "bad"})
    assert missing.value.field == "answers.failure_kind" and "when verdict is bad" in missing.value.message
    with pytest.raises(Invalid) as hidden:
        check_answers(rubric, CONFIGS, {"verdict": "good", "failure_kind": "off_topic"})
    assert hidden.value.field == "answers.failure_kind" and "only when verdict is bad" in hidden.value.message
    assert check_answers(rubric, CONFIGS, {"verdict": "bad", "failure_kind": "off_topic"})[
        "failure_kind"
    ] == (
        None,
        "off_topic",
    )
    with pytest.raises(Invalid) as note:
        check_answers(rubric, CONFIGS, {"verdict": "good", "score": 1})
    assert note.value.field == "answers.note"


@pytest.mark.parametrize(
    ("condition", "field", "message"),
    [
        ({"field": "note", "equals": "x"}, "rubric[0].visible_if.field", "earlier"),
        ({"field": "verdict", "equals": "maybe"}, "rubric[1].visible_if.equals", "not an option"),
        ({"field": "verdict"}, "rubric[1].visible_if", "exactly one"),
        ({"field": "verdict", "equals": "bad", "when": 1}, "rubric[1].visible_if.when", "unknown part"),
    ],
)
def test_bad_conditions_name_the_field_and_the_reason(condition, field, message):
    rubric = [{"key": "verdict"}, {"key": "failure_kind", "visible_if": condition}]
    if field.startswith("rubric[0]"):
        rubric = [{"key": "verdict", "visible_if": condition}, {"key": "note"}]
    with pytest.raises(Invalid) as error:
        normalize_rubric(rubric, CONFIGS)
    assert error.value.field == field and message in error.value.message
