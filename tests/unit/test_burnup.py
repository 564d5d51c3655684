"""Burn-up series (store/domain/burnup.py): the numbers the chart and the HTML report draw."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.domain.burnup import KrSpec, Sample, kr_burnup, objective_burnup
from store.model.enums import Confidence, Direction, Kind

START, END = date(2026, 10, 1), date(2026, 12, 31)  # 91 days
G, A, R = Confidence.ON_TRACK, Confidence.AT_RISK, Confidence.OFF_TRACK
UP = KrSpec(Kind.METRIC, Direction.INCREASE, 0.0, 100.0)


def at(day: int, month: int = 10, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_kr_points_are_progress_one_per_day_the_days_last() -> None:
    samples = [
        Sample(at(1), 10.0, G),
        Sample(at(8), 20.0, G),
        Sample(at(8, hour=17), 25.0, A),  # the same day, later: it wins
        Sample(at(15), 40.0, R),
    ]
    burn = kr_burnup(UP, samples, START, END, date(2026, 10, 20))
    assert burn.points == ((date(2026, 10, 1), 0.10), (date(2026, 10, 8), 0.25),
                           (date(2026, 10, 15), 0.40))  # fmt: skip
    assert burn.confidences == ((date(2026, 10, 1), G), (date(2026, 10, 8), A),
                                (date(2026, 10, 15), R))  # fmt: skip
    assert burn.expected_line == ((START, 0.0), (END, 1.0))
    assert burn.expected(date(2026, 11, 15)) == pytest.approx(45 / 91)
    assert burn.today_in_period
    assert burn.forecast is not None  # 14 days of check-ins: projected well past the target
    assert burn.top == burn.forecast[1][1] > 1.0


def test_kr_forecast_is_the_least_squares_line_from_the_last_check_in_to_the_end() -> None:
    # 10 a week from 0 on Oct 1: the line is exact, at Dec 31 (91 days) 130.
    samples = [Sample(at(1 + 7 * i), 10.0 * i) for i in range(4)]
    burn = kr_burnup(UP, samples, START, END, date(2026, 10, 25))
    assert burn.forecast is not None
    (d0, p0), (d1, p1) = burn.forecast
    assert d0 == date(2026, 10, 22) and d1 == END
    # the line at 09:00 on the last check-in's day, read at midnight of each end
    assert p0 == pytest.approx((21 - 9 / 24) * 10 / 7 / 100)
    assert p1 == pytest.approx((91 - 9 / 24) * 10 / 7 / 100)
    assert burn.top == pytest.approx(p1)  # overperforming forecast: the chart reaches it


def test_kr_decrease_is_progress_towards_a_lower_target() -> None:
    down = KrSpec(Kind.METRIC, Direction.DECREASE, 200.0, 100.0)
    burn = kr_burnup(down, [Sample(at(1), 200.0), Sample(at(10), 150.0)], START, END, END)
    assert [p for _, p in burn.points] == [0.0, 0.5]


def test_no_forecast_without_a_week_of_check_ins_nor_for_a_milestone() -> None:
    close = [Sample(at(1), 10.0), Sample(at(3), 30.0)]
    assert kr_burnup(UP, close, START, END, END).forecast is None
    milestone = KrSpec(Kind.MILESTONE, Direction.INCREASE, None, 1.0)
    done = [Sample(at(1), 0.0), Sample(at(20), 1.0)]
    burn = kr_burnup(milestone, done, START, END, END)
    assert [p for _, p in burn.points] == [0.0, 1.0]
    assert burn.forecast is None


def test_values_outside_the_period_are_drawn_at_its_ends() -> None:
    samples = [Sample(datetime(2026, 9, 28, tzinfo=UTC), 5.0), Sample(date(2027, 1, 3), 90.0)]
    burn = kr_burnup(UP, samples, START, END, END)
    assert burn.points == ((START, 0.05), (END, 0.9))
    assert not kr_burnup(UP, samples, START, END, date(2027, 2, 1)).today_in_period


def test_a_kr_without_a_target_has_no_points() -> None:
    spec = KrSpec(Kind.METRIC, Direction.INCREASE, 0.0, None)
    burn = kr_burnup(spec, [Sample(at(1), 5.0)], START, END, END)
    assert burn.points == () and burn.forecast is None


def test_objective_score_over_time_rolls_up_each_days_latest_values() -> None:
    a = KrSpec(Kind.METRIC, Direction.INCREASE, 0.0, 100.0, weight=1.0)
    b = KrSpec(Kind.METRIC, Direction.INCREASE, 0.0, 10.0, weight=3.0)
    krs = [
        (a, [Sample(at(1), 40.0, G), Sample(at(15), 200.0, G)]),  # capped at 1.0
        (b, [Sample(at(8), 5.0, A)]),
    ]
    burn = objective_burnup(krs, START, END, date(2026, 10, 20))
    # Oct 1: a 0.4, b none (0) → 0.4/4; Oct 8: (0.4 + 3×0.5)/4; Oct 15: (1 + 1.5)/4
    assert burn.points == (
        (date(2026, 10, 1), pytest.approx(0.1)),
        (date(2026, 10, 8), pytest.approx(0.475)),
        (date(2026, 10, 15), pytest.approx(0.625)),
    )
    # the worst latest confidence of its KRs on each day
    assert [c for _, c in burn.confidences] == [G, A, A]
    assert burn.forecast is not None  # three days spanning two weeks
    (d0, _), (d1, p1) = burn.forecast
    assert d0 == date(2026, 10, 15) and d1 == END and 0.0 <= p1 <= 1.0


def test_objective_without_values_has_an_empty_series() -> None:
    burn = objective_burnup([(UP, [])], START, END, END)
    assert burn.points == () and burn.confidences == () and burn.forecast is None
    assert burn.top == 1.0


@given(
    st.lists(
        st.tuples(
            st.floats(0.1, 5.0),  # weight
            st.lists(st.tuples(st.integers(0, 90), st.floats(-50, 250)), max_size=8),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_an_objectives_series_is_its_score_on_every_day(krs) -> None:
    """Each point is objective_score over every KR's latest value up to that day (a naive
    recomputation), the last point the score with every KR at its latest, all in [0, 1]."""
    from datetime import timedelta

    from store.domain.scoring import objective_score

    series = [
        (KrSpec(Kind.METRIC, Direction.INCREASE, 0.0, 100.0, weight),
         [Sample(START + timedelta(days=d), v) for d, v in sorted(values, key=lambda p: p[0])])
        for weight, values in krs
    ]  # fmt: skip
    burn = objective_burnup(series, START, END, END)
    days = sorted({s.at for _, samples in series for s in samples})
    assert [d for d, _ in burn.points] == days
    for day, score in burn.points:
        expected = objective_score([
            (spec.progress(([s for s in samples if s.at <= day] or [None])[-1].value)
             if any(s.at <= day for s in samples) else None, spec.weight)
            for spec, samples in series
        ])  # fmt: skip
        assert score == pytest.approx(expected)
        assert 0.0 <= score <= 1.0
