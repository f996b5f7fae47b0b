"""`reviewdesk queue`: create annotation queues, list them, and show one queue's progress."""

from __future__ import annotations

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR

db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("queue")
def queue_group() -> None:
    """Annotation queues."""


@queue_group.command("create")
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
    from reviewdesk.cli import _database
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


@queue_group.command("list")
@db_option
def queue_list(db_url: str | None) -> None:
    """One queue a line: name, kind, pending, completed, backlog days, id (tab-separated)."""
    from reviewdesk.cli import _database
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


@queue_group.command("stats")
@db_option
@click.argument("name")
def queue_stats_command(db_url: str | None, name: str) -> None:
    """Progress, backlog and per-reviewer speed of one queue."""
    from rich.console import Console
    from rich.table import Table

    from reviewdesk.cli import _database
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
