"""PostgreSQL: engine, write serialisation, time limits and the schema check at start.

Why it looks like this:

* **Writes queue on one table lock.** The service reads, checks and then writes in
  one transaction (a check-in reads the KR's current value, a KPI value replaces
  the day's value, "add to a KR" adds to the latest). Under READ COMMITTED two such
  transactions could both read the old value and one update would be lost. Every
  okrtui write transaction therefore starts with ``SELECT okrtui_write_lock()``,
  which takes ``LOCK TABLE okrtui_write_lock IN EXCLUSIVE MODE`` (migration 0005):
  okrtui's writers queue exactly as SQLite's ``BEGIN IMMEDIATE`` queues them, each
  then reads what the previous one committed, and nothing needs a retry loop
  (SERIALIZABLE would, and the write API is a context manager whose body cannot be
  re-run). A writer that waits longer than ``LOCK_TIMEOUT_MS`` is told who holds the
  lock, and nothing is written.

  Why a table and not ``pg_advisory_xact_lock`` (okrtui before 0005): any role that
  can connect may take any advisory lock, even *session-level* ones that outlive
  transactions and leave the session looking idle, with no privilege at all. Members
  have no privilege on the table ``okrtui_write_lock``, and on PostgreSQL ``LOCK
  TABLE`` needs SELECT (ACCESS SHARE), or UPDATE, DELETE or TRUNCATE (any stronger
  mode) on the table, so a member cannot lock it directly; okrtui takes it
  through a ``SECURITY DEFINER`` function that everyone may execute. A member's
  ``psql`` can call that function too, but then holds the lock only for its own
  transaction, visibly (``pg_locks``, ``pg_stat_activity``), and okrtui's refusal
  names that session: no more than a member can do anyway by locking a table they may
  write (``LOCK TABLE objective``, ``SELECT … FOR UPDATE``), which PostgreSQL allows to
  anyone with UPDATE on it. README's PostgreSQL section says what a member can still do.
* **READ COMMITTED, said explicitly.** The engine's ``isolation_level`` makes psycopg
  begin every transaction ``ISOLATION LEVEL READ COMMITTED``: a server whose
  ``default_transaction_isolation`` is REPEATABLE READ would otherwise give a writer
  a snapshot from before it waited for the lock, and concurrent check-ins would fail
  with serialization errors.
* **Nothing waits for ever.** Every connection is opened with ``connect_timeout``,
  TCP keepalives and ``tcp_user_timeout`` (a dead server or network fails a call in
  seconds), and with ``lock_timeout``, ``statement_timeout`` and
  ``idle_in_transaction_session_timeout`` for its session. A read that meets a lock
  (a member's ``LOCK TABLE objective IN ACCESS EXCLUSIVE MODE``) or a slow server
  raises :class:`DatabaseBusy` ("database busy …; retrying"), a lost server
  ``store.db.database``'s :class:`DatabaseUnavailable` (which ``DatabaseBusy`` is too), so the
  screens that retry an unavailable database retry a busy one; a write that waits too
  long is refused with a :class:`WriteError` naming the session it waited for.
* **No DDL at run time.** Users of a server database normally may not create tables
  (and should not), so a normal start only *reads* ``alembic_version``: an empty or
  out-of-date schema is refused with a message naming ``okrtui db upgrade``, which the
  role owning the database runs (PostgreSQL runs the whole migration in one
  transaction). Run by anyone else, ``db upgrade`` says so and names that role.
* ``postgresql://`` URLs mean psycopg 3, the driver of the ``okrtui[postgres]`` extra;
  any other scheme is named as unknown.
* **A date Python cannot hold is read, not raised.** PostgreSQL's ``date`` and
  ``timestamp`` take ``'infinity'``, years past 9999 and BC, which psycopg refuses to
  load (``DataError``): one such row, written before migration 0006 refused them, failed
  every read of its table (the tree, the KPI dashboard). Every connection loads them as
  ``date.min``/``date.max`` (``datetime.min``/``max``), outside okrtui's range, so the
  readers of store/db/sql.py (``readable_day``, ``readable_time``) skip them like any
  unreadable value.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from store.db.database import CHECK_VIOLATION, explain_write_failure, refused_value
from store.db.schema import HEAD
from store.db.sql import Fetch, pyformat
from store.errors import DatabaseBusy, DatabaseError, WriteError

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
WRITE_OPTION = "okrtui_write"
MIGRATION_OPTION = "okrtui_migration"
WRITE_LOCK = "okrtui_write_lock"
"""The table writers lock, and the SECURITY DEFINER function that locks it (0005)."""
# okrtui's own tables: an existing database may hold other applications' tables too.
OKRTUI_TABLES = ("period", "objective", "key_result", "check_in", "kpi", "activity")
UPGRADE_HINT = (
    "the role that owns the database runs `okrtui db upgrade` (with --db or OKRTUI_DB naming it)"
)
SCHEMES = ("postgresql", "postgres")

# SQLSTATEs: lock_not_available, query_canceled (statement_timeout), insufficient_privilege.
LOCK_NOT_AVAILABLE, QUERY_CANCELED, INSUFFICIENT_PRIVILEGE = "55P03", "57014", "42501"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` select psycopg 3 (SQLAlchemy's default
    for a bare ``postgresql://`` is psycopg2, which okrtui does not install)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def url_scheme(url: str) -> str:
    """The scheme of a database URL (``postgresql+psycopg`` → ``postgresql``)."""
    return url.split("://", 1)[0].split("+", 1)[0].lower()


def refuse_unknown_scheme(url: str) -> None:
    """A URL okrtui cannot use is named as such, not reported as a missing driver."""
    scheme = url_scheme(url)
    if scheme not in SCHEMES:
        raise DatabaseError(
            f"unknown database URL scheme {scheme!r} in {display_url(url)} (use "
            "postgresql://… for a PostgreSQL server, or a file path for SQLite)"
        )


def connect_args(url: str) -> dict[str, str]:
    """libpq settings for every connection: time limits on connecting, on a dead peer,
    on waiting for locks and on statements. A setting given in the URL wins."""
    query = make_url(url).query
    args = {
        name: value
        for name, value in {"connect_timeout": str(CONNECT_TIMEOUT_S), **TCP_SETTINGS}.items()
        if name not in query
    }
    ours = (
        f"-c lock_timeout={READ_LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    )
    theirs = query.get("options")
    if isinstance(theirs, tuple):
        theirs = " ".join(theirs)
    # Later -c settings win: the URL's own options (search_path, say) come last.
    args["options"] = f"{ours} {theirs}" if theirs else ours
    return args


def _on_begin(conn: Connection) -> None:
    # psycopg opens the transaction implicitly with the first statement.
    options = conn.get_execution_options()
    if options.get(MIGRATION_OPTION):
        # DDL takes its own table locks; a migration may take longer than a statement.
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    elif options.get(WRITE_OPTION):
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
        conn.exec_driver_sql(f"SELECT {WRITE_LOCK}()")


def _reason(exc: BaseException) -> str:
    """The first line of a driver error (psycopg adds context lines after it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _on_error(context: ExceptionContext) -> None:
    """Turn time-outs into okrtui's own errors, with a message.

    A lost server is ``Database.read``'s and ``Database.write``'s to explain (they turn
    the driver's errors into ``DatabaseUnavailable`` and ``WriteError``); a migration's
    errors are :func:`upgrade_pg`'s.
    """
    if context.is_pre_ping:
        return  # the pool reconnects by itself
    orig = context.original_exception
    state = getattr(orig, "sqlstate", None)
    if state not in (LOCK_NOT_AVAILABLE, QUERY_CANCELED):
        return
    conn = context.connection
    options = conn.get_execution_options() if conn is not None else {}
    if options.get(MIGRATION_OPTION):
        return
    raise _busy(bool(options.get(WRITE_OPTION)), state, _reason(orig))


def _busy(writing: bool, state: str, reason: str) -> DatabaseError:
    if writing:
        if state == LOCK_NOT_AVAILABLE:
            what = f"the database stayed busy for {LOCK_TIMEOUT_MS / 1000:g} s"
        else:
            what = f"a statement took longer than {STATEMENT_TIMEOUT_MS / 1000:g} s"
        return WriteError(f"{what} ({reason}): nothing was changed; try again")
    if state == LOCK_NOT_AVAILABLE:
        seconds = READ_LOCK_TIMEOUT_MS / 1000
        return DatabaseBusy(
            f"database busy: another session has held a lock on okrtui's tables for more "
            f"than {seconds:g} s ({reason}); retrying"
        )
    seconds = STATEMENT_TIMEOUT_MS / 1000
    return DatabaseBusy(f"database busy: a read took longer than {seconds:g} s ({reason}); "
                        "retrying")  # fmt: skip


@cache
def _lenient_loaders() -> tuple[tuple[str, type], ...]:
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


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    for name, loader in _lenient_loaders():
        dbapi_conn.adapters.register_loader(name, loader)


def make_pg_engine(url: str) -> Engine:
    """An engine whose transactions are READ COMMITTED and bounded in time, and whose
    write transactions queue on okrtui's write lock."""
    refuse_unknown_scheme(url)
    try:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            isolation_level="READ COMMITTED",
            connect_args=connect_args(url),
        )
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise DatabaseError(
            f"no PostgreSQL driver for {display_url(url)} ({exc}): install it with "
            "`pip install 'okrtui[postgres]'` (psycopg 3)"
        ) from exc
    except ArgumentError as exc:
        raise DatabaseError(f"not a usable database URL {display_url(url)}: {exc}") from exc
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "handle_error", _on_error)
    return engine


