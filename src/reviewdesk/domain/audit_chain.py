"""The audit trail's hash chain: each event's hash covers the previous hash and the event itself."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


def canonical_event(event: Mapping[str, Any]) -> bytes:
    at = event["at"]
    body = {
        "at": at.isoformat(timespec="microseconds") if isinstance(at, datetime) else at,
        "actor": event.get("actor"),
        "action": event["action"],
        "object_type": event["object_type"],
        "object_id": event.get("object_id"),
        "details": event.get("details"),
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """SHA-256 of the previous hash (its hex text) followed by the canonical event, as hex."""
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return chain_hash(prev_hash, canonical_event(event))


def first_broken_link(events: list[Mapping[str, Any]], prev_hash: str = GENESIS_HASH) -> Any | None:
    """Return the id of the first event whose link or hash does not hold, or None if all do."""
    for event in events:
        if event["prev_hash"] != prev_hash or event_hash(prev_hash, event) != event["hash"]:
            return event["id"]
        prev_hash = event["hash"]
    return None
