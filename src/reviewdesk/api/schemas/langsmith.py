"""Request bodies of the LangSmith-compatible adapter, as the langsmith SDK sends them (wire reference)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from reviewdesk.api.schemas.common import (
    Closed,
    FilterText,
    JSONObject,
    JSONValue,
    Open,
    Timestamp,
    UUIDText,
)
from reviewdesk.api.schemas.runs import Run


class LangSmithRun(Run):
    id: UUIDText | None = None  # type: ignore[assignment]  # generated when absent
    session_id: UUIDText | None = None  # type: ignore[assignment]  # a project id here


class LangSmithRunBatch(Closed):
    post: list[LangSmithRun] | None = None
    patch: list[LangSmithRun] | None = None


class RunQuery(Closed):
    session: list[UUIDText] | UUIDText | None = None
    session_id: list[UUIDText] | UUIDText | None = None
    filter: FilterText | None = None
    trace_filter: FilterText | None = None
    tree_filter: FilterText | None = None
    is_root: bool | None = None
    run_type: str | None = None
    trace: UUIDText | None = None
    parent_run: UUIDText | None = None
    reference_example: list[UUIDText] | UUIDText | None = None
    id: list[UUIDText] | UUIDText | None = None
    start_time: Timestamp | None = None
    error: bool | None = None
    select: list[str] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] | None = None
    cursor: str | None = None
    order: Literal["desc"] | None = None
    query: None = Field(None, description="natural-language queries are not supported")


class RunQueryV2(Closed):
    """`client.runs.query()` / `query_v2()`: what the SDK's next API posts to /api/v2/runs/query."""

    project_ids: list[UUIDText] | None = None
    filter: FilterText | None = None
    trace_filter: FilterText | None = None
    tree_filter: FilterText | None = None
    is_root: bool | None = None
    run_type: str | None = None
    trace_id: UUIDText | None = None
    ids: list[UUIDText] | None = None
    reference_examples: list[UUIDText] | None = None
    has_error: bool | None = None
    min_start_time: Timestamp | None = Field(None, description="default: one day ago")
    max_start_time: Timestamp | None = None
    page_size: Annotated[int, Field(ge=1, le=1000)] | None = 100
    cursor: str | None = None
    selects: list[str] | None = Field(None, description="ID, NAME, INPUTS, OUTPUTS, FEEDBACK_STATS, …")
    include_subtree_usage: bool | None = None
    ai_search: None = Field(None, description="not supported")
    sem_filter: None = Field(None, description="not supported")
    reference_dataset_id: None = Field(None, description="not supported")
    min_feedback_modified_at: None = Field(None, description="not supported")
    max_feedback_modified_at: None = Field(None, description="not supported")


class SessionCreate(Open):
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    reference_dataset_id: None = Field(None, description="experiment projects are not supported")


class FeedbackSourceInfo(Open):
    type: str | None = None
    metadata: JSONObject | None = None


class LangSmithFeedback(Open):
    id: UUIDText | None = None
    run_id: UUIDText | None = None
    trace_id: UUIDText | None = None
    key: str = "unnamed"
    score: float | bool | None = None
    value: JSONValue = None
    comment: str | None = None
    correction: JSONValue = None
    feedback_source: FeedbackSourceInfo | None = None
    feedback_config: JSONObject | None = None
    extra: JSONObject | None = None


class LangSmithFeedbackUpdate(Closed):
    score: float | bool | None = None
    value: JSONValue = None
    comment: str | None = None
    correction: JSONValue = None


class Category(Open):
    value: float
    label: str | None = None


class LangSmithConfig(Open):
    type: Literal["continuous", "categorical", "freeform"]
    min: float | None = None
    max: float | None = None
    categories: list[Category] | None = None


class LangSmithConfigCreate(Closed):
    feedback_key: str
    feedback_config: LangSmithConfig
    is_lower_score_better: bool | None = None
    is_enforced: bool | None = None


class LangSmithConfigUpdate(Closed):
    feedback_key: str | None = None
    id: UUIDText | None = None
    feedback_config: LangSmithConfig | None = None
    is_lower_score_better: bool | None = None
    add_categories: list[Category] | None = None
    remove_categories: list[float] | None = None


class RubricItem(Open):
    feedback_key: str
    description: str | None = None
    value_descriptions: dict[str, str] | None = None
    score_descriptions: dict[str, str] | None = None
    is_required: bool | None = None


class AnnotationQueueSettings(Closed):
    id: UUIDText | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: str | None = None
    rubric_instructions: str | None = None
    rubric_items: list[RubricItem] | None = None
    num_reviewers_per_item: Annotated[int, Field(ge=1, le=100)] | None = None
    enable_reservations: Literal[True] | None = None
    reservation_minutes: Annotated[int, Field(ge=1, le=10080)] | None = None
    reviewer_access_mode: Literal["assigned", "any"] | None = None
    default_dataset: UUIDText | None = None
    metadata: None = Field(None, description="queue metadata is not stored")


class AnnotationQueueCreate(AnnotationQueueSettings):
    name: Annotated[str, Field(min_length=1, max_length=200)]  # type: ignore[assignment]


class RunIds(RootModel[list[UUIDText]]):
    pass


class RunKey(Open):
    run_id: UUIDText
    session_id: UUIDText | None = None
    start_time: Timestamp | None = None


class RunKeys(RootModel[list[RunKey]]):
    pass


class QueueItemRef(Open):
    item_type: Literal["RUN", "THREAD"] = "RUN"
    run_id: UUIDText | None = None
    thread_id: str | None = None


class QueueItemsAdd(Open):
    items: list[QueueItemRef]


class LangSmithDatasetCreate(Open):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str | None = None
    data_type: Literal["kv"] | None = None


class LangSmithExample(Open):
    dataset_id: UUIDText
    id: UUIDText | None = None
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    metadata: JSONObject | None = None
    split: list[str] | str | None = None
    source_run_id: UUIDText | None = None
    use_source_run_io: bool | None = None


class LangSmithExamples(RootModel[list[LangSmithExample]]):
    pass


class LangSmithExampleUpdate(Open):
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    metadata: JSONObject | None = None
    split: list[str] | str | None = None


class LangSmithExampleBulkUpdate(LangSmithExampleUpdate):
    id: UUIDText


class LangSmithExampleUpdates(RootModel[list[LangSmithExampleBulkUpdate]]):
    pass
