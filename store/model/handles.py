"""SQLAlchemy Core handles on okrtui's tables, for the read models that build queries.

Kept out of store/queries.py's imports: importing the ORM models costs ≈60 ms of class
creation (plus SQLAlchemy itself), which the TUI's first frame does not need
(bench/README.md). Import this module inside the functions that use it.
"""

from store.model.tables import CheckIn, Collaborator, KeyResult, Kpi, KpiValue, Objective, Period

_TABLES = {t.name: t for t in (Period.__table__, Objective.__table__, KeyResult.__table__,  # type: ignore[attr-defined]
                               Collaborator.__table__, CheckIn.__table__, Kpi.__table__,  # type: ignore[attr-defined]
                               KpiValue.__table__)}  # type: ignore[attr-defined]  # fmt: skip
# Column collections, short because the queries use them on every line.
P, OB, KR, C = (_TABLES[n].c for n in ("period", "objective", "key_result", "collaborator"))
CI, K, KV = (_TABLES[n].c for n in ("check_in", "kpi", "kpi_value"))
OBJECTIVE_T, KR_T, KPI_T, KV_T = (
    _TABLES[n] for n in ("objective", "key_result", "kpi", "kpi_value")
)
