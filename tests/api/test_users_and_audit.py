"""Users, API keys and the tamper-evident audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from reviewdesk.store.tables import audit_events


def test_create_user_and_key_then_use_and_revoke_it(client):
    created = client.post(
        "/api/v1/users",
        json={"email": "Rita@Example.com", "name": "Rita", "role": "member", "password": "correct horse"},
    )
    assert created.status_code == 201
    user = created.json()
    assert user["email"] == "rita@example.com"
    assert "password" not in user and "password_hash" not in user

    key = client.post(f"/api/v1/users/{user['id']}/api-keys", json={"name": "ci"}).json()
    assert key["key"].startswith("rd_")
    assert key["key"].startswith(key["prefix"])
    listed = client.get(f"/api/v1/users/{user['id']}/api-keys").json()["items"]
    assert [k["prefix"] for k in listed] == [key["prefix"]]
    assert "key" not in listed[0] and "key_hash" not in listed[0]

    me = client.get("/api/v1/me", headers={"x-api-key": key["key"]})
    assert me.json()["email"] == "rita@example.com"
    assert client.delete(f"/api/v1/api-keys/{key['id']}").status_code == 204
    assert client.get("/api/v1/me", headers={"x-api-key": key["key"]}).status_code == 401

    duplicate = client.post(
        "/api/v1/users", json={"email": "rita@example.com", "role": "member", "password": "another one"}
    )
    assert duplicate.status_code == 409
    bad_role = client.post(
        "/api/v1/users", json={"email": "x@example.com", "role": "god", "password": "12345678"}
    )
    assert bad_role.status_code == 400
    assert bad_role.json()["error"]["field"] == "role"


def test_disabled_users_lose_access(client, make_user):
    user = make_user("member")
    assert client.patch(f"/api/v1/users/{user.id}", json={"disabled": True}).status_code == 200
    assert client.get("/api/v1/me", headers=user.headers).status_code == 401


def test_passwords_are_hashed_with_argon2(db, client):
    from reviewdesk.store import users as users_store

    client.post("/api/v1/users", json={"email": "p@example.com", "role": "member", "password": "s3cret-pass"})
    with db.read() as conn:
        row = users_store.by_email(conn, "p@example.com")
    assert row["password_hash"].startswith("$argon2")
    assert "s3cret-pass" not in row["password_hash"]


def test_writes_are_audited_and_the_chain_verifies(client):
    client.post("/api/v1/feedback-configs", json={"key": "safe", "type": "boolean"})
    client.post(
        "/api/v1/feedback",
        json={"run_id": "6f1f4bde-43a4-4b60-9d6a-3f9a07a0a0a1", "key": "safe", "value": True},
    )
    client.post("/api/v1/users", json={"email": "a@example.com", "role": "reviewer", "password": "password1"})
    events = client.get("/api/v1/audit").json()["items"]
    actions = [e["action"] for e in events]
    assert actions[:3] == ["user.create", "feedback.create", "feedback_config.create"]
    assert events[0]["actor"] == "admin@example.com"
    assert events[1]["details"]["key"] == "safe"
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict == {"ok": True, "events": len(events), "first_bad": None}


def test_audit_verify_finds_a_tampered_row(db, client):
    for i in range(4):
        client.post("/api/v1/feedback-configs", json={"key": f"k{i}", "type": "boolean"})
    with db.read() as conn:
        ids = [r for (r,) in conn.execute(sa.select(audit_events.c.id).order_by(audit_events.c.id))]
    target = ids[2]
    with db.write() as conn:
        conn.execute(audit_events.update().where(audit_events.c.id == target).values(actor="mallory"))
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_bad"] == target


def test_audit_verify_finds_a_deleted_row(db, client):
    for i in range(3):
        client.post("/api/v1/feedback-configs", json={"key": f"d{i}", "type": "boolean"})
    with db.read() as conn:
        ids = [r for (r,) in conn.execute(sa.select(audit_events.c.id).order_by(audit_events.c.id))]
    with db.write() as conn:
        conn.execute(audit_events.delete().where(audit_events.c.id == ids[1]))
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_bad"] == ids[2]


def test_audit_verify_finds_the_newest_events_deleted(db, client):
    for i in range(3):
        client.post("/api/v1/feedback-configs", json={"key": f"n{i}", "type": "boolean"})
    assert client.get("/api/v1/audit/verify").json()["ok"] is True
    with db.read() as conn:
        ids = [r for (r,) in conn.execute(sa.select(audit_events.c.id).order_by(audit_events.c.id))]
    with db.write() as conn:  # what is left is still a valid chain: only the head knows it was longer
        conn.execute(audit_events.delete().where(audit_events.c.id >= ids[-2]))
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_bad"] == ids[-1]


def test_audit_chain_holds_under_concurrent_appends(db, client):
    import threading

    from reviewdesk.domain.permissions import SYSTEM_ACTOR
    from reviewdesk.services import audit

    def append_many(n: int) -> None:
        for i in range(25):
            with db.write() as conn:
                audit.record(conn, SYSTEM_ACTOR, "test.append", "thread", n, {"i": i})

    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict == {"ok": True, "events": verdict["events"], "first_bad": None}
    assert verdict["events"] >= 100
