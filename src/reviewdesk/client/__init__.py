"""The ReviewDesk Python SDK: a thin client over the REST API that needs only httpx.

    from reviewdesk.client import Client

    with Client("http://127.0.0.1:8700", api_key="rd_...") as client:
        @client.trace(run_type="chain")
        def answer(question: str) -> str: ...

Nothing here imports the server (fastapi, sqlalchemy, pydantic, orjson ...).
"""

from reviewdesk.client._tracing import RunTree, TraceSpec, get_current_run
from reviewdesk.client.client import Client
from reviewdesk.client.errors import (
    AuthenticationError,
    Conflict,
    ConnectionFailed,
    FilterSyntaxError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ReviewDeskError,
    ServerError,
)

__all__ = [
    "AuthenticationError",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "FilterSyntaxError",
    "InvalidRequest",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "ReviewDeskError",
    "RunTree",
    "ServerError",
    "TraceSpec",
    "get_current_run",
]
