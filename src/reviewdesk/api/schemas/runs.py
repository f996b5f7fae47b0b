"""Request bodies of run ingest, search, projects, feedback, score configs and users."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reviewdesk.api.schemas.common import (
    Closed,
    FilterText,
    JSONObject,
    JSONValue,
    Open,
    Text,
    Timestamp,
    UUIDText,
)
from reviewdesk.domain.limits import MAX_STRING_CHARS

RunType = Literal["chain", "llm", "tool", "retriever", "embedding", "prompt", "parser"]
Count = Annotated[int, Field(ge=0)]


class Usage(Open):
    prompt_tokens: Count | None = None
    completion_tokens: Count | None = None
    total_tokens: Count | None = None
    input_tokens: Count | None = None
    output_tokens: Count | None = None


class Run(Open):
    """One run (span); a patch sends only what changed, and its nulls never erase."""

    id: UUIDText
    trace_id: UUIDText | None = None
    parent_run_id: UUIDText | None = None
    dotted_order: Annotated[str, Field(max_length=4000)] | None = None
    project: str | None = Field(None, description="created on first use")
    session_name: str | None = Field(None, description="LangSmith's name for project")
    name: Annotated[str, Field(max_length=500)] | None = None
    run_type: RunType | None = None
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    error: str | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    tags: list[str] | None = None
    metadata: JSONObject | None = None
    extra: JSONObject | None = None
    events: list[JSONValue] | None = None
    usage: Usage | None = None
    prompt_tokens: Count | None = None
    completion_tokens: Count | None = None
    total_tokens: Count | None = None
    cost: float | None = None
    session_id: str | None = Field(None, description="the conversation (thread) id")
    reference_example_id: UUIDText | None = None


class RunBatch(Closed):
    post: list[Run] | None = None
    patch: list[Run] | None = None


class RunPatch(Run):
    id: UUIDText | None = None  # type: ignore[assignment]  # the path names the run


class RunSearch(Closed):
    filter: FilterText | None = None
    project: str | None = None
    is_root: bool | None = None
    trace_id: UUIDText | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    cursor: str | None = Field(None, description="next_cursor of the previous page")


class ProjectCreate(Open):
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None


FeedbackSource = Literal["human", "model", "api", "user"]


class FeedbackCreate(Open):
    id: UUIDText | None = None
    run_id: UUIDText
    key: Annotated[str, Field(min_length=1)]
    score: float | bool | None = None
    value: JSONValue = None
    comment: str | None = None
    correction: JSONObject | list[JSONValue] | str | None = None
    source: FeedbackSource | None = None
    extra: JSONObject | None = None


class FeedbackUpdate(Closed):
    score: float | bool | None = None
    value: JSONValue = None
    comment: str | None = None
    correction: JSONObject | list[JSONValue] | str | None = None


class ConfigOption(Open):
    value: str
    description: str | None = None
    score: float | None = None


class FeedbackConfigCreate(Open):
    key: Annotated[str, Field(min_length=1)]
    type: Literal["categorical", "continuous", "boolean", "freeform"]
    options: list[ConfigOption | str] | None = Field(None, description="categorical only")
    min: float | None = Field(None, description="continuous only")
    max: float | None = Field(None, description="continuous only")
    max_length: Annotated[int, Field(ge=1, le=MAX_STRING_CHARS)] | None = Field(
        None, description="freeform only"
    )
    description: Text | None = Field(None, description="what a low and a high score mean")
    ordered: bool | None = Field(
        None, description="categorical only: options ranked (ordinal), default nominal"
    )


class FeedbackConfigUpdate(Open):
    type: Literal["categorical", "continuous", "boolean", "freeform"] | None = None
    options: list[ConfigOption | str] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    description: Text | None = None
    ordered: bool | None = None


Role = Literal["admin", "member", "reviewer"]


class UserCreate(Open):
    email: str
    name: str | None = None
    role: Role = "member"
    password: str | None = Field(None, description="for signing in to the web UI")


class UserUpdate(Closed):
    name: str | None = None
    role: Role | None = None
    password: str | None = None
    disabled: bool | None = None
    permissions: list[Literal["adjudicate"]] | None = Field(None, description="grants beyond the role")


class ApiKeyCreate(Open):
    name: str = ""


class AuditCheckpoint(Open):
    checkpoint: JSONObject = Field(description="from GET /audit/checkpoint or `reviewdesk audit checkpoint`")
