"""Projects: namespaces of runs."""

from __future__ import annotations

import uuid
from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services.clock import utcnow
from reviewdesk.services.paging import check_limit
from reviewdesk.store import projects as projects_store
from reviewdesk.store.database import Database


def public_project(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "description", "created_at")}


def create_project(db: Database, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.WRITE_PROJECTS)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("must be a non-empty string of at most 200 characters", field="name")
    description = payload.get("description")
    if description is not None and not isinstance(description, str):
        raise Invalid("must be a string", field="description")
    row = {"id": uuid.uuid4(), "name": name, "description": description, "created_at": utcnow()}
    with db.write() as conn:
        if projects_store.ids_by_name(conn, [name]):
            raise Conflict(f"a project named {name!r} exists", field="name")
        projects_store.insert(conn, row)
    return public_project(row)


def list_projects(
    db: Database, actor: Actor, *, name: str | None, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    actor.require(Permission.READ_PROJECTS)
    limit = check_limit(limit)
    with db.read() as conn:
        rows = projects_store.list_page(conn, name=name, limit=limit + 1, after=cursor)
    more = len(rows) > limit
    rows = rows[:limit]
    return [public_project(r) for r in rows], (rows[-1]["name"] if more else None)


def get_project(db: Database, actor: Actor, project_id: uuid.UUID) -> dict[str, Any]:
    actor.require(Permission.READ_PROJECTS)
    with db.read() as conn:
        row = projects_store.get(conn, project_id)
    if row is None:
        raise NotFound(f"no project {project_id}", field="id")
    return public_project(row)
