"""The keyed audit chain and signed checkpoints against an attacker who can write the database but
does not hold the server secret, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from reviewdesk.domain.audit_chain import GENESIS_HASH, canonical_event, unkeyed_chain_hash
from reviewdesk.store.tables import audit_chain_head, audit_events


def _events(client, n: int, prefix: str = "k") -> None:
    for i in range(n):
        assert client.post(
            "/api/v1/feedback-configs", json={"key": f"{prefix}{i}", "type": "boolean"}
        ).is_success


def _rows(db) -> list[dict]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(audit_events).order_by(audit_events.c.id)).mappings()]


def _rewrite_with_recomputed_hashes(db, edit_id: int, **changes) -> None:
    """What an attacker with write access does: edit an event, then recompute every later hash (as
    SHA-256, the old chain's rule, or with any key but ours) and move the head along."""
    prev = GENESIS_HASH
    with db.write() as conn:
        for row in _rows(db):
            if row["id"] == edit_id:
                row.update(changes)
            new_hash = unkeyed_chain_hash(prev, canonical_event(row))
            conn.execute(
                audit_events.update()
                .where(audit_events.c.id == row["id"])
                .values(**changes if row["id"] == edit_id else {}, prev_hash=prev, hash=new_hash)
            )
            prev, last = new_hash, row["id"]
        conn.execute(audit_chain_head.update().values(event_id=last, hash=prev))


def test_a_rewrite_with_recomputed_hashes_does_not_verify(db, client):
    _events(client, 4)
    target = _rows(db)[1]["id"]
    _rewrite_with_recomputed_hashes(db, target, actor="mallory")
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    # The first event's hash was recomputed too: without the key no event's hash holds.
    assert verdict["first_bad"] == _rows(db)[0]["id"]


def test_a_checkpoint_catches_truncation_and_a_rewound_head(db, client):
    _events(client, 3)
    checkpoint = client.get("/api/v1/audit/checkpoint").json()
    assert checkpoint["count"] == len(_rows(db)) and len(checkpoint["signature"]) == 64
    _events(client, 2, prefix="later")
    assert client.post("/api/v1/audit/verify", json={"checkpoint": checkpoint}).json()["ok"] is True

    rows = _rows(db)
    keep = rows[checkpoint["count"] - 2]  # delete the checkpoint's head and everything after it
    with db.write() as conn:
        conn.execute(audit_events.delete().where(audit_events.c.id > keep["id"]))
        conn.execute(audit_chain_head.update().values(event_id=keep["id"], hash=keep["hash"]))
    # What is left is a valid chain with a consistent head: only the checkpoint knows it was longer.
    assert client.get("/api/v1/audit/verify").json()["ok"] is True
    verdict = client.post("/api/v1/audit/verify", json={"checkpoint": checkpoint}).json()
    assert verdict["ok"] is False
    assert "checkpoint counted" in verdict["checkpoint"]["reason"]


def test_a_checkpoint_catches_an_emptied_trail(db, client):
    _events(client, 2)
    checkpoint = client.get("/api/v1/audit/checkpoint").json()
    with db.write() as conn:
        conn.execute(audit_events.delete())
        conn.execute(audit_chain_head.delete())
    assert client.get("/api/v1/audit/verify").json() == {"ok": True, "events": 0, "first_bad": None}
    verdict = client.post("/api/v1/audit/verify", json={"checkpoint": checkpoint}).json()
    assert verdict["ok"] is False and verdict["checkpoint"]["ok"] is False
    by_get = client.get("/api/v1/audit/verify", params={"checkpoint": json.dumps(checkpoint)}).json()
    assert by_get == verdict
    garbled = client.get("/api/v1/audit/verify", params={"checkpoint": "{not json"})
    assert garbled.status_code == 400 and garbled.json()["error"]["field"] == "checkpoint"


def test_a_checkpoint_catches_a_rewritten_head_event_and_refuses_its_own_alteration(db, client):
    _events(client, 3)
    checkpoint = client.get("/api/v1/audit/checkpoint").json()
    head_id = checkpoint["head_id"]
    with db.write() as conn:  # replace the head event by one with a different hash
        conn.execute(audit_events.update().where(audit_events.c.id == head_id).values(hash="f" * 64))
    verdict = client.post("/api/v1/audit/verify", json={"checkpoint": checkpoint}).json()
    assert verdict["ok"] is False and "gone or changed" in verdict["checkpoint"]["reason"]

    forged = {**checkpoint, "count": 1}
    verdict = client.post("/api/v1/audit/verify", json={"checkpoint": forged}).json()
    assert verdict["checkpoint"] == {"ok": False, "reason": verdict["checkpoint"]["reason"]}
    assert "signature" in verdict["checkpoint"]["reason"]


def test_no_checkpoint_is_signed_for_a_broken_chain_and_bad_input_names_the_field(db, client):
    _events(client, 2)
    with db.write() as conn:
        conn.execute(audit_events.update().where(audit_events.c.id == _rows(db)[0]["id"]).values(actor="x"))
    refused = client.get("/api/v1/audit/checkpoint")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "audit_chain_broken"
    missing = client.post("/api/v1/audit/verify", json={})
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "checkpoint"
    wrong = client.post("/api/v1/audit/verify", json={"checkpoint": [1]})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "checkpoint"


def test_only_admins_read_checkpoints(client, make_user):
    member = make_user("member")
    assert client.get("/api/v1/audit/checkpoint", headers=member.headers).status_code == 403
    assert (
        client.post("/api/v1/audit/verify", json={"checkpoint": {}}, headers=member.headers).status_code
        == 403
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0008(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    """A database migrated to 0008, the last revision with the unkeyed chain."""
    from reviewdesk.store import migrate, settings_kv
    from reviewdesk.store.database import Database
    from tests.conftest import _PG_SKIP_REASON, create_postgres_database, drop_postgres_database

    pg = None
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        if _PG_SKIP_REASON:
            pytest.skip(_PG_SKIP_REASON)
        pg = create_postgres_database("rd_rekey")
        db = Database(pg.url)
    migrate.upgrade(db, "0008")
    with db.write() as conn:  # the secret a server stored at its first start, as in a deployment
        settings_kv.put_if_absent(conn, "secret_key", "test-secret")
    yield db
    db.dispose()
    if pg is not None:
        drop_postgres_database(pg)


def _old_chain(db, n: int, tamper_at: int | None = None) -> list[int]:
    """Events chained as before 0010 (plain SHA-256), optionally one edited afterwards; their ids."""
    from datetime import UTC, datetime, timedelta

    prev, ids = GENESIS_HASH, []
    with db.write() as conn:
        for i in range(n):
            event = {
                "at": datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i),
                "actor": "admin@example.com",
                "action": "feedback_config.create",
                "object_type": "feedback_config",
                "object_id": f"k{i}",
                "details": {"type": "boolean"},
            }
            new_hash = unkeyed_chain_hash(prev, canonical_event(event))
            event_id = conn.execute(
                audit_events.insert().returning(audit_events.c.id),
                {**event, "prev_hash": prev, "hash": new_hash},
            ).scalar_one()
            ids.append(event_id)
            prev = new_hash
        conn.execute(audit_chain_head.update().values(event_id=ids[-1], hash=prev))
        if tamper_at is not None:
            conn.execute(audit_events.update().where(audit_events.c.id == ids[tamper_at]).values(actor="x"))
    return ids


def test_the_migration_re_keys_an_intact_old_chain(database_at_0008):
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import audit
    from reviewdesk.store import migrate

    db = database_at_0008
    _old_chain(db, 4)
    migrate.upgrade(db)  # no secret given: the migration uses the one stored in the database
    assert audit.verify(db, SYSTEM_ACTOR) == {"ok": True, "events": 4, "first_bad": None}
    with db.write() as conn:  # and appends go on chaining with the key
        audit.record(conn, SYSTEM_ACTOR, "after.upgrade", "test", 1, None)
    assert audit.verify(db, SYSTEM_ACTOR)["ok"] is True


def test_the_migration_does_not_launder_a_chain_broken_before_it(database_at_0008):
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import audit
    from reviewdesk.store import migrate

    db = database_at_0008
    ids = _old_chain(db, 4, tamper_at=1)
    migrate.upgrade(db, secret_key="test-secret")
    verdict = audit.verify(db, SYSTEM_ACTOR)
    assert verdict["ok"] is False and verdict["first_bad"] == ids[1]


def test_the_cli_signs_a_checkpoint_and_verifies_against_it(tmp_path):
    from reviewdesk.cli import main

    env = {
        "REVIEWDESK_DB": f"sqlite:///{tmp_path / 'cli.db'}",
        "REVIEWDESK_SECRET_KEY": "cli-secret",
        "REVIEWDESK_INIT_ADMIN_EMAIL": "",
        "REVIEWDESK_INIT_ADMIN_PASSWORD": "",
        "REVIEWDESK_INIT_API_KEY": "",
    }
    runner = CliRunner()
    runner.invoke(
        main,
        ["user", "create", "--email", "ana@example.com", "--role", "reviewer", "--password", "pw-123456"],
        env=env,
    )
    made = runner.invoke(main, ["audit", "checkpoint"], env=env)
    assert made.exit_code == 0, made.output
    checkpoint = json.loads(made.output.strip().splitlines()[-1])
    assert checkpoint["count"] >= 2
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint))
    good = runner.invoke(main, ["audit", "verify", "--checkpoint", str(path)], env=env)
    assert good.exit_code == 0 and json.loads(good.output)["ok"] is True

    from reviewdesk.store.database import Database

    db = Database(env["REVIEWDESK_DB"])
    with db.write() as conn:
        conn.execute(audit_events.delete())
        conn.execute(audit_chain_head.delete())
    db.dispose()
    emptied = runner.invoke(main, ["audit", "verify", "--checkpoint", str(path)], env=env)
    assert emptied.exit_code == 1
    assert json.loads(emptied.output)["checkpoint"]["ok"] is False
    # Another server secret is another key: the checkpoint's signature no longer holds.
    other = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(path)], env={**env, "REVIEWDESK_SECRET_KEY": "x"}
    )
    assert "signature" in json.loads(other.output)["checkpoint"]["reason"]


def test_numbers_the_database_gives_back_in_another_form_still_verify(db, client):
    # jsonb answers 1e16 as 10000000000000000 and keeps 1.0; what was hashed must be what is re-read.
    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import audit

    with db.write() as conn:
        audit.record(
            conn, SYSTEM_ACTOR, "test.numbers", "test", None, {"big": 1e16, "one": 1.0, "x": [0.5, 2e20]}
        )
    _events(client, 1)
    assert client.get("/api/v1/audit/verify").json()["ok"] is True
    assert client.get("/api/v1/audit/checkpoint").status_code == 200
