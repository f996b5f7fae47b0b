"""A fake OpenAI-compatible judge on 127.0.0.1: deterministic verdicts from the prompt, and the
failure modes a real provider has (slow, 429 with Retry-After, 500, malformed JSON, refusal).

The verdict depends on the model name, so two versions of one judge can disagree:
- "judge-naive": "bad" when the prompt says "sorry", or "wrong" without "subtly"; else "good";
- "judge-careful": "bad" exactly when the prompt says "wrong".
`server.script` is a list of modes to play first, one per request ("slow", "429", "500",
"malformed", "refusal", "prose"), then normal answers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROMPT_TOKENS = 100
COMPLETION_TOKENS = 20


def verdict(model: str, prompt: str) -> str:
    text = prompt.lower()
    if model == "judge-careful":
        return "bad" if "wrong" in text else "good"
    return "bad" if "sorry" in text or ("wrong" in text and "subtly" not in text) else "good"


@dataclass
class FakeJudge:
    url: str
    script: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 2.0

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        judge = self.server.judge
        judge.requests.append({"path": self.path, "body": body, "auth": self.headers.get("authorization")})
        mode = judge.script.pop(0) if judge.script else "ok"
        if mode == "slow":
            time.sleep(judge.slow_seconds)
        if mode == "429":
            return self._send(429, b'{"error": {"message": "rate limited"}}', {"retry-after": "1"})
        if mode == "500":
            return self._send(500, b'{"error": {"message": "boom"}}')
        if mode == "malformed":
            return self._send(200, b'{"choices": [{"message": {"content": "{\\"score\\": ')
        prompt = body["messages"][-1]["content"]
        label = verdict(body.get("model", ""), prompt)
        message: dict[str, Any] = {"role": "assistant"}
        if mode == "refusal":
            message |= {"content": None, "refusal": "I can't help with that."}
        elif mode == "prose":
            message["content"] = (
                f'Let me think.\n```json\n{{"reasoning": "prose mode", "score": "{label}"}}\n```'
            )
        else:
            message["content"] = json.dumps(
                {"reasoning": f"{body.get('model')} finds it {label}", "score": label}
            )
        usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS, "total_tokens": 120}
        reply = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": usage,
        }
        self._send(200, json.dumps(reply).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    judge: FakeJudge


@contextmanager
def fake_judge() -> Iterator[FakeJudge]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.judge = FakeJudge(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.judge
    finally:
        server.shutdown()
        server.server_close()
