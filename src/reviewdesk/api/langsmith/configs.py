"""LangSmith feedback configs: our score configs, one per key and always enforced."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.langsmith import shapes
from reviewdesk.api.langsmith.deps import flag, refuse_unknown, tenant
from reviewdesk.api.langsmith.paging import check_window, window
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import feedback_configs
from reviewdesk.services.langsmith_feedback import config_from_langsmith
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])

_COMPARED = ("type", "options", "min", "max")


def _ours(key: Any, config: Any) -> dict[str, Any]:
    if not isinstance(key, str):
        raise Invalid("is required", field="feedback_key")
    ours = config_from_langsmith(key, config)
    if ours is None:
        raise Invalid("a continuous config needs min and max here", field="feedback_config")
    return ours


def _same(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    options = [{"value": o["value"], "score": o.get("score")} for o in stored.get("options") or []] or None
    return {**{k: stored.get(k) for k in _COMPARED}, "options": options} == {
        k: wanted.get(k) for k in _COMPARED
    }


@router.post("/feedback-configs")
def create_config(
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """An identical config for the key is answered unchanged; a different one is a 400."""
    refuse_unknown(body, {"feedback_key", "feedback_config", "is_lower_score_better", "is_enforced"}, "here")
    wanted = _ours(body.get("feedback_key"), body.get("feedback_config"))
    try:
        stored = feedback_configs.get_config(db, actor, wanted["key"])
    except NotFound:
        stored = feedback_configs.create_config(db, actor, wanted)
    else:
        if not _same(stored, wanted):
            raise Invalid(
                "Feedback config already exists for this key with different settings", field="feedback_config"
            )
    return FastJSONResponse(shapes.feedback_config_schema(stored, tenant(request)))


@router.get("/feedback-configs")
def list_configs(
    request: Request,
    key: list[str] | None = Query(None),
    name_contains: str | None = None,
    limit: int = 100,
    offset: int = 0,
    include_all_configs: str | None = None,
    is_enforced: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    refuse_unknown(
        request.query_params.keys(),
        {"key", "name_contains", "limit", "offset", "include_all_configs", "is_enforced"},
        "/feedback-configs",
    )
    limit, offset = check_window(limit, offset)
    flag(include_all_configs, "include_all_configs")  # deleted configs are gone, so all = the live ones
    configs = feedback_configs.list_configs(db, actor)
    if key:
        configs = [c for c in configs if c["key"] in key]
    if name_contains:
        configs = [c for c in configs if name_contains.lower() in c["key"].lower()]
    if flag(is_enforced, "is_enforced") is False:
        configs = []  # every config of ours is enforced
    owner = tenant(request)
    return FastJSONResponse([shapes.feedback_config_schema(c, owner) for c in window(configs, limit, offset)])


def _by_key_or_id(db: Database, actor: Actor, key: Any, config_id: Any) -> dict[str, Any]:
    if isinstance(key, str):
        return feedback_configs.get_config(db, actor, key)
    for config in feedback_configs.list_configs(db, actor):
        if str(shapes.config_id(config["key"])) == str(config_id):
            return config
    raise NotFound(f"no feedback config {config_id}", field="id")


@router.patch("/feedback-configs")
def update_config(
    request: Request,
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Replace the config, or add / remove categories (by value) of a categorical one."""
    refuse_unknown(
        body,
        {
            "feedback_key",
            "id",
            "feedback_config",
            "is_lower_score_better",
            "add_categories",
            "remove_categories",
        },
        "PATCH /feedback-configs",
    )
    stored = _by_key_or_id(db, actor, body.get("feedback_key"), body.get("id"))
    changes: dict[str, Any] = {}
    if body.get("feedback_config") is not None:
        wanted = _ours(stored["key"], body["feedback_config"])
        changes = {k: wanted.get(k) for k in ("type", "options", "min", "max")}
    if body.get("add_categories") or body.get("remove_categories"):
        if stored["type"] != "categorical":
            raise Invalid("only a categorical config has categories", field="add_categories")
        added = _ours(stored["key"], {"type": "categorical", "categories": body.get("add_categories") or []})
        removed = {float(v) for v in body.get("remove_categories") or []}
        options = [o for o in stored["options"] if o.get("score") not in removed] + added["options"]
        changes["options"] = options
    updated = feedback_configs.update_config(db, actor, stored["key"], changes) if changes else stored
    return FastJSONResponse(shapes.feedback_config_schema(updated, tenant(request)))


@router.delete("/feedback-configs", status_code=204)
def delete_config(
    feedback_key: str | None = None,
    id: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> Response:
    stored = _by_key_or_id(db, actor, feedback_key, id)
    feedback_configs.delete_config(db, actor, stored["key"])
    return Response(status_code=204)
