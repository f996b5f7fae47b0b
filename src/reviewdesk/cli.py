"""The `reviewdesk` command: one small function per subcommand, each calling services."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click

from reviewdesk.cli_audit import audit_group
from reviewdesk.cli_evaluators import evaluators_group
from reviewdesk.cli_worker import worker_command
from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import ReviewDeskError


def _settings(db_url: str | None) -> Settings:
    settings = Settings.from_env()
    return settings.with_overrides(database_url=db_url) if db_url else settings


def _database(db_url: str | None):  # type: ignore[no-untyped-def]
    from reviewdesk.services import bootstrap
    from reviewdesk.store.database import Database

    settings = _settings(db_url)
    db = Database(settings.resolved_database_url, maintain_tables=settings.table_maintenance)
    first = bootstrap.prepare(db, settings)
    if first.generated_password:
        click.echo(f"First start: admin {first.admin_email} password {first.generated_password}", err=True)
    return db


db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


class _Commands(click.Group):
    """Turns our typed errors into a one-line message and exit code 2, for every subcommand."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except ReviewDeskError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise click.UsageError(f"{exc.message}{field}") from None


@click.group(cls=_Commands)
@click.version_option(package_name="reviewdesk")
def main() -> None:
    """ReviewDesk: route LLM traces to human reviewers."""


@main.command()
@db_option
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8700).")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
def serve(db_url: str | None, host: str | None, port: int | None, workers: int) -> None:
    """Run migrations and serve the API."""
    import uvicorn

    from reviewdesk.app import UVICORN_OPTIONS

    settings = _settings(db_url)
    if db_url:
        os.environ["REVIEWDESK_DB"] = db_url  # worker processes build their settings from the environment
    _database(db_url).dispose()  # migrate and create the first admin once, before workers start
    click.echo(
        f"ReviewDesk on http://{host or settings.host}:{port or settings.port} ({settings.resolved_database_url.split(':')[0]})"
    )
    uvicorn.run(
        "reviewdesk.app:app_from_env",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        **UVICORN_OPTIONS,
    )


@main.command()
@db_option
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--traces", "n_traces", default=2000, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Load again even if demo data is already there.")
def demo(db_url: str | None, seed: int, n_traces: int, force: bool) -> None:
    """Load realistic synthetic traces, feedback and score configs."""
    from rich.progress import Progress

    from reviewdesk.services import demo as demo_service

    db = _database(db_url)
    if not force and demo_service.is_loaded(db):
        click.echo("Demo data is already loaded (use --force to load it again).")
        return
    with Progress() as progress:
        task = progress.add_task("Loading demo traces", total=n_traces)
        summary = demo_service.load_demo(
            db,
            seed=seed,
            n_traces=n_traces,
            now=datetime.now(UTC),
            on_progress=lambda done: progress.update(task, completed=done),
        )
    click.echo(
        f"Loaded {summary['traces']} traces, {summary['runs']} runs, {summary['feedback']} feedback rows, "
        f"{summary['pairs']} model-comparison pairs, {summary['reviews']} reviews over 30 days."
    )
    click.echo("Demo reviewers: ana@, ben@, chen@reviewdesk.local (password: reviewdesk-demo).")


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@db_option
@click.option("--email", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "member", "reviewer"]), default="member", show_default=True
)
@click.option("--name", default=None)
@click.option("--password", default=None, help="Prompted for when omitted.")
def user_create(db_url: str | None, email: str, role: str, name: str | None, password: str | None) -> None:
    from reviewdesk.services import accounts

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _database(db_url)
    created = accounts.create_user(db, SYSTEM_ACTOR, email=email, role=role, password=password, name=name)
    click.echo(f"created {created['role']} {created['email']} ({created['id']})")


@user.command("list")
@db_option
def user_list(db_url: str | None) -> None:
    """One user a line: email, role, name, disabled, id (tab-separated, for scripts too)."""
    from reviewdesk.services import accounts

    for row in accounts.list_users(_database(db_url), SYSTEM_ACTOR):
        click.echo("\t".join([row["email"], row["role"], row["name"], str(row["disabled"]), str(row["id"])]))


@main.group()
def apikey() -> None:
    """Manage API keys."""


@apikey.command("create")
@db_option
@click.option("--user", "email", required=True, help="The email of the key's owner.")
@click.option("--name", default="cli")
def apikey_create(db_url: str | None, email: str, name: str) -> None:
    """Create a key; it is printed once, alone on the last line."""
    from reviewdesk.services import accounts

    db = _database(db_url)
    owner = accounts.get_user_by_email(db, email)
    created = accounts.create_api_key(db, SYSTEM_ACTOR, owner["id"], name=name)
    click.echo(f"API key {created['prefix']}… for {email} (shown once, stored hashed):")
    click.echo(created["key"])


@main.group()
def queue() -> None:
    """Annotation queues."""


