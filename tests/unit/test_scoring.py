"""Tests for store.domain.scoring: concrete formulas, degenerate cases and properties."""

import math
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from store.domain.explain import Explanation, explain_kr, explain_objective
from store.domain.kpi_rules import kpi_delta_is_good, kpi_health, trending_wrong_way
from store.domain.pace import expected_progress, forecast, is_behind_pace, pace_gap
from store.domain.scoring import (
    Thresholds,
    band,
    far_outside,
    grade_of,
    kr_progress,
    objective_score,
)
from store.format import format_number, format_percent, status_label
from store.model.enums import Band, Direction, Kind, KpiDirection

M, P, MS = Kind.METRIC, Kind.PERCENT, Kind.MILESTONE
INC, DEC = Direction.INCREASE, Direction.DECREASE
ABOVE, BELOW = Direction.STAY_ABOVE, Direction.STAY_BELOW
HIGHER, LOWER = KpiDirection.HIGHER, KpiDirection.LOWER

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
maybe = st.none() | finite
huge = st.sampled_from([sys.float_info.max, -sys.float_info.max, 1e308, -1e308, 5e-324, -5e-324])
any_float = finite | huge
maybe_any = st.none() | any_float


# --------------------------------------------------------------------------- KR progress


class TestMetricIncrease:
    def test_halfway(self) -> None:
        assert kr_progress(M, INC, 10, 100, 55) == 0.5

    def test_at_start_and_target(self) -> None:
        assert kr_progress(M, INC, 10, 100, 10) == 0.0
        assert kr_progress(M, INC, 10, 100, 100) == 1.0

    def test_overperforming_uncapped(self) -> None:
        assert kr_progress(M, INC, 10, 100, 145) == 1.5

    def test_below_start_clamped_to_zero(self) -> None:
        assert kr_progress(M, INC, 10, 100, 0) == 0.0

    def test_no_start_plain_ratio(self) -> None:
        assert kr_progress(M, INC, None, 100, 50) == 0.5

    def test_no_start_target_zero(self) -> None:
        assert kr_progress(M, INC, None, 0, 0) == 1.0
        assert kr_progress(M, INC, None, 0, 3) == 1.0
        assert kr_progress(M, INC, None, 0, -3) == 0.0

    def test_target_equals_start(self) -> None:
        assert kr_progress(M, INC, 50, 50, 50) == 1.0
        assert kr_progress(M, INC, 50, 50, 60) == 1.0
        assert kr_progress(M, INC, 50, 50, 49.9) == 0.0

    def test_zeros(self) -> None:
        assert kr_progress(M, INC, 0, 0, 0) == 1.0
        assert kr_progress(M, INC, 0, 10, 0) == 0.0

    def test_target_below_start_is_share_of_way(self) -> None:
        # Contradictory setup still measures the share of the way from start to target.
        assert kr_progress(M, INC, 100, 0, 25) == 0.75


class TestMetricDecrease:
    def test_halfway(self) -> None:
        assert kr_progress(M, DEC, 30, 10, 20) == 0.5

    def test_beyond_target(self) -> None:
        assert kr_progress(M, DEC, 30, 10, 0) == 1.5

    def test_moved_wrong_way(self) -> None:
        assert kr_progress(M, DEC, 30, 10, 40) == 0.0

    def test_no_start_plain_ratio(self) -> None:
        assert kr_progress(M, DEC, None, 10, 20) == 0.5
        assert kr_progress(M, DEC, None, 10, 5) == 2.0

    def test_no_start_current_zero(self) -> None:
        assert kr_progress(M, DEC, None, 10, 0) == 1.0

    def test_no_start_target_zero(self) -> None:
        assert kr_progress(M, DEC, None, 0, 5) == 0.0
        assert kr_progress(M, DEC, None, 0, 0) == 1.0
        assert kr_progress(M, DEC, None, 0, -1) == 1.0

    def test_no_start_negative_current(self) -> None:
        assert kr_progress(M, DEC, None, 10, -5) == 1.0

    def test_target_equals_start(self) -> None:
        assert kr_progress(M, DEC, 5, 5, 5) == 1.0
        assert kr_progress(M, DEC, 5, 5, 4) == 1.0
        assert kr_progress(M, DEC, 5, 5, 6) == 0.0


