"""Users, passwords and API keys; authentication of both."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import GRANTABLE, Actor, Permission, Role
from reviewdesk.errors import Conflict, Invalid, NotFound, Unauthorized
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.store import users as users_store
from reviewdesk.store import web_sessions as web_sessions_store
from reviewdesk.store.database import Database

KEY_PREFIX = "rd_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_api_key(key: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough; passwords get argon2.
    return hashlib.sha256(key.encode()).hexdigest()


def public_user(row: dict[str, Any]) -> dict[str, Any]:
    body = {k: row[k] for k in ("id", "email", "name", "role", "disabled", "created_at")}
    body["permissions"] = list(row.get("permissions") or [])
    return body


def public_key(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "user_id", "name", "prefix", "created_at", "revoked_at")}


def _check_user_fields(email: Any, role: Any, password: Any, name: Any) -> None:
    if not isinstance(email, str) or not _EMAIL.match(email) or len(email) > 320:
        raise Invalid("must be an email address", field="email")
    if not isinstance(role, str) or role not in {r.value for r in Role}:
        raise Invalid(f"must be one of {', '.join(r.value for r in Role)}", field="role")
    if password is not None and (not isinstance(password, str) or len(password) < 8):
        raise Invalid("must be at least 8 characters", field="password")
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise Invalid("must be a string of at most 200 characters", field="name")


def insert_user(
    conn: Connection, actor: Actor, *, email: str, role: str, password: str | None, name: str | None
) -> dict[str, Any]:
    _check_user_fields(email, role, password, name)
    email = email.strip().lower()
    if users_store.by_email(conn, email):
        raise Conflict(f"a user with email {email} exists", field="email")
    row = {
        "id": uuid.uuid4(),
        "email": email,
        "name": name or "",
        "role": role,
        "password_hash": _hasher.hash(password) if password else None,
        "disabled": False,
        "created_at": utcnow(),
    }
    users_store.insert(conn, row)
    audit.record(conn, actor, "user.create", "user", row["id"], {"email": email, "role": role})
    return public_user(row)


def create_user(
    db: Database, actor: Actor, *, email: str, role: str, password: str | None = None, name: str | None = None
) -> dict[str, Any]:
    actor.require(Permission.MANAGE_USERS)
    with db.write() as conn:
        return insert_user(conn, actor, email=email, role=role, password=password, name=name)


def list_users(db: Database, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.MANAGE_USERS)
    with db.read() as conn:
        return [public_user(r) for r in users_store.list_all(conn)]


def update_user(db: Database, actor: Actor, user_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.MANAGE_USERS)
    allowed = {"name", "role", "password", "disabled", "permissions"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"cannot be changed; allowed: {', '.join(sorted(allowed))}", field=sorted(unknown)[0])
    with db.write() as conn:
        row = users_store.get(conn, user_id)
        if row is None:
            raise NotFound("no such user", field="id")
        _check_user_fields(
            row["email"], changes.get("role", row["role"]), changes.get("password"), changes.get("name")
        )
        if "name" in changes and changes["name"] is None:
            raise Invalid("must be a string (empty to clear)", field="name")
        values: dict[str, Any] = {k: v for k, v in changes.items() if k in ("name", "role")}
        if "disabled" in changes:
            if not isinstance(changes["disabled"], bool):
                raise Invalid("must be true or false", field="disabled")
            values["disabled"] = changes["disabled"]
        if "permissions" in changes:
            values["permissions"] = _check_grants(changes["permissions"])
        if changes.get("password"):
            values["password_hash"] = _hasher.hash(changes["password"])
        if values:
            users_store.update(conn, user_id, values)
        details = {k: v for k, v in values.items() if k != "password_hash"}
        if "password_hash" in values:
            details["password"] = "changed"
        # A new password, another role or a disabled account: the user's web sessions end now, not
        # when their cookies run out (a role taken away must not linger in an open tab).
        if _ends_sessions(row, values):
            details["sessions_ended"] = web_sessions_store.delete_of_user(conn, user_id)
        audit.record(conn, actor, "user.update", "user", user_id, details)
        return public_user(users_store.get(conn, user_id) or row)


def _check_grants(raw: Any) -> list[str]:
    allowed = sorted(p.value for p in GRANTABLE)
    if not isinstance(raw, list) or any(p not in allowed for p in raw):
        raise Invalid(f"must be a list of: {', '.join(allowed)}", field="permissions")
    return sorted(set(raw))


def _ends_sessions(before: dict[str, Any], values: dict[str, Any]) -> bool:
    return (
        "password_hash" in values
        or values.get("role", before["role"]) != before["role"]
        or (values.get("disabled") is True and not before["disabled"])
    )


def insert_api_key(
    conn: Connection, actor: Actor, user_id: uuid.UUID, *, name: str = "", plaintext: str | None = None
) -> dict[str, Any]:
    if users_store.get(conn, user_id) is None:
        raise NotFound("no such user", field="user_id")
    key = plaintext or KEY_PREFIX + secrets.token_urlsafe(32)
    row = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "name": name,
        "prefix": key[:10],
        "key_hash": hash_api_key(key),
        "created_at": utcnow(),
        "revoked_at": None,
        "last_used_at": None,
    }
    users_store.insert_key(conn, row)
    audit.record(
        conn,
        actor,
        "api_key.create",
        "api_key",
        row["id"],
        {"user_id": str(user_id), "prefix": row["prefix"]},
    )
    return {**public_key(row), "key": key}


def create_api_key(db: Database, actor: Actor, user_id: uuid.UUID, *, name: str = "") -> dict[str, Any]:
    """Return the new key's record with the plaintext `key`: shown this once, stored only hashed."""
    if actor.user_id != user_id:
        actor.require(Permission.MANAGE_USERS)
    if not isinstance(name, str) or len(name) > 200:
        raise Invalid("must be a string of at most 200 characters", field="name")
    with db.write() as conn:
        return insert_api_key(conn, actor, user_id, name=name)


