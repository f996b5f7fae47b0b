"""Users, API keys, the caller's identity, server health and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._http import path_part


class AccountsMixin(ClientCore):
    """People and machines (most of it admin only), plus health and audit."""

    def health(self) -> dict[str, Any]:
        """`{"status": "ok", "version", "database"}`; needs no key."""
        return self._request("GET", "/health")

    def me(self) -> dict[str, Any]:
        """The key's user: `{"id", "email", "role"}`. Raises AuthenticationError for a bad key."""
        return self._request("GET", "/me")

    def create_user(
        self, email: str, role: str, password: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        """Create a user with role admin, member or reviewer (admin only). Raises Conflict on email."""
        body = drop_none(email=email, role=role, password=password, name=name)
        return self._request("POST", "/users", json=body)

    def list_users(self) -> list[dict[str, Any]]:
        """Every user (admin only)."""
        return self._all("/users")

    def update_user(self, user_id: Id, **changes: Any) -> dict[str, Any]:
        """Change name, role, password or disabled (admin only)."""
        return self._request("PATCH", f"/users/{path_part(user_id)}", json=changes, idempotent=True)

    def create_api_key(self, user_id: Id, name: str = "") -> dict[str, Any]:
        """A new key for a user: `{"id", "key", "prefix", ...}`; the plaintext `key` is shown only now."""
        return self._request("POST", f"/users/{path_part(user_id)}/api-keys", json={"name": name})

    def list_api_keys(self, user_id: Id) -> list[dict[str, Any]]:
        """A user's keys (without their secrets)."""
        return self._all(f"/users/{path_part(user_id)}/api-keys")

    def revoke_api_key(self, key_id: Id) -> None:
        """Revoke a key; it stops authenticating at once."""
        self._request("DELETE", f"/api-keys/{path_part(key_id)}")

    def list_audit(
        self,
        limit: int | None = 100,
        *,
        action: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Audit events, newest first (admin only); `limit=None` walks the whole trail."""
        filters = drop_none(action=action, object_type=object_type, object_id=object_id)

        def fetch(cursor: Any, page_limit: int) -> dict[str, Any]:
            return self._request("GET", "/audit", params={**filters, "limit": page_limit, "cursor": cursor})

        return self._iterate(fetch, limit=limit, page_size=page_size)

    def verify_audit(self) -> dict[str, Any]:
        """Check the audit hash chain: `{"ok", "events", "first_bad"}`."""
        return self._request("GET", "/audit/verify")