class TestHoldLine:
    def test_stay_above_inclusive(self) -> None:
        assert kr_progress(M, ABOVE, None, 99.5, 99.5) == 1.0
        assert kr_progress(M, ABOVE, None, 99.5, 100) == 1.0
        assert kr_progress(M, ABOVE, None, 99.5, 99.4) == 0.0

    def test_stay_below_inclusive(self) -> None:
        assert kr_progress(M, BELOW, 0, 200, 200) == 1.0
        assert kr_progress(M, BELOW, 0, 200, 150) == 1.0
        assert kr_progress(M, BELOW, 0, 200, 201) == 0.0

    def test_no_target(self) -> None:
        assert kr_progress(M, ABOVE, None, None, 5) is None


class TestPercentAndMilestone:
    def test_percent(self) -> None:
        assert kr_progress(P, INC, None, None, 45) == 0.45
        assert kr_progress(P, INC, None, None, 100) == 1.0
        assert kr_progress(P, INC, None, None, 120) == 1.2
        assert kr_progress(P, INC, None, None, -10) == 0.0

    def test_milestone(self) -> None:
        assert kr_progress(MS, INC, None, None, 1) == 1.0
        assert kr_progress(MS, INC, None, None, 0) == 0.0
        assert kr_progress(MS, INC, None, None, 0.5) == 1.0
        assert kr_progress(MS, INC, None, None, 0.49) == 0.0


def test_no_current_is_no_data() -> None:
    for kind in Kind:
        for direction in Direction:
            assert kr_progress(kind, direction, 0, 10, None) is None


def test_metric_without_target_is_no_data() -> None:
    assert kr_progress(M, INC, 0, None, 5) is None
    assert kr_progress(M, DEC, None, None, 5) is None


def test_huge_magnitudes_stay_finite() -> None:
    big = sys.float_info.max
    assert kr_progress(M, INC, -big, big, big) == 1.0
    assert kr_progress(M, INC, -big, big, 0) == 0.5
    assert kr_progress(M, INC, 0, 5e-324, big) == big
    assert kr_progress(M, DEC, None, big, 5e-324) == big


# --------------------------------------------------------------------------- bands


class TestBand:
    def test_boundaries_inclusive(self) -> None:
        assert band(1.0) is Band.ACHIEVED  # exactly the target: its own band
        assert band(0.1 + 0.2 + 0.7) is Band.ACHIEVED  # 1.0000000000000002: still exactly it
        assert band(1.0001) is Band.OVERPERFORMING
        assert band(0.9999) is Band.ON_TRACK
        assert band(0.7) is Band.ON_TRACK
        assert band(0.6999) is Band.AT_RISK
        assert band(0.3) is Band.AT_RISK
        assert band(0.2999) is Band.OFF_TRACK
        assert band(0.0) is Band.OFF_TRACK
        assert band(None) is Band.NO_DATA

    def test_custom_thresholds(self) -> None:
        t = Thresholds(overperforming=1.2, on_track=0.6, at_risk=0.4)
        assert band(1.0, t) is Band.ACHIEVED
        assert band(1.1, t) is Band.ON_TRACK
        assert band(1.2, t) is Band.OVERPERFORMING
        assert band(0.6, t) is Band.ON_TRACK
        assert band(0.5, t) is Band.AT_RISK
        assert band(0.39, t) is Band.OFF_TRACK

    def test_equal_thresholds_allowed(self) -> None:
        t = Thresholds(0.5, 0.5, 0.5)
        assert band(0.5, t) is Band.OVERPERFORMING
        assert band(0.49, t) is Band.OFF_TRACK

    @pytest.mark.parametrize(
        "values",
        [
            (0.5, 0.7, 0.3),
            (1.0, 0.3, 0.7),
            (1.0, 0.7, -0.1),
            (math.inf, 0.7, 0.3),
            (1.0, math.nan, 0.3),
            ("1", 0.7, 0.3),
        ],
    )
    def test_invalid_thresholds(self, values: tuple[float, float, float]) -> None:
        with pytest.raises(ValueError):
            Thresholds(*values)


# --------------------------------------------------------------------------- objectives


