"""Cadence, overdue, flow totals and ranges (store/domain/cadence.py)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.domain.cadence import (
    due_by,
    flow_series,
    flow_total,
    in_range,
    is_overdue,
    next_period_start,
    period_start,
)
from store.model.enums import Cadence


def test_period_starts() -> None:
    day = date(2026, 11, 26)  # a Thursday
    assert period_start(Cadence.DAILY, day) == day
    assert period_start(Cadence.WEEKLY, day) == date(2026, 11, 23)
    assert period_start(Cadence.MONTHLY, day) == date(2026, 11, 1)
    assert period_start(Cadence.QUARTERLY, day) == date(2026, 10, 1)
    assert next_period_start(Cadence.MONTHLY, date(2026, 12, 31)) == date(2027, 1, 1)
    assert next_period_start(Cadence.QUARTERLY, date(2026, 11, 1)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("cadence", "latest", "today", "overdue"),
    [
        (Cadence.MONTHLY, date(2026, 10, 31), date(2026, 11, 30), False),  # October's is in
        (Cadence.MONTHLY, date(2026, 9, 30), date(2026, 10, 31), False),  # due by Oct 31
        (Cadence.MONTHLY, date(2026, 9, 30), date(2026, 11, 1), True),
        (Cadence.MONTHLY, date(2026, 9, 1), date(2026, 10, 31), False),
        (Cadence.DAILY, date(2026, 11, 22), date(2026, 11, 23), False),
        (Cadence.DAILY, date(2026, 11, 21), date(2026, 11, 23), True),
        (Cadence.WEEKLY, date(2026, 11, 9), date(2026, 11, 22), False),
        (Cadence.WEEKLY, date(2026, 11, 9), date(2026, 11, 23), True),
        (Cadence.QUARTERLY, date(2026, 7, 1), date(2026, 12, 31), False),
        (Cadence.QUARTERLY, date(2026, 7, 1), date(2027, 1, 1), True),
    ],
)
def test_overdue_after_the_period_following_the_latest(
    cadence: Cadence, latest: date, today: date, overdue: bool
) -> None:
    assert is_overdue(cadence, latest, today) is overdue


def test_no_cadence_is_never_overdue_and_no_value_always_is() -> None:
    assert is_overdue(None, None, date(2026, 1, 1)) is False
    assert is_overdue(Cadence.QUARTERLY, None, date(2026, 1, 1)) is True
    assert due_by(Cadence.MONTHLY, date(2026, 9, 15)) == date(2026, 10, 31)


@given(st.sampled_from(list(Cadence)), st.dates(date(1971, 1, 1), date(2199, 1, 1)))
def test_a_value_is_on_time_through_the_next_period_and_late_the_day_after(
    cadence: Cadence, latest: date
) -> None:
    last_day = due_by(cadence, latest)
    assert not is_overdue(cadence, latest, last_day)
    assert is_overdue(cadence, latest, last_day + timedelta(days=1))
    assert period_start(cadence, last_day + timedelta(days=1)) > period_start(cadence, latest)


def test_flow_totals_and_series() -> None:
    values = [(date(2026, 10, 3), 5.0), (date(2026, 10, 20), 7.0), (date(2026, 11, 2), 1.0)]
    assert flow_total(values, date(2026, 10, 1), date(2026, 10, 31)) == 12
    assert flow_total(values, date(2026, 12, 1), date(2026, 12, 31)) is None
    assert flow_series(Cadence.MONTHLY, values) == [(date(2026, 10, 1), 12.0),
                                                    (date(2026, 11, 1), 1.0)]  # fmt: skip


def test_ranges_are_inclusive_and_may_be_open() -> None:
    assert in_range(30, 30, 50) and in_range(50, 30, 50)
    assert in_range(29.9, 30, 50) is False and in_range(50.1, 30, 50) is False
    assert in_range(1000, 30, None) is True and in_range(1, None, 50) is True
    assert in_range(None, 30, 50) is None and in_range(40, None, None) is None
