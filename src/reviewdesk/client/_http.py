"""The HTTP transport: auth headers, JSON bodies, typed errors and bounded retries."""

from __future__ import annotations

import contextlib
import logging
import random
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from reviewdesk.client._encoding import dumps
from reviewdesk.client.errors import ConnectionFailed, error_from_response

log = logging.getLogger("reviewdesk.client")

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF_SECONDS = 10.0


def _sdk_version() -> str:
    try:
        from importlib.metadata import version

        return version("reviewdesk")
    except Exception:  # noqa: BLE001 - a missing distribution only changes the User-Agent
        return "unknown"


def path_part(value: object) -> str:
    """One URL path segment: UUIDs as their string, anything else percent-encoded."""
    return quote(str(value), safe="")


def base_url_of(url: str) -> str:
    """`http://host:port`, `…/` and `…/api/v1` all mean the same server."""
    url = url.rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    return url + API_PREFIX


class Transport:
    """Sends one API request; raises the typed error for a non-2xx answer.

    Requests are retried with exponential backoff (at most `max_retries` times) when the connection
    could not be made, and — for idempotent requests only — on read errors and 502/503/504 answers,
    honouring `Retry-After`. A POST is idempotent when the caller says so (the run upsert, search).
    """

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        timeout: float,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": f"reviewdesk-python/{_sdk_version()}", "Accept": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        self.base_url = base_url_of(url)
        self.max_retries = max(0, max_retries)
        self.retry_backoff = max(0.0, retry_backoff)
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request and return its decoded JSON (None for an empty answer)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        headers = {}
        if json is not None:
            content = dumps(json)
        if content is not None:
            headers["Content-Type"] = "application/json"
        clean_params = _clean_params(params) if params else None
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    method, path, content=content, params=clean_params, headers=headers
                )
            except httpx.TransportError as exc:
                # A failed connect never reached the server, so any method may be retried then.
                retryable = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) or idempotent
                if retryable and attempt < self.max_retries:
                    self._sleep(attempt, None)
                    attempt += 1
                    continue
                raise ConnectionFailed(
                    f"{method} {self.base_url}{path} failed: {type(exc).__name__}: {exc}",
                    code="connection_error",
                ) from exc
            if response.status_code in RETRY_STATUSES and idempotent and attempt < self.max_retries:
                log.debug("%s %s answered %s; retrying", method, path, response.status_code)
                self._sleep(attempt, response.headers.get("retry-after"))
                attempt += 1
                continue
            return _decode(response)

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.retry_backoff * (2**attempt) * (0.5 + random.random())
        if retry_after is not None:
            # An HTTP-date Retry-After is not parsed: our own backoff stands then.
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        time.sleep(min(delay, MAX_BACKOFF_SECONDS))


def _clean_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset filters; UUIDs become strings and lists become repeated parameters."""
    clean: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            clean[name] = [_param(v) for v in value]
        else:
            clean[name] = _param(value)
    return clean


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode(response: httpx.Response) -> Any:
    body: Any = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
    if response.is_success:
        return body
    raise error_from_response(response.status_code, body, response.text)
