"""PostgreSQL without SQLAlchemy: URLs, connection settings, okrtui's kept psycopg
connections, and the schema check at start.

Why: on a server database the tree's first frame, and the CLI check-in, used to go
through a SQLAlchemy engine, and importing SQLAlchemy with its PostgreSQL dialect cost
≈160 ms of a ≈450 ms start (issue 17: first frame on PostgreSQL ≤ 1.2× SQLite's). As on
SQLite (``Database.plain_read``/``plain_write`` on a kept ``sqlite3`` connection), the
reads of the read models and the check-in's write run on psycopg connections of
okrtui's own, made here with exactly the settings the engine gives its connections
(store/db/pg.py, which imports its URL and session settings from this module):

* the same libpq time limits (connect, dead peer, ``lock_timeout``,
  ``statement_timeout``, ``idle_in_transaction_session_timeout``), a URL's own wins;
* dates and times Python cannot hold read as the earliest/latest value (``lenient``);
* reads in one ``REPEATABLE READ READ ONLY`` transaction each: several queries of one
  read (the outline, then its key results) see one snapshot, as SQLite's do, and a
  read-only transaction never fails to serialise;
* writes READ COMMITTED, queued on okrtui's write lock (store/db/pg.py says why);
* a connection idle for a while is pinged before use, and replaced when the server has
  gone away meanwhile (the engine's ``pool_pre_ping``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from store.db.database import CHECK_VIOLATION, refuse_newer_schema, refused_value, unavailable
from store.db.schema import HEAD
from store.db.sql import Fetch, pyformat
from store.errors import DatabaseBusy, DatabaseError, DatabaseUnavailable, WriteError

LOCK_TIMEOUT_MS = 10_000
"""How long a writer waits for okrtui's write lock (or any lock) before "busy"."""
READ_LOCK_TIMEOUT_MS = 3_000
"""How long a read waits for a lock another session holds before "busy"."""
STATEMENT_TIMEOUT_MS = 30_000
"""The longest any one statement of okrtui's may run (not migrations)."""
IDLE_IN_TRANSACTION_MS = 60_000
"""The server ends an okrtui session idle inside a transaction this long (a stopped
process must not keep the write lock)."""
CONNECT_TIMEOUT_S = 5
# libpq's TCP settings: a dead peer is noticed within about 10 s, sending or waiting.
TCP_SETTINGS = {
    "keepalives": "1",
    "keepalives_idle": "5",
    "keepalives_interval": "2",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
}
WRITE_LOCK = "okrtui_write_lock"
"""The table writers lock, and the SECURITY DEFINER function that locks it (0005)."""
# okrtui's own tables: an existing database may hold other applications' tables too.
OKRTUI_TABLES = ("period", "objective", "key_result", "check_in", "kpi", "activity")
UPGRADE_HINT = (
    "the role that owns the database runs `okrtui db upgrade` (with --db or OKRTUI_DB naming it)"
)
SCHEMES = ("postgresql", "postgres")
PING_AFTER_S = 2.0
"""A kept connection idle longer than this is pinged before use (the server may have
restarted or dropped it meanwhile)."""

# SQLSTATEs: lock_not_available, query_canceled (statement_timeout), insufficient_privilege.
LOCK_NOT_AVAILABLE, QUERY_CANCELED, INSUFFICIENT_PRIVILEGE = "55P03", "57014", "42501"


# --- URLs -------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` select psycopg 3 (SQLAlchemy's default
    for a bare ``postgresql://`` is psycopg2, which okrtui does not install)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def url_scheme(url: str) -> str:
    """The scheme of a database URL (``postgresql+psycopg`` → ``postgresql``)."""
    return url.split("://", 1)[0].split("+", 1)[0].lower()


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    users, at, hosts = parts.netloc.rpartition("@")
    if not at or ":" not in users:
        return url
    user = users.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hosts}"))


def refuse_unknown_scheme(url: str) -> None:
    """A URL okrtui cannot use is named as such, not reported as a missing driver."""
    scheme = url_scheme(url)
    if scheme not in SCHEMES:
        raise DatabaseError(
            f"unknown database URL scheme {scheme!r} in {display_url(url)} (use "
            "postgresql://… for a PostgreSQL server, or a file path for SQLite)"
        )


def libpq_url(url: str) -> str:
    """The URL as libpq reads it (``postgresql+psycopg://`` → ``postgresql://``)."""
    _, sep, rest = url.partition("://")
    return f"{url_scheme(url)}{sep}{rest}" if sep else url


