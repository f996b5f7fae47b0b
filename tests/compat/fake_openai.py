"""A deterministic OpenAI-compatible server on 127.0.0.1 for the client compatibility tests.

`POST /v1/chat/completions` answers from the conversation so far: with `tools` offered and no tool
result yet it calls the first tool (`{"order_id": "7"}`); otherwise it answers in text, quoting the
last tool result when there is one. `stream: true` answers as server-sent events (with a usage chunk
when `stream_options.include_usage` is set). `POST /v1/embeddings` returns small fixed vectors.
Token counts are fixed (PROMPT_TOKENS / COMPLETION_TOKENS) so a test can assert them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_SUFFIX = "-2024-08-06"
PROMPT_TOKENS = 21
COMPLETION_TOKENS = 9
ANSWER = "Order 7 ships tomorrow."
TOOL_ARGUMENTS = '{"order_id": "7"}'


@dataclass
class FakeOpenAI:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """What `OpenAI(base_url=…)` and `ChatOpenAI(base_url=…)` take."""
        return f"{self.url}/v1"


def _usage() -> dict[str, int]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    }


def reply_message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The assistant message for a chat request, and its finish reason."""
    messages = body.get("messages") or []
    tool_results = [m for m in messages if m.get("role") == "tool"]
    tools = body.get("tools") or []
    if tools and not tool_results:
        name = tools[0].get("function", {}).get("name", "tool")
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": TOOL_ARGUMENTS}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    text = ANSWER if not tool_results else f"{ANSWER} (tool said: {tool_results[-1].get('content')})"
    return {"role": "assistant", "content": text}, "stop"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.record.requests.append({"path": self.path, "body": body})
        if self.path.endswith("/chat/completions"):
            self._chat(body)
        elif self.path.endswith("/embeddings"):
            inputs = body.get("input")
            count = len(inputs) if isinstance(inputs, list) else 1
            data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(count)]
            usage = {"prompt_tokens": PROMPT_TOKENS, "total_tokens": PROMPT_TOKENS}
            self._json(200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def _chat(self, body: dict[str, Any]) -> None:
        message, finish = reply_message(body)
        model = str(body.get("model") or "gpt-4o-mini") + MODEL_SUFFIX
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                    "usage": _usage(),
                },
            )
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for chunk in _stream_chunks(
            message, finish, model, bool((body.get("stream_options") or {}).get("include_usage"))
        ):
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")


def _stream_chunks(message: dict[str, Any], finish: str, model: str, usage: bool) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    yield chunk({"role": "assistant", "content": ""})
    if message.get("tool_calls"):
        call = message["tool_calls"][0]
        yield chunk({"tool_calls": [{"index": 0, **call}]})
    else:
        words = message["content"].split(" ")
        for index, word in enumerate(words):
            yield chunk({"content": word if index == 0 else " " + word})
    yield chunk({}, finish)
    if usage:
        yield {**chunk({}), "choices": [], "usage": _usage()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    record: FakeOpenAI


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    """The server on a free port of 127.0.0.1 for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.record = FakeOpenAI(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.record
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