@contextmanager
def plain_pg_write(engine: Engine) -> Iterator[Fetch]:
    """A write transaction in plain psycopg on one of the engine's pooled connections.

    The same discipline as the engine's writes (:func:`_on_begin`): READ COMMITTED,
    the writer's lock timeout, okrtui's write lock first; and the same refusals as
    :func:`_on_error` and ``Database.write`` (busy, too slow, row security, a lost
    server), since no SQLAlchemy event sees these statements.
    """
    import psycopg

    try:
        raw = engine.raw_connection()
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise WriteError(explain_write_failure(orig, None)) from exc
    conn: Any = raw.driver_connection
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()  # e.g. the pool's ping: the lock must open our transaction
        if conn.isolation_level != psycopg.IsolationLevel.READ_COMMITTED:
            conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        with conn.cursor() as cur:

            def fetch(sql: str, params: Any) -> list[tuple[Any, ...]]:
                cur.execute(pyformat(sql), params)
                return cur.fetchall() if cur.description is not None else []

            cur.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            cur.execute(f"SELECT {WRITE_LOCK}()")
            yield fetch
        conn.commit()
    except psycopg.Error as exc:
        _rollback(conn)
        state = getattr(exc, "sqlstate", None)
        if state in (LOCK_NOT_AVAILABLE, QUERY_CANCELED):
            raise _busy(True, state, _reason(exc)) from exc
        if state == INSUFFICIENT_PRIVILEGE:
            raise WriteError(
                f"the database refused the change ({_reason(exc)}): nothing was changed"
            ) from exc
        if state == CHECK_VIOLATION:
            raise WriteError(refused_value(exc)) from exc
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            raise WriteError(explain_write_failure(exc, None)) from exc
        raise
    except BaseException:
        _rollback(conn)
        raise
    finally:
        raw.close()


