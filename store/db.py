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
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.schema import HEAD, REVISIONS
from store.sql import Fetch, PlainWrite

if TYPE_CHECKING:  # SQLAlchemy is imported when first needed: the TUI's first frame of a
    # SQLite database reads through ``plain_read`` and never needs it (bench/README.md).
    from sqlalchemy import Connection, Engine
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "okrtui_write"


class DatabaseError(Exception):
    """A database problem explained for the user (printed as is, exit code 2)."""


class MissingDatabaseError(DatabaseError):
    """The configured database file does not exist and may not be created implicitly."""


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer okrtui; it is left untouched."""


def refuse_newer_schema(where: object, revision: str | None) -> None:
    """Raise :class:`SchemaTooNewError` for a revision this okrtui does not know (a file or
    a server, before anything is read or written)."""
    if revision is not None and revision not in REVISIONS:
        raise SchemaTooNewError(
            f"{where} has schema revision {revision}, newer than this okrtui "
            f"(which knows up to {HEAD}). Upgrade okrtui; the database was not touched."
        )


class DatabaseUnavailable(DatabaseError):
    """A read failed because the database cannot be reached or is busy: try again later.

    Raised instead of the driver's own error so every screen that already handles
    :class:`DatabaseError` shows a message and goes on, rather than losing its message
    loop to an exception it did not expect (a stopped PostgreSQL froze the app).
    """


def unavailable(exc: BaseException) -> DatabaseUnavailable:
    """The user's message for a read that failed at the driver."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return DatabaseUnavailable(f"database unavailable ({first}); retrying")


class WriteError(DatabaseError):
    """A write could not be made (busy, read-only, disk full); nothing was changed."""


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


@dataclass(frozen=True)
class Target:
    """Where the data lives: a SQLite file path or a server URL."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


def resolve_target(target: str | Path) -> Target:
    """Turn a config/CLI value (a path or a SQLAlchemy URL) into a :class:`Target`."""
    text = str(target)
    if "://" in text:
        if text.startswith("sqlite:///") and not text.startswith("sqlite:///:memory:"):
            path = Path(text.removeprefix("sqlite:///")).expanduser().resolve()
            return Target(f"sqlite:///{path}", path)
        from store.pg import normalise_url

        return Target(normalise_url(text), None)
    path = Path(text).expanduser().resolve()
    return Target(f"sqlite:///{path}", path)


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
        from store.pg import make_pg_engine

        return make_pg_engine(target.url)
    engine = create_engine(target.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


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
                               timeout=BUSY_TIMEOUT_MS / 1000)  # fmt: skip
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


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


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


class Database:
    """An open okrtui database: short read transactions and ``BEGIN IMMEDIATE`` writes."""

    def __init__(
        self, target: Target, engine: Engine | None = None, *, sqlite_uri: str | None = None
    ) -> None:
        """``engine`` None: made from ``target`` on first use (importing SQLAlchemy then);
        ``sqlite_uri`` is how a SQLite file is opened (read-only ones by a URI)."""
        self.target = target
        self._engine = engine
        self.read_only: str | None = None  # why writes will fail, when opened read-only
        self._write_engine_: Engine | None = None
        self._sqlite_uri = sqlite_uri
        self._plain: sqlite3.Connection | None = None
        self._plain_lock = threading.Lock()

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
        this database: no SQLAlchemy import, no per-row processing (the tree of a big
        organisation reads tens of thousands of rows). Other databases go through the
        engine. Made for the read models of store/queries.py.
        """
        if not self.target.is_sqlite or self.path is None:
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

    def _plain_connection(self) -> sqlite3.Connection:
        if self._plain is None:
            self._plain = self.sqlite_connection()
        return self._plain

    def sqlite_connection(self) -> sqlite3.Connection:
        """A new plain ``sqlite3`` connection to this SQLite file (autocommit, busy
        timeout), opened as the engine opens it; the caller closes it."""
        uri = self._sqlite_uri or f"file:{self.path}"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)  # fmt: skip
        conn.isolation_level = None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")  # as the engine's: plain writes need them
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextmanager
    def plain_write(self) -> Iterator[PlainWrite]:
        """One write transaction in plain DB-API SQL (store/sql.py): committed on success,
        rolled back on error, failures to write as :class:`WriteError`.

        SQLite: ``BEGIN IMMEDIATE`` on the kept ``sqlite3`` connection, no SQLAlchemy
        import (the CLI check-in's whole point). PostgreSQL: a psycopg connection from
        the engine's pool, READ COMMITTED and okrtui's write lock (``store.pg``).
        """
        if not self.target.is_sqlite:
            from store.pg import plain_pg_write

            with plain_pg_write(self.engine) as fetch:
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

    def data_version(self) -> int:
        """A counter that changes when another connection commits (cheap change polling)."""
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())

    def close(self) -> None:
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
        seconds = BUSY_TIMEOUT_MS // 1000
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
        from store.pg import check_pg_schema

        engine = make_engine(resolved)
        try:
            check_pg_schema(engine)  # no DDL at run time: `okrtui db upgrade` migrates
        except DatabaseError:
            engine.dispose()
            raise
        return Database(resolved, engine)
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

    from store.migrate import upgrade_to_head

    try:
        upgrade_to_head(engine)
    except OperationalError as exc:
        raise DatabaseError(f"could not migrate the database: {exc.orig}") from exc