def connect_args(url: str) -> dict[str, str]:
    """libpq settings for every connection: time limits on connecting, on a dead peer,
    on waiting for locks and on statements. A setting given in the URL wins."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    args = {
        name: value
        for name, value in {"connect_timeout": str(CONNECT_TIMEOUT_S), **TCP_SETTINGS}.items()
        if name not in query
    }
    ours = (
        f"-c lock_timeout={READ_LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    )
    theirs = " ".join(query.get("options", []))
    # Later -c settings win: the URL's own options (search_path, say) come last.
    args["options"] = f"{ours} {theirs}" if theirs else ours
    return args


# --- errors -----------------------------------------------------------------------------


def reason(exc: BaseException) -> str:
    """The first line of a driver error (psycopg adds context lines after it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def busy(writing: bool, state: str, why: str) -> DatabaseError:
    """okrtui's error for a lock or statement time-out (SQLSTATE ``state``)."""
    if writing:
        if state == LOCK_NOT_AVAILABLE:
            what = f"the database stayed busy for {LOCK_TIMEOUT_MS / 1000:g} s"
        else:
            what = f"a statement took longer than {STATEMENT_TIMEOUT_MS / 1000:g} s"
        return WriteError(f"{what} ({why}): nothing was changed; try again")
    if state == LOCK_NOT_AVAILABLE:
        seconds = READ_LOCK_TIMEOUT_MS / 1000
        return DatabaseBusy(
            f"database busy: another session has held a lock on okrtui's tables for more "
            f"than {seconds:g} s ({why}); retrying"
        )
    seconds = STATEMENT_TIMEOUT_MS / 1000
    return DatabaseBusy(f"database busy: a read took longer than {seconds:g} s ({why}); "
                        "retrying")  # fmt: skip


# --- connections ------------------------------------------------------------------------


@cache
def lenient_loaders() -> tuple[tuple[str, type], ...]:
    """(type name, loader) for the date and time types: psycopg's own loader (its C one
    when installed), but a value it refuses (out of Python's range) comes back as the
    earliest or latest value Python has instead of a ``DataError``."""
    import psycopg
    from psycopg import adapt, postgres, pq

    def lenient(name: str, too_small: object, too_large: object) -> tuple[str, type]:
        found = psycopg.adapters.get_loader(postgres.types[name].oid, pq.Format.TEXT)
        assert found is not None
        base: Any = found  # a class: mypy loses the narrowing inside Lenient

        class Lenient(adapt.Loader):
            def __init__(self, oid: int, context: Any = None) -> None:
                super().__init__(oid, context)
                self._load = base(oid, context).load

            def load(self, data: Any) -> Any:
                try:
                    return self._load(data)
                except psycopg.DataError as exc:
                    return too_small if "too small" in str(exc) else too_large

        return name, Lenient

    return (
        lenient("date", date.min, date.max),
        lenient("timestamp", datetime.min, datetime.max),
        lenient("timestamptz", datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)),
    )


def register_lenient_loaders(conn: Any) -> None:
    for name, loader in lenient_loaders():
        conn.adapters.register_loader(name, loader)


def connect(url: str) -> Any:
    """A new psycopg connection to ``url`` with okrtui's settings (not autocommit).

    Raises the driver's error; callers say what failed (a start, a read, a write)."""
    try:
        import psycopg
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"no PostgreSQL driver for {display_url(url)} ({exc}): install it with "
            "`pip install 'okrtui[postgres]'` (psycopg 3)"
        ) from exc
    refuse_unknown_scheme(url)
    try:
        conn = psycopg.connect(libpq_url(url), **connect_args(url))  # type: ignore[arg-type]  # libpq keywords
    except psycopg.ProgrammingError as exc:  # a malformed URL or option
        raise DatabaseError(f"not a usable database URL {display_url(url)}: {exc}") from exc
    register_lenient_loaders(conn)
    return conn


class Kept:
    """One psycopg connection kept for a kind of transaction (reads, or writes), made on
    first use, replaced when lost. Callers hold :attr:`lock` for a whole transaction."""

    def __init__(self, url: str, configure: Callable[[Any], None]) -> None:
        self.url = url
        self.lock = threading.Lock()
        self._configure = configure
        self._conn: Any = None
        self._used = 0.0

    def get(self) -> Any:
        """The connection, alive as far as one round trip can tell (call under lock)."""
        import psycopg

        conn = self._conn
        if conn is not None and (conn.closed or conn.broken):
            self.drop()
            conn = None
        if conn is not None and time.monotonic() - self._used > PING_AFTER_S:
            try:
                conn.execute("SELECT 1")
                conn.rollback()
            except psycopg.Error:
                self.drop()
                conn = None
        if conn is None:
            conn = connect(self.url)
            self._configure(conn)
            self._conn = conn
        return conn

    def used(self) -> None:
        self._used = time.monotonic()

    def drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def _rollback(conn: Any) -> None:
    """Roll back; on a lost connection the server has done it already."""
    with contextlib.suppress(Exception):
        conn.rollback()


def _fetch_on(cur: Any) -> Fetch:
    """``fetch(sql, params)`` on a psycopg cursor (``:name`` parameters, as everywhere)."""

    def fetch(sql: str, params: Any) -> list[tuple[Any, ...]]:
        cur.execute(pyformat(sql), params)
        return cur.fetchall() if cur.description is not None else []

    return fetch


