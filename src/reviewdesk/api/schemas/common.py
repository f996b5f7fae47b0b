"""Building blocks of the request-body models: JSON values, ids, timestamps, the error shape."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

JSONObject = dict[str, Any]
JSONValue = Any
UUIDText = Annotated[str, Field(json_schema_extra={"format": "uuid"}, description="a UUID")]
Timestamp = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, description="ISO-8601; naive times are UTC")
]
Text = Annotated[str, Field(description="free text")]
FilterText = Annotated[str, Field(description="the filter language (infix or LangSmith's function spelling)")]


class Closed(BaseModel):
    """A body whose unknown keys the service refuses with a 400 naming the key."""

    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """A body whose unknown keys are accepted (and ignored or kept as the service documents)."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(Open):
    code: str = Field(description="a stable machine-readable code, e.g. invalid, not_found, conflict")
    message: str = Field(description="what is wrong, for a person")
    field: str | None = Field(description="the field, query parameter or body path at fault, when one is")


class ErrorBody(Closed):
    error: ErrorDetail
