"""The `reviewdesk` command as an operator uses it, on a real SQLite file."""

from __future__ import annotations

from click.testing import CliRunner

from reviewdesk.cli import main


def _env(tmp_path):
    return {
        "REVIEWDESK_DB": f"sqlite:///{tmp_path / 'cli.db'}",
        "REVIEWDESK_INIT_ADMIN_EMAIL": "",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "",
        "REVIEWDESK_INIT_API_KEY": "",
    }


def test_db_upgrade_and_current(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    empty = runner.invoke(main, ["db", "current"], env=env)
    assert "empty database" in empty.output
    up = runner.invoke(main, ["db", "upgrade"], env=env)
    assert up.exit_code == 0, up.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert current.output.strip() == migrate_head()


def migrate_head() -> str:
    from alembic.script import ScriptDirectory

    from reviewdesk.store.database import Database
    from reviewdesk.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(Database("sqlite://"))).get_current_head()


def test_user_create_list_and_apikey_create(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    created = runner.invoke(
        main,
        ["user", "create", "--email", "rev@example.com", "--role", "reviewer", "--password", "long-password"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "created reviewer rev@example.com" in created.output
    listed = runner.invoke(main, ["user", "list"], env=env)
    assert "rev@example.com" in listed.output
    assert "admin@reviewdesk.local" in listed.output  # the first start made an admin
    key = runner.invoke(main, ["apikey", "create", "--user", "rev@example.com"], env=env)
    assert key.exit_code == 0, key.output
    last_line = key.output.strip().splitlines()[-1]
    assert last_line.startswith("rd_") and " " not in last_line

    from reviewdesk.services import accounts
    from reviewdesk.store.database import Database

    actor = accounts.authenticate_key(Database(env["REVIEWDESK_DB"]), last_line)
    assert actor.email == "rev@example.com"


def test_cli_errors_are_clear_and_exit_non_zero(tmp_path):
    runner = CliRunner()
    env = _env(tmp_path)
    result = runner.invoke(main, ["apikey", "create", "--user", "nobody@example.com"], env=env)
    assert result.exit_code != 0
    bad_email = runner.invoke(
        main, ["user", "create", "--email", "not-an-email", "--password", "long-password"], env=env
    )
    assert bad_email.exit_code != 0
    assert "must be an email address (email)" in bad_email.output
    assert "no user with email nobody@example.com" in result.output