def revoke_api_key(db: Database, actor: Actor, key_id: uuid.UUID) -> None:
    with db.write() as conn:
        row = users_store.get_key(conn, key_id)
        if row is None:
            raise NotFound("no such API key", field="id")
        if actor.user_id != row["user_id"]:
            actor.require(Permission.MANAGE_USERS)
        if row["revoked_at"] is None:
            users_store.revoke_key(conn, key_id, utcnow())
            audit.record(conn, actor, "api_key.revoke", "api_key", key_id, {"prefix": row["prefix"]})


def list_api_keys(db: Database, actor: Actor, user_id: uuid.UUID) -> list[dict[str, Any]]:
    if actor.user_id != user_id:
        actor.require(Permission.MANAGE_USERS)
    with db.read() as conn:
        return [public_key(r) for r in users_store.keys_of(conn, user_id)]


def _actor_of(row: dict[str, Any]) -> Actor:
    return Actor(user_id=row["id"], email=row["email"], role=Role(row["role"]), grants=grants_of(row))


def grants_of(row: dict[str, Any]) -> frozenset[str]:
    return frozenset(row.get("permissions") or ())


def authenticate_key(db: Database, key: str | None) -> Actor:
    if not key:
        raise Unauthorized("an API key is required (x-api-key or Authorization: Bearer)")
    with db.read() as conn:
        row = users_store.user_by_key_hash(conn, hash_api_key(key))
    if row is None or row["disabled"]:
        raise Unauthorized("the API key is not valid")
    return _actor_of(row)


def authenticate_password(db: Database, email: str, password: str) -> Actor:
    with db.read() as conn:
        row = users_store.by_email(conn, (email or "").strip().lower())
    stored = row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong email or password") from None
    if row is None or row["disabled"] or not row["password_hash"]:
        raise Unauthorized("wrong email or password")
    return _actor_of(row)


def get_user_by_email(db: Database, email: str) -> dict[str, Any]:
    with db.read() as conn:
        row = users_store.by_email(conn, email.strip().lower())
    if row is None:
        raise NotFound(f"no user with email {email}", field="email")
    return public_user(row)
