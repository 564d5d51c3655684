"""Notice commits made by anyone else, cheaply, so every open okrtui shows them.

SQLite's ``PRAGMA data_version`` changes on a connection when *another* connection
commits, and costs microseconds. It is per connection, so the watcher keeps one
connection of its own (a pooled one would hand back a different connection, with a
different counter, on each call). A server database has no such pragma; there the
newest activity row stands in, since every write logs one.
"""

import sqlite3
import threading
from typing import Any

from store.db.database import Database
from store.errors import DatabaseError

_FALLBACK = "SELECT coalesce(max(id), 0) FROM activity"
_UNSET = object()


class ChangeWatcher:
    """``changed()`` is True once per batch of commits made since the last call."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Any = None
        # The check runs in a worker thread and close() comes from the app's exit: the
        # connection is never closed while in use (that crashed the process, rarely).
        self._lock = threading.RLock()
        self._last: object = _UNSET  # the first check reads it: no query here (UI thread)
        self.available = True
        """False while the last check failed (a lost server, a vanished file)."""

    def _read(self) -> object:
        if not self._db.target.is_sqlite:
            with self._db.plain_read() as fetch:
                return tuple(fetch(_FALLBACK, {})[0])
        with self._lock:
            if self._conn is None:
                # A connection of its own, for good: this counter is per connection. Plain
                # sqlite3, so starting the app does not import SQLAlchemy (bench/README.md).
                self._conn = self._db.sqlite_connection()
            cursor = self._conn.cursor()
            try:
                return cursor.execute("PRAGMA data_version").fetchone()[0]
            finally:
                cursor.close()

    def changed(self) -> bool:
        """Whether someone committed since the last call (False if the check itself fails,
        with :attr:`available` False until a check succeeds again)."""
        try:
            current = self._read()
        except (sqlite3.Error, OSError, DatabaseError):  # busy, vanished or lost: next time
            self.close()
            self.available = False
            return False
        except Exception as exc:  # a server database's error (SQLAlchemy's): next time
            from sqlalchemy.exc import SQLAlchemyError

            if not isinstance(exc, SQLAlchemyError):
                raise
            self.close()
            self.available = False
            return False
        self.available = True
        if self._last is _UNSET:
            self._last = current  # the starting point: nothing to report yet
            return False
        if current == self._last:
            return False
        self._last = current
        return True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None
