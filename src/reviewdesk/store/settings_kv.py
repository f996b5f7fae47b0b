"""Small persisted server settings (the generated secret key, the demo marker)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import settings_kv


def get(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(settings_kv.c.value).where(settings_kv.c.key == key)).scalar()


def put_if_absent(conn: Connection, key: str, value: str) -> str:
    conn.execute(insert_ignore_statement(conn, settings_kv, ["key"]).values(key=key, value=value))
    return get(conn, key) or value
