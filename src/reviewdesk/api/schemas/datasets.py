"""Request bodies of datasets, examples, version tags and splits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reviewdesk.api.schemas.common import Closed, FilterText, JSONObject, Open, UUIDText


class DatasetCreate(Open):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str | None = None


class ExampleIn(Open):
    id: UUIDText | None = None
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    metadata: JSONObject | None = None
    split: str | None = None
    source_run_id: UUIDText | None = None


class ExamplesAdd(Open):
    """Exactly one of run_ids, filter (with project, is_root) or examples."""

    run_ids: list[UUIDText] | None = None
    filter: FilterText | None = None
    project: str | None = None
    is_root: bool | None = True
    examples: list[ExampleIn] | None = None
    split: str | None = None
    split_proportions: dict[str, float] | None = Field(None, description='e.g. {"train": 0.8, "test": 0.2}')
    gold: Literal["latest", "majority", "adjudicated"] | None = Field(
        None, description="which human value each feedback key takes in the example's metadata"
    )


class ExampleUpdate(Closed):
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    metadata: JSONObject | None = None
    split: str | None = None


class VersionTag(Open):
    tag: Annotated[str, Field(min_length=1)]
    version: Annotated[int, Field(ge=1)] | None = Field(None, description="the current version when omitted")


class Splits(Open):
    split_proportions: dict[str, float]
