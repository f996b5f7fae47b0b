"""First start: migrations, the server secret, and the first admin (headless or printed once)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from reviewdesk.config import Settings
from reviewdesk.domain.audit_chain import derive_audit_key
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts
from reviewdesk.store import audit as audit_store
from reviewdesk.store import migrate, settings_kv
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

DEFAULT_ADMIN_EMAIL = "admin@reviewdesk.local"


@dataclass(frozen=True)
class FirstStart:
    secret_key: str
    admin_email: str | None = None
    generated_password: str | None = None


def prepare(db: Database, settings: Settings) -> FirstStart:
    if settings.run_migrations:
        migrate.upgrade(db, secret_key=settings.secret_key or None)
    with db.write() as conn:
        secret = settings.secret_key or settings_kv.put_if_absent(conn, "secret_key", secrets.token_hex(32))
    # Every audit append of this process chains with the key derived from this secret.
    audit_store.use_key(db.engine, derive_audit_key(secret))
    with db.write() as conn:
        if users_store.count(conn) > 0:
            return FirstStart(secret_key=secret)
        email = settings.init_admin_email or DEFAULT_ADMIN_EMAIL
        password = settings.init_admin_password
        generated = None
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        admin = accounts.insert_user(
            conn, SYSTEM_ACTOR, email=email, role="admin", password=password, name="Administrator"
        )
        if settings.init_api_key:
            accounts.insert_api_key(
                conn, SYSTEM_ACTOR, admin["id"], name="init", plaintext=settings.init_api_key
            )
        return FirstStart(secret_key=secret, admin_email=email, generated_password=generated)
