"""``sql`` sources: one read-only query against any SQLAlchemy URL, with a time limit.

SQLite files are opened read-only (``mode=ro``: a mistyped path is an error, never a new
empty file) and the query is interrupted at the time limit; PostgreSQL runs it in a
``READ ONLY`` transaction with ``statement_timeout``. The URL's password, when the URL
came from a secret, is kept out of every message.
"""

import time
from collections.abc import Mapping
from typing import Any

from store.sources import secrets
from store.sources.values import MAX_ROWS, Observation, SourceError, rows_to_observations


def _url(spec: Mapping[str, Any]) -> tuple[Any, list[str]]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = str(spec["url"])
    hidden: list[str] = []
    if raw.startswith(("env:", "file:")):
        raw = secrets.resolve(raw)
        hidden.append(raw)
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise SourceError("the database URL is not a SQLAlchemy URL") from None
    if url.password:
        hidden.append(str(url.password))
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise SourceError("a sqlite source names a database file")
        path = database.removeprefix("file:").split("?", 1)[0]
        url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    return url, hidden


def fetch(spec: Mapping[str, Any]) -> list[Observation]:
    """Run the query; one number, or (date, value) rows."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    url, hidden = _url(spec)
    timeout = int(spec["timeout"])
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = timeout
    elif backend == "sqlite":
        connect_args["timeout"] = timeout
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise SourceError(secrets.scrub(f"cannot use the database URL: {exc}", hidden)) from None
    deadline = time.monotonic() + timeout
    if backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _limit(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA query_only = ON")
            dbapi_conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    try:
        with engine.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout * 1000}")
            rows = conn.execute(text(str(spec["query"]))).fetchmany(MAX_ROWS + 1)
            conn.rollback()
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        reason = str(detail).strip().splitlines()[0] if str(detail).strip() else type(exc).__name__
        if backend == "sqlite" and time.monotonic() > deadline:
            reason = f"time limit of {timeout} s reached ({reason})"
        raise SourceError(secrets.scrub(f"query failed: {reason}", hidden)) from None
    finally:
        engine.dispose()
    return rows_to_observations([tuple(row) for row in rows], "the query")
