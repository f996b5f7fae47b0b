"""Request bodies of calibration sessions, adjudication and gold items."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from reviewdesk.api.schemas.common import Closed, JSONObject, UUIDText


class CalibrationCreate(Closed):
    """`item_count` runs drawn from the queue, or the given `run_ids`."""

    name: Annotated[str, Field(min_length=1, max_length=150)]
    queue_id: UUIDText
    item_count: Annotated[int, Field(ge=2, le=500)] | None = 20
    run_ids: list[UUIDText] | None = None
    reviewers: list[UUIDText] | None = Field(None, description="user ids; default the queue's reviewers")
    max_disagreement: Annotated[float, Field(ge=0, le=1)] = 0.2
    min_alpha: Annotated[float, Field(ge=-1, le=1)] = 0.667


class Adjudication(Closed):
    answers: JSONObject = Field(description="{rubric key: final value}")
    comment: str | None = None


class GoldAdd(Closed):
    """`run_id` with its known `answers`, or the `item_id` of an adjudicated item to promote."""

    run_id: UUIDText | None = None
    answers: JSONObject | None = None
    item_id: UUIDText | None = None
