"""HTTP rules every documented API operation keeps without its route saying so.

An unknown query parameter is refused with a 400 naming it (ignoring one would silently answer a
different question), and a 405 lists in `Allow` every method the path accepts. Both read the
OpenAPI document, so what is refused is exactly what is not documented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from reviewdesk.api.responses import error_response
from reviewdesk.errors import Invalid


@dataclass(frozen=True)
class Operation:
    template: str
    pattern: re.Pattern[str]
    method: str
    query_names: frozenset[str]

    @property
    def parameters(self) -> int:
        return self.template.count("{")


def operations_of(document: dict[str, Any]) -> list[Operation]:
    out = []
    for template, item in document.get("paths", {}).items():
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        pattern = re.compile(f"^{regex}$")
        shared = [p for p in item.get("parameters", []) if p.get("in") == "query"]
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = {p["name"] for p in [*shared, *operation.get("parameters", [])] if p.get("in") == "query"}
            out.append(Operation(template, pattern, method.upper(), frozenset(names)))
    return out


class OperationIndex:
    """The documented operations of an app, built on first use from its OpenAPI document."""

    def __init__(self) -> None:
        self._operations: list[Operation] | None = None

    def operations(self, app: Any) -> list[Operation]:
        if self._operations is None:
            self._operations = operations_of(app.openapi())
        return self._operations

    def matching(self, app: Any, path: str) -> list[Operation]:
        return [op for op in self.operations(app) if op.pattern.match(path)]

    def allowed_methods(self, app: Any, path: str) -> list[str]:
        methods = {op.method for op in self.matching(app, path)}
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def accepted_query_names(self, app: Any, path: str, method: str) -> frozenset[str] | None:
        """None when no documented operation serves this path and method (not ours to judge)."""
        if method == "HEAD":
            method = "GET"
        candidates = [op for op in self.matching(app, path) if op.method == method]
        if not candidates:
            return None
        fewest = min(op.parameters for op in candidates)  # a literal segment beats a {parameter}
        names: set[str] = set()
        for op in candidates:
            if op.parameters == fewest:
                names |= op.query_names
        return frozenset(names)


class QueryContractMiddleware:
    """Refuse query parameters a documented operation does not declare, before the route runs."""

    def __init__(self, app: ASGIApp, index: OperationIndex) -> None:
        self.app = app
        self.index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            accepted = self.index.accepted_query_names(scope["app"], scope["path"], scope["method"])
            if accepted is not None:
                unknown = sorted(set(QueryParams(scope["query_string"]).keys()) - accepted)
                if unknown:
                    name = unknown[0][:100]
                    listed = ", ".join(sorted(accepted)) or "none"
                    error = Invalid(
                        f"unknown query parameter {name!r}; this operation accepts: {listed}",
                        field=name,
                        code="unknown_query_parameter",
                    )
                    await error_response(error)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
