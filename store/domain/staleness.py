"""When a key result's check-in is owed or stale, from the time of its last one.

Pure, like the scoring rules, so the tree's marks, the inbox, ``okrtui remind`` and the
report all agree. Days are whole calendar days in UTC (check-in times are stored in UTC).
"""

from datetime import UTC, date, datetime, timedelta

DEFAULT_CADENCE_DAYS = 7
"""A key result is stale after this many days without a check-in (config ``[team]``)."""


def day_of(moment: datetime | date) -> date:
    """The UTC calendar day of a stored time (a date stays as it is)."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(UTC).date()
    return moment


def week_start(today: date) -> date:
    """The Monday of ``today``'s week: check-ins are owed once per week from it."""
    return today - timedelta(days=today.weekday())


def counted_since(period_start: date, created: datetime | date | None) -> date:
    """Where a key result's days without a check-in start: its period's start, or the day
    it was added when that came later (added today, it is not 63 days stale)."""
    return period_start if created is None else max(period_start, day_of(created))


def days_without(last: datetime | date | None, since: date, today: date) -> int:
    """Days since the last check-in, or since ``since`` if none (:func:`counted_since`)."""
    start = day_of(last) if last is not None else since
    return max((today - start).days, 0)


def is_stale(
    last: datetime | date | None, since: date, today: date, cadence: int = DEFAULT_CADENCE_DAYS
) -> bool:
    """More than ``cadence`` days without a check-in, once the period has begun (or the
    key result was added: a check-in dated earlier still counts from itself)."""
    if last is None and today < since:
        return False
    return days_without(last, since, today) > cadence


def is_owed(last: datetime | date | None, since: date, today: date) -> bool:
    """No check-in yet this week (counting from Monday), once the period has begun."""
    if today < since:
        return False
    return last is None or day_of(last) < max(week_start(today), since)