def _rollback(conn: Any) -> None:
    """Roll back; on a lost connection the server has done it already."""
    import contextlib

    with contextlib.suppress(Exception):
        conn.rollback()


def migration_engine(engine: Engine) -> Engine:
    """``engine`` for running migrations: no write lock, no statement time limit."""
    return engine.execution_options(**{MIGRATION_OPTION: True})


def read_pg_revision(engine: Engine) -> tuple[str | None, bool]:
    """The stored schema revision, and whether any okrtui table exists at all."""
    try:
        with engine.connect() as conn:
            names = [t for t in ("alembic_version", *OKRTUI_TABLES) if _exists(conn, t)]
            revision = None
            if "alembic_version" in names:
                revision = conn.exec_driver_sql(
                    "SELECT version_num FROM alembic_version"
                ).scalar_one_or_none()
            conn.rollback()
    except SQLAlchemyError as exc:
        reason = _reason(getattr(exc, "orig", None) or exc)
        raise DatabaseError(
            f"cannot connect to the database {display_url(str(engine.url))}: {reason}"
        ) from exc
    return revision, any(name != "alembic_version" for name in names)


def _exists(conn: Connection, table: str) -> bool:
    # to_regclass follows search_path, so a URL may put okrtui in its own schema.
    return bool(conn.exec_driver_sql(f"SELECT to_regclass('{table}') IS NOT NULL").scalar_one())


