"""Engine, SQLite pragmas, transactions and schema versioning.

Why it looks like this:

* Every write transaction starts with ``BEGIN IMMEDIATE``. pysqlite's implicit
  transactions lose read-modify-write updates and a deferred ``BEGIN`` fails
  with "database is locked" under contention; taking the write lock up front
  lets ``busy_timeout`` queue writers instead.
* Reads are short Core transactions, so an idle TUI never pins the WAL.
* The schema revision is read with one cheap query; Alembic (slow to import) is
  only imported when a migration is actually due.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from store.db import engine as db_engine
from store.db.engine import _WRITE_OPTION, make_engine
from store.db.schema import HEAD, REVISIONS
from store.db.sql import Fetch, PlainWrite
from store.db.sqlite_file import (
    backup_file,
    create_file,
    read_only_reason,
    read_only_uri,
    read_revision,
)
from store.db.target import Target, resolve_target
from store.errors import (
    DatabaseError,
    DatabaseUnavailable,
    MissingDatabaseError,
    SchemaTooNewError,
    WriteError,
)

if TYPE_CHECKING:  # SQLAlchemy is imported when first needed: the TUI's first frame
    # reads through ``plain_read`` and never needs it (bench/README.md).
    from sqlalchemy import Connection, Engine
    from sqlmodel import Session

    from store.db.pg_conn import Kept


def refuse_newer_schema(where: object, revision: str | None) -> None:
    """Raise :class:`SchemaTooNewError` for a revision this okrtui does not know (a file or
    a server, before anything is read or written)."""
    if revision is not None and revision not in REVISIONS:
        raise SchemaTooNewError(
            f"{where} has schema revision {revision}, newer than this okrtui "
            f"(which knows up to {HEAD}). Upgrade okrtui; the database was not touched."
        )


def unavailable(exc: BaseException) -> DatabaseUnavailable:
    """The user's message for a read that failed at the driver."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return DatabaseUnavailable(f"database unavailable ({first}); retrying")


CHECK_VIOLATION = "23514"
"""PostgreSQL's SQLSTATE for a CHECK constraint, or a trigger of okrtui's, refusing a row."""


def refused_value(orig: object) -> str:
    """The user's message for a row PostgreSQL refused as a value okrtui cannot read.

    okrtui never writes one; the row it changed still holds one from before migration
    0006 refused them (NOT VALID checks look at every new row version whole)."""
    first = (str(orig).strip().splitlines() or ["check violation"])[0]
    hint = (
        ": the row still holds a value okrtui cannot read (NaN, infinity or a date out of "
        "range, written before migration 0006); correct that value first (edit the item, "
        "or ask an admin)"
        if "_sane_values" in first
        else ""
    )
    return f"the database refused the change ({first}){hint}; nothing was changed"


