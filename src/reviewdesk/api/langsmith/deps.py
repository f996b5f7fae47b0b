"""What every LangSmith route needs beyond ours: the installation's tenant id, and SDK query flags."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request

from reviewdesk.api.langsmith import shapes
from reviewdesk.errors import Invalid


def tenant(request: Request) -> uuid.UUID:
    return shapes.tenant_id(request.app.state.secret_key)


def flag(value: str | None, field: str) -> bool | None:
    """The SDK sends booleans in query strings as Python's `True`/`False`."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise Invalid("must be true or false", field=field)


def refuse_unknown(given: Any, allowed: set[str], where: str) -> None:
    """An unknown condition is refused rather than ignored: ignoring it would return the wrong rows."""
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise Invalid(
            f"{unknown[0]!r} is not supported by {where}; supported: {', '.join(sorted(allowed))}",
            field=unknown[0],
        )
