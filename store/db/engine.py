"""The SQLAlchemy engine and its SQLite pragmas: WAL, foreign keys, a busy timeout, and
``BEGIN IMMEDIATE`` for every write transaction (pysqlite's implicit transactions lose
read-modify-write updates; taking the write lock up front lets writers queue).
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Any

from store.db.target import Target

if TYPE_CHECKING:  # SQLAlchemy is imported when first needed: the TUI's first frame of a
    # SQLite database reads through ``plain_read`` and never needs it (bench/README.md).
    from sqlalchemy import Connection, Engine


BUSY_TIMEOUT_MS = 10_000


_WRITE_OPTION = "okrtui_write"


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event issues BEGIN itself.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # A read-only file keeps its journal mode; reads still work.
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(_WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def make_engine(target: Target) -> Engine:
    """An engine with okrtui's per-connection settings (SQLite pragmas, BEGIN handling)."""
    from sqlalchemy import create_engine, event

    if not target.is_sqlite:
        from store.db.pg import make_pg_engine

        return make_pg_engine(target.url)
    engine = create_engine(target.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
