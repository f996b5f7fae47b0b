"""Routing rules and the record of which rule matched which item."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import annotation_queues, item_rule_matches, routing_rules


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(routing_rules.insert().values(**row))


def get(conn: Connection, rule_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(routing_rules).where(routing_rules.c.id == rule_id)).mappings().first()
    return dict(row) if row else None


def of_queue(conn: Connection, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        sa.select(routing_rules)
        .where(routing_rules.c.queue_id == queue_id)
        .order_by(routing_rules.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def enabled_for_single_queues(conn: Connection) -> list[dict[str, Any]]:
    query = (
        sa.select(routing_rules)
        .join(annotation_queues, annotation_queues.c.id == routing_rules.c.queue_id)
        .where(
            routing_rules.c.enabled.is_(True),
            annotation_queues.c.archived.is_(False),
            annotation_queues.c.kind == "single",
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def update(conn: Connection, rule_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(routing_rules.update().where(routing_rules.c.id == rule_id).values(**values))


def delete(conn: Connection, rule_id: uuid.UUID) -> None:
    conn.execute(routing_rules.delete().where(routing_rules.c.id == rule_id))


def matches_since(conn: Connection, rule_ids: Iterable[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
    ids = list(rule_ids)
    if not ids:
        return {}
    query = (
        sa.select(item_rule_matches.c.rule_id, sa.func.count())
        .where(item_rule_matches.c.rule_id.in_(ids), item_rule_matches.c.matched_at >= since)
        .group_by(item_rule_matches.c.rule_id)
    )
    return {rule_id: n for rule_id, n in conn.execute(query)}


def items_matched_by(conn: Connection, rule_id: uuid.UUID, item_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not item_ids:
        return set()
    query = sa.select(item_rule_matches.c.item_id).where(
        item_rule_matches.c.rule_id == rule_id, item_rule_matches.c.item_id.in_(item_ids)
    )
    return {i for (i,) in conn.execute(query)}


def record_matches(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert_ignore_statement(conn, item_rule_matches, ["item_id", "rule_id"]), rows)


def matches_of_items(conn: Connection, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Every rule that matched each item, with the rule's name and when."""
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = {}
    if not item_ids:
        return grouped
    query = (
        sa.select(
            item_rule_matches.c.item_id,
            item_rule_matches.c.rule_id,
            routing_rules.c.name,
            item_rule_matches.c.matched_at,
            item_rule_matches.c.reason,
        )
        .join(routing_rules, routing_rules.c.id == item_rule_matches.c.rule_id)
        .where(item_rule_matches.c.item_id.in_(item_ids))
        .order_by(item_rule_matches.c.matched_at)
    )
    for row in conn.execute(query).mappings():
        grouped.setdefault(row["item_id"], []).append(
            {
                "rule_id": row["rule_id"],
                "name": row["name"],
                "matched_at": row["matched_at"],
                "reason": row["reason"],
            }
        )
    return grouped