def check_pg_schema(engine: Engine) -> str:
    """Refuse a server database whose schema is not exactly this okrtui's; returns HEAD."""
    from store.db.database import refuse_newer_schema

    where = display_url(str(engine.url))
    revision, has_tables = read_pg_revision(engine)
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


# --- db upgrade: who may run it ---------------------------------------------------------

_WHO = """
SELECT current_user, current_database(), pg_catalog.pg_get_userbyid(d.datdba),
       current_schema(),
       (SELECT pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n
        WHERE n.nspname = current_schema()),
       current_schema() IS NOT NULL
           AND pg_catalog.has_schema_privilege(current_schema(), 'CREATE'),
       (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
        WHERE c.oid = pg_catalog.to_regclass('alembic_version')),
       (SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c
        WHERE c.oid = pg_catalog.to_regclass('alembic_version')),
       pg_catalog.current_setting('search_path')
FROM pg_catalog.pg_database d WHERE d.datname = current_database()
"""


def upgrade_refusal(engine: Engine) -> str | None:
    """Why the connecting role cannot run ``db upgrade`` (None when it can), naming the
    role that can: the owner of okrtui's tables, or of the database and its schema."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(_WHO).one()
        conn.rollback()
    user, database, db_owner, schema, schema_owner, may_create, tables_owner, owns, path = row
    url = display_url(str(engine.url))
    if tables_owner is not None:
        if owns:
            return None
        return (
            f"role {user} does not own okrtui's tables in database {database} (role "
            f"{tables_owner} does): `okrtui db upgrade` is run by the role that owns them, "
            f"e.g. `sudo -u {tables_owner} okrtui db upgrade --db {url}`. Nothing was changed."
        )
    if schema is None:
        return (
            f"no schema to create okrtui's tables in: search_path ({path}) names no "
            f"existing schema of database {database}. Nothing was changed."
        )
    if may_create:
        return None
    owner = db_owner if schema_owner in (None, "pg_database_owner") else schema_owner
    give = (
        f"ALTER DATABASE {_ident(database)} OWNER TO {_ident(user)}"
        if owner == db_owner
        else f"ALTER SCHEMA {_ident(schema)} OWNER TO {_ident(user)}"
    )
    return (
        f"role {user} may not create tables in schema {schema} of database {database}: "
        f"`okrtui db upgrade` is run by the role that owns the database (here {owner}), "
        f"e.g. `sudo -u {owner} okrtui db upgrade --db {url}`; or a superuser first makes "
        f"the admin who runs it the owner (`{give};`), and that admin becomes okrtui's "
        "first admin. Nothing was changed."
    )


def _ident(name: str) -> str:
    """An SQL identifier as a human would type it (quoted only when needed)."""
    if name.isidentifier() and name == name.lower() and name.isascii():
        return name
    return '"' + name.replace('"', '""') + '"'


def upgrade_pg(engine: Engine) -> tuple[str | None, str]:
    """Migrate a server database to HEAD in one transaction: (revision before, after)."""
    from store.db.database import refuse_newer_schema
    from store.db.migrate import upgrade_to_head

    before, has_tables = read_pg_revision(engine)
    where = display_url(str(engine.url))
    refuse_newer_schema(where, before)
    if before is None and has_tables:
        raise DatabaseError(
            f"{where} holds okrtui-like tables but no schema revision; not touching it"
        )
    if before == HEAD:
        return before, HEAD
    refusal = upgrade_refusal(engine)
    if refusal is not None:
        raise DatabaseError(f"could not upgrade {where}: {refusal}")
    try:
        upgrade_to_head(migration_engine(engine))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        state = getattr(orig, "sqlstate", None)
        if state == LOCK_NOT_AVAILABLE:
            reason = (
                f"other sessions kept okrtui's tables busy for {LOCK_TIMEOUT_MS / 1000:g} s "
                "(the upgrade needs them to itself for a moment); try again"
            )
        elif state == INSUFFICIENT_PRIVILEGE:
            reason = f"{_reason(orig)} ({UPGRADE_HINT})"
        else:
            reason = str(orig).strip()
        raise DatabaseError(
            f"could not upgrade {where}: {reason}. The migration ran in one transaction, "
            "so the schema is as it was."
        ) from exc
    return before, HEAD


LARGE_OBJECTS = (
    "pg_catalog.lo_create(oid)", "pg_catalog.lo_creat(integer)",
    "pg_catalog.lo_from_bytea(oid, bytea)",
)  # fmt: skip
"""The functions that create large objects (migration 0006 revokes them when it may)."""
_PUBLIC_LARGE_OBJECTS = " OR ".join(
    f"pg_catalog.has_function_privilege('public', '{f}', 'EXECUTE')" for f in LARGE_OBJECTS
)

_EXPOSURE = f"""
SELECT current_database(), pg_catalog.pg_get_userbyid(d.datdba),
       pg_catalog.has_database_privilege('public', current_database(), 'TEMPORARY'),
       n.nspname, pg_catalog.has_schema_privilege('public', n.oid, 'CREATE'),
       CASE WHEN pg_catalog.pg_get_userbyid(n.nspowner) = 'pg_database_owner'
            THEN pg_catalog.pg_get_userbyid(d.datdba)
            ELSE pg_catalog.pg_get_userbyid(n.nspowner) END,
       {_PUBLIC_LARGE_OBJECTS}
