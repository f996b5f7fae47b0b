"""Typed errors with stable codes; the API and UI map them to responses in one place."""

from __future__ import annotations


class ReviewDeskError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


class Invalid(ReviewDeskError):
    code = "invalid"
    status = 400


class FilterSyntaxError(Invalid):
    code = "filter_syntax"

    def __init__(self, message: str, *, position: int | None = None, field: str | None = "filter") -> None:
        super().__init__(message, field=field)
        self.position = position

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "position": self.position}


class Unauthorized(ReviewDeskError):
    code = "unauthorized"
    status = 401


class Forbidden(ReviewDeskError):
    code = "forbidden"
    status = 403


class NotFound(ReviewDeskError):
    code = "not_found"
    status = 404


class Conflict(ReviewDeskError):
    code = "conflict"
    status = 409


class InUse(Conflict):
    """A change refused because stored rows depend on what it would remove; says how many."""

    code = "in_use"

    def __init__(self, message: str, *, affected_rows: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.affected_rows = affected_rows

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "affected_rows": self.affected_rows}


class PayloadTooLarge(ReviewDeskError):
    code = "payload_too_large"
    status = 413


class QueryTimeout(ReviewDeskError):
    """A query ran past REVIEWDESK_QUERY_TIMEOUT_S and was stopped by the database."""

    code = "query_timeout"
    status = 503


class DestinationRefused(Invalid):
    """An outbound URL whose host is, or resolves to, an address the destination policy refuses."""

    code = "destination_refused"

    def __init__(self, message: str, *, field: str | None = "url") -> None:
        super().__init__(message, field=field)