class TestObjectiveScore:
    def test_plain_mean(self) -> None:
        assert objective_score([(0.5, 1), (1.0, 1)]) == 0.75

    def test_caps_each_kr(self) -> None:
        assert objective_score([(2.0, 1), (0.0, 1)]) == 0.5

    def test_weights(self) -> None:
        assert objective_score([(1.0, 3), (0.0, 1)]) == 0.75

    def test_non_positive_weights_ignored(self) -> None:
        assert objective_score([(1.0, 1), (0.0, 0), (0.0, -2)]) == 1.0

    def test_missing_data_counts_as_zero(self) -> None:
        assert objective_score([(1.0, 1), (None, 1)]) == 0.5

    def test_all_missing_is_none(self) -> None:
        assert objective_score([(None, 1), (None, 2)]) is None
        assert objective_score([(None, 1)], [0.9]) is None

    def test_children_mean_when_no_krs(self) -> None:
        # Finding 9: a child with no data counts as 0, like a KR with no data.
        assert objective_score([], [0.5, 1.5, None]) == 0.5
        assert objective_score([], [None, None]) is None
        assert objective_score([(1.0, 0)], [0.2, 0.4]) == pytest.approx(0.3)

    def test_children_ignored_when_krs(self) -> None:
        assert objective_score([(0.2, 1)], [1.0]) == 0.2

    def test_nothing(self) -> None:
        assert objective_score([]) is None
        assert objective_score([], [None]) is None

    def test_huge_weights(self) -> None:
        big = sys.float_info.max
        assert objective_score([(1.0, big), (0.0, big)]) == 0.5


# --------------------------------------------------------------------------- pace


class TestPace:
    def test_expected_progress(self) -> None:
        start, end = date(2025, 1, 1), date(2025, 1, 11)
        assert expected_progress(start, end, date(2025, 1, 6)) == 0.5
        assert expected_progress(start, end, date(2024, 12, 1)) == 0.0
        assert expected_progress(start, end, date(2025, 2, 1)) == 1.0
        assert expected_progress(start, end, start) == 0.0
        assert expected_progress(start, end, end) == 1.0

    def test_empty_or_inverted_period(self) -> None:
        d = date(2025, 3, 1)
        assert expected_progress(d, d, d) == 1.0
        assert expected_progress(d, d, d - timedelta(days=1)) == 0.0
        assert expected_progress(d, d - timedelta(days=5), d - timedelta(days=10)) == 0.0

    def test_datetimes_are_reduced_to_dates(self) -> None:
        start = datetime(2025, 1, 1, 12)
        assert expected_progress(start, date(2025, 1, 11), date(2025, 1, 6)) == 0.5

    def test_gap_and_behind(self) -> None:
        assert pace_gap(0.4, 0.5) == pytest.approx(-0.1)
        assert pace_gap(None, 0.5) is None
        assert is_behind_pace(0.4, 0.5)
        assert not is_behind_pace(0.5, 0.5)
        assert not is_behind_pace(0.8, 0.5)
        assert not is_behind_pace(None, 0.5)


# --------------------------------------------------------------------------- forecast


class TestForecast:
    def test_perfect_line(self) -> None:
        pts = [(date(2025, 1, 1), 0.0), (date(2025, 1, 11), 10.0), (date(2025, 1, 21), 20.0)]
        assert forecast(pts, date(2025, 1, 31)) == pytest.approx(30.0)

    def test_least_squares(self) -> None:
        pts = [(date(2025, 1, 1), 0.0), (date(2025, 1, 2), 2.0), (date(2025, 1, 3), 1.0)]
        # slope 0.5/day, mean 1 at day 1 -> day 4 gives 2.5 (two days: a tenth of the period)
        assert forecast(pts, date(2025, 1, 5), date(2025, 1, 1)) == pytest.approx(2.5)
        assert forecast(pts, date(2025, 1, 5)) is None  # less than a week, period unknown

    def test_datetimes_and_timezones(self) -> None:
        plus2 = timezone(timedelta(hours=2))
        pts = [
            (datetime(2025, 1, 1, 2, tzinfo=plus2), 100.0),  # 00:00 UTC
            (datetime(2025, 1, 2, tzinfo=UTC), 110.0),
            (datetime(2025, 1, 3), 120.0),  # naive = UTC
        ]
        assert forecast(pts, date(2025, 1, 10), date(2025, 1, 1)) == pytest.approx(190.0)

    def test_too_few_or_same_instant(self) -> None:
        d = date(2025, 1, 1)
        assert forecast([], d) is None
        assert forecast([(d, 1.0)], d) is None
        assert forecast([(d, 1.0), (d, 5.0)], d) is None

    def test_flat_zero(self) -> None:
        pts = [(date(2025, 1, 1), 0.0), (date(2025, 1, 9), 0.0)]
        assert forecast(pts, date(2025, 2, 1)) == 0.0

    def test_overflow_is_clamped(self) -> None:
        big = sys.float_info.max
        pts = [(date(2025, 1, 1), -big), (date(2025, 1, 9), big)]
        assert forecast(pts, date(9999, 12, 31)) == big

    def test_extreme_dates(self) -> None:
        pts = [
            (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), 1.0),
            (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), 2.0),
        ]
        result = forecast(pts, date(5000, 1, 1))
        assert result is not None and 1.0 < result < 2.0


