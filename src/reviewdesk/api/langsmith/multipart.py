"""Reading a LangSmith multipart ingest body into parts (name, content type, bytes), streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from reviewdesk.domain.limits import check_json
from reviewdesk.errors import Invalid, ReviewDeskError
from reviewdesk.services.langsmith_ingest import refuse_attachments

MAX_PARTS = 200_000


class UnsupportedMedia(ReviewDeskError):
    code = "unsupported_media_type"
    status = 415


@dataclass
class Part:
    name: str
    content_type: str
    charset: str
    data: bytearray = field(default_factory=bytearray)

    def json(self) -> object:
        """The part's JSON value; only JSON parts are accepted where the wire format says JSON."""
        if self.content_type not in ("application/json", "text/json") and not self.content_type.endswith(
            "+json"
        ):
            raise UnsupportedMedia(
                f"part {self.name!r} must be application/json, not {self.content_type or 'untyped'}",
                field=self.name,
            )
        raw = bytes(self.data)
        if self.charset not in ("utf-8", "utf8"):
            try:
                raw = raw.decode(self.charset).encode()
            except (LookupError, UnicodeDecodeError):
                raise Invalid(f"part {self.name!r} is not valid {self.charset}", field=self.name) from None
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"part {self.name!r} is malformed JSON: {exc}", field=self.name) from None
        # A part is a run (`post.<id>`, level 3, where a run sits in a batch body) or one of its
        # fields (`post.<id>.inputs`, level 4): the same limits as the JSON batch body.
        check_json(value, self.name, depth=min(4, 2 + self.name.count(".")))
        return value


def boundary_of(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UnsupportedMedia("expected multipart/form-data with a boundary", field="content-type")
    return params[b"boundary"]


class _Collector:
    """python-multipart callbacks that keep each part's headers and bytes, in order."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._headers: dict[bytes, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._current: Part | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
        }

    def _begin(self) -> None:
        self._headers = {}
        self._current = None

    def _header_end(self) -> None:
        self._headers[bytes(self._field).strip().lower()] = bytes(self._value).strip()
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, disposition = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = disposition.get(b"name")
        if not name:
            raise Invalid("every part needs a Content-Disposition name", field="body")
        kind, params = parse_options_header(self._headers.get(b"content-type", b""))
        if len(self.parts) >= MAX_PARTS:
            raise Invalid(f"at most {MAX_PARTS} parts per request", field="body")
        self._current = Part(
            name=name.decode("utf-8", "replace"),
            content_type=kind.decode("latin-1").lower(),
            charset=params.get(b"charset", b"utf-8").decode("latin-1").lower(),
        )
        self.parts.append(self._current)
        if self._headers.get(b"content-transfer-encoding", b"binary").lower() not in (
            b"binary",
            b"8bit",
            b"7bit",
        ):
            raise UnsupportedMedia(
                "part transfer encodings other than binary are not supported", field=self._current.name
            )

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._current is not None:
            self._current.data.extend(data[start:end])


async def read_parts(
    content_type: str | None, content_encoding: str | None, body: AsyncIterator[bytes]
) -> list[Part]:
    """All parts of the body in order; a compressed body is refused (/info advertises zstd off)."""
    if content_encoding and content_encoding.strip().lower() not in ("identity", ""):
        raise UnsupportedMedia(
            f"Content-Encoding {content_encoding!r} is not supported: this server advertises "
            "zstd_compression_enabled=false in /info; set LANGSMITH_DISABLE_RUN_COMPRESSION=true",
            field="content-encoding",
        )
    collector = _Collector()
    parser = MultipartParser(boundary_of(content_type), collector.callbacks())
    try:
        async for chunk in body:
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise Invalid(f"malformed multipart body: {exc}", field="body") from None
    return collector.parts


RUN_FIELDS = ("inputs", "outputs", "events", "extra", "error", "serialized")


@dataclass
class Ops:
    post: list[dict] = field(default_factory=list)
    patch: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)


def ops_from_parts(parts: list[Part]) -> Ops:
    """`post.<id>`, `patch.<id>` and their `.<field>` parts folded into runs; `feedback.<id>` objects.

    Parts are applied in order, so a field part may come before or after its run's object.
    """
    runs: dict[tuple[str, str], dict] = {}
    ops = Ops()
    for part in parts:
        kind, _, rest = part.name.partition(".")
        if kind == "attachment":
            raise refuse_attachments(part.name)
        if kind == "feedback":
            value = part.json()
            if not isinstance(value, dict):
                raise Invalid("must be a JSON object", field=part.name)
            ops.feedback.append({**value, "id": value.get("id") or rest})
            continue
        if kind not in ("post", "patch") or not rest:
            raise Invalid(
                f"unknown part {part.name[:100]!r}; expected post.<id>, patch.<id>[.field], "
                "attachment.<id>.<name> or feedback.<id>",
                field=part.name,
            )
        run_id, _, run_field = rest.partition(".")
        run = runs.get((kind, run_id))
        if run is None:
            run = runs[(kind, run_id)] = {"id": run_id}
            (ops.post if kind == "post" else ops.patch).append(run)
        value = part.json()
        if not run_field:
            if not isinstance(value, dict):
                raise Invalid("must be a JSON object", field=part.name)
            if value.get("id") not in (None, run_id):
                raise Invalid("does not match the run id in the part name", field=f"{part.name}.id")
            run.update({k: v for k, v in value.items() if k not in RUN_FIELDS or k not in run})
        elif run_field in RUN_FIELDS:
            run[run_field] = value
        else:
            raise Invalid(f"unknown run field part; expected one of {', '.join(RUN_FIELDS)}", field=part.name)
    return ops
