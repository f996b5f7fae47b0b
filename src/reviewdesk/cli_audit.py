"""`reviewdesk audit`: sign a checkpoint of the audit trail, and verify the trail against one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import ReviewDeskError

db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("audit")
def audit_group() -> None:
    """The audit trail's keyed hash chain and signed checkpoints (docs/security.md)."""


@audit_group.command("checkpoint")
@db_option
def audit_checkpoint(db_url: str | None) -> None:
    """Print a signed checkpoint (count, head hash, time) as JSON: keep it outside the database."""
    from reviewdesk.cli import _database
    from reviewdesk.services import audit

    db = _database(db_url)
    try:
        click.echo(json.dumps(audit.checkpoint(db, SYSTEM_ACTOR), sort_keys=True))
    except ReviewDeskError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        db.dispose()


@audit_group.command("verify")
@db_option
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint printed earlier by `reviewdesk audit checkpoint`.",
)
def audit_verify(db_url: str | None, checkpoint_file: Path | None) -> None:
    """Check every event's keyed hash, the chain's head and, with --checkpoint, that every event the
    checkpoint counted is still there unchanged. Exit status 1 when anything does not hold."""
    from reviewdesk.cli import _database
    from reviewdesk.services import audit

    checkpoint = None
    if checkpoint_file is not None:
        try:
            checkpoint = json.loads(checkpoint_file.read_text())
        except ValueError as exc:
            raise click.UsageError(f"{checkpoint_file} is not a JSON checkpoint: {exc}") from None
    db = _database(db_url)
    try:
        result = audit.verify(db, SYSTEM_ACTOR, checkpoint)
    finally:
        db.dispose()
    click.echo(json.dumps(result, sort_keys=True, default=str))
    if not result["ok"]:
        raise SystemExit(1)