class Database:
    """An open okrtui database: short read transactions and ``BEGIN IMMEDIATE`` writes."""

    def __init__(
        self,
        target: Target,
        engine: Engine | None = None,
        *,
        sqlite_uri: str | None = None,
        pg_reads: Kept | None = None,
    ) -> None:
        """``engine`` None: made from ``target`` on first use (importing SQLAlchemy then);
        ``sqlite_uri`` is how a SQLite file is opened (read-only ones by a URI);
        ``pg_reads`` a server database's read connection, already open (store/db/pg_conn.py).
        """
        self.target = target
        self._engine = engine
        self.read_only: str | None = None  # why writes will fail, when opened read-only
        self._write_engine_: Engine | None = None
        self._sqlite_uri = sqlite_uri
        self._plain: sqlite3.Connection | None = None
        self._plain_lock = threading.Lock()
        self._pg_reads = pg_reads
        self._pg_writes: Kept | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if self._sqlite_uri is not None and self._sqlite_uri.startswith("file:"):
                url = Target(f"sqlite:///{self._sqlite_uri}&uri=true", self.target.path)
                self._engine = make_engine(url)
            else:
                self._engine = make_engine(self.target)
        return self._engine

    @property
    def _write_engine(self) -> Engine:
        if self._write_engine_ is None:
            self._write_engine_ = self.engine.execution_options(**{_WRITE_OPTION: True})
        return self._write_engine_

    @property
    def path(self) -> Path | None:
        return self.target.path

    @contextmanager
    def plain_read(self) -> Iterator[Fetch]:
        """One read transaction as ``fetch(sql, params) -> [tuple, ...]`` (named params).

        On SQLite straight through the ``sqlite3`` module, on one connection kept for
        this database; on PostgreSQL through psycopg, on a read-only connection kept
        likewise (store/db/pg_conn.py): no SQLAlchemy import, no per-row processing (the
        tree of a big organisation reads tens of thousands of rows). An in-memory SQLite
        database lives in the engine. Made for the read models of store/read/.
        """
        if not self.target.is_sqlite:
            from store.db import pg_conn

            with pg_conn.plain_read(self._kept(writes=False)) as fetch:
                yield fetch
            return
        if self.path is None:
            from sqlalchemy import text

            with self.read() as conn:
                yield lambda sql, params: [tuple(r) for r in conn.execute(text(sql), params)]
            return
        with self._plain_lock:
            try:
                plain = self._plain_connection()
                plain.execute("BEGIN")
            except sqlite3.OperationalError as exc:
                raise unavailable(exc) from exc
            try:
                yield lambda sql, params: plain.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise unavailable(exc) from exc
            finally:
                with contextlib.suppress(sqlite3.Error):
                    plain.execute("COMMIT")

    def _kept(self, *, writes: bool) -> Kept:
        """A server database's kept read or write connection (store/db/pg_conn.py)."""
        from store.db import pg_conn

        with self._plain_lock:
            if writes:
                if self._pg_writes is None:
                    self._pg_writes = pg_conn.kept_writes(self.target.url)
                return self._pg_writes
            if self._pg_reads is None:
                self._pg_reads = pg_conn.kept_reads(self.target.url)
            return self._pg_reads

    def _plain_connection(self) -> sqlite3.Connection:
        if self._plain is None:
            self._plain = self.sqlite_connection()
        return self._plain

    def sqlite_connection(self) -> sqlite3.Connection:
        """A new plain ``sqlite3`` connection to this SQLite file (autocommit, busy
        timeout), opened as the engine opens it; the caller closes it."""
        uri = self._sqlite_uri or f"file:{self.path}"
        conn = sqlite3.connect(uri, uri=True, timeout=db_engine.BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)  # fmt: skip
        conn.isolation_level = None
        conn.execute(f"PRAGMA busy_timeout = {db_engine.BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")  # as the engine's: plain writes need them
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextmanager
    def plain_write(self) -> Iterator[PlainWrite]:
        """One write transaction in plain DB-API SQL (store/db/sql.py): committed on success,
        rolled back on error, failures to write as :class:`WriteError`.

        SQLite: ``BEGIN IMMEDIATE`` on the kept ``sqlite3`` connection, no SQLAlchemy
        import (the CLI check-in's whole point). PostgreSQL: a psycopg connection kept
        for writes, READ COMMITTED and okrtui's write lock (``store.db.pg_conn``).
        """
        if not self.target.is_sqlite:
            from store.db import pg_conn

            with pg_conn.plain_write(
                self._kept(writes=True), lambda exc: explain_write_failure(exc, None)
            ) as fetch:
                yield PlainWrite(fetch, None, sqlite=False)
            return
        if self.path is None:  # an in-memory database lives in the engine's connection
            with _plain_engine_write(self.engine) as fetch:
                yield PlainWrite(fetch, None, sqlite=True)
            return
        with self._plain_lock:
            try:
                conn = self._plain_connection()
            except sqlite3.Error as exc:
                raise WriteError(explain_write_failure(exc, self.path)) from exc
            with _sqlite_write(conn, self.path) as fetch:
                yield PlainWrite(fetch, self.path, sqlite=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A Core connection in one short read transaction.

        A lost or busy database (the driver's OperationalError, InterfaceError) becomes
        :class:`DatabaseUnavailable`; other errors (a bug in a query) pass unchanged.
        """
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except (OperationalError, InterfaceError) as exc:
            raise unavailable(exc) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """An ORM session in one write transaction: committed on success, rolled back on error.

        SQLite errors that mean "cannot write now" become :class:`WriteError`
        with a message for the user; the transaction is rolled back either way.
        """
        from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
        from sqlalchemy.orm.exc import StaleDataError
        from sqlmodel import Session

        session = Session(self._write_engine, expire_on_commit=False)
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            raise WriteError(explain_write_failure(exc, self.path)) from exc
        except IntegrityError as exc:
            # PostgreSQL's CHECKs and triggers (migrations 0005, 0006) refused a value.
            if getattr(exc.orig, "sqlstate", None) != CHECK_VIOLATION:
                raise
            raise WriteError(refused_value(exc.orig)) from exc
        except ProgrammingError as exc:
            # PostgreSQL's row-level security (or a missing GRANT) refused the change.
            if getattr(exc.orig, "sqlstate", None) != "42501":
                raise
            raise WriteError(f"the database refused the change ({exc.orig}): nothing was "
                             "changed") from exc  # fmt: skip
        except StaleDataError as exc:
            # Row security hides rows the role may not change: the UPDATE matched none.
            raise WriteError(
                "the database refused the change (row-level security: your database role "
                "may not change that row): nothing was changed"
            ) from exc
        finally:
            session.close()

    def close(self) -> None:
        for kept in (self._pg_reads, self._pg_writes):
            if kept is not None:
                with kept.lock:
                    kept.drop()
        if self._plain is not None:
            with self._plain_lock:
                self._plain.close()
                self._plain = None
        if self._engine is not None:
            self._engine.dispose()


@contextmanager
def _sqlite_write(conn: sqlite3.Connection, path: Path | None) -> Iterator[Fetch]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on an autocommit ``sqlite3`` connection."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise WriteError(explain_write_failure(exc, path)) from exc
    try:
        yield lambda sql, params: conn.execute(sql, params).fetchall()
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise WriteError(explain_write_failure(exc, path)) from exc
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


@contextmanager
def _plain_engine_write(engine: Engine) -> Iterator[Fetch]:
    """A plain SQLite write on one of the engine's own connections (in-memory databases)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        with _sqlite_write(conn, None) as fetch:
            yield fetch
    finally:
        raw.close()


def explain_write_failure(exc: Exception, path: Path | None) -> str:
    """A user-facing reason for a failed write."""
    text = str(getattr(exc, "orig", exc)).lower()
    where = f" ({path})" if path else ""
    if "readonly" in text or "read-only" in text:
        return f"the database{where} is read-only for you: nothing was changed"
    if "locked" in text or "busy" in text or "lock timeout" in text:
        seconds = db_engine.BUSY_TIMEOUT_MS // 1000
        return f"the database{where} stayed busy for {seconds} s: nothing was changed"
    if "full" in text:
        return f"the disk holding the database{where} is full: nothing was changed"
    if "unable to open" in text or "disk i/o" in text:
        return (
            f"the database{where} could not be written (its folder read-only, the disk full "
            f"or failing?): nothing was changed"
        )
    return f"the write failed{where}: {getattr(exc, 'orig', exc)}; nothing was changed"


def open_database(target: str | Path | Target, *, create: bool = False) -> Database:
    """Open (and if needed create or migrate) the database at ``target``.

    ``create`` allows a missing SQLite file to be created; otherwise a missing
    file is an error, so a typo in ``--db`` never silently starts an empty
    database. A database from a newer okrtui is refused untouched, an older one
    is backed up beside itself and migrated.
    """
    resolved = target if isinstance(target, Target) else resolve_target(target)
    if not resolved.is_sqlite:
        from store.db.pg_conn import open_checked

        # No DDL at run time (`okrtui db upgrade` migrates), and no SQLAlchemy: the engine
        # is made when an ORM read or write first needs it.
        return Database(resolved, pg_reads=open_checked(resolved.url))
    path = resolved.path
    assert path is not None
    if not path.exists():
        if not create:
            raise MissingDatabaseError(
                f"no database at {path}. Create one with `okrtui --db {path} init` "
                f"(or `okrtui demo --create-db {path}` for demo data)."
            )
        create_file(path)
    elif path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    read_only = read_only_reason(path)
    uri = read_only_uri(path) if read_only else None
    revision, has_tables = read_revision(path, uri)
    refuse_newer_schema(path, revision)
    if revision is None and has_tables:
        raise DatabaseError(
            f"{path} is a SQLite database but not an okrtui one (no schema revision). "
            "Nothing was written to it."
        )
    if read_only and uri:
        if revision != HEAD:
            raise DatabaseError(f"{read_only}, and it needs a schema upgrade: ask its owner")
        database = Database(resolved, sqlite_uri=uri)
        database.read_only = f"{read_only}: you can look but not change anything"
        return database
    if revision != HEAD:
        if revision is not None:
            backup_file(path, revision)
        engine = make_engine(resolved)
        _upgrade(engine)
        return Database(resolved, engine)
    return Database(resolved)  # the engine (and SQLAlchemy) when first needed


def _upgrade(engine: Engine) -> None:
    """Run Alembic to head on its own connection, with foreign keys off during batch rebuilds."""
    from sqlalchemy.exc import OperationalError

    from store.db.migrate import upgrade_to_head

    try:
        upgrade_to_head(engine)
    except OperationalError as exc:
        raise DatabaseError(f"could not migrate the database: {exc.orig}") from exc
