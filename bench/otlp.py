"""OTLP ingest: spans/s until searchable through a real `reviewdesk serve`, against the same runs posted as
JSON to /api/v1/runs/batch in the same run.

.venv/bin/python bench/otlp.py [--spans 50000] [--batch 500] [--clients 1,2] [--formats protobuf,json]
                               [--gzip] [--rounds 1] [--json-out PATH] [--keep]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from traces import SPANS_PER_TRACE, generate_traces, utc_now

from reviewdesk.api.otlp import decode_protobuf
from reviewdesk.domain.otel_mapping import span_to_run

API_KEY = "rd_bench_otlp_key"
BATCH_PATH = "/api/v1/runs/batch"
OTLP_PATH = "/otlp/v1/traces"
CONTENT_TYPES = {"protobuf": "application/x-protobuf", "json": "application/json"}


@dataclass
class Trial:
    path: str
    clients: int
    spans: int
    seconds: float
    request_bytes: int

    @property
    def spans_per_s(self) -> float:
        return self.spans / self.seconds


@dataclass
class Workload:
    """One set of spans, encoded every way a trial sends it, and the run ids a search must find."""

    bodies: dict[str, list[bytes]]
    last_run_ids: list[str]
    spans: int


# --- the spans: the benchmark's support agent, as GenAI and OpenInference instrumentations emit it ----


def _nanos(iso: str) -> int:
    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _attributes(run: dict[str, Any]) -> dict[str, Any]:
    """The root and retriever speak OpenInference, the LLM calls and the tool the GenAI conventions."""
    inputs, outputs = run["inputs"], run["outputs"]
    if run["run_type"] == "llm":
        system, user = inputs["messages"]
        return {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": run["metadata"]["ls_provider"],
            "gen_ai.request.model": run["metadata"]["model"],
            "gen_ai.system_instructions": _json([{"type": "text", "content": system["content"]}]),
            "gen_ai.input.messages": _json([{"role": "user", "parts": [{"type": "text", "content": user["content"]}]}]),
            "gen_ai.output.messages": _json(
                [{"role": "assistant", "parts": [{"type": "text", "content": outputs["content"]}], "finish_reason": "stop"}]
            ),
            "gen_ai.usage.input_tokens": run["usage"]["prompt_tokens"],
            "gen_ai.usage.output_tokens": run["usage"]["completion_tokens"],
        }  # fmt: skip
    if run["run_type"] == "tool":
        return {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": run["name"],
            "gen_ai.tool.call.arguments": _json(inputs),
            "gen_ai.tool.call.result": _json(outputs),
        }
    if run["run_type"] == "retriever":
        attributes: dict[str, Any] = {
            "openinference.span.kind": "RETRIEVER",
            "input.value": inputs["query"],
            "input.mime_type": "text/plain",
        }
        for i, doc in enumerate(outputs["documents"]):
            attributes[f"retrieval.documents.{i}.document.id"] = doc["id"]
            attributes[f"retrieval.documents.{i}.document.content"] = doc["text"]
            attributes[f"retrieval.documents.{i}.document.score"] = doc["score"]
        return attributes
    metadata = {k: v for k, v in run["metadata"].items() if k != "session_id"}
    return {
        "openinference.span.kind": "AGENT",
        "input.value": _json(inputs),
        "input.mime_type": "application/json",
        "output.value": _json(outputs),
        "output.mime_type": "application/json",
        "session.id": run["metadata"]["session_id"],
        "metadata": _json(metadata),
        "tag.tags": run["tags"],
    }


def wire_spans(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    trace_id = uuid.UUID(trace[0]["trace_id"]).bytes
    span_ids = {run["id"]: uuid.UUID(run["id"]).bytes[:8] for run in trace}
    return [
        {
            "trace_id": trace_id,
            "span_id": span_ids[run["id"]],
            "parent_span_id": span_ids[run["parent_run_id"]] if run.get("parent_run_id") else b"",
            "name": run["name"],
            "kind": 3 if run["run_type"] == "llm" else 1,
            "start": _nanos(run["start_time"]),
            "end": _nanos(run["end_time"]),
            "attributes": _attributes(run),
            "project": run["project"],
        }
        for run in trace
    ]


def _any_value(value: Any) -> AnyValue:
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    return AnyValue(array_value=ArrayValue(values=[_any_value(v) for v in value]))


def _by_project(spans: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        groups[span["project"]].append(span)
    return groups


def protobuf_body(spans: list[dict[str, Any]]) -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=[KeyValue(key="service.name", value=_any_value(project))]),
                scope_spans=[
                    ScopeSpans(
                        spans=[
                            Span(
                                trace_id=s["trace_id"],
                                span_id=s["span_id"],
                                parent_span_id=s["parent_span_id"],
                                name=s["name"],
                                kind=s["kind"],
                                start_time_unix_nano=s["start"],
                                end_time_unix_nano=s["end"],
                                attributes=[
                                    KeyValue(key=k, value=_any_value(v)) for k, v in s["attributes"].items()
                                ],
                                status=Status(code=1),
                            )
                            for s in group
                        ]
                    )
                ],
            )
            for project, group in _by_project(spans).items()
        ]
    )
    return request.SerializeToString()


def _json_value(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"arrayValue": {"values": [_json_value(v) for v in value]}}


def json_body(spans: list[dict[str, Any]]) -> bytes:
    """The OTLP JSON mapping: hex ids, camelCase, int64 as strings."""
    return orjson.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": project}}]},
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": s["trace_id"].hex(),
                                    "spanId": s["span_id"].hex(),
                                    "parentSpanId": s["parent_span_id"].hex(),
                                    "name": s["name"],
                                    "kind": s["kind"],
                                    "startTimeUnixNano": str(s["start"]),
                                    "endTimeUnixNano": str(s["end"]),
                                    "attributes": [
                                        {"key": k, "value": _json_value(v)}
                                        for k, v in s["attributes"].items()
                                    ],
                                    "status": {"code": 1},
                                }
                                for s in group
                            ]
                        }
                    ],
                }
                for project, group in _by_project(spans).items()
            ]
        }
    )


def build_workload(n_spans: int, batch: int, formats: list[str], compress: bool) -> Workload:
    """Encoded up front, so the timed part is the server's work. The baseline posts the very runs the
    server's own mapping makes of these spans, so both paths store the same rows."""
    traces = generate_traces(7, -(-n_spans // SPANS_PER_TRACE), now=utc_now(), days=1)
    spans = [span for trace in traces for span in wire_spans(trace)][:n_spans]
    batches = [spans[i : i + batch] for i in range(0, len(spans), batch)]
    bodies: dict[str, list[bytes]] = {}
    encoders = {"protobuf": protobuf_body, "json": json_body}
    for name in formats:
        encoded = [encoders[name](b) for b in batches]
        bodies[name] = [gzip.compress(b, 6) for b in encoded] if compress else encoded
    last_run_ids = []
    runs_bodies = []
    for group in batches:
        runs = [span_to_run(s) for s in decode_protobuf(protobuf_body(group)).spans]
        runs_bodies.append(orjson.dumps({"post": runs}))
        last_run_ids.append(str(runs[-1]["id"]))
    bodies["runs-batch"] = runs_bodies
    return Workload(bodies, last_run_ids, len(spans))


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(db_path: Path, log_path: Path) -> Iterator[str]:
    """`reviewdesk serve` on a fresh SQLite file; yields its base URL and stops it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "REVIEWDESK_INIT_ADMIN_EMAIL": "bench@example.com",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "bench-password-123",
        "REVIEWDESK_INIT_API_KEY": API_KEY,
    }
    command = [str(Path(sys.executable).with_name("reviewdesk")), "serve", "--db", f"sqlite:///{db_path}"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not _healthy(base_url):
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the server did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def fresh_file(path: Path) -> Path:
    for stale in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        stale.unlink(missing_ok=True)
    return path


def count_runs(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


# --- the HTTP side ---------------------------------------------------------------------------


def post_all(client: httpx.Client, path: str, bodies: list[bytes]) -> None:
    for body in bodies:
        while True:
            response = client.post(path, content=body)
            if response.status_code != 503:
                break
            time.sleep(float(response.headers.get("retry-after", "0.5")))
        if response.status_code >= 300:
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:500]}")
        if path == OTLP_PATH and b"rejected" in response.content:
            raise RuntimeError(f"the server rejected spans: {response.content[:500]!r}")


def wait_until_searchable(client: httpx.Client, run_ids: list[str]) -> None:
    """Poll search until it finds the last run of every request sent (ingest answers after the commit,
    so the first poll should already find them all)."""
    quoted = ", ".join(f'"{i}"' for i in run_ids)
    while True:
        response = client.post("/api/v1/runs/search", json={"filter": f"id in [{quoted}]", "limit": 1000})
        response.raise_for_status()
        if len(response.json()["items"]) == len(run_ids):
            return
        time.sleep(0.05)


def timed_sends(base_url: str, path: str, bodies: list[bytes], headers: dict[str, str], clients: int,
                last_run_ids: list[str]) -> float:  # fmt: skip
    """Seconds from the first request to the moment search finds the last run of every request."""
    sessions = [
        httpx.Client(base_url=base_url, headers={"x-api-key": API_KEY, **headers}, timeout=300)
        for _ in range(clients)
    ]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            post_all(sessions[index], path, bodies[index::clients])
        except BaseException as exc:  # re-raised in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    wait_until_searchable(sessions[0], last_run_ids)
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    return elapsed


def run_trial(workdir: Path, workload: Workload, kind: str, clients: int, compress: bool) -> Trial:
    db_path = fresh_file(workdir / f"{kind}-{clients}.db")
    bodies = workload.bodies[kind]
    if kind == "runs-batch":
        path, headers = BATCH_PATH, {"content-type": "application/json"}
    else:
        path, headers = OTLP_PATH, {"content-type": CONTENT_TYPES[kind]}
        if compress:
            headers["content-encoding"] = "gzip"
    with running_server(db_path, workdir / f"server-{kind}-{clients}.log") as base_url:
        seconds = timed_sends(base_url, path, bodies, headers, clients, workload.last_run_ids)
    stored = count_runs(db_path)
    if stored != workload.spans:
        raise RuntimeError(f"{kind}: the server stored {stored} runs, expected {workload.spans}")
    return Trial(kind, clients, workload.spans, seconds, sum(len(b) for b in bodies))


# --- report ----------------------------------------------------------------------------------


def report(trials: dict[tuple[str, int], Trial], args: argparse.Namespace) -> dict[str, Any]:
    rounds = f", best of {args.rounds} rounds" if args.rounds > 1 else ""
    wire = "gzip" if args.gzip else "uncompressed"
    print(f"\n{args.spans:,} spans, {args.batch} a request, {wire} (SQLite, WAL, synchronous=FULL){rounds}")
    print("  until searchable                      spans/s    seconds   bytes/span   vs runs/batch")
    ratios = {}
    for (kind, clients), trial in sorted(trials.items()):
        baseline = trials.get(("runs-batch", clients))
        ratio = trial.spans_per_s / baseline.spans_per_s if baseline else None
        if kind != "runs-batch" and ratio is not None:
            ratios[f"{kind}/{clients}"] = ratio
        label = (
            f"{'OTLP ' + kind if kind != 'runs-batch' else 'POST /runs/batch (JSON)'}, {clients} client(s)"
        )
        shown = f"{ratio:13.0%}" if ratio is not None and kind != "runs-batch" else f"{'—':>13}"
        print(
            f"  {label:<36} {trial.spans_per_s:9,.0f} {trial.seconds:10.2f} "
            f"{trial.request_bytes / trial.spans:12,.0f} {shown}"
        )
    return {
        "spans": args.spans,
        "batch": args.batch,
        "gzip": args.gzip,
        "rounds": args.rounds,
        "trials": [{**asdict(t), "spans_per_s": t.spans_per_s} for t in trials.values()],
        "ratios": ratios,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=50_000, help="spans to send (default 50000)")
    parser.add_argument("--batch", type=int, default=500, help="spans per request (default 500)")
    parser.add_argument("--clients", default="1,2", help="concurrent HTTP clients to try (default 1,2)")
    parser.add_argument("--formats", default="protobuf,json", help="OTLP encodings (default protobuf,json)")
    parser.add_argument("--gzip", action="store_true", help="gzip the OTLP bodies, as exporters may")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every trial, keep the best (default 1)")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the database files and server logs")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(CONTENT_TYPES)
    if unknown:
        sys.exit(f"unknown format(s): {', '.join(sorted(unknown))}; use protobuf and/or json")
    workload = build_workload(args.spans, args.batch, formats, args.gzip)
    workdir = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-otlp-"))
    best: dict[tuple[str, int], Trial] = {}
    try:
        for round_number in range(1, args.rounds + 1):
            for clients in (int(c) for c in args.clients.split(",")):
                for kind in ("runs-batch", *formats):
                    trial = run_trial(workdir, workload, kind, clients, args.gzip)
                    print(
                        f"round {round_number}: {kind} with {clients} client(s): {trial.spans_per_s:,.0f} spans/s",
                        flush=True,
                    )
                    if (kind, clients) not in best or trial.spans_per_s > best[(kind, clients)].spans_per_s:
                        best[(kind, clients)] = trial
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results = report(best, args)
    if args.json_out:
        args.json_out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.keep:
        print(f"  files kept in {workdir}")


if __name__ == "__main__":
    main()
