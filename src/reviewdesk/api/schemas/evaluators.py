"""Request bodies of evaluators: their definition, offline runs and sending disagreements to a queue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reviewdesk.api.schemas.common import Closed, JSONObject, Open, UUIDText
from reviewdesk.domain.limits import MAX_INT32


class EvaluatorCreate(Closed):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    key: str = Field(description="the score config key its feedback is written under")
    kind: Literal["code", "llm_judge"]
    spec: JSONObject = Field(
        description="code: {checks: [...]}; llm_judge: {base_url, model, api_key_env (the NAME of an "
        "environment variable), prompt (over {{inputs}}, {{outputs}}, {{reference}}, {{metadata.x}}, "
        "{{messages}}), structured_output (json_schema | tool_call | none), temperature, timeout_s, max_tokens}"
    )
    online: JSONObject | None = Field(None, description="{filter, sample_rate, daily_budget_usd}")


class EvaluatorUpdate(Closed):
    """Any field of the definition; every change makes a new version."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    key: str | None = None
    kind: Literal["code", "llm_judge"] | None = None
    spec: JSONObject | None = None
    online: JSONObject | None = None


class EvaluatorRunStart(Closed):
    """Exactly one of `filter` and `dataset_id`."""

    filter: str | None = None
    dataset_id: UUIDText | None = None
    dataset_version: Annotated[int, Field(ge=0)] | None = Field(
        None, description="with dataset_id: the dataset version whose examples' source runs are scored"
    )
    version: Annotated[int, Field(ge=1, le=MAX_INT32)] | None = None


class DisagreementsSend(Open):
    queue_id: UUIDText = Field(description="the queue the disagreeing runs go to")
    version: Annotated[int, Field(ge=1, le=MAX_INT32)] | None = None
    source_queue_id: UUIDText | None = None
    dataset_id: UUIDText | None = None


class EvaluatorTry(Closed):
    run_id: UUIDText = Field(description="the run to try the evaluator on; no feedback is written")
    version: Annotated[int, Field(ge=1, le=MAX_INT32)] | None = None


class EvaluatorDraftTry(Closed):
    """An unsaved definition tried on one run (the editor's "try on this run")."""

    kind: Literal["code", "llm_judge"]
    key: str
    spec: JSONObject
    run_id: UUIDText
