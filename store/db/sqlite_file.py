"""The SQLite file itself: creating it with the right mode, telling a read-only or damaged
file apart (with a message that says what to do), and the backup before an upgrade.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from store.db import engine as db_engine
from store.errors import (
    DatabaseError,
)

if TYPE_CHECKING:  # SQLAlchemy is imported when first needed: the TUI's first frame of a
    # SQLite database reads through ``plain_read`` and never needs it (bench/README.md).
    pass

_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def _creation_mode(directory: Path) -> int:
    """0660 in a setgid (team) directory so group members can write, else 0600."""
    try:
        return 0o660 if directory.stat().st_mode & stat.S_ISGID else 0o600
    except OSError:
        return 0o600


def create_file(path: Path) -> None:
    """Pre-create an empty database file with the right mode.

    SQLite itself creates new files 0644 whatever the umask, which either leaks a
    personal database or locks team members out of a shared one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _creation_mode(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def read_only_reason(path: Path) -> str | None:
    """Why this user cannot write the database (None when they can).

    SQLite cannot even *read* a WAL database whose ``-shm`` it may not create, so a
    read-only file or directory is opened in read-only mode instead (see open_database).
    """
    if not os.access(path, os.R_OK):
        return None  # not readable at all: opening reports it
    if not os.access(path, os.W_OK):
        return f"{path} is read-only for you"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"the folder {path.parent} is read-only for you (SQLite keeps its -wal there)"
    return None


def read_only_uri(path: Path) -> str:
    """A read-only URI; ``immutable`` when no -wal exists, since SQLite could not read the
    WAL database without creating its -shm."""
    wal = path.with_name(path.name + "-wal")
    return f"file:{path}?mode=ro" + ("" if wal.exists() else "&immutable=1")


def read_revision(path: Path, uri: str | None = None) -> tuple[str | None, bool]:
    """The stored schema revision and whether the file holds any table at all.

    Raises :class:`DatabaseError` for a file that is not a SQLite database.
    """
    try:
        conn = sqlite3.connect(uri or f"file:{path}?mode=ro", uri=True,
                               timeout=db_engine.BUSY_TIMEOUT_MS / 1000)  # fmt: skip
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
    try:
        names = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in names:
            return None, bool(names)
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return (row[0] if row else None), True
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(unreadable_message(path, exc)) from exc
    finally:
        conn.close()


def is_damaged(path: Path) -> bool | None:
    """Whether SQLite's ``quick_check`` finds the file damaged (None: it could not tell).

    Opened ``immutable``: no ``-wal``/``-shm`` is made, so this works on a full disk.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        return True if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) else None
    finally:
        conn.close()
    return rows != [("ok",)]


def unreadable_message(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be read, and what to do.

    Restoring a backup loses every change since it was made, so it is advised only when
    ``quick_check`` says the file itself is damaged; a full disk or an I/O error (say,
    no room for the ``-shm`` a WAL database needs) leaves the file intact.
    """
    damaged = is_damaged(path)
    if damaged:
        return (
            f"{path} is not a usable okrtui database ({exc}): SQLite finds it damaged. "
            "Nothing was written to it; restore it from a backup (okrtui keeps *.bak-* "
            "copies beside it) or point okrtui at another file with --db."
        )
    state = "the file itself is intact" if damaged is False else "the file was not changed"
    return (
        f"{path} could not be read ({exc}): the disk is full or failing, or the -wal/-shm "
        f"files beside it cannot be made; {state} and nothing was changed. Free some space "
        f"(df -h {path.parent}) and try again."
    )


def backup_file(path: Path, revision: str) -> Path:
    """Copy the database with SQLite's backup API before migrating it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    dest = path.with_name(f"{path.name}.bak-{revision}-{stamp}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    import shutil

    shutil.copymode(path, dest)
    return dest
