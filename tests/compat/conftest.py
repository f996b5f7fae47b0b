"""A live server on 127.0.0.1 and real OpenTelemetry SDK tracer providers exporting to it over OTLP/HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import runs as runs_service
from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.fake_openai_server import FakeOpenAI, fake_openai


class RecordingExporter(SpanExporter):
    """The real exporter, with every export's result kept so a test can insist on SUCCESS."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.results: list[SpanExportResult] = []
        self.exported: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.inner.export(spans)
        self.results.append(result)
        self.exported.extend(spans)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


@pytest.fixture
def otlp_url(db: Database) -> Iterator[str]:
    """A server over the `db` fixture (SQLite, then the emptied PostgreSQL database)."""
    with serve(db) as url:
        yield url


@pytest.fixture(scope="session")
def shared_otlp_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the tests that store nothing (refusals), started once."""
    path = tmp_path_factory.mktemp("otlp") / "reviewdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with serve(db) as url:
        yield url
    db.dispose()


ProviderFactory = Callable[..., tuple[TracerProvider, RecordingExporter]]


@pytest.fixture
def tracer_provider() -> Iterator[ProviderFactory]:
    """`tracer_provider(exporter, resource={...}, batch=True)` → (provider, recording exporter)."""
    made: list[TracerProvider] = []

    def make(
        exporter: SpanExporter, *, resource: dict[str, Any] | None = None, batch: bool = True
    ) -> tuple[TracerProvider, RecordingExporter]:
        recording = RecordingExporter(exporter)
        provider = TracerProvider(resource=Resource.create(resource or {"service.name": "support-bot"}))
        processor = BatchSpanProcessor(recording) if batch else SimpleSpanProcessor(recording)
        provider.add_span_processor(processor)
        made.append(provider)
        return provider, recording

    yield make
    for provider in made:
        provider.shutdown()


def flushed(provider: TracerProvider, recording: RecordingExporter) -> None:
    assert provider.force_flush(30_000)
    assert recording.results, "nothing was exported"
    assert all(r is SpanExportResult.SUCCESS for r in recording.results), recording.results


def runs_of_trace(db: Database, trace_id: Any) -> list[dict[str, Any]]:
    items, _ = runs_service.search_runs(db, SYSTEM_ACTOR, trace_id=trace_id, limit=1000)
    return items


def by_name(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in runs}


# The fake OpenAI-compatible server on 127.0.0.1 that the real client packages call.
@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with fake_openai() as server:
        yield server