FROM pg_catalog.pg_database d, pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE d.datname = current_database() AND c.oid = pg_catalog.to_regclass('alembic_version')
"""


def security_warnings(engine: Engine) -> list[str]:
    """What still lets every role create objects okrtui's sessions could meet: TEMP on
    the database or CREATE on okrtui's schema for PUBLIC (0005 revokes both when the
    role running it may; only the database's or schema's owner may); and large objects,
    which fill the disk (0006 revokes them when a superuser runs it: only one may)."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(_EXPOSURE).one_or_none()
        conn.rollback()
    if row is None:
        return []
    database, db_owner, temp, schema, create, schema_owner, large_objects = row
    warnings = []
    if temp:
        warnings.append(
            f"every role may create temporary tables in database {database}: its owner "
            f"({db_owner}) should run `REVOKE TEMPORARY ON DATABASE {_ident(database)} FROM "
            "PUBLIC` (README: PostgreSQL, threat model)"
        )
    if create:
        warnings.append(
            f"every role may create objects in okrtui's schema {schema}: its owner "
            f"({schema_owner}) should run `REVOKE CREATE ON SCHEMA {_ident(schema)} FROM "
            "PUBLIC` (README: PostgreSQL, threat model)"
        )
    for table, check in _unchecked(engine):
        warnings.append(
            f"table {table} holds values okrtui cannot read, written before migration 0006 "
            "(okrtui skips them; a change of such a row is refused until it is corrected): "
            f"the tables' owner finds the first with `ALTER TABLE {_ident(table)} VALIDATE "
            f"CONSTRAINT {check}` (its error shows the row), corrects or deletes it, and "
            "runs that statement again until it succeeds"
        )
    if large_objects:
        warnings.append(
            f"every role may create large objects in database {database}, which fill its "
            "disk and only a superuser can remove: a superuser should run "
            f"`REVOKE EXECUTE ON FUNCTION {', '.join(LARGE_OBJECTS)} FROM PUBLIC` in it (README: "
            "PostgreSQL, threat model)"
        )
    return warnings


_UNCHECKED = """
SELECT c.conrelid::pg_catalog.regclass::text, c.conname FROM pg_catalog.pg_constraint c
WHERE c.conname ~ '^okrtui_[a-z_]+_sane_values$' AND NOT c.convalidated
  AND c.connamespace = (SELECT t.relnamespace FROM pg_catalog.pg_class t
                        WHERE t.oid = pg_catalog.to_regclass('alembic_version'))
ORDER BY 1
"""


def _unchecked(engine: Engine) -> list[tuple[str, str]]:
    """(table, CHECK) of okrtui's value checks (0006) still NOT VALID: rows from before."""
    with engine.connect() as conn:
        rows = [(str(t), str(c)) for t, c in conn.exec_driver_sql(_UNCHECKED)]
        conn.rollback()
    return rows
