"""What a KPI's panel says beside its values (issue 18): the figure it shows (a flow's
current-period total), whether a value is overdue for its cadence, whether its range
holds, and how its source's last pull went. One rule for the dashboard and ``okrtui kpi
list``, so the two never disagree.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from store.db.database import Database
from store.domain.cadence import (
    flow_series,
    flow_total,
    in_range,
    is_overdue,
    period_start,
)
from store.model.enums import Aggregation, Cadence, SourceKind
from store.model.rows import KpiPanel
from store.read.kpi_sources import SourceRow

FLOW_CADENCE = Cadence.MONTHLY
"""The period a flow KPI without a cadence sums over."""
PERIOD_LABEL = {
    Cadence.DAILY: "today",
    Cadence.WEEKLY: "this week",
    Cadence.MONTHLY: "this month",
    Cadence.QUARTERLY: "this quarter",
}
PREVIOUS_LABEL = {
    Cadence.DAILY: "yesterday",
    Cadence.WEEKLY: "last week",
    Cadence.MONTHLY: "last month",
    Cadence.QUARTERLY: "last quarter",
}
FLOW_PERIODS = 26
"""How many periods of a flow KPI the dashboard reads (its sparkline's bars)."""


@dataclass(frozen=True)
class KpiStatus:
    """A KPI's figure and marks as of a day."""

    figure: float | None  # a level's latest value; a flow's total of the current period
    figure_on: date | None  # the latest value's day
    label: str  # "" for a level; "this month" (…) for a flow's total
    previous: float | None  # the value, or the previous period's total, before the figure
    previous_label: str  # "" for a level; "last month" (…) for a flow: a period so far is
    # not compared with a whole one as if it were a move
    series: tuple[float, ...]  # what the sparkline draws: values, or a flow's totals
    overdue: bool
    in_range: bool | None  # None without a range or a figure
    source: SourceKind | None
    last_success: datetime | None
    last_error: str | None


def flow_cadence(panel: KpiPanel) -> Cadence:
    return panel.cadence or FLOW_CADENCE


def kpi_status(panel: KpiPanel, source: SourceRow | None, today: date) -> KpiStatus:
    """``panel``'s status on ``today``; a flow's totals come from ``panel.values``, which
    must reach back to the periods wanted (:func:`with_flow_history`)."""
    latest = panel.latest
    latest_on = latest[0] if latest else None
    if panel.aggregation == Aggregation.FLOW:
        cadence = flow_cadence(panel)
        start = period_start(cadence, today)
        figure = flow_total(panel.values, start, today)
        before = period_start(cadence, _day_before(start))
        previous = flow_total(panel.values, before, _day_before(start))
        totals = flow_series(cadence, (v for v in panel.values if v[0] <= today))
        series = tuple(total for _, total in totals)
        label, previous_label = PERIOD_LABEL[cadence], PREVIOUS_LABEL[cadence]
    else:
        previous_value = panel.previous
        figure = latest[1] if latest else None
        previous = previous_value[1] if previous_value else None
        series = tuple(v for _, v in panel.values)
        label = previous_label = ""
    return KpiStatus(
        figure, latest_on, label, previous, previous_label, series,
        is_overdue(panel.cadence, latest_on, today),
        in_range(figure, panel.range_low, panel.range_high),
        source.kind if source else None,
        source.last_success_at if source else None,
        source.last_error if source else None,
    )  # fmt: skip


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def flow_since(cadence: Cadence, today: date, periods: int) -> date:
    """The first day of the ``periods``-th period back from ``today``'s (inclusive)."""
    start = period_start(cadence, today)
    for _ in range(max(periods, 1) - 1):
        start = period_start(cadence, _day_before(start))
    return start


def with_flow_history(
    db: Database, panels: list[KpiPanel], today: date, periods: int = FLOW_PERIODS
) -> list[KpiPanel]:
    """``panels`` with each flow KPI's values of its last ``periods`` periods (a dashboard
    reads a level's last N values; N values of a daily flow do not make a month). One
    indexed range per flow KPI, bounded by dates."""
    from sqlalchemy import bindparam, select, type_coerce
    from sqlalchemy.types import NullType

    from store.model.handles import KV
    from store.read.kpi_panels import readable_values

    flows = [p for p in panels if p.aggregation == Aggregation.FLOW]
    if not flows:
        return panels
    stmt = (
        select(type_coerce(KV.observed_on, NullType()), KV.value)
        .where(KV.kpi_id == bindparam("kpi"), KV.observed_on >= bindparam("since"),
               KV.observed_on <= bindparam("until"))
        .order_by(KV.observed_on)
    )  # fmt: skip
    read: dict[int, KpiPanel] = {}
    with db.read() as conn:
        for p in flows:
            since = flow_since(flow_cadence(p), today, periods)
            rows = conn.execute(stmt, {"kpi": p.id, "since": since, "until": today}).all()
            read[p.id] = replace(p, values=tuple(readable_values(rows)))
    return [read.get(p.id, p) for p in panels]
