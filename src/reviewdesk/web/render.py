"""Templates: the Jinja environment (autoescape on), content-hashed static URLs, page responses."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from reviewdesk import __version__
from reviewdesk.domain.inline_images import inline_image, not_drawn_because
from reviewdesk.domain.payload_blocks import fold_preview, is_long
from reviewdesk.web.markdown import render_markdown
from reviewdesk.web.session import csrf_token, read_session

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"


@cache
def _static_hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`: a changed file gets a new URL, so it can be cached long."""
    return f"/static/{path}?v={_static_hash(path)}"


def _duration_ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1000:
        return f"{value:.0f} ms"
    return f"{value / 1000:.2f} s"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=False)


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        markdown=render_markdown,
        ms=_duration_ms,
        when=_when,
        num=_number,
        pretty_json=_pretty_json,
        is_long=is_long,
        fold_preview=fold_preview,
        inline_image=inline_image,
        not_drawn_because=not_drawn_because,
    )
    env.globals.update(static=static_url, version=__version__)
    return env


ENV = _build_env()


def render(
    request: Request,
    template: str,
    *,
    page: Any = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render one template with its page context and the per-request globals (user, CSRF token)."""
    session = read_session(request)
    html = ENV.get_template(template).render(
        page=page,
        me=getattr(request.state, "actor", None),
        csrf=csrf_token(request, session) if session else "",
        path=request.url.path,
    )
    return HTMLResponse(html, status_code=status, headers=headers)
