"""Pace and forecast: where a key result should be by today, and where it is heading.

Pure functions, like :mod:`store.domain.scoring`: a forecast is only made from enough
history (two distinct days spanning a week, or a tenth of the period), never from
check-ins minutes apart.
"""

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from store.domain.scoring import _finite


def _as_date(d: date) -> date:
    """Dates compare with dates only; a datetime passed by mistake is reduced to its day."""
    return d.date() if isinstance(d, datetime) else d


def expected_progress(start: date, end: date, today: date) -> float:
    """Share of the period elapsed (linear, as Viva Goals did), in [0, 1].

    An empty or inverted period is all or nothing: 1.0 once ``today >= end``.
    """
    start, end, today = _as_date(start), _as_date(end), _as_date(today)
    if end <= start:
        return 1.0 if today >= end else 0.0
    return min(max((today - start).days / (end - start).days, 0.0), 1.0)


def pace_gap(progress: float | None, expected: float) -> float | None:
    """How far ahead (+) or behind (−) the linear pace a KR is; None without data."""
    if progress is None or progress != progress or expected != expected:
        return None
    return _finite(progress - expected)


def is_behind_pace(progress: float | None, expected: float) -> bool:
    """True when the KR is strictly below the expected progress (no data is not behind)."""
    gap = pace_gap(progress, expected)
    return gap is not None and gap < 0.0


# --------------------------------------------------------------------------- forecast


def _days(t: datetime | date, ref: datetime) -> float:
    """Time as float days since ``ref``; aware datetimes are moved to UTC without
    ``astimezone`` (which overflows near year 1 and 9999)."""
    if isinstance(t, datetime):
        offset = t.utcoffset() or timedelta(0)
        naive = t.replace(tzinfo=None)
    else:
        offset = timedelta(0)
        naive = datetime(t.year, t.month, t.day)
    return ((naive - ref) - offset).total_seconds() / 86400.0


FORECAST_MIN_DAYS = 7.0
"""Check-ins must span this many days (or a tenth of the period) before a forecast."""


def forecast_span(period_start: date | None, period_end: date) -> float:
    """The days check-ins must span for a forecast: a week, or a tenth of a shorter period."""
    if period_start is None:
        return FORECAST_MIN_DAYS
    days = (_as_date(period_end) - _as_date(period_start)).days
    return min(FORECAST_MIN_DAYS, max(days, 0) / 10)


def forecast(
    points: Sequence[tuple[datetime | date, float]],
    period_end: date,
    period_start: date | None = None,
) -> float | None:
    """Least-squares straight line (a rate per day) through the check-ins, read at ``period_end``.

    Only from check-ins on at least two distinct days spanning at least
    :func:`forecast_span` days: two check-ins minutes apart make a rate per day out of
    noise (40 → 100 teams "forecast" 421K). None otherwise ("not enough data yet").
    ``period_end`` as a date means its midnight (the same point ``expected_progress``
    uses). Naive datetimes are taken as UTC, as the database stores them. Values are
    scaled by their largest magnitude first so sums of squares cannot overflow; the
    result is clamped to the finite range.
    """
    usable = [(t, v) for t, v in points if math.isfinite(v)]
    if len(usable) < 2:
        return None
    ref = datetime(2000, 1, 1)
    xs = [_days(t, ref) for t, _ in usable]
    if len({math.floor(x) for x in xs}) < 2 or max(xs) - min(xs) < forecast_span(
        period_start, period_end
    ):
        return None
    scale = max(abs(v) for _, v in usable)
    if scale == 0.0:
        return 0.0  # every value is 0: the line is flat at 0
    ys = [v / scale for _, v in usable]
    n = len(xs)
    mx = math.fsum(xs) / n
    my = math.fsum(ys) / n
    sxx = math.fsum((x - mx) * (x - mx) for x in xs)  # > 0: the days are not all the same
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    projected = my + slope * (_days(period_end, ref) - mx)
    return _finite(projected * scale)
