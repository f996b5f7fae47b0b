"""Markdown to HTML for untrusted text: markdown-it (raw HTML off) and then the nh3 sanitizer."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
# Images would load from anywhere (and the CSP blocks them anyway); links keep rel=noopener.
_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "area", "map"}
_ATTRIBUTES = {k: v for k, v in nh3.ALLOWED_ATTRIBUTES.items() if k in _TAGS}


def render_markdown(text: str | None) -> Markup:
    """The one producer of trusted HTML from user text: everything it returns went through nh3."""
    if not text:
        return Markup("")
    html = _md.render(str(text))
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized just above