# --------------------------------------------------------------------------- explanations


class TestExplanations:
    def test_increase(self) -> None:
        e = explain_kr(M, INC, 10, 100, 42)
        assert e.formula == "(current − start) / (target − start)"
        assert e.substituted == "(42 − 10) / (100 − 10) = 0.356"
        assert e.value == kr_progress(M, INC, 10, 100, 42)
        text = str(e)
        assert e.formula in text and e.substituted in text

    def test_decrease_with_negative_input(self) -> None:
        e = explain_kr(M, DEC, 5, -5, -1)
        assert e.substituted == "(5 − (−1)) / (5 − (−5)) = 0.6"

    def test_clamped_and_overperforming_notes(self) -> None:
        low = explain_kr(M, INC, 10, 100, 0)
        assert low.value == 0.0
        assert low.substituted.endswith("→ 0")
        assert any("counts as 0" in n for n in low.notes)
        high = explain_kr(M, INC, 0, 100, 150)
        assert high.value == 1.5
        assert any("capped at 1.0" in n for n in high.notes)

    def test_degenerate_notes(self) -> None:
        assert any("Target equals start" in n for n in explain_kr(M, INC, 5, 5, 5).notes)
        assert any("No start value" in n for n in explain_kr(M, DEC, None, 10, 0).notes)
        assert explain_kr(M, INC, 0, 10, None).value is None
        assert explain_kr(M, INC, 0, None, 3).substituted == "no target set"
        assert explain_kr(MS, INC, None, None, 1).substituted == "1 ≥ 0.5 → 1"

    def test_objective(self) -> None:
        e = explain_objective([("Revenue", 1.4, 2), ("NPS", None, 1), ("Churn", 0.5, 0)])
        assert e.value == objective_score([(1.4, 2), (None, 1), (0.5, 0)])
        assert e.value == pytest.approx(2 / 3)
        assert e.substituted == "(2 × 1 + 1 × 0) / (2 + 1) = 0.667"
        notes = "\n".join(e.notes)
        assert "Revenue: progress 1.4 capped at 1" in notes
        assert "NPS: no data yet" in notes
        assert "Churn: weight 0, left out" in notes
        assert "Weights:" in notes

    def test_objective_children(self) -> None:
        e = explain_objective([], [("Team A", 0.5), ("Team B", None), ("Team C", 1.2)])
        assert e.value == 0.5
        assert e.substituted == "(0.5 + 0 + 1) / 3 = 0.5"
        assert "Team B: no score yet, counts as 0 (as a key result with no data)." in e.notes
        assert "children" in e.formula

    def test_objective_nothing(self) -> None:
        e = explain_objective([])
        assert e.value is None
        assert isinstance(str(e), str)

    def test_explanation_str_multiline(self) -> None:
        e = Explanation("f", "s", ("a", "b"), 1.0)
        assert str(e).count("\n") == 3


# --------------------------------------------------------------------------- KPIs


