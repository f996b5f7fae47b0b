"""Standard Webhooks signing: the reference vector, secrets, and what verify rejects."""

from __future__ import annotations

import pytest

from reviewdesk.domain.webhook_signing import (
    SignatureError,
    generate_secret,
    secret_key,
    sign,
    signed_headers,
    verify,
)

# The vector the Standard Webhooks reference libraries test against.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_matches_the_reference_vector():
    assert sign(SECRET, MSG_ID, TIMESTAMP, BODY) == EXPECTED


def test_verify_accepts_a_signed_delivery_with_any_header_case():
    headers = signed_headers(SECRET, MSG_ID, TIMESTAMP, BODY)
    verify(SECRET, headers, BODY, now=TIMESTAMP + 10)
    verify(SECRET, {k.title(): v for k, v in headers.items()}, BODY, now=TIMESTAMP)


def test_verify_finds_the_valid_one_among_several_signatures():
    headers = signed_headers(SECRET, MSG_ID, TIMESTAMP, BODY)
    headers["webhook-signature"] = f"v1,bm90IGl0 v1a,c29tZXRoaW5n {headers['webhook-signature']}"
    verify(SECRET, headers, BODY, now=TIMESTAMP)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": b'{"test": 2432232315}'}, "no signature matches"),
        ({"secret": generate_secret()}, "no signature matches"),
        ({"now": TIMESTAMP + 301}, "outside the tolerance"),
        ({"now": TIMESTAMP - 301}, "outside the tolerance"),
        ({"drop": "webhook-id"}, "missing"),
        ({"drop": "webhook-signature"}, "missing"),
        ({"header": ("webhook-timestamp", "yesterday")}, "unix seconds"),
        ({"header": ("webhook-id", "msg_other")}, "no signature matches"),
    ],
)
def test_verify_rejects(change, message):
    headers = signed_headers(SECRET, MSG_ID, TIMESTAMP, BODY)
    if "drop" in change:
        del headers[change["drop"]]
    if "header" in change:
        name, value = change["header"]
        headers[name] = value
    with pytest.raises(SignatureError, match=message):
        verify(
            change.get("secret", SECRET), headers, change.get("body", BODY), now=change.get("now", TIMESTAMP)
        )


def test_generated_secrets_are_whsec_base64_of_32_random_bytes():
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_") and first != second
    assert len(secret_key(first)) == 32


@pytest.mark.parametrize(
    "bad", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_c2hvcnQ=", "whsec_" + "QUFB" * 30]
)
def test_secret_key_rejects_malformed_secrets(bad):
    with pytest.raises(ValueError):
        secret_key(bad)
