"""Score configs (feedback configs): reusable definitions of one feedback key."""

from __future__ import annotations

from typing import Any

from reviewdesk.client._base import ClientCore, drop_none
from reviewdesk.client._http import path_part


class ConfigsMixin(ClientCore):
    """Configs: `{"key", "type", "options", "min", "max", "max_length", "description", ...}`."""

    def create_feedback_config(
        self,
        key: str,
        type: str,
        *,
        options: list[str] | list[dict[str, Any]] | None = None,
        min: float | None = None,
        max: float | None = None,
        max_length: int | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Define a key: type categorical (options), continuous (min, max), boolean or freeform.

        Raises InvalidRequest with `.field` for an invalid definition, Conflict if the key exists.
        """
        body = drop_none(
            key=key,
            type=type,
            options=options,
            min=min,
            max=max,
            max_length=max_length,
            description=description,
        )
        return self._request("POST", "/feedback-configs", json=body)

    def list_feedback_configs(self) -> list[dict[str, Any]]:
        """Every score config."""
        return self._all("/feedback-configs")

    def get_feedback_config(self, key: str) -> dict[str, Any]:
        """One score config. Raises NotFound."""
        return self._request("GET", f"/feedback-configs/{path_part(key)}")

    def update_feedback_config(self, key: str, **changes: Any) -> dict[str, Any]:
        """Change fields of a config (its key and type rules are checked again)."""
        return self._request("PATCH", f"/feedback-configs/{path_part(key)}", json=changes, idempotent=True)

    def delete_feedback_config(self, key: str) -> None:
        """Delete a score config. Raises NotFound."""
        self._request("DELETE", f"/feedback-configs/{path_part(key)}")
