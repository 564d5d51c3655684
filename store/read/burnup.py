"""The values behind burn-up charts: key results' check-ins and KPI-driven ones' KPI values.

A screen or report draws the charts of many key results at once (an objective's, a
period's), so they are read together: one query for the check-ins of every key result
named and one for the values of the KPIs some of them follow (within the period: a
KPI-driven key result's value is its KPI's, up to the period's end), never a query per
key result. Values okrtui cannot read (a hand-edited file) are left out, as in
:func:`store.read.checkins.kr_history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from store.db.database import Database
from store.db.sql import readable_day, readable_number, readable_time
from store.domain.burnup import KrSpec, Sample
from store.model.enums import Confidence
from store.model.rows import KrRow, PeriodRow
from store.read.tree import BATCH_LIMIT

CHECK_INS = (
    "SELECT key_result_id, value, confidence, created_at FROM check_in "
    "WHERE key_result_id IN ({marks}) ORDER BY created_at, id"
)
KPI_VALUES = (
    "SELECT kpi_id, value, observed_on FROM kpi_value WHERE kpi_id IN ({marks}) "
    "AND observed_on >= :start AND observed_on <= :end ORDER BY observed_on"
)
_CONFIDENCES = {c.value: c for c in Confidence}


def spec_of(kr: KrRow) -> KrSpec:
    """A key result's scoring inputs, as the burn-up computations take them."""
    return KrSpec(kr.kind, kr.direction, kr.start, kr.target, kr.weight)


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    unique = list(dict.fromkeys(ids))
    for first in range(0, len(unique), BATCH_LIMIT):
        yield unique[first : first + BATCH_LIMIT]


def _marks(ids: list[int]) -> tuple[str, dict[str, object]]:
    """``:k0, :k1, …`` for an ``IN`` list, and the parameters naming ``ids``."""
    params: dict[str, object] = {f"k{i}": one for i, one in enumerate(ids)}
    return ", ".join(f":{name}" for name in params), params


def burnup_samples(
    db: Database, key_results: Sequence[KrRow], period: PeriodRow
) -> dict[int, list[Sample]]:
    """Each key result's values, oldest first: id → samples (empty when it has none).

    One query for the check-ins of all of them and one for their KPIs' values in the
    period (one more per :data:`~store.read.tree.BATCH_LIMIT` ids).
    """
    out: dict[int, list[Sample]] = {kr.id: [] for kr in key_results}
    if not out:
        return out
    own = [kr.id for kr in key_results if kr.kpi_id is None]
    followers: dict[int, list[int]] = {}
    for kr in key_results:
        if kr.kpi_id is not None:
            followers.setdefault(kr.kpi_id, []).append(kr.id)
    dates: dict[str, object] = {
        "start": period.starts_on.isoformat(),
        "end": period.ends_on.isoformat(),
    }
    with db.plain_read() as fetch:
        for batch in _batches(own):
            marks, params = _marks(batch)
            for kr_id, value, confidence, created_at in fetch(
                CHECK_INS.format(marks=marks), params
            ):
                when, number = readable_time(created_at), readable_number(value)
                if when is None or number is None or kr_id not in out:
                    continue
                sure = _CONFIDENCES.get(confidence) if isinstance(confidence, str) else None
                out[kr_id].append(Sample(when, number, sure))
        for batch in _batches(followers):
            marks, params = _marks(batch)
            for kpi_id, value, observed_on in fetch(KPI_VALUES.format(marks=marks), params | dates):
                day, number = readable_day(observed_on), readable_number(value)
                if day is None or number is None:
                    continue
                for kr_id in followers.get(kpi_id, ()):
                    out[kr_id].append(Sample(day, number))
    return out
