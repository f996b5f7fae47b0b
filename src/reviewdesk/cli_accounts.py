"""`reviewdesk user` and `reviewdesk apikey`: create and list users, create API keys."""

from __future__ import annotations

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR

db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@db_option
@click.option("--email", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "member", "reviewer"]), default="member", show_default=True
)
@click.option("--name", default=None)
@click.option("--password", default=None, help="Prompted for when omitted.")
def user_create(db_url: str | None, email: str, role: str, name: str | None, password: str | None) -> None:
    from reviewdesk.cli import _database
    from reviewdesk.services import accounts

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _database(db_url)
    created = accounts.create_user(db, SYSTEM_ACTOR, email=email, role=role, password=password, name=name)
    click.echo(f"created {created['role']} {created['email']} ({created['id']})")


@user_group.command("list")
@db_option
def user_list(db_url: str | None) -> None:
    """One user a line: email, role, name, disabled, id (tab-separated, for scripts too)."""
    from reviewdesk.cli import _database
    from reviewdesk.services import accounts

    for row in accounts.list_users(_database(db_url), SYSTEM_ACTOR):
        click.echo("\t".join([row["email"], row["role"], row["name"], str(row["disabled"]), str(row["id"])]))


@click.group("apikey")
def apikey_group() -> None:
    """Manage API keys."""


@apikey_group.command("create")
@db_option
@click.option("--user", "email", required=True, help="The email of the key's owner.")
@click.option("--name", default="cli")
def apikey_create(db_url: str | None, email: str, name: str) -> None:
    """Create a key; it is printed once, alone on the last line."""
    from reviewdesk.cli import _database
    from reviewdesk.services import accounts

    db = _database(db_url)
    owner = accounts.get_user_by_email(db, email)
    created = accounts.create_api_key(db, SYSTEM_ACTOR, owner["id"], name=name)
    click.echo(f"API key {created['prefix']}… for {email} (shown once, stored hashed):")
    click.echo(created["key"])
