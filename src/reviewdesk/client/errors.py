"""Typed SDK exceptions, chosen from the server's stable error `code` (or, failing that, the status)."""

from __future__ import annotations

from typing import Any


class ReviewDeskError(Exception):
    """Base of every error the SDK raises for a failed request.

    `status` is the HTTP status (None when no answer came), `code` the server's stable error code,
    `field` the request field at fault (if any) and `message` the server's explanation.
    """

    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        body: Any = None,
    ) -> None:
        self.message = message
        self.status = status if status is not None else self.default_status
        self.code = code or "error"
        self.field = field
        self.body = body
        super().__init__(message)

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{self.code}: {self.message}{where}"


class InvalidRequest(ReviewDeskError):
    """400: the request was malformed or a value was invalid (`field` names it)."""

    default_status = 400


class FilterSyntaxError(InvalidRequest):
    """400 `filter_syntax`: the filter does not parse; `position` is the character offset at fault."""

    def __init__(self, message: str, *, position: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.position = position


class AuthenticationError(ReviewDeskError):
    """401: no API key, or one the server does not know."""

    default_status = 401


class PermissionDenied(ReviewDeskError):
    """403: the key's role may not do this."""

    default_status = 403


class NotFound(ReviewDeskError):
    """404: no such object."""

    default_status = 404


class Conflict(ReviewDeskError):
    """409: the object exists already (a duplicate id, name, email or key)."""

    default_status = 409


class PayloadTooLarge(ReviewDeskError):
    """413: the request body is over the server's size limit."""

    default_status = 413


class ServerError(ReviewDeskError):
    """5xx: the server failed (after the SDK's retries, for idempotent requests)."""

    default_status = 500


class ConnectionFailed(ReviewDeskError):
    """The server could not be reached (after retries); `status` is None."""


_BY_CODE: dict[str, type[ReviewDeskError]] = {
    "invalid": InvalidRequest,
    "malformed_json": InvalidRequest,
    "filter_syntax": FilterSyntaxError,
    "unauthorized": AuthenticationError,
    "forbidden": PermissionDenied,
    "not_found": NotFound,
    "conflict": Conflict,
    "payload_too_large": PayloadTooLarge,
}

_BY_STATUS: dict[int, type[ReviewDeskError]] = {
    400: InvalidRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: InvalidRequest,
}


def error_class_for(status: int, code: str | None) -> type[ReviewDeskError]:
    """The exception class for an error answer: by code first, then by status."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ReviewDeskError)


def error_from_response(status: int, body: Any, text: str = "") -> ReviewDeskError:
    """Build the typed error from a non-2xx answer (`body` is its parsed JSON, if it had any)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        message = text.strip()[:500] or f"HTTP {status}"
        return error_class_for(status, None)(message, status=status, code=f"http_{status}", body=body)
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = str(error.get("message") or f"HTTP {status}")
    field = error.get("field") if isinstance(error.get("field"), str) else None
    cls = error_class_for(status, code)
    if cls is FilterSyntaxError:
        position = error.get("position")
        return FilterSyntaxError(
            message,
            position=position if isinstance(position, int) else None,
            status=status,
            code=code,
            field=field,
            body=body,
        )
    return cls(message, status=status, code=code, field=field, body=body)
