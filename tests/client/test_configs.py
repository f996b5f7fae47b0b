"""Score configs through the SDK, and feedback checked against them."""

from __future__ import annotations

import uuid

import pytest

from reviewdesk.client import Client, Conflict, InvalidRequest, NotFound


def test_score_config_crud_and_validation(admin: Client, run_id: uuid.UUID) -> None:
    key = f"quality-{uuid.uuid4().hex[:6]}"
    created = admin.create_feedback_config(
        key,
        "categorical",
        options=[{"value": "good", "description": "ship it"}, "bad"],
        description="overall quality",
    )
    assert [o["value"] for o in created["options"]] == ["good", "bad"]
    assert admin.get_feedback_config(key)["description"] == "overall quality"
    assert key in {c["key"] for c in admin.list_feedback_configs()}

    with pytest.raises(Conflict) as taken:
        admin.create_feedback_config(key, "boolean")
    assert taken.value.field == "key"

    updated = admin.update_feedback_config(key, options=["good", "bad", "unsure"])
    assert [o["value"] for o in updated["options"]] == ["good", "bad", "unsure"]

    with pytest.raises(InvalidRequest) as not_an_option:
        admin.create_feedback(run_id, key, value="great")
    assert (not_an_option.value.status, not_an_option.value.field) == (400, "value")
    assert admin.create_feedback(run_id, key, value="unsure")["value"] == "unsure"

    admin.delete_feedback_config(key)
    with pytest.raises(NotFound):
        admin.get_feedback_config(key)
    with pytest.raises(NotFound):
        admin.delete_feedback_config(key)


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("continuous", {"min": 5, "max": 1}, "min"),
        ("continuous", {"min": 0}, "max"),
        ("categorical", {"options": ["only-one"]}, "options"),
        ("freeform", {"max_length": 0}, "max_length"),
        ("stars", {}, "type"),
    ],
)
def test_an_invalid_config_names_its_field(admin: Client, kind: str, fields: dict, field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        admin.create_feedback_config(f"bad-{uuid.uuid4().hex[:6]}", kind, **fields)
    assert (caught.value.status, caught.value.code, caught.value.field) == (400, "invalid", field)


def test_continuous_scores_must_lie_in_range(admin: Client, run_id: uuid.UUID) -> None:
    key = f"accuracy-{uuid.uuid4().hex[:6]}"
    admin.create_feedback_config(key, "continuous", min=0, max=1)
    with pytest.raises(InvalidRequest) as out_of_range:
        admin.create_feedback(run_id, key, score=3)
    assert out_of_range.value.field == "score"
    assert admin.create_feedback(run_id, key, score=0.5)["score"] == 0.5
