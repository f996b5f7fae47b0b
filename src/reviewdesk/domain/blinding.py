"""Blind pairwise review: the keys that would tell a reviewer which model wrote which side, removed.

The defaults name the model and its provider in the conventions clients use (LangSmith `ls_*`,
OpenAI bodies, OTel GenAI and OpenInference attributes). Text the model wrote about itself cannot
be hidden this way; a queue can add its own keys.
"""

from __future__ import annotations

from typing import Any

DEFAULT_BLIND_KEYS = (
    "model",
    "model_name",
    "model_id",
    "ls_model_name",
    "ls_provider",
    "provider",
    "system_fingerprint",
    "_type",  # LangChain invocation params name the model class (e.g. "openai-chat")
    "llm.model_name",
    "llm.provider",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.system",
    "gen_ai.provider.name",
)


def blind_keys(configured: list[str] | None, variant_field: str | None) -> frozenset[str]:
    """The queue's keys (the defaults when it names none) plus the key its variants are told apart by."""
    keys = set(DEFAULT_BLIND_KEYS if configured is None else configured)
    if variant_field:
        keys.add(variant_field.rsplit(".", 1)[-1])
    return frozenset(keys)


def _strip(value: Any, keys: frozenset[str], hidden: set[str], depth: int = 0) -> Any:
    if depth > 12:
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in keys:
                if isinstance(v, str):
                    hidden.add(v)
                continue
            out[k] = _strip(v, keys, hidden, depth + 1)
        return out
    if isinstance(value, list):
        return [_strip(v, keys, hidden, depth + 1) for v in value]
    return value


def blind_run(run: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """A copy of a run with the identifying keys gone from metadata, inputs and outputs (at any depth),
    and tags or a name that repeat a hidden value dropped."""
    hidden: set[str] = set()
    blinded = dict(run)
    for part in ("metadata", "inputs", "outputs", "extra"):
        if run.get(part) is not None:
            blinded[part] = _strip(run[part], keys, hidden)
    lowered = {h.lower() for h in hidden if h}
    blinded["tags"] = [t for t in run.get("tags") or [] if t.lower() not in lowered and t not in keys]
    name = run.get("name") or ""
    if any(h in name.lower() for h in lowered):
        blinded["name"] = "run"
    return blinded


def blind_tree(nodes: list[dict[str, Any]], keys: frozenset[str]) -> list[dict[str, Any]]:
    """A span tree with every span blinded as `blind_run` does: child LLM spans name the model too."""
    return [{**blind_run(n, keys), "children": blind_tree(n.get("children") or [], keys)} for n in nodes]
