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

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from store.db import pg_conn
from store.db.pg_conn import (
    INSUFFICIENT_PRIVILEGE,
    LOCK_NOT_AVAILABLE,
    QUERY_CANCELED,
    UPGRADE_HINT,
    WRITE_LOCK,
    busy,
    check_schema,
    connect_args,
    display_url,
    reason,
    refuse_unknown_scheme,
    register_lenient_loaders,
    schema_state,
)
from store.db.schema import HEAD
from store.db.sql import Fetch
from store.errors import DatabaseError

WRITE_OPTION = "okrtui_write"
MIGRATION_OPTION = "okrtui_migration"


def _on_begin(conn: Connection) -> None:
    # psycopg opens the transaction implicitly with the first statement.
    options = conn.get_execution_options()
    if options.get(MIGRATION_OPTION):
        # DDL takes its own table locks; a migration may take longer than a statement.
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {pg_conn.LOCK_TIMEOUT_MS}")
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    elif options.get(WRITE_OPTION):
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {pg_conn.LOCK_TIMEOUT_MS}")
        conn.exec_driver_sql(f"SELECT {WRITE_LOCK}()")


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
    raise busy(bool(options.get(WRITE_OPTION)), state, reason(orig))


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    register_lenient_loaders(dbapi_conn)


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


def migration_engine(engine: Engine) -> Engine:
    """``engine`` for running migrations: no write lock, no statement time limit."""
    return engine.execution_options(**{MIGRATION_OPTION: True})


def read_pg_revision(engine: Engine) -> tuple[str | None, bool]:
    """The stored schema revision, and whether any okrtui table exists at all."""
    try:
        with engine.connect() as conn:
            found = schema_state(_fetch_of(conn))
            conn.rollback()
    except SQLAlchemyError as exc:
        why = reason(getattr(exc, "orig", None) or exc)
        raise DatabaseError(
            f"cannot connect to the database {display_url(str(engine.url))}: {why}"
        ) from exc
    return found


def _fetch_of(conn: Connection) -> Fetch:
    return lambda sql, params: [tuple(row) for row in conn.exec_driver_sql(sql)]


def check_pg_schema(engine: Engine) -> str:
    """Refuse a server database whose schema is not exactly this okrtui's; returns HEAD."""
    return check_schema(display_url(str(engine.url)), *read_pg_revision(engine))


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
            why = (
                f"other sessions kept okrtui's tables busy for "
                f"{pg_conn.LOCK_TIMEOUT_MS / 1000:g} s (the upgrade needs them to itself for a "
                "moment); try again"
            )
        elif state == INSUFFICIENT_PRIVILEGE:
            why = f"{reason(orig)} ({UPGRADE_HINT})"
        else:
            why = str(orig).strip()
        raise DatabaseError(
            f"could not upgrade {where}: {why}. The migration ran in one transaction, "
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
