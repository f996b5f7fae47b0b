"""The `reviewdesk` command: one small function per subcommand, each calling services."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click

from reviewdesk.cli_accounts import apikey_group, user_group
from reviewdesk.cli_audit import audit_group
from reviewdesk.cli_evaluators import evaluators_group
from reviewdesk.cli_exports import export_group
from reviewdesk.cli_queues import queue_group
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


main.add_command(user_group)
main.add_command(apikey_group)
main.add_command(queue_group)
main.add_command(export_group)
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
