"""Cadence, overdue values and flow totals: when a KPI's value is due and how its values
add up (issue 18). Pure functions on dates, used by the panels, ``okrtui kpi list
--overdue`` and the key results a flow KPI drives.

A KPI with a cadence wants one value per period (a day, an ISO week from Monday, a
calendar month or quarter). The value for a period is due by the end of the next one:
a monthly KPI is overdue on 1 December when its latest value is from September or
earlier (October's figure may arrive during November).
"""

from collections.abc import Iterable
from datetime import date, timedelta

from store.model.enums import Cadence


def period_start(cadence: Cadence, day: date) -> date:
    """The first day of the period of ``cadence`` holding ``day``."""
    if cadence == Cadence.DAILY:
        return day
    if cadence == Cadence.WEEKLY:
        return day - timedelta(days=day.weekday())
    if cadence == Cadence.MONTHLY:
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def next_period_start(cadence: Cadence, day: date) -> date:
    """The first day of the period after the one holding ``day``."""
    start = period_start(cadence, day)
    if cadence == Cadence.DAILY:
        return start + timedelta(days=1)
    if cadence == Cadence.WEEKLY:
        return start + timedelta(days=7)
    months = 1 if cadence == Cadence.MONTHLY else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def due_by(cadence: Cadence, latest: date) -> date:
    """The last day on which the next value is still on time: the end of the period after
    the latest value's."""
    return next_period_start(cadence, next_period_start(cadence, latest)) - timedelta(days=1)


def is_overdue(cadence: Cadence | None, latest: date | None, today: date) -> bool:
    """Whether a KPI's next value is late: it has a cadence and either no value at all or
    none since the period before the current one."""
    if cadence is None:
        return False
    if latest is None:
        return True
    return today > due_by(cadence, latest)


def flow_total(values: Iterable[tuple[date, float]], start: date, end: date) -> float | None:
    """The sum of a flow KPI's values dated ``start``..``end`` (inclusive); None when
    there is none (no data is not zero)."""
    inside = [value for day, value in values if start <= day <= end]
    return sum(inside) + 0.0 if inside else None


def flow_series(cadence: Cadence, values: Iterable[tuple[date, float]]) -> list[tuple[date, float]]:
    """A flow KPI's values summed per period of ``cadence``: (period start, total), oldest
    first; what its panel's sparkline and latest figure show."""
    totals: dict[date, float] = {}
    for day, value in values:
        start = period_start(cadence, day)
        totals[start] = totals.get(start, 0.0) + value
    return sorted(totals.items())


def in_range(value: float | None, low: float | None, high: float | None) -> bool | None:
    """Whether ``value`` stays within ``low``..``high`` (inclusive; a missing bound is
    open); None without a value or without any bound."""
    if value is None or (low is None and high is None):
        return None
    return (low is None or value >= low) and (high is None or value <= high)
