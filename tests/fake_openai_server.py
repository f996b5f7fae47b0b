"""A deterministic OpenAI-compatible server on 127.0.0.1: the model every test calls (no real
provider is reachable here), for the client compatibility tests and for the LLM judges alike.

`POST /v1/chat/completions` answers in one of two characters:
- **judge** (the model's name starts with "judge-", or the request asks for structured output by
  `response_format` or by a `tool_choice` that forces a function): a verdict that depends on the
  model, so two versions of one judge can disagree —
  "judge-careful": "bad" exactly when the prompt says "wrong";
  any other judge: "bad" when the prompt says "sorry", or "wrong" without "subtly"; else "good".
  It comes as `{"reasoning", "score"}` JSON in the content, or as the arguments of a call to the
  forced function.
- **assistant** (anything else): with `tools` offered and no tool result yet it calls the first tool
  (`{"order_id": "7"}`); otherwise it answers ANSWER, quoting the last tool result when there is one.
  `stream: true` answers as server-sent events (with a usage chunk when
  `stream_options.include_usage` is set).

`server.script` is a list of modes to play first, one per chat request, then normal answers:
"slow" (waits `slow_seconds`, then answers), "429" (with Retry-After: 1), "500", "malformed" (a
truncated JSON body), "refusal", "prose" (the JSON fenced inside prose, no tool call) and
"bad_arguments" (a tool call whose arguments are not JSON).
`POST /v1/embeddings` returns small fixed vectors. Token counts are fixed (PROMPT_TOKENS /
COMPLETION_TOKENS) so a test can assert them. Every request is kept in `server.requests`.
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

MODEL_SUFFIX = "-2024-08-06"
PROMPT_TOKENS = 21
COMPLETION_TOKENS = 9
ANSWER = "Order 7 ships tomorrow."
TOOL_ARGUMENTS = '{"order_id": "7"}'
REFUSAL = "I can't help with that."


@dataclass
class FakeOpenAI:
    url: str
    script: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 2.0

    @property
    def base_url(self) -> str:
        """What `OpenAI(base_url=…)`, `ChatOpenAI(base_url=…)` and a judge's `base_url` take."""
        return f"{self.url}/v1"


def verdict(model: str, prompt: str) -> str:
    text = prompt.lower()
    if model == "judge-careful":
        return "bad" if "wrong" in text else "good"
    return "bad" if "sorry" in text or ("wrong" in text and "subtly" not in text) else "good"


def _usage() -> dict[str, int]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    }


def _forced_function(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        return (choice.get("function") or {}).get("name")
    return None


def is_judgement(body: dict[str, Any]) -> bool:
    return (
        str(body.get("model") or "").startswith("judge-")
        or bool(body.get("response_format"))
        or _forced_function(body) is not None
    )


def _tool_call(name: str, arguments: str) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


def judgement_message(body: dict[str, Any], mode: str) -> tuple[dict[str, Any], str]:
    """The judge's answer to a chat request in a script mode ("ok", "refusal", "prose", "bad_arguments")."""
    messages = body.get("messages") or []
    prompt = str(messages[-1].get("content") or "") if messages else ""
    model = str(body.get("model") or "")
    label = verdict(model, prompt)
    if mode == "refusal":
        return {"role": "assistant", "content": None, "refusal": REFUSAL}, "stop"
    if mode == "prose":
        fenced = f'Let me think.\n```json\n{{"reasoning": "prose mode", "score": "{label}"}}\n```'
        return {"role": "assistant", "content": fenced}, "stop"
    arguments = json.dumps({"reasoning": f"{model} finds it {label}", "score": label})
    function = _forced_function(body)
    if function is None:
        return {"role": "assistant", "content": arguments}, "stop"
    if mode == "bad_arguments":
        arguments = '{"reasoning": "cut off", "score": '
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [_tool_call(function, arguments)],
    }, "tool_calls"


def assistant_message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The assistant's answer to a chat request, and its finish reason."""
    messages = body.get("messages") or []
    tool_results = [m for m in messages if m.get("role") == "tool"]
    tools = body.get("tools") or []
    if tools and not tool_results:
        name = tools[0].get("function", {}).get("name", "tool")
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [_tool_call(name, TOOL_ARGUMENTS)],
        }, "tool_calls"
    text = ANSWER if not tool_results else f"{ANSWER} (tool said: {tool_results[-1].get('content')})"
    return {"role": "assistant", "content": text}, "stop"


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

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode())

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        record = self.server.record
        record.requests.append({"path": self.path, "body": body, "auth": self.headers.get("authorization")})
        if self.path.endswith("/chat/completions"):
            self._chat(body, record.script.pop(0) if record.script else "ok")
        elif self.path.endswith("/embeddings"):
            inputs = body.get("input")
            count = len(inputs) if isinstance(inputs, list) else 1
            data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(count)]
            usage = {"prompt_tokens": PROMPT_TOKENS, "total_tokens": PROMPT_TOKENS}
            self._json(200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def _chat(self, body: dict[str, Any], mode: str) -> None:
        if mode == "slow":
            time.sleep(self.server.record.slow_seconds)
        if mode == "429":
            return self._send(429, b'{"error": {"message": "rate limited"}}', {"retry-after": "1"})
        if mode == "500":
            return self._send(500, b'{"error": {"message": "boom"}}')
        if mode == "malformed":
            return self._send(200, b'{"choices": [{"message": {"content": "{\\"score\\": ')
        if is_judgement(body):
            message, finish = judgement_message(body, mode)
        elif mode == "refusal":
            message, finish = {"role": "assistant", "content": None, "refusal": REFUSAL}, "stop"
        else:
            message, finish = assistant_message(body)
        model = str(body.get("model") or "gpt-4o-mini") + MODEL_SUFFIX
        if body.get("stream"):
            return self._stream(
                message, finish, model, bool((body.get("stream_options") or {}).get("include_usage"))
            )
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        reply = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [choice],
            "usage": _usage(),
        }
        self._json(200, reply)

    def _stream(self, message: dict[str, Any], finish: str, model: str, usage: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for chunk in _stream_chunks(message, finish, model, usage):
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
        words = (message.get("content") or "").split(" ")
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
