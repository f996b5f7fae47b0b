"""Time-boxed schemathesis run over the whole OpenAPI document, on SQLite and PostgreSQL.

For each database: a fresh database, the real server (`reviewdesk serve`) on 127.0.0.1, an admin API
key, a little seeded data; then schemathesis twice (once free, once with path parameters pointing at
the seeded queue, run, dataset… so requests get past 404), with bodies. It fails on any server error
or undocumented status code, and prints the figures (requests served, 5xx) counted from the server's
own access log.

    .venv/bin/python .ci/fuzz_api.py [--seconds 240] [--seed N] [--max-examples N] [--db sqlite] [--db postgresql]

With `--seed` (and `--max-examples`, so the time box rarely cuts a pass short) each operation gets the
same cases every run: what CI gates on (`make fuzz`), reproducible on any machine. Without a seed each
run explores new cases (`make fuzz-explore`), which is how new findings turn up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

API_KEY = "rd_fuzz_admin_key_0123456789abcdef"
CHECKS = "not_a_server_error,status_code_conformance"
ACCESS_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE) [^"]*" (\d{3})')
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind: str, workdir: Path):
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'fuzz.db'}"
        return
    base = os.environ.get("REVIEWDESK_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("REVIEWDESK_TEST_POSTGRES_URL is not set: cannot fuzz on PostgreSQL")
    admin = sa.make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"rd_fuzz_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def server(db_url: str, workdir: Path, log_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(workdir),
        "REVIEWDESK_SECRET_KEY": "fuzz-secret-key",
        "REVIEWDESK_INIT_ADMIN_EMAIL": "admin@example.com",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "admin-password-1",
        "REVIEWDESK_INIT_API_KEY": API_KEY,
        # Webhooks the fuzzer creates must never be delivered anywhere; the seeded one is on 127.0.0.1.
        "REVIEWDESK_WEBHOOKS": "off",
        "REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS": "127.0.0.1/32",
        # Random webhook and judge URLs: no name is looked up (no DNS query leaves the machine) and
        # nothing is sent anywhere but 127.0.0.1, public addresses included.
        "REVIEWDESK_RESOLVE_HOSTNAMES": "off",
        "REVIEWDESK_OUTBOUND_ONLY_TO": "127.0.0.1/32",
    }
    command = [str(BIN / "reviewdesk"), "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start; see {log_path}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def seed(url: str) -> dict[str, str]:
    """One of each thing a path names, so the second pass reaches past the 404s."""
    http = httpx.Client(base_url=f"{url}/api/v1", headers={"x-api-key": API_KEY}, timeout=30)

    def post(path: str, body: Any, status: int = 201) -> Any:
        response = http.post(path, json=body)
        assert response.status_code == status, (path, response.status_code, response.text)
        return response.json() if response.content else None

    trace = str(uuid.uuid4())
    child = str(uuid.uuid4())
    runs = [
        {"id": trace, "trace_id": trace, "name": "rag", "run_type": "chain", "project": "fuzz",
         "inputs": {"question": "Where is my order?"}, "outputs": {"answer": "Tomorrow."},
         "start_time": "2026-11-01T12:00:00Z", "end_time": "2026-11-01T12:00:02Z"},
        {"id": child, "trace_id": trace, "parent_run_id": trace, "name": "llm", "run_type": "llm",
         "project": "fuzz", "inputs": {"messages": [{"role": "user", "content": "hi"}]},
         "outputs": {"content": "hello"}, "start_time": "2026-11-01T12:00:00Z",
         "end_time": "2026-11-01T12:00:01Z"},
    ]  # fmt: skip
    post("/runs/batch", {"post": runs}, 202)
    post("/feedback-configs", {"key": "quality", "type": "categorical", "options": ["good", "bad"]})
    feedback = post("/feedback", {"run_id": trace, "key": "quality", "value": "good"})
    queue = post("/queues", {"name": "fuzz-queue", "rubric": [{"key": "quality", "required": True}]})
    post(f"/queues/{queue['id']}/items", {"run_ids": [trace, child]}, 200)
    items = http.get(f"/queues/{queue['id']}/items").json()["items"]
    rule = post(f"/queues/{queue['id']}/rules", {"name": "errors", "filter": 'run_type == "llm"'})
    webhook = http.post(
        f"/queues/{queue['id']}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["item.completed"]},
    ).json()
    dataset = post("/datasets", {"name": "fuzz-set"})
    added = post(f"/datasets/{dataset['id']}/examples", {"examples": [{"inputs": {"q": "x"}}]})
    examples = http.get(f"/datasets/{dataset['id']}/examples").json()["items"]
    user = post("/users", {"email": "reviewer@example.com", "role": "reviewer", "password": "password-123"})
    key = post(f"/users/{user['id']}/api-keys", {"name": "fuzz"})
    second = post(
        "/users", {"email": "reviewer2@example.com", "role": "reviewer", "password": "password-123"}
    )
    project = http.get("/projects", params={"name": "fuzz"}).json()["items"][0]
    evaluator = post("/evaluators", {"name": "fuzz-check", "key": "quality", "kind": "code",
                                     "spec": {"checks": [{"type": "valid_json"}]}})  # fmt: skip
    post("/evaluators", {"name": "fuzz-judge", "key": "quality", "kind": "llm_judge",
                         "spec": {"base_url": "http://127.0.0.1:9/v1", "model": "m",
                                  "prompt": "Rate {{outputs}}"}})  # fmt: skip
    post(f"/evaluators/{evaluator['id']}/runs", {"filter": 'run_type == "llm"'}, 202)
    calibration = post("/calibrations", {"name": "fuzz-calibration", "queue_id": str(queue["id"]),
                                         "run_ids": [trace, child], "reviewers": [str(user["id"]), str(second["id"])]})  # fmt: skip
    del added
    return {
        "run_id": trace,
        "trace_id": trace,
        "feedback_id": str(feedback["id"]),
        "key": "quality",
        "queue_id": str(queue["id"]),
        "item_id": str(items[0]["id"]),
        "rule_id": str(rule["id"]),
        "webhook_id": str(webhook.get("id", uuid.uuid4())),
        "dataset_id": str(dataset["id"]),
        "example_id": str(examples[0]["id"]),
        "user_id": str(user["id"]),
        "key_id": str(key["id"]),
        "project_id": str(project["id"]),
        "evaluator_id": str(evaluator["id"]),
        "calibration_id": str(calibration["id"]),
    }


def schemathesis(
    url: str, seconds: int, report: Path, parameters: dict[str, str] | None, generation: list[str]
) -> dict:
    command = [
        str(BIN / "st"), "run", f"{url}/openapi.json",
        "--header", f"x-api-key: {API_KEY}",
        "--checks", CHECKS,
        "--max-time", str(seconds),
        "--workers", "2",
        "--request-timeout", "30",
        "--continue-on-failure",
        "--suppress-health-check", "all",
        "--output-sanitize", "false",
        "--report", "json", "--report-json-path", str(report),
        *generation,
    ]  # fmt: skip
    config = None
    if parameters:
        config = report.with_suffix(".toml")
        lines = ["[parameters]"] + [f'"path.{k}" = "{v}"' for k, v in parameters.items()]
        config.write_text("\n".join(lines) + "\n")
        command = [command[0], "--config-file", str(config), *command[1:]]
        command += ["--exclude-method", "DELETE"]  # keep the seeded things alive for the whole pass
    print("$", " ".join(command).replace(API_KEY, "[key]"), flush=True)
    completed = subprocess.run(command, capture_output=True, text=True)
    report.with_suffix(".txt").write_text(completed.stdout + completed.stderr)
    print("\n".join(completed.stdout.splitlines()[-25:]), flush=True)
    return json.loads(report.read_text()) if report.exists() else {"failures": [{"code": "no report"}]}


def served(log_path: Path) -> tuple[int, int]:
    statuses = [int(m.group(2)) for m in ACCESS_LINE.finditer(log_path.read_text(errors="replace"))]
    return len(statuses), sum(1 for s in statuses if s >= 500)


def fuzz(kind: str, seconds: int, out: Path, generation: list[str]) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"rd-fuzz-{kind}-"))
    log_path = out / f"server-{kind}.log"
    try:
        with database(kind, workdir) as db_url, server(db_url, workdir, log_path) as url:
            parameters = seed(url)
            free = schemathesis(url, seconds // 2, out / f"schemathesis-{kind}-free.json", None, generation)
            seeded = schemathesis(
                url, seconds - seconds // 2, out / f"schemathesis-{kind}-seeded.json", parameters, generation
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    requests, server_errors = served(log_path)
    failures = [f for report in (free, seeded) for f in report.get("failures", [])]
    # Errors inside schemathesis itself (its generators, Hypothesis' flakiness guard) are not answers
    # of ours: shown, not failed on.
    tool_errors = [e.get("title") for report in (free, seeded) for e in report.get("errors", [])]
    cases = sum(report.get("test_cases", {}).get("generated", 0) for report in (free, seeded))
    return {
        "database": kind,
        "requests": requests,
        "test_cases": cases,
        "server_errors": server_errors,
        "failures": [(f.get("code"), f.get("title"), f.get("operations")) for f in failures],
        "tool_errors": tool_errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=240, help="schemathesis time per database")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--out", default="test-artifacts/fuzz", help="reports and server logs")
    parser.add_argument("--seed", type=int, help="the same cases every run (default: new ones)")
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase")
    args = parser.parse_args()
    generation = []
    if args.seed is not None:
        generation += ["--seed", str(args.seed), "--generation-deterministic"]
    if args.max_examples is not None:
        generation += ["--max-examples", str(args.max_examples)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = [fuzz(kind, args.seconds, out, generation) for kind in args.db or ["sqlite", "postgresql"]]
    ok = True
    for result in results:
        print(
            f"fuzz {result['database']}: {result['requests']} requests ({result['test_cases']} test cases), "
            f"{result['server_errors']} server errors, {len(result['failures'])} failure kinds, "
            f"{len(result['tool_errors'])} schemathesis-internal errors",
            flush=True,
        )
        for failure in result["failures"]:
            print("  ", failure)
        ok = ok and result["server_errors"] == 0 and not result["failures"]
    (out / "summary.json").write_text(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
