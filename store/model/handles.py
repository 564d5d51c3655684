"""SQLAlchemy Core handles on okrtui's tables, for the read models that build queries.

Kept out of store/read/tree.py's imports: importing the ORM models costs ≈60 ms of class
creation (plus SQLAlchemy itself), which the TUI's first frame does not need
(bench/README.md). Import this module inside the functions that use it.
"""

from sqlalchemy import Table
from sqlmodel import SQLModel

from store.model.tables import (
    Activity,
    CheckIn,
    Collaborator,
    KeyResult,
    Kpi,
    KpiSource,
    KpiValue,
    Objective,
    Period,
)


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a SQLModel table class."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel at class creation, untyped
    return table


_TABLES = {
    table_of(m).name: table_of(m)
    for m in (
        Period,
        Objective,
        KeyResult,
        Collaborator,
        CheckIn,
        Kpi,
        KpiValue,
        Activity,
        KpiSource,
    )
}
# Column collections, short because the queries use them on every line.
P, OB, KR, C = (_TABLES[n].c for n in ("period", "objective", "key_result", "collaborator"))
CI, K, KV = (_TABLES[n].c for n in ("check_in", "kpi", "kpi_value"))
OBJECTIVE_T, KR_T, KPI_T, KV_T = (
    _TABLES[n] for n in ("objective", "key_result", "kpi", "kpi_value")
)
PERIOD_T, CHECK_IN_T, ACTIVITY_T = (_TABLES[n] for n in ("period", "check_in", "activity"))
KS = _TABLES["kpi_source"].c
KPI_SOURCE_T = _TABLES["kpi_source"]
