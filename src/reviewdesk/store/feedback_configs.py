"""Score configs keyed by feedback key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.tables import feedback, feedback_configs


def get(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(feedback_configs).where(feedback_configs.c.key == key)).mappings().first()
    return dict(row) if row else None


_BY_KEYS = sa.select(feedback_configs).where(feedback_configs.c.key.in_(sa.bindparam("keys", expanding=True)))


def get_many(conn: Connection, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = conn.execute(_BY_KEYS, {"keys": wanted}).mappings()
    return {r["key"]: dict(r) for r in rows}


def list_all(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(feedback_configs).order_by(feedback_configs.c.key)).mappings()
    return [dict(r) for r in rows]


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(feedback_configs.insert().values(**row))


def update(conn: Connection, key: str, values: dict[str, Any]) -> None:
    conn.execute(feedback_configs.update().where(feedback_configs.c.key == key).values(**values))


def delete(conn: Connection, key: str) -> None:
    conn.execute(feedback_configs.delete().where(feedback_configs.c.key == key))


def values_in_use(conn: Connection, key: str) -> dict[Any, int]:
    """How many feedback rows of the key carry each value (categorical answers), one grouped read."""
    query = (
        sa.select(feedback.c.value, sa.func.count())
        .where(feedback.c.key == key, feedback.c.value.is_not(None))
        .group_by(feedback.c.value)
    )
    found: dict[Any, int] = {}
    for value, n in conn.execute(query):
        if isinstance(value, str | int | float | bool):
            found[value] = found.get(value, 0) + n
    return found


def count_of_key(conn: Connection, key: str) -> int:
    return conn.execute(sa.select(sa.func.count()).where(feedback.c.key == key)).scalar_one()


def count_scores_outside(conn: Connection, key: str, low: float, high: float) -> int:
    query = sa.select(sa.func.count()).where(
        feedback.c.key == key, sa.or_(feedback.c.score < low, feedback.c.score > high)
    )
    return conn.execute(query).scalar_one()
