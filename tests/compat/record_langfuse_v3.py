"""Re-record what the Langfuse SDK v3 sends: `python -m tests.compat.record_langfuse_v3 /path/to/python`
where that python has `langfuse>=3.15,<4` and `openai` installed (v3 and the current major cannot
share one venv). The app runs against a recorder that answers as ReviewDesk does; every request is
kept (path, content type and encoding, body) in recorded/langfuse_v3/ for test_langfuse_v3.py."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.compat.clients import openai_env, run_program
from tests.fake_openai_server import fake_openai

OUT = Path(__file__).parent / "recorded" / "langfuse_v3"


class Recorder(BaseHTTPRequestHandler):
    kept: list[dict] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        project = {"id": "p", "name": "p", "organization": {"id": "o", "name": "o"}, "metadata": {}}
        self._answer(200, json.dumps({"data": [project]}).encode(), "application/json")

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.kept.append(
            {
                "path": self.path,
                "content_type": self.headers.get("content-type"),
                "content_encoding": self.headers.get("content-encoding"),
                "body_b64": base64.b64encode(body).decode(),
            }
        )
        if self.path.endswith("/ingestion"):
            events = json.loads(body)["batch"]
            answer = {"successes": [{"id": e["id"], "status": 201} for e in events], "errors": []}
            self._answer(207, json.dumps(answer).encode(), "application/json")
        else:
            self._answer(200, b"", "application/x-protobuf")


def main(python: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    version = subprocess.run(
        [python, "-c", "from importlib.metadata import version; print(version('langfuse'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with fake_openai() as fake, tempfile.TemporaryDirectory() as tmp:
        env = {
            "LANGFUSE_HOST": url,
            "LANGFUSE_PUBLIC_KEY": "pk-lf-support-bot",
            "LANGFUSE_SECRET_KEY": "recorded",
            "LANGFUSE_TRACING_ENVIRONMENT": "staging",
            "LANGFUSE_RELEASE": "2026.12.1",
            **openai_env(fake.url),
        }
        out = run_program(Path(__file__).parent / "apps" / "langfuse_v3.py", env, Path(tmp), python=python)
    server.shutdown()
    trace = out.split("trace ", 1)[1].split()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "requests.json").write_text(
        json.dumps({"langfuse_version": version, "trace_id": trace, "requests": Recorder.kept}, indent=1)
        + "\n"
    )
    print(f"kept {len(Recorder.kept)} requests of langfuse {version} (trace {trace})")


if __name__ == "__main__":
    main(sys.argv[1])