def _configure_reads(conn: Any) -> None:
    import psycopg

    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


def _configure_writes(conn: Any) -> None:
    import psycopg

    conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED


def kept_reads(url: str) -> Kept:
    return Kept(url, _configure_reads)


def kept_writes(url: str) -> Kept:
    return Kept(url, _configure_writes)


@contextmanager
def plain_read(kept: Kept) -> Iterator[Fetch]:
    """One read-only snapshot as ``fetch(sql, params)``; a lost server or a time-out
    becomes :class:`DatabaseUnavailable` (:class:`DatabaseBusy`), as the engine's reads."""
    import psycopg

    with kept.lock:
        try:
            conn = kept.get()
        except psycopg.Error as exc:
            raise unavailable(exc) from exc
        try:
            with conn.cursor() as cur:
                fetch = _fetch_on(cur)
                yield fetch
            conn.rollback()  # read only: nothing to commit
        except psycopg.Error as exc:
            _rollback(conn)
            state = getattr(exc, "sqlstate", None)
            if state in (LOCK_NOT_AVAILABLE, QUERY_CANCELED):
                raise busy(False, state, reason(exc)) from exc
            if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
                kept.drop()
                raise unavailable(exc) from exc
            raise
        except BaseException:
            _rollback(conn)
            raise
        finally:
            kept.used()


@contextmanager
def plain_write(kept: Kept, explain: Callable[[Exception], str]) -> Iterator[Fetch]:
    """A write transaction in plain psycopg: READ COMMITTED, the writer's lock timeout,
    okrtui's write lock first; refusals as the engine's writes word them (busy, too
    slow, row security, a value the database refuses, a lost server: ``explain``)."""
    import psycopg

    with kept.lock:
        try:
            conn = kept.get()
        except psycopg.Error as exc:
            raise WriteError(explain(exc)) from exc
        try:
            with conn.cursor() as cur:
                fetch = _fetch_on(cur)
                cur.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                cur.execute(f"SELECT {WRITE_LOCK}()")
                yield fetch
            conn.commit()
        except psycopg.Error as exc:
            _rollback(conn)
            state = getattr(exc, "sqlstate", None)
            if state in (LOCK_NOT_AVAILABLE, QUERY_CANCELED):
                raise busy(True, state, reason(exc)) from exc
            if state == INSUFFICIENT_PRIVILEGE:
                raise WriteError(
                    f"the database refused the change ({reason(exc)}): nothing was changed"
                ) from exc
            if state == CHECK_VIOLATION:
                raise WriteError(refused_value(exc)) from exc
            if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
                kept.drop()
                raise WriteError(explain(exc)) from exc
            raise
        except BaseException:
            _rollback(conn)
            raise
        finally:
            kept.used()


# --- the schema at start ----------------------------------------------------------------

_SCHEMA = "SELECT " + ", ".join(
    f"to_regclass('{t}') IS NOT NULL" for t in ("alembic_version", *OKRTUI_TABLES)
)


def schema_state(fetch: Fetch) -> tuple[str | None, bool]:
    """The stored schema revision, and whether any okrtui table exists at all (one round
    trip, two when the revision table exists). ``to_regclass`` follows search_path, so a
    URL may put okrtui in its own schema."""
    found = fetch(_SCHEMA, {})[0]
    revision = None
    if found[0]:
        rows = fetch("SELECT version_num FROM alembic_version", {})
        revision = rows[0][0] if rows else None
    return revision, any(found[1:])


def check_schema(where: str, revision: str | None, has_tables: bool) -> str:
    """Refuse a server database whose schema is not exactly this okrtui's; returns HEAD."""
    refuse_newer_schema(where, revision)
    if revision is None and has_tables:
        raise DatabaseError(
            f"{where} holds okrtui-like tables but no schema revision: it was not made by "
            "okrtui. Nothing was written to it."
        )
    if revision is None:
        raise DatabaseError(f"{where} has no okrtui schema yet: {UPGRADE_HINT}")
    if revision != HEAD:
        raise DatabaseError(
            f"{where} has schema revision {revision}, older than this okrtui's {HEAD}: "
            f"{UPGRADE_HINT}. Nothing was changed."
        )
    return revision


def open_checked(url: str) -> Kept:
    """The read connection of a server database whose schema was checked (no DDL at run
    time: an empty or out-of-date schema is refused, naming ``okrtui db upgrade``)."""
    kept = kept_reads(url)
    where = display_url(url)
    try:
        with plain_read(kept) as fetch:
            revision, has_tables = schema_state(fetch)
        check_schema(where, revision, has_tables)
    except DatabaseBusy:
        kept.drop()
        raise
    except DatabaseUnavailable as exc:
        kept.drop()
        why = reason(exc.__cause__) if exc.__cause__ is not None else str(exc)
        raise DatabaseError(f"cannot connect to the database {where}: {why}") from exc
    except DatabaseError:
        kept.drop()
        raise
    return kept