class TestKpi:
    def test_delta_is_good(self) -> None:
        assert kpi_delta_is_good(HIGHER, 1, 2) is True
        assert kpi_delta_is_good(HIGHER, 2, 1) is False
        assert kpi_delta_is_good(LOWER, 2, 1) is True
        assert kpi_delta_is_good(LOWER, 1, 2) is False
        assert kpi_delta_is_good(HIGHER, 1, 1) is None
        assert kpi_delta_is_good(HIGHER, None, 1) is None
        assert kpi_delta_is_good(LOWER, 1, None) is None

    def test_health_higher(self) -> None:
        assert kpi_health(HIGHER, 90, green=80, red=50) == "green"
        assert kpi_health(HIGHER, 80, green=80, red=50) == "green"
        assert kpi_health(HIGHER, 60, green=80, red=50) == "amber"
        assert kpi_health(HIGHER, 50, green=80, red=50) == "red"

    def test_health_lower(self) -> None:
        assert kpi_health(LOWER, 100, green=200, red=500) == "green"
        assert kpi_health(LOWER, 200, green=200, red=500) == "green"
        assert kpi_health(LOWER, 300, green=200, red=500) == "amber"
        assert kpi_health(LOWER, 500, green=200, red=500) == "red"

    def test_health_missing(self) -> None:
        assert kpi_health(HIGHER, None, 1, 0) == "none"
        assert kpi_health(HIGHER, 5, None, None) == "none"

    def test_health_one_threshold(self) -> None:
        assert kpi_health(HIGHER, 10, green=5, red=None) == "green"
        assert kpi_health(HIGHER, 4, green=5, red=None) == "amber"
        assert kpi_health(HIGHER, 4, green=None, red=5) == "red"
        assert kpi_health(HIGHER, 6, green=None, red=5) == "green"
        assert kpi_health(LOWER, 6, green=None, red=5) == "red"
        assert kpi_health(LOWER, 6, green=5, red=None) == "amber"

    def test_trending_wrong_way(self) -> None:
        assert trending_wrong_way(HIGHER, [10, 9, 8])
        assert trending_wrong_way(HIGHER, [1, 10, 9, 8])
        assert not trending_wrong_way(HIGHER, [10, 9, 9])
        assert not trending_wrong_way(HIGHER, [10, 9, 8, 9])
        assert trending_wrong_way(LOWER, [1, 2, 3])
        assert not trending_wrong_way(LOWER, [3, 2, 1])
        assert not trending_wrong_way(HIGHER, [9, 8])
        assert trending_wrong_way(HIGHER, [9, 8], n=2)
        assert not trending_wrong_way(HIGHER, [9, 8, 7], n=1)


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1234567, "", "1.23M"),
        (0.356, "", "0.356"),
        (42.0, "", "42"),
        (42, "", "42"),
        (0, "", "0"),
        (-0.0, "", "0"),
        (999, "", "999"),
        (1000, "", "1K"),
        (1500, "", "1.5K"),
        (999_999, "", "1M"),
        (2.5e9, "", "2.5B"),
        (7e12, "", "7T"),
        (2e15, "", "2e+15"),
        (sys.float_info.max, "", "1.8e+308"),
        (-1500, "", "-1.5K"),
        (12.5, "%", "12.5%"),
        (1234567, "$", "$1.23M"),
        (-5, "$", "-$5"),
        (3, "ms", "3 ms"),
        (None, "", "—"),
        (None, "%", "—"),
    ],
)
def test_format_number(value: float | None, unit: str, expected: str) -> None:
    assert format_number(value, unit) == expected


# --------------------------------------------------------------------------- properties


@given(st.sampled_from(Kind), st.sampled_from(Direction), maybe_any, maybe_any, maybe_any)
def test_kr_progress_total(
    kind: Kind,
    direction: Direction,
    start: float | None,
    target: float | None,
    current: float | None,
) -> None:
    value = kr_progress(kind, direction, start, target, current)
    assert value is None or (math.isfinite(value) and value >= 0.0)
    if current is None:
        assert value is None
    explanation = explain_kr(kind, direction, start, target, current)
    assert explanation.value == value
    assert str(explanation)


@given(any_float, any_float, any_float, any_float)
def test_increase_monotone(start: float, target: float, c1: float, c2: float) -> None:
    assume(target > start)
    lo, hi = sorted((c1, c2))
    assert kr_progress(M, INC, start, target, lo) <= kr_progress(M, INC, start, target, hi)


@given(any_float, any_float, any_float)
def test_increase_no_start_monotone(target: float, c1: float, c2: float) -> None:
    assume(target > 0)
    lo, hi = sorted((c1, c2))
    assert kr_progress(M, INC, None, target, lo) <= kr_progress(M, INC, None, target, hi)


@given(any_float, any_float, any_float, any_float)
def test_decrease_monotone(start: float, target: float, c1: float, c2: float) -> None:
    assume(target < start)
    lo, hi = sorted((c1, c2))
    assert kr_progress(M, DEC, start, target, lo) >= kr_progress(M, DEC, start, target, hi)


