"""Request bodies of the Langfuse SDK's routes (scores and the v3 ingestion envelope)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, RootModel

from reviewdesk.api.schemas.common import Open


class LangfuseScore(Open):
    """A score as the Langfuse SDK posts it; a list of them is accepted too."""

    id: str | None = None
    traceId: str | None = Field(None, description="the trace's 32-hex id")
    observationId: str | None = None
    name: str
    value: float | str | bool
    dataType: Literal["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION"] | None = None
    comment: str | None = None
    configId: str | None = None


class LangfuseScores(RootModel[LangfuseScore | list[LangfuseScore]]):
    """One score or a list of them."""


class IngestionEvent(Open):
    id: str
    type: str = Field(description="score-create and trace-create are stored; others are answered per event")
    timestamp: str | None = None
    body: dict[str, Any]


class IngestionBatch(Open):
    """v3's envelope: each event gets its own status in the 207 answer."""

    batch: list[IngestionEvent]
    metadata: dict[str, Any] | None = None
