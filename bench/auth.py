"""What a logged-in page pays for its session, and what an audit append costs, against baselines.

    .venv/bin/python bench/auth.py [--postgres URL] [--sessions 10000] [--reps 2000]

`--sessions` users each get a web session; then, on each database, p50/p95 in ms of:
- `web_sessions.resume` (the per-page session check: one indexed read, a `last_seen_at` write at most
  once a minute) against a bare primary-key read of a user in a read transaction;
- `audit.record` in a write transaction (the keyed chain: head read, HMAC, insert, head move) against
  a write transaction that updates one row by key.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from loading import postgres_database
from rich.progress import Progress
from search import Timing, timed

from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import audit, bootstrap, web_sessions
from reviewdesk.services.clock import utcnow
from reviewdesk.store.database import Database
from reviewdesk.store.tables import settings_kv, users

IDLE = timedelta(minutes=60)


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    folder = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    try:
        yield db
    finally:
        db.dispose()
        shutil.rmtree(folder)


def load(db: Database, n_sessions: int) -> list[tuple[uuid.UUID, str]]:
    bootstrap.prepare(db, Settings(secret_key="bench-secret", init_admin_password="bench-password-1"))
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "email": f"user{i}@bench.local",
            "name": "",
            "role": "reviewer",
            "password_hash": None,
            "disabled": False,
            "created_at": now,
        }
        for i in range(n_sessions)
    ]
    tokens = []
    with Progress() as progress:
        task = progress.add_task(f"{db.dialect}: users and sessions", total=n_sessions)
        for start in range(0, n_sessions, 1000):
            chunk = rows[start : start + 1000]
            with db.write() as conn:
                conn.execute(users.insert(), chunk)
                for row in chunk:
                    token = web_sessions.insert_session(
                        conn, row["id"], user_agent="bench", address="127.0.0.1"
                    )
                    tokens.append((row["id"], token))
            progress.update(task, advance=len(chunk))
    with db.write() as conn:
        conn.execute(settings_kv.insert().values(key="bench_counter", value="0"))
    return tokens


def run(db: Database, n_sessions: int, reps: int) -> dict[str, Timing]:
    tokens = load(db, n_sessions)
    user_id, token = tokens[len(tokens) // 2]

    def user_by_key() -> None:
        with db.read() as conn:
            conn.execute(sa.select(users).where(users.c.id == user_id)).one()

    def resume() -> None:
        web_sessions.resume(db, token, idle=IDLE)

    counter = iter(range(10**9))

    def one_row_write() -> None:  # a value that changes, or SQLite commits nothing to disk
        with db.write() as conn:
            conn.execute(
                settings_kv.update()
                .where(settings_kv.c.key == "bench_counter")
                .values(value=str(next(counter)))
            )

    def audit_append() -> None:
        with db.write() as conn:
            audit.record(conn, SYSTEM_ACTOR, "bench.append", "bench", next(counter), {"n": 1})

    results = {
        "user by key (baseline)": timed(user_by_key, reps),
        "session resume": timed(resume, reps),
        "one-row write (baseline)": timed(one_row_write, reps),
        "audit append": timed(audit_append, reps),
    }
    assert audit.verify(db, SYSTEM_ACTOR)["ok"]
    return results


def report(dialect: str, results: dict[str, Timing]) -> dict[str, dict[str, float]]:
    print(f"\n{dialect}: p50 / p95 ms (ratio of p50 to its baseline)")
    base_read = results["user by key (baseline)"].p50
    base_write = results["one-row write (baseline)"].p50
    for name, timing in results.items():
        base = base_read if name in ("user by key (baseline)", "session resume") else base_write
        print(f"  {name:28} {timing.p50:7.3f} / {timing.p95:7.3f}   x{timing.p50 / base:.2f}")
    return {name: {"p50_ms": t.p50, "p95_ms": t.p95} for name, t in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    figures: dict[str, dict[str, dict[str, float]]] = {}
    with sqlite_database() as db:
        figures["sqlite"] = report("sqlite", run(db, args.sessions, args.reps))
    if args.postgres:
        with postgres_database(args.postgres, keep=False) as db:
            figures["postgresql"] = report("postgresql", run(db, args.sessions, args.reps))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