@given(maybe_any, maybe_any)
def test_band_monotone(a: float | None, b: float | None) -> None:
    order = [Band.OFF_TRACK, Band.AT_RISK, Band.ON_TRACK, Band.ACHIEVED, Band.OVERPERFORMING]
    if a is None or b is None:
        assume(a is None)
        assert band(a) is Band.NO_DATA
        return
    lo, hi = sorted((a, b))
    assert order.index(band(lo)) <= order.index(band(hi))


progress_values = st.none() | st.floats(min_value=0.0, max_value=1e6) | any_float


@given(
    st.lists(st.tuples(progress_values, any_float), max_size=8),
    st.lists(progress_values, max_size=5),
)
def test_objective_score_bounded(
    krs: list[tuple[float | None, float]], children: list[float | None]
) -> None:
    score = objective_score(krs, children)
    assert score is None or 0.0 <= score <= 1.0
    labelled = explain_objective(
        [(f"kr{i}", p, w) for i, (p, w) in enumerate(krs)],
        [(f"child{i}", s) for i, s in enumerate(children)],
    )
    assert labelled.value == score
    assert str(labelled)


@given(maybe_any, any_float)
def test_pace_gap_finite(progress: float | None, expected: float) -> None:
    gap = pace_gap(progress, expected)
    assert gap is None or math.isfinite(gap)


@given(
    st.lists(
        st.tuples(st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)), any_float),
        max_size=6,
    ),
    st.dates(),
)
def test_forecast_finite(points: list[tuple[date, float]], end: date) -> None:
    result = forecast(points, end)
    assert result is None or math.isfinite(result)


@given(maybe_any, st.sampled_from(["", "%", "$", "kg"]))
def test_format_number_total(value: float | None, unit: str) -> None:
    text = format_number(value, unit)
    assert text and "nan" not in text and "inf" not in text


@given(st.sampled_from(KpiDirection), maybe_any, maybe_any, maybe_any)
def test_kpi_health_total(
    direction: KpiDirection, value: float | None, green: float | None, red: float | None
) -> None:
    assert kpi_health(direction, value, green, red) in {"green", "amber", "red", "none"}


# --------------------------------------------------------------------------- issue 14


def test_a_boundary_computed_in_floating_point_bands_exactly() -> None:
    """Finding 6: (0.31 − 0.1) / (0.4 − 0.1) is 0.6999999999999998: on track, not at risk."""
    progress = kr_progress(Kind.METRIC, Direction.INCREASE, 0.1, 0.4, 0.31)
    assert progress is not None and progress < 0.7
    assert band(progress) is Band.ON_TRACK


@given(
    k=st.integers(0, 12),
    start=st.integers(-1000, 1000).map(lambda n: n / 10),
    span=st.integers(1, 1000).map(lambda n: n / 10),
)
def test_k_tenths_band_exactly(k: int, start: float, span: float) -> None:
    """A KR exactly k/10 of the way lands in the band starting at k/10 (both directions)."""
    target = start + span
    current = start + span * k / 10
    up = kr_progress(Kind.METRIC, Direction.INCREASE, start, target, current)
    down = kr_progress(Kind.METRIC, Direction.DECREASE, target, start, target - span * k / 10)
    for progress in (up, down):
        assert band(progress) is band(k / 10)
    assert band(k / 10) is (
        Band.OFF_TRACK if k < 3 else Band.AT_RISK if k < 7 else Band.ON_TRACK if k < 10
        else Band.ACHIEVED if k == 10 else Band.OVERPERFORMING
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "direction", "start", "target", "current", "label"),
    [
        (Kind.MILESTONE, Direction.INCREASE, None, None, 1.0, "done"),
        (Kind.PERCENT, Direction.INCREASE, None, None, 100.0, "achieved"),
        (Kind.METRIC, Direction.STAY_ABOVE, None, 98.0, 98.5, "held"),
        (Kind.METRIC, Direction.STAY_BELOW, None, 30.0, 31.0, "off track"),
        (Kind.METRIC, Direction.INCREASE, 0.0, 10.0, 10.0, "achieved"),
        (Kind.METRIC, Direction.INCREASE, 0.0, 10.0, 11.0, "overperforming"),
        (Kind.METRIC, Direction.INCREASE, 0.0, 10.0, 9.0, "on track"),
    ],
)
def test_exactly_one_is_achieved_done_or_held_never_overperforming(
    kind: Kind, direction: Direction, start: float | None, target: float | None,
    current: float, label: str,
) -> None:  # fmt: skip
    """Finding 7: a done milestone, a 100 % percent KR and a held line are not overperforming."""
    progress = kr_progress(kind, direction, start, target, current)
    assert status_label(band(progress), progress, kind, direction) == label
    assert status_label(band(1.0), 1.0, achieved="reached") == "reached"  # configurable


