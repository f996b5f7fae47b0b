"""Request bodies of queues, their items, review actions, routing rules and webhooks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reviewdesk.api.schemas.common import Closed, FilterText, JSONObject, JSONValue, Open, Timestamp, UUIDText
from reviewdesk.domain.limits import MAX_INT32, MIN_INT32


class RubricField(Open):
    key: str = Field(description="a score config key")
    required: bool = False
    instructions: str | None = None


class QueueSettings(Closed):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: str | None = Field(None, description="the reviewer guide (markdown)")
    kind: Literal["single", "pairwise"] | None = None
    rubric: list[RubricField | str] | None = None
    reviewers_per_item: Annotated[int, Field(ge=1, le=100)] | None = None
    reservation_seconds: Annotated[int, Field(ge=10, le=604800)] | None = None
    reviewer_access: Literal["assigned", "any"] | None = None
    blind: bool | None = None
    variant_field: str | None = Field(None, description="a field path such as metadata.model")
    default_dataset_id: UUIDText | None = None
    backlog_alert_days: Annotated[float, Field(gt=0)] | None = None
    archived: bool | None = None
    reviewers: list[UUIDText] | None = Field(None, description="user ids")
    gold_rate: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="share of next-item requests that hand out an unseen gold item"
    )
    calibration_cadence_days: Annotated[float, Field(ge=1, le=366)] | None = None


class QueueCreate(QueueSettings):
    id: UUIDText | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)]  # type: ignore[assignment]


class ItemsAdd(Open):
    """One of run_ids, a filter (with project), session_ids, or pairs for a pairwise queue."""

    run_ids: list[UUIDText] | None = None
    filter: FilterText | None = None
    project: str | None = None
    session_ids: list[Annotated[str, Field(min_length=1)]] | None = None
    pairs: list[Annotated[list[UUIDText], Field(min_length=2, max_length=2)]] | None = None
    reason: str | None = None
    comment: str | None = Field(None, description="another name for reason")
    priority: Annotated[int, Field(ge=MIN_INT32, le=MAX_INT32)] = 0
    source: Literal["manual", "api", "rule"] = "api"


class Submit(Open):
    answers: dict[str, JSONValue] = Field(default_factory=dict, description="rubric key → answer")
    comment: str | None = None
    correction: JSONObject | list[JSONValue] | str | None = None


class Reason(Open):
    reason: str | None = None


class FlagResolve(Open):
    action: Literal["pending", "remove"]


class RuleSettings(Closed):
    name: str | None = None
    filter: FilterText | None = None
    sample_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    daily_cap: Annotated[int, Field(ge=0, le=MAX_INT32)] | None = None
    roots_only: bool | None = None
    enabled: bool | None = None


class RuleCreate(RuleSettings):
    filter: FilterText  # type: ignore[assignment]


class RulePreview(Open):
    """A saved rule's preview takes only days; a draft sends the rule's settings too."""

    days: Annotated[int, Field(ge=1, le=90)] = 7
    name: str | None = None
    filter: FilterText | None = None
    sample_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    daily_cap: Annotated[int, Field(ge=0, le=MAX_INT32)] | None = None
    roots_only: bool | None = None
    enabled: bool | None = None


class Backfill(Open):
    since: Timestamp | None = Field(None, description="only runs that started since")


class WebhookCreate(Closed):
    url: str
    events: list[str] | None = None
    secret: str | None = Field(None, description="whsec_…; generated when absent")
    enabled: bool | None = None
