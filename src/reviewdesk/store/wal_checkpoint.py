"""SQLite WAL checkpoints in a background thread instead of inside a committing request.

By default SQLite checkpoints in whichever commit pushes the WAL past 1,000 pages: that request then
copies the pages into the database file and syncs it, milliseconds to tens of milliseconds that
land on one unlucky reviewer (about one review cycle in a hundred). Our connections turn automatic
checkpoints off (`PRAGMA wal_autocheckpoint=0`) and this thread checkpoints on its own connection
shortly after writes. PASSIVE mode never waits for readers or writers; frames still in use by a
reader are copied on a later pass. When the last connection to the file closes, SQLite checkpoints
and removes the WAL itself, so nothing is left behind if this thread never ran.

Under a steady stream of writes a concurrent checkpoint never finishes (new frames arrive while it
copies), and SQLite only starts the WAL over after a finished one. So when the WAL has grown past
`catch_up_frames`, the thread takes the process's writer lock for a second pass: it has only the
frames written during the first one left to copy. Writers of this process wait for that short pass,
about once per `catch_up_frames` pages written, instead of one commit in a hundred paying for all.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import AbstractContextManager

log = logging.getLogger(__name__)


class WalCheckpointer:
    def __init__(
        self,
        path: str,
        writer_lock: AbstractContextManager[object],
        *,
        interval_seconds: float = 0.5,
        catch_up_frames: int = 16_384,
    ) -> None:
        self._path = path
        self._writer_lock = writer_lock
        self._interval = interval_seconds
        self._catch_up_frames = catch_up_frames
        self._writes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def wrote_in(self, _conn: object) -> None:
        """A write transaction is committing (an engine "commit" listener); starts the thread on the
        first."""
        self._writes += 1  # a racy counter is fine: any change means "there is work"
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="sqlite-wal-checkpoint", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            seen = -1
            while not self._stop.wait(self._interval):
                if self._writes != seen:
                    seen = self._writes
                    self._checkpoint_logged(conn)
            self._checkpoint_logged(conn)
        finally:
            conn.close()

    def _checkpoint_logged(self, conn: sqlite3.Connection) -> None:
        try:
            _busy, frames, _copied = self.checkpoint(conn)
            if frames > self._catch_up_frames:
                with self._writer_lock:
                    self.checkpoint(conn)
        except sqlite3.Error:  # a full disk or I/O error: keep trying on later passes
            log.exception("WAL checkpoint of %s failed", self._path)

    @staticmethod
    def checkpoint(conn: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, frames in the WAL, frames checkpointed), as SQLite reports them."""
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return row[0], row[1], row[2]
