"""SQLite checkpoints happen in the background thread, not in a committing request, and the WAL stays
bounded under a steady stream of writes."""

from __future__ import annotations

import functools
import os
import sqlite3
import time
import uuid

from reviewdesk.store import migrate
from reviewdesk.store.database import Database
from reviewdesk.store.wal_checkpoint import WalCheckpointer


def _write_many(db: Database, count: int, size: int = 2000) -> None:
    for _ in range(count):
        with db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO settings_kv (key, value) VALUES (?, ?)", (str(uuid.uuid4()), f'"{"x" * size}"')
            )
        # Between a server's commits there is request I/O, where other threads get the GIL; a bare loop
        # holds it so tightly that the checkpoint thread can be starved for most of the run.
        time.sleep(0)


class _IdleCheckpointer(WalCheckpointer):
    def wrote_in(self, _conn: object) -> None:  # never starts the thread: only commits touch the WAL
        pass


def _frames_after_passive_checkpoint(path) -> tuple[int, int, int]:
    probe = sqlite3.connect(path)
    try:
        return probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        probe.close()


def test_commits_leave_checkpoints_to_the_thread(tmp_path, monkeypatch):
    monkeypatch.setattr("reviewdesk.store.database.WalCheckpointer", _IdleCheckpointer)
    path = tmp_path / "wal.db"
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _write_many(db, 800)  # ~3,500 pages: SQLite by itself checkpoints in a commit every 1,000
        _busy, frames, copied = _frames_after_passive_checkpoint(path)
        assert frames > 1500, "no commit checkpointed (or the WAL would have started over)"
        assert copied == frames
    finally:
        db.dispose()


def test_the_thread_keeps_the_wal_bounded_under_steady_writes(tmp_path, monkeypatch):
    eager = functools.partial(WalCheckpointer, interval_seconds=0.02, catch_up_frames=200)
    monkeypatch.setattr("reviewdesk.store.database.WalCheckpointer", eager)
    path = tmp_path / "wal.db"
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
        _write_many(db, 1500)
        thread = db._checkpointer._thread  # type: ignore[union-attr]
        assert thread is not None and thread.is_alive()
        # Without the catch-up pass under the writer lock, the WAL would hold all ~6,000 pages (24 MB).
        assert os.path.getsize(f"{path}-wal") < 8 * 1024 * 1024
        time.sleep(0.2)
        busy, frames, copied = _frames_after_passive_checkpoint(path)
        assert (busy, copied) == (0, frames), "idle: everything written reached the database file"
    finally:
        db.dispose()
    assert not thread.is_alive(), "dispose() stops the thread"