@pytest.mark.parametrize(
    ("score", "percent", "grade"),
    [(0.925, "93%", 0.93), (0.125, "13%", 0.13), (0.6999999999999998, "70%", 0.7),
     (0.004, "0%", 0.0), (-0.004, "0%", 0.0), (1.0, "100%", 1.0)],
)  # fmt: skip
def test_one_rounding_rule_for_percent_and_grade(score: float, percent: str, grade: float) -> None:
    """Finding 6: the review showed 92 % beside grade 0.93 for 0.925."""
    assert format_percent(score) == percent
    assert grade_of(score) == grade


@given(st.floats(0, 1, allow_nan=False))
def test_percent_and_grade_always_agree(score: float) -> None:
    assert format_percent(score) == f"{grade_of(score) * 100:.0f}%"


@pytest.mark.parametrize(
    ("start", "target", "value", "far"),
    [(40, 100, 99999999999999999999, True), (40, 100, 700, False), (40, 100, 701, True),
     (5, 3, -1, True), (5, 3, 0, False), (None, 30, -2, True), (None, 30, 301, False),
     (-10, -5, 3, True), (0, 10, -5, False)],
)  # fmt: skip
def test_far_outside_the_range(start: float | None, target: float, value: float, far: bool):
    """Finding 10: 1e20 for 40→100 teams, or churn −1 % for 5 %→3 %, is flagged."""
    found = far_outside(Kind.METRIC, Direction.INCREASE, start, target, value)
    assert (found is not None) is far
    assert far_outside(Kind.PERCENT, Direction.INCREASE, 0, 100, 1e20) is None


def test_check_ins_minutes_apart_give_no_forecast() -> None:
    """Finding 8: 40 → 100 teams minutes apart forecast 421K; now not enough data yet."""
    t = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    pts = [(t, 40.0), (t + timedelta(minutes=3), 100.0)]
    assert forecast(pts, date(2026, 12, 31), date(2026, 10, 1)) is None
    week = [(t, 40.0), (t + timedelta(days=7), 47.0)]
    assert forecast(week, date(2026, 10, 19), date(2026, 10, 1)) == pytest.approx(53.625)


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    times=st.lists(st.integers(0, 86_399), min_size=2, max_size=8),
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=8, max_size=8),
)
def test_same_day_check_ins_give_no_forecast(day: date, times: list[int], values: list[float]):
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    pts = [(start + timedelta(seconds=s), v) for s, v in zip(times, values, strict=False)]
    assert forecast(pts, day + timedelta(days=90), day) is None


def test_a_kpi_with_only_a_target_is_coloured_by_it() -> None:
    """Finding 12: a target and no thresholds gave no colour at all."""
    higher, lower = KpiDirection.HIGHER, KpiDirection.LOWER
    assert kpi_health(higher, 120.0, None, None, 100.0) == "green"
    assert kpi_health(higher, 80.0, None, None, 100.0) == "amber"
    assert kpi_health(lower, 2.0, None, None, 3.0) == "green"
    assert kpi_health(lower, 4.0, None, None, 3.0) == "amber"
    assert kpi_health(higher, 80.0, None, None, None) == "none"
    assert kpi_health(higher, 80.0, 90.0, 50.0, 200.0) == "amber"  # thresholds win


def test_the_achieved_label_is_configurable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Config scoring.achieved_label names the 1.0 band everywhere status_label is used."""
    from store.config import load_settings
    from store.errors import ConfigError
    from store.format import set_achieved_label

    path = tmp_path / "config.toml"
    path.write_text('[scoring]\nachieved_label = "target met"\n')
    label = load_settings(path, system_path=tmp_path / "none.toml").scoring.achieved_label
    assert label == "target met"
    try:
        set_achieved_label(label)
        assert status_label(Band.ON_TRACK, 1.0) == "target met"
        assert status_label(Band.ON_TRACK, 1.0, Kind.MILESTONE) == "done"
    finally:
        set_achieved_label("achieved")
    path.write_text('[scoring]\nachieved_label = "a very long name for a band, really"\n')
    with pytest.raises(ConfigError, match="at most 24 characters"):
        load_settings(path, system_path=tmp_path / "none.toml")
