"""`reviewdesk export`: stream feedback or a dataset to a file, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR

if TYPE_CHECKING:
    from reviewdesk.services.exports import ChatExport

db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("export")
def export_group() -> None:
    """Stream feedback or a dataset to a file (jsonl, openai-chat, csv, parquet)."""


def _progress():  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    )


def _write(chunks: Iterable[bytes], out: str) -> int:
    """Write to `<out>.part` and rename when complete: an export that fails part-way leaves `out` as it
    was (absent, or the previous export) rather than a truncated file that looks whole."""
    size = 0
    partial = Path(f"{out}.part")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                size += len(chunk)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return size


def _write_stream(stream, fmt: str, out: str) -> int:  # type: ignore[no-untyped-def]
    from reviewdesk.services import exports

    with _progress() as progress:
        task = progress.add_task(f"Exporting {stream.name}", total=None)
        stream.on_row.append(lambda: progress.advance(task))
        size = _write(exports.encode(stream, fmt), out)
        count = int(progress.tasks[0].completed)
    click.echo(f"wrote {count} rows ({size} bytes) to {out}")
    return count


def _write_chat(export: ChatExport, out: str) -> int:
    """One JSON line per converted example: the count is the lines actually written."""
    with _progress() as progress:
        task = progress.add_task(f"Exporting {export.name}", total=export.converted)

        def counted() -> Iterator[bytes]:
            for chunk in export.lines:
                progress.advance(task, chunk.count(b"\n"))
                yield chunk

        size = _write(counted(), out)
        count = int(progress.tasks[0].completed)
    click.echo(f"wrote {count} rows ({size} bytes) to {out}")
    if export.skipped_count:
        click.echo(f"skipped {export.skipped_count}: {export.skipped_reasons}")
    return count


@export_group.command("feedback")
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--filter", "filter_text", default=None, help="Filter on the runs, as in search.")
@click.option("--project", default=None)
@click.option("--key", multiple=True)
@click.option("--pivot", is_flag=True, help="One row per run, one column per reviewer per key.")
def export_feedback(
    db_url: str | None,
    fmt: str,
    out: str,
    filter_text: str | None,
    project: str | None,
    key: tuple[str, ...],
    pivot: bool,
) -> None:
    from reviewdesk.cli import _database
    from reviewdesk.services import exports

    db = _database(db_url)
    params = {"filter": filter_text, "project": project, "key": list(key) or None}
    stream = (exports.feedback_pivot if pivot else exports.feedback_rows)(db, SYSTEM_ACTOR, params)
    _write_stream(stream, fmt, out)


@export_group.command("dataset")
@db_option
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "openai-chat", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--version", type=int, default=None)
@click.option("--tag", default=None)
@click.option("--split", default=None)
def export_dataset(
    db_url: str | None, name: str, fmt: str, out: str, version: int | None, tag: str | None, split: str | None
) -> None:
    from reviewdesk.cli import _database
    from reviewdesk.services import datasets, exports

    db = _database(db_url)
    found = datasets.get_dataset_by_name(db, SYSTEM_ACTOR, name)
    params = {"version": version, "tag": tag, "split": split}
    if fmt == "openai-chat":
        _write_chat(exports.dataset_chat_export(db, SYSTEM_ACTOR, found["id"], params), out)
        return
    _write_stream(exports.dataset_rows(db, SYSTEM_ACTOR, found["id"], params), fmt, out)
