"""Which tests also run on PostgreSQL: every test of these modules that uses ``db``.

A test of such a module that needs the SQLite file itself (it opens it with
``sqlite3``, chmods it, forks writers on it) carries ``@pytest.mark.sqlite_only``.
The PostgreSQL variants are skipped with the reason when no cluster can be started
(see tests/pg_cluster.py); CI always runs them.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from store.db.database import Database

BOTH_BACKENDS = frozenset(
    {
        "test_burnup_store",
        "test_checkins",
        "test_comments",
        "test_flow_key_results",
        "test_kpi_status",
        "test_kpis_store",
        "test_kr_ranges",
        "test_periods_store",
        "test_queries",
        "test_rights",
        "test_service",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: needs the SQLite file itself; not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run ``db`` tests of the listed modules once per backend."""
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.module.__name__.rsplit(".", 1)[-1] not in BOTH_BACKENDS:
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def dump(db: "Database") -> list[str]:
    """The whole database as text, to assert that a refused write changed nothing.

    SQLite: its own SQL dump (schema and rows). PostgreSQL: every row of every okrtui
    table, in primary-key order.
    """
    import sqlite3

    from sqlmodel import SQLModel

    if db.path is not None:
        with sqlite3.connect(f"file:{db.path}?mode=ro", uri=True) as conn:
            return list(conn.iterdump())
    out: list[str] = []
    with db.read() as conn:
        for table in SQLModel.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(table.select().order_by(*order)):
                out.append(f"{table.name} {tuple(row)!r}")
    return out


def query(db: "Database", sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` with ``?`` placeholders, on either backend."""
    import sqlite3

    if db.path is not None:
        with sqlite3.connect(f"file:{db.path}?mode=ro", uri=True) as conn:
            return conn.execute(sql, params).fetchall()
    with db.read() as conn:
        result = conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params))
        return [tuple(map(_as_sqlite, row)) for row in result] if result.returns_rows else []


def _as_sqlite(value: Any) -> Any:
    """Dates and times as SQLite (through SQLAlchemy) stores them: ISO text."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value
