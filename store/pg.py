"""PostgreSQL: engine, write serialisation and the schema check at start.

Why it looks like this:

* **Writes take one advisory lock.** The service reads, checks and then writes in
  one transaction (a check-in reads the KR's current value, a KPI value replaces
  the day's value, "add to a KR" adds to the latest). Under PostgreSQL's default
  READ COMMITTED two such transactions could both read the old value and one update
  would be lost. Every okrtui write transaction therefore starts with
  ``pg_advisory_xact_lock``: okrtui's writers queue exactly as SQLite's
  ``BEGIN IMMEDIATE`` queues them, each then reads what the previous one committed,
  and nothing needs a retry loop (SERIALIZABLE would, and the write API is a context
  manager whose body cannot be re-run). Readers never wait: MVCC gives them a
  snapshot. A writer that waits longer than ``lock_timeout`` gets the same "busy,
  nothing was changed" message as on SQLite.
* **No DDL at run time.** Users of a server database normally may not create tables
  (and should not), so a normal start only *reads* ``alembic_version``: an empty or
  out-of-date schema is refused with a message naming ``okrtui db upgrade``, which an
  admin runs (PostgreSQL runs the whole migration in one transaction).
* ``postgresql://`` URLs mean psycopg 3, the driver of the ``okrtui[postgres]`` extra.
"""

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from store.schema import HEAD

# An arbitrary 64-bit key, "okrtui" in ASCII: the one lock every okrtui writer takes.
WRITE_LOCK_KEY = 0x6F6B72747569
LOCK_TIMEOUT_MS = 10_000
WRITE_OPTION = "okrtui_write"
# okrtui's own tables: an existing database may hold other applications' tables too.
OKRTUI_TABLES = ("period", "objective", "key_result", "check_in", "kpi", "activity")
UPGRADE_HINT = "an admin runs `okrtui db upgrade` (with --db or OKRTUI_DB naming it)"


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


def _on_begin(conn: Connection) -> None:
    # psycopg opens the transaction implicitly with the first statement.
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def make_pg_engine(url: str) -> Engine:
    """An engine whose write transactions queue on okrtui's advisory lock."""
    from store.db import DatabaseError

    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise DatabaseError(
            f"no PostgreSQL driver for {display_url(url)} ({exc}): install it with "
            "`pip install 'okrtui[postgres]'` (psycopg 3)"
        ) from exc
    except ArgumentError as exc:
        raise DatabaseError(f"not a usable database URL {display_url(url)}: {exc}") from exc
    event.listen(engine, "begin", _on_begin)
    return engine


def read_pg_revision(engine: Engine) -> tuple[str | None, bool]:
    """The stored schema revision, and whether any okrtui table exists at all."""
    from store.db import DatabaseError

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
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseError(
            f"cannot connect to the database {display_url(str(engine.url))}: {reason}"
        ) from exc
    return revision, any(name != "alembic_version" for name in names)


def _exists(conn: Connection, table: str) -> bool:
    # to_regclass follows search_path, so a URL may put okrtui in its own schema.
    return conn.exec_driver_sql(f"SELECT to_regclass('{table}') IS NOT NULL").scalar_one()


def check_pg_schema(engine: Engine) -> str:
    """Refuse a server database whose schema is not exactly this okrtui's; returns HEAD."""
    from store.db import DatabaseError, refuse_newer_schema

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


def upgrade_pg(engine: Engine) -> tuple[str | None, str]:
    """Migrate a server database to HEAD in one transaction: (revision before, after)."""
    from store.db import DatabaseError, refuse_newer_schema
    from store.migrate import upgrade_to_head

    before, has_tables = read_pg_revision(engine)
    where = display_url(str(engine.url))
    refuse_newer_schema(where, before)
    if before is None and has_tables:
        raise DatabaseError(
            f"{where} holds okrtui-like tables but no schema revision; not touching it"
        )
    if before == HEAD:
        return before, HEAD
    try:
        upgrade_to_head(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip()
        raise DatabaseError(
            f"could not upgrade {where}: {reason}. The migration ran in one transaction, "
            "so the schema is as it was."
        ) from exc
    return before, HEAD


def session_role(engine: Engine) -> str:
    """The database role this engine connects as (the Unix login under peer auth)."""
    with engine.connect() as conn:
        role: Any = conn.exec_driver_sql("SELECT current_user").scalar_one()
        conn.rollback()
    return str(role)
