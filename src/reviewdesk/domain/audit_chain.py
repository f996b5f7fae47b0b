"""The audit trail's keyed hash chain and its signed checkpoints.

Each event's hash is HMAC-SHA256, under a key derived from the server secret, of the previous hash and
the event itself: whoever can write the database but does not hold the secret cannot recompute the
chain after an edit. A checkpoint (count, head, time) is signed with the same key and kept outside the
database, so truncating the newest events, rewinding the head or emptying the trail shows too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

GENESIS_HASH = "0" * 64
CHECKPOINT_VERSION = 1


def derive_audit_key(secret: str) -> bytes:
    """The chain's key: the server secret, domain-separated so it is used for nothing else."""
    return hmac.new(secret.encode(), b"reviewdesk audit chain v1", hashlib.sha256).digest()


_INT64 = 2**63


def _stable_numbers(value: Any) -> Any:
    """Integral floats as ints: PostgreSQL's jsonb gives 1e16 back as 10000000000000000 (an int once
    parsed), so the bytes hashed at append must be the bytes recomputed from the stored row."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _INT64:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INT64:
        return float(value)  # 2e20 comes back as a 21-digit int, past what the JSON writer takes
    if isinstance(value, dict):
        return {k: _stable_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable_numbers(v) for v in value]
    return value


def canonical_event(event: Mapping[str, Any]) -> bytes:
    at = event["at"]
    body = {
        "at": at.isoformat(timespec="microseconds") if isinstance(at, datetime) else at,
        "actor": event.get("actor"),
        "action": event["action"],
        "object_type": event["object_type"],
        "object_id": event.get("object_id"),
        "details": _stable_numbers(event.get("details")),
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def chain_hash(key: bytes, prev_hash: str, canonical: bytes) -> str:
    """HMAC-SHA256 of the previous hash (its hex text) followed by the canonical event, as hex."""
    return hmac.new(key, prev_hash.encode() + canonical, hashlib.sha256).hexdigest()


def unkeyed_chain_hash(prev_hash: str, canonical: bytes) -> str:
    """The chain before revision 0010 (plain SHA-256): only the migrations that re-key use it."""
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


def event_hash(key: bytes, prev_hash: str, event: Mapping[str, Any]) -> str:
    return chain_hash(key, prev_hash, canonical_event(event))


def first_broken_link(
    key: bytes, events: list[Mapping[str, Any]], prev_hash: str = GENESIS_HASH
) -> Any | None:
    """Return the id of the first event whose link or hash does not hold, or None if all do."""
    for event in events:
        expected = event_hash(key, prev_hash, event)
        if event["prev_hash"] != prev_hash or not hmac.compare_digest(expected, event["hash"]):
            return event["id"]
        prev_hash = event["hash"]
    return None


def _checkpoint_bytes(body: Mapping[str, Any]) -> bytes:
    fields = {k: body.get(k) for k in ("version", "count", "head_id", "head_hash", "at")}
    return b"reviewdesk audit checkpoint|" + orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def sign_checkpoint(
    key: bytes, *, count: int, head_id: int | None, head_hash: str, at: datetime
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": CHECKPOINT_VERSION,
        "count": count,
        "head_id": head_id,
        "head_hash": head_hash,
        "at": at.isoformat(timespec="seconds"),
    }
    body["signature"] = hmac.new(key, _checkpoint_bytes(body), hashlib.sha256).hexdigest()
    return body


def checkpoint_signed(key: bytes, checkpoint: Mapping[str, Any]) -> bool:
    """Whether the checkpoint is one this key signed, unchanged."""
    signature = checkpoint.get("signature")
    if not isinstance(signature, str) or checkpoint.get("version") != CHECKPOINT_VERSION:
        return False
    expected = hmac.new(key, _checkpoint_bytes(checkpoint), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
