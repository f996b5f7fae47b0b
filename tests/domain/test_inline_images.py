"""Which data: image URLs the UI draws: raster base64 images of the type they claim, under the cap."""

from __future__ import annotations

import base64
import struct
import zlib

from reviewdesk.domain.inline_images import MAX_INLINE_IMAGE_BYTES, inline_image, not_drawn_because
from reviewdesk.domain.llm_messages import conversation_of


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (a blue-to-orange gradient), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 * x // width, 120, 255 - 255 * x // width)) for x in range(width))
        for _ in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
WEBP_HEAD = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_png_jpeg_gif_and_webp_are_drawn() -> None:
    for media_type, data in (
        ("image/png", png()),
        ("image/jpeg", JPEG_HEAD),
        ("image/gif", GIF),
        ("image/webp", WEBP_HEAD),
    ):
        url = data_url(media_type, data)
        assert inline_image(url) == url
    assert inline_image(data_url("IMAGE/PNG", png())) == data_url("image/png", png())


def test_svg_never_and_a_type_that_lies_about_its_bytes_neither() -> None:
    assert inline_image(data_url("image/svg+xml", SVG)) is None
    assert not_drawn_because(data_url("image/svg+xml", SVG)) == "SVG is never drawn"
    assert inline_image(data_url("image/png", SVG)) is None  # SVG bytes labelled PNG
    assert not_drawn_because(data_url("image/png", SVG)) == "the data is not a PNG image"
    assert not_drawn_because(data_url("image/png", png())) == ""
    assert inline_image(data_url("image/gif", png())) is None
    assert inline_image(data_url("image/webp", b"RIFF\x1a\x00\x00\x00WAVEfmt ")) is None


def test_anything_but_a_base64_raster_data_url_stays_a_badge() -> None:
    encoded = base64.b64encode(png()).decode()
    for url in (
        "https://example.com/a.png",
        f"data:image/png,{encoded}",  # not base64
        f"data:image/png;charset=utf-8;base64,{encoded}",
        f"data:text/html;base64,{encoded}",
        f'data:image/png;base64,{encoded}"><script>',
        f"data:image/png;base64,{encoded[:8]}!!{encoded[8:]}",
        "data:image/png;base64,",
        f" data:image/png;base64,{encoded}",
        None,
        42,
    ):
        assert inline_image(url) is None, url


def test_an_image_over_the_cap_stays_a_badge() -> None:
    big = png() + b"\x00" * (MAX_INLINE_IMAGE_BYTES - len(png()))
    assert inline_image(data_url("image/png", big)) is not None  # at the cap
    assert inline_image(data_url("image/png", big + b"\x00" * 3)) is None
    assert not_drawn_because(data_url("image/png", big + b"\x00" * 3)) == "larger than 2 MiB"


def test_openai_and_anthropic_image_parts_keep_their_data_urls() -> None:
    url = data_url("image/png", png())
    openai_user = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": url}},
        ],
    }
    anthropic_user = {
        "role": "user",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": url.split(",")[1]},
            }
        ],
    }
    first, second = conversation_of([openai_user, anthropic_user]) or []
    assert first.images == [url] and second.images == [url]
