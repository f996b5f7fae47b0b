"""Standard Webhooks signatures: secrets, the signed headers of a delivery, and the receiver's check.

The scheme (https://www.standardwebhooks.com/): a secret is `whsec_` + base64 of the key bytes; a
delivery carries `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`, a
space-separated list of `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.

A receiver checks a delivery with `verify(secret, headers, body)` on the raw body bytes, before
parsing them: it raises `SignatureError` unless one signature matches and the timestamp is within
five minutes of its clock (which stops replays of an old, validly signed delivery).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# The spec recommends keys of 24 to 64 bytes.
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
GENERATED_KEY_BYTES = 32
TOLERANCE_SECONDS = 5 * 60


class SignatureError(ValueError):
    """A delivery whose headers are missing, stale or not signed with the secret."""


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_KEY_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_<base64>` secret; ValueError when it is not one."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError(f"a secret is {SECRET_PREFIX} followed by base64") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise ValueError(f"a secret's key is {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one body: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> None:
    """Raise SignatureError unless `body` was signed with `secret` within the tolerance of `now`."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id")
    raw_timestamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not (message_id and raw_timestamp and signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise SignatureError("webhook-timestamp is outside the tolerance")
    expected = sign(secret, message_id, timestamp, body)
    for candidate in signatures.split():
        # Other versions (e.g. v1a, asymmetric) are skipped, not rejected, as the spec asks.
        if candidate.startswith(f"{SIGNATURE_VERSION},") and hmac.compare_digest(candidate, expected):
            return
    raise SignatureError("no signature matches")
