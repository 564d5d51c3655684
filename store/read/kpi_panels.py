"""The KPI dashboard's panels: every KPI with its last values (one short query each, by
index), values okrtui cannot read left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from store.db.database import Database
from store.db.sql import readable_day, readable_number
from store.model.enums import Aggregation, Cadence
from store.model.rows import (
    KpiPanel,
)

_CADENCES = {c.value: c for c in Cadence}
_AGGREGATIONS = {a.value: a for a in Aggregation}


def kpi_panels(
    db: Database, last: int = 26, include_archived: bool = False, as_of: date | None = None
) -> list[KpiPanel]:
    """Every KPI with only its last ``last`` values (up to ``as_of``, when given: a closed
    period's report shows the KPIs as they stood at its end), never the whole history.

    One indexed ``ORDER BY observed_on DESC LIMIT n`` per KPI (≈0.1 ms each): joining the
    values to a per-KPI cutoff made SQLite evaluate the cutoff for every stored value,
    ≈200 ms for 50 KPIs × 5 years of daily values (bench/).
    """
    from sqlalchemy import bindparam, select, type_coerce
    from sqlalchemy.types import NullType

    from store.model.handles import KV, K

    kpis_stmt = select(
        K.id,
        K.name,
        K.unit,
        K.category,
        K.owner,
        K.team,
        K.direction,
        K.target,
        K.green_threshold,
        K.red_threshold,
        K.parent_id,
        K.archived,
        K.cadence,
        K.aggregation,
        K.range_low,
        K.range_high,
    ).order_by(K.category, K.name)
    if not include_archived:
        kpis_stmt = kpis_stmt.where(K.archived.is_(False))
    latest = (
        select(type_coerce(KV.observed_on, NullType()), KV.value)  # as stored: see below
        .where(KV.kpi_id == bindparam("kpi"))
        .order_by(KV.observed_on.desc())
        .limit(max(last, 1))
    )
    if as_of is not None:
        latest = latest.where(KV.observed_on <= as_of)
    with db.read() as conn:
        kpis = conn.execute(kpis_stmt).all()
        values: dict[int, list[tuple[date, float]]] = {}
        for k in kpis:
            rows = conn.execute(latest, {"kpi": k.id}).all()
            values[k.id] = readable_values(reversed(rows))
    return [
        KpiPanel(
            k.id,
            k.name,
            k.unit,
            k.category,
            k.owner,
            k.team,
            k.direction,
            readable_number(k.target),
            readable_number(k.green_threshold),
            readable_number(k.red_threshold),
            k.parent_id,
            k.archived,
            tuple(values.get(k.id, ())),
            _CADENCES.get(str(k.cadence)),
            _AGGREGATIONS.get(str(k.aggregation), Aggregation.LEVEL),
            readable_number(k.range_low),
            readable_number(k.range_high),
        )
        for k in kpis
    ]


def readable_values(rows: Iterable[Any]) -> list[tuple[date, float]]:
    """(day, value) rows of a KPI without those okrtui cannot read (a day that is not one
    or out of range, a value that is not a finite number: the SQLite file edited by
    hand, a PostgreSQL row from before migration 0006); they would crash the chart."""
    out = []
    for day, value in rows:
        on, number = readable_day(day), readable_number(value)
        if on is not None and number is not None:
            out.append((on, number))
    return out
