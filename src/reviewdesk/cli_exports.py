"""`reviewdesk export`: stream feedback or a dataset to a file, with a progress bar."""

from __future__ import annotations

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR

db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("export")
def export_group() -> None:
    """Stream feedback or a dataset to a file (jsonl, openai-chat, csv, parquet)."""


def _write_stream(stream, fmt: str, out: str) -> int:  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from reviewdesk.services import exports

    written = 0
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ) as progress:
        task = progress.add_task(f"Exporting {stream.name}", total=None)
        stream.on_row.append(lambda: progress.advance(task))
        with open(out, "wb") as handle:
            for chunk in exports.encode(stream, fmt):
                handle.write(chunk)
                written += len(chunk)
        count = int(progress.tasks[0].completed)
    click.echo(f"wrote {count} rows ({written} bytes) to {out}")
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
    stream = exports.dataset_rows(
        db, SYSTEM_ACTOR, found["id"], {"version": version, "tag": tag, "split": split}
    )
    _write_stream(stream, fmt, out)