@queue.command("create")
@db_option
@click.option("--name", required=True)
@click.option(
    "--rubric", default="", help="Comma-separated score config keys; end a key with ! to require it."
)
@click.option("--description", default=None, help="The reviewer guide (markdown).")
@click.option("--kind", type=click.Choice(["single", "pairwise"]), default="single", show_default=True)
@click.option("--reviewers-per-item", default=1, show_default=True, type=int)
@click.option("--reviewer", "reviewers", multiple=True, help="Email of an assigned reviewer (repeatable).")
def queue_create(
    db_url: str | None,
    name: str,
    rubric: str,
    description: str | None,
    kind: str,
    reviewers_per_item: int,
    reviewers: tuple[str, ...],
) -> None:
    from reviewdesk.services import accounts, queues

    db = _database(db_url)
    fields = [
        {"key": k.strip().rstrip("!"), "required": k.strip().endswith("!")}
        for k in rubric.split(",")
        if k.strip()
    ]
    reviewer_ids = [str(accounts.get_user_by_email(db, email)["id"]) for email in reviewers]
    created = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": name,
            "rubric": fields,
            "description": description,
            "kind": kind,
            "reviewers_per_item": reviewers_per_item,
            "reviewers": reviewer_ids,
        },
    )
    for warning in created.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"created queue {created['name']} ({created['id']})")


@queue.command("list")
@db_option
def queue_list(db_url: str | None) -> None:
    """One queue a line: name, kind, pending, completed, backlog days, id (tab-separated)."""
    from reviewdesk.services import queue_stats, queues

    db = _database(db_url)
    for row in queues.list_queues(db, SYSTEM_ACTOR):
        stats = queue_stats.stats(db, SYSTEM_ACTOR, row["id"])
        backlog = "-" if stats["backlog_days"] is None else f"{stats['backlog_days']:.1f}"
        click.echo(
            "\t".join(
                [
                    row["name"],
                    row["kind"],
                    str(stats["counts"]["pending"]),
                    str(stats["counts"]["completed"]),
                    backlog,
                    str(row["id"]),
                ]
            )
        )


@queue.command("stats")
@db_option
@click.argument("name")
def queue_stats_command(db_url: str | None, name: str) -> None:
    """Progress, backlog and per-reviewer speed of one queue."""
    from rich.console import Console
    from rich.table import Table

    from reviewdesk.services import queue_stats, queues

    db = _database(db_url)
    found = queues.get_queue_by_name(db, SYSTEM_ACTOR, name)
    stats = queue_stats.stats(db, SYSTEM_ACTOR, found["id"])
    counts = stats["counts"]
    backlog = (
        "no completions in 7 days" if stats["backlog_days"] is None else f"{stats['backlog_days']:.1f} days"
    )
    alert = "  ALERT" if stats["backlog_alert"] else ""
    click.echo(
        f"{name}: {counts['pending']} pending, {counts['completed']} completed, "
        f"{counts['flagged']} flagged; backlog {backlog}{alert}"
    )
    table = Table("reviewer", "done", "skipped", "flagged", "items/hour", "median s")
    for reviewer, row in stats["reviewers"].items():
        table.add_row(
            reviewer,
            str(row["done"]),
            str(row["skipped"]),
            str(row["flagged"]),
            "-" if row["items_per_hour"] is None else f"{row['items_per_hour']:.1f}",
            "-" if row["median_seconds"] is None else f"{row['median_seconds']:.0f}",
        )
    Console(width=120).print(table)


@main.group()
def export() -> None:
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


@export.command("feedback")
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
    from reviewdesk.services import exports

    db = _database(db_url)
    params = {"filter": filter_text, "project": project, "key": list(key) or None}
    stream = (exports.feedback_pivot if pivot else exports.feedback_rows)(db, SYSTEM_ACTOR, params)
    _write_stream(stream, fmt, out)


@export.command("dataset")
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
    from reviewdesk.services import datasets, exports

    db = _database(db_url)
    found = datasets.get_dataset_by_name(db, SYSTEM_ACTOR, name)
    stream = exports.dataset_rows(
        db, SYSTEM_ACTOR, found["id"], {"version": version, "tag": tag, "split": split}
    )
    _write_stream(stream, fmt, out)


@main.command("import")
@db_option
@click.argument("kind", type=click.Choice(["runs", "examples"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--dataset", "dataset_name", default=None, help="For examples: the dataset (created if missing)."
)
@click.option("--batch", default=500, show_default=True, type=int)
def import_command(db_url: str | None, kind: str, path: str, dataset_name: str | None, batch: int) -> None:
    """Load a JSONL file of runs (as POST /runs/batch takes them) or of dataset examples."""
    from reviewdesk.services import imports

    if kind == "examples" and not dataset_name:
        raise click.UsageError("--dataset is required to import examples")
    from rich.progress import Progress

    db = _database(db_url)
    with Progress() as progress, open(path, "rb") as handle:
        task = progress.add_task(f"Importing {kind}", total=os.path.getsize(path))
        result = imports.import_jsonl(
            db,
            SYSTEM_ACTOR,
            kind,
            handle,
            dataset_name=dataset_name,
            batch=batch,
            on_bytes=lambda n: progress.update(task, completed=n),
        )
    click.echo(f"imported {result['imported']} {kind} from {result['lines']} lines")


main.add_command(audit_group)
main.add_command(worker_command)
main.add_command(evaluators_group)


@main.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@db_option
@click.option("--revision", default="head", show_default=True)
def db_upgrade(db_url: str | None, revision: str) -> None:
    from reviewdesk.store import migrate
    from reviewdesk.store.database import Database

    settings = _settings(db_url)
    db = Database(settings.resolved_database_url)
    migrate.upgrade(db, revision, secret_key=settings.secret_key or None)
    click.echo(f"database at revision {migrate.current_revision(db)}")


@db_group.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    from reviewdesk.store import migrate
    from reviewdesk.store.database import Database

    db = Database(_settings(db_url).resolved_database_url)
    click.echo(migrate.current_revision(db) or "(empty database: run `reviewdesk db upgrade`)")
