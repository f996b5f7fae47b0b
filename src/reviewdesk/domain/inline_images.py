"""Which `data:` image URLs in a message may be drawn inline: base64 PNG, JPEG, GIF or WebP, under a
size cap, whose bytes start the way their declared type does. Never SVG (it can carry script and
links); anything else stays a badge or a link."""

from __future__ import annotations

import base64
import binascii
import re

MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024  # decoded; a larger image stays a badge (the page carries it inline)

# The bytes each accepted type starts with; the declared type must match what the data is.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # then 4 length bytes, then WEBP (checked below)
}
_DATA_URL = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]*={0,2})", re.IGNORECASE)
_MAX_BASE64_CHARS = (MAX_INLINE_IMAGE_BYTES + 2) // 3 * 4


def inline_image(url: object) -> str | None:
    """The data URL itself when it may be drawn as an image, else None."""
    src, _reason = _check(url)
    return src


def not_drawn_because(url: object) -> str:
    """Why a data: URL is not drawn, for the badge shown instead ('' when it is drawn)."""
    return _check(url)[1]


def _check(url: object) -> tuple[str | None, str]:
    if not isinstance(url, str):
        return None, "not a URL"
    if url[:40].lower().startswith("data:image/svg"):
        return None, "SVG is never drawn"
    if len(url) > _MAX_BASE64_CHARS + len("data:image/jpeg;base64,"):
        return None, f"larger than {MAX_INLINE_IMAGE_BYTES // (1024 * 1024)} MiB"
    match = _DATA_URL.fullmatch(url)
    if match is None or not match.group(2):
        return None, "only base64 PNG, JPEG, GIF and WebP are drawn"
    media_type, data = match.group(1).lower(), match.group(2)
    if len(data) * 3 // 4 - data.count("=") > MAX_INLINE_IMAGE_BYTES:
        return None, f"larger than {MAX_INLINE_IMAGE_BYTES // (1024 * 1024)} MiB"
    try:
        head = base64.b64decode(data[:24], validate=True)  # 18 bytes: enough for every signature
    except (binascii.Error, ValueError):
        return None, "not valid base64"
    signature_ok = head.startswith(_SIGNATURES[media_type])
    if not signature_ok or (media_type == "image/webp" and head[8:12] != b"WEBP"):
        return None, f"the data is not a {media_type.removeprefix('image/').upper()} image"
    return f"data:{media_type};base64,{data}", ""
