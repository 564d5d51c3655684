"""Property tests against independent oracles: the scoring rules restated in exact arithmetic.

Each oracle is a few lines restating a rule of the module docstrings (and DOMAIN.md) with
:class:`fractions.Fraction`, which neither rounds nor overflows, so it shares none of the
implementation's tricks (halving before a subtraction, scaling before squares). The
implementation must agree with it to a few ulps, for every finite input and for NaN,
infinities and both signed zeros where the rules say what those mean.
"""

import itertools
import math
import sys
from datetime import date, datetime, timedelta
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from store.domain.kpi_rules import kpi_delta_is_good, kpi_health, trending_wrong_way
from store.domain.pace import expected_progress, forecast, forecast_span, pace_gap
from store.domain.scoring import Thresholds, band, grade_of, kr_progress, objective_score
from store.model.enums import Band, Direction, Kind, KpiDirection

MAX = sys.float_info.max
INC, DEC, ABOVE, BELOW, BETWEEN = (
    Direction.INCREASE,
    Direction.DECREASE,
    Direction.STAY_ABOVE,
    Direction.STAY_BELOW,
    Direction.STAY_BETWEEN,
)

# Finite floats of every size, with both zeros and the extremes drawn often.
edges = st.sampled_from([0.0, -0.0, 0.5, 1.0, -1.0, 100.0, MAX, -MAX, 5e-324, -5e-324, 1e308])
finite = st.floats(allow_nan=False, allow_infinity=False) | edges
# The same with NaN and the infinities: what a broken import or a bug upstream could pass.
wild = finite | st.sampled_from([math.nan, math.inf, -math.inf])


def clamp(x: Fraction) -> float:
    """The exact value as the float the rules promise: clamped to the finite range."""
    if x > Fraction(MAX):
        return MAX
    if x < -Fraction(MAX):
        return -MAX
    return float(x)


def close(actual: float | None, expected: float | None) -> bool:
    """Equal to a few ulps (the float formula rounds a subtraction and a division)."""
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-300)


def positive_zero(x: float | None) -> bool:
    """Not -0.0 ("-0%" on screen)."""
    return x is None or math.copysign(1.0, x) == 1.0


# --------------------------------------------------------------------------- KR progress


def progress_oracle(
    kind: Kind, direction: Direction, s: float | None, t: float | None, c: float | None
) -> float | None:
    """The module docstring of store.domain.scoring, exactly."""
    if c is None:
        return None
    C = Fraction(c)
    if kind == Kind.PERCENT:
        return clamp(max(C / 100, Fraction(0)))
    if kind == Kind.MILESTONE:
        return 1.0 if Fraction(1, 2) <= C else 0.0
    if t is None:
        return None
    T = Fraction(t)
    if direction == ABOVE:
        return float(C >= T)
    if direction == BELOW:
        return float(C <= T)
    if direction == BETWEEN:  # low end kept as the start, either way round
        return None if s is None else float(min(Fraction(s), T) <= C <= max(Fraction(s), T))
    if direction == DEC:
        if s is None:
            if T > 0 and C > 0:
                return clamp(T / C)
            return float(C <= T)
        S = Fraction(s)
        if S == T:
            return float(C <= T)
        return clamp(max((S - C) / (S - T), Fraction(0)))
    S = Fraction(0) if s is None else Fraction(s)
    if S == T:
        return float(C >= T)
    return clamp(max((C - S) / (T - S), Fraction(0)))


kinds = st.sampled_from(Kind)
directions = st.sampled_from(Direction)


@given(kinds, directions, st.none() | finite, st.none() | finite, st.none() | finite)
def test_kr_progress_is_the_exact_formula(
    kind: Kind, direction: Direction, s: float | None, t: float | None, c: float | None
) -> None:
    got = kr_progress(kind, direction, s, t, c)
    assert close(got, progress_oracle(kind, direction, s, t, c))
    assert positive_zero(got)


@given(kinds, directions, st.none() | wild, st.none() | wild)
def test_a_nan_check_in_never_scores(
    kind: Kind, direction: Direction, s: float | None, t: float | None
) -> None:
    """NaN is no progress: 0 (or no score without a target), never 100 %."""
    got = kr_progress(kind, direction, s, t, math.nan)
    assert got in (0.0, None) and positive_zero(got)
    if kind != Kind.METRIC or (t is not None and (direction != BETWEEN or s is not None)):
        assert got == 0.0


@given(kinds, directions, st.none() | wild, st.none() | wild, st.none() | wild)
def test_any_input_gives_a_finite_non_negative_progress(
    kind: Kind, direction: Direction, s: float | None, t: float | None, c: float | None
) -> None:
    got = kr_progress(kind, direction, s, t, c)
    assert got is None or (math.isfinite(got) and got >= 0.0 and positive_zero(got))


def test_an_infinite_check_in_is_the_largest_finite_progress() -> None:
    """Infinity reads as "too large for a number", not as NaN or a crash."""
    assert kr_progress(Kind.METRIC, INC, 0.0, 10.0, math.inf) == MAX
    assert kr_progress(Kind.METRIC, INC, 0.0, 10.0, -math.inf) == 0.0
    assert kr_progress(Kind.PERCENT, INC, None, None, math.inf) == MAX


# --------------------------------------------------------------------------- bands


@st.composite
def thresholds(draw: st.DrawFn) -> Thresholds:
    """Any valid thresholds, with equal ones and ``at_risk = 0`` drawn often."""
    pool = st.sampled_from([0.0, 0.3, 0.7, 1.0, 1.5]) | st.floats(0, 3)
    a, b, c = sorted((draw(pool), draw(pool), draw(pool)))
    return Thresholds(overperforming=c, on_track=b, at_risk=a)


def band_oracle(score: float | None, th: Thresholds) -> Band:
    """Each threshold the inclusive lower bound of its band, 1.0 a band of its own."""
    if score is None or math.isnan(score):
        return Band.NO_DATA
    at = round(score, 9) if math.isfinite(score) else score
    if at == 1.0:
        return Band.ACHIEVED
    for bound, name in (
        (th.overperforming, Band.OVERPERFORMING),
        (th.on_track, Band.ON_TRACK),
        (th.at_risk, Band.AT_RISK),
    ):
        if at >= bound:
            return name
    return Band.OFF_TRACK


@given(
    st.none() | wild | st.sampled_from([0.3, 0.7, 1.0, 0.29999999999, 0.6999999999]), thresholds()
)
def test_band_is_the_first_threshold_reached(score: float | None, th: Thresholds) -> None:
    assert band(score, th) == band_oracle(score, th)


@given(thresholds())
def test_each_threshold_is_inclusive_and_just_below_is_the_band_under(th: Thresholds) -> None:
    for bound in (th.overperforming, th.on_track, th.at_risk):
        assume(bound != 1.0)
        assert band(bound, th) == band_oracle(bound, th)
        below = bound - 1e-6
        assert band(below, th) == band_oracle(below, th)


# --------------------------------------------------------------------------- objectives


def cap(p: float | None) -> Fraction:
    """A KR's or child's share: None and NaN are 0, the rest between 0 and 1."""
    if p is None or math.isnan(p):
        return Fraction(0)
    if math.isinf(p):
        return Fraction(1 if p > 0 else 0)
    return min(max(Fraction(p), Fraction(0)), Fraction(1))


def score_oracle(
    krs: list[tuple[float | None, float]], children: list[float | None]
) -> float | None:
    """Weighted mean of capped KR progress over positive finite weights, else the children's."""
    usable = [(p, w) for p, w in krs if math.isfinite(w) and w > 0]
    if usable:
        if all(p is None or math.isnan(p) for p, _ in usable):
            return None
        total = sum((Fraction(w) * cap(p) for p, w in usable), Fraction(0))
        return float(total / sum(Fraction(w) for _, w in usable))
    if all(s is None or math.isnan(s) for s in children):
        return None
    return float(sum((cap(s) for s in children), Fraction(0)) / len(children))


weights = st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, -1.0, math.nan, math.inf, MAX])


@given(
    st.lists(st.tuples(st.none() | wild, weights), max_size=6),
    st.lists(st.none() | wild, max_size=5),
)
def test_objective_score_is_the_capped_weighted_mean(
    krs: list[tuple[float | None, float]], children: list[float | None]
) -> None:
    got = objective_score(krs, children)
    expected = score_oracle(krs, children)
    assert close(got, expected) or (
        got is not None and expected is not None and math.isclose(got, expected, rel_tol=1e-9)
    )
    assert positive_zero(got)


@given(st.none() | wild)
def test_grade_is_the_score_clamped_to_two_decimals(score: float | None) -> None:
    got = grade_of(score)
    if score is None or math.isnan(score):
        assert got == 0.0
        return
    clamped = min(max(score, 0.0), 1.0)
    assert abs(got - clamped) <= 0.005 + 1e-12
    assert round(got, 2) == got


# --------------------------------------------------------------------------- pace


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(days, days, days)
def test_expected_progress_is_the_share_of_days_elapsed(
    start: date, end: date, today: date
) -> None:
    got = expected_progress(start, end, today)
    if end <= start:
        assert got == (1.0 if today >= end else 0.0)
        return
    elapsed = min(max((today - start).days, 0), (end - start).days)
    assert got == float(Fraction(elapsed, (end - start).days))


@given(st.none() | wild, wild)
def test_pace_gap_is_progress_minus_expected(progress: float | None, expected: float) -> None:
    got = pace_gap(progress, expected)
    if progress is None or math.isnan(progress) or math.isnan(expected):
        assert got is None
        return
    assert got is not None
    if math.isinf(progress) and math.isinf(expected) and progress == expected:
        assert got == 0.0  # inf − inf is NaN, which reads as no gap, never as NaN
        return
    if math.isinf(progress) or math.isinf(expected):
        assert got == (MAX if progress - expected > 0 else -MAX)
        return
    assert close(got, clamp(Fraction(progress) - Fraction(expected)))


# --------------------------------------------------------------------------- forecast


def forecast_oracle(
    points: list[tuple[datetime, float]], end: date, start: date | None
) -> float | None:
    """Least squares through the finite check-ins (exact), read at ``end``'s midnight."""
    usable = [(t, v) for t, v in points if math.isfinite(v)]
    if len(usable) < 2:
        return None
    ref = datetime(2000, 1, 1)
    xs = [Fraction(int((t - ref).total_seconds()), 86400) for t, _ in usable]
    needed = 7 if start is None else min(7, max((end - start).days, 0) / 10)
    if len({math.floor(x) for x in xs}) < 2 or max(xs) - min(xs) < Fraction(needed):
        return None
    ys = [Fraction(v) for _, v in usable]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    at = Fraction(int((datetime(end.year, end.month, end.day) - ref).total_seconds()), 86400)
    return clamp(my + sxy / sxx * (at - mx))


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 6, 30))


@given(
    st.lists(
        st.tuples(moments, st.floats(-1e6, 1e6) | st.sampled_from([math.nan, 0.0, -0.0])),
        max_size=8,
    ),
    st.dates(min_value=date(2026, 6, 30), max_value=date(2026, 12, 31)),
    st.none() | st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 7, 1)),
)
def test_forecast_is_the_least_squares_line_at_the_period_end(
    points: list[tuple[datetime, float]], end: date, start: date | None
) -> None:
    points = [(t.replace(microsecond=0), v) for t, v in points]
    got = forecast(points, end, start)
    expected = forecast_oracle(points, end, start)
    if expected is None or got is None:
        assert got is expected
        return
    scale = max(abs(v) for _, v in points if math.isfinite(v)) or 1.0
    # The float sums are scaled by the largest value; extrapolating up to a year
    # magnifies their rounding, hence a tolerance relative to that scale.
    assert abs(got - expected) <= 1e-6 * scale


def test_forecast_needs_a_week_or_a_tenth_of_the_period() -> None:
    assert forecast_span(None, date(2026, 3, 31)) == 7.0
    assert forecast_span(date(2026, 1, 1), date(2026, 3, 31)) == 7.0
    assert forecast_span(date(2026, 1, 1), date(2026, 1, 31)) == 3.0
    assert forecast_span(date(2026, 2, 1), date(2026, 1, 1)) == 0.0
    monday = datetime(2026, 1, 5)
    week = [(monday, 10.0), (monday + timedelta(days=7), 17.0)]
    assert math.isclose(forecast(week, date(2026, 1, 19)) or 0.0, 24.0)
    short = [(monday, 10.0), (monday + timedelta(days=6, hours=23), 17.0)]
    assert forecast(short, date(2026, 3, 31)) is None
    assert forecast(short, date(2026, 1, 31), date(2026, 1, 1)) is not None


# --------------------------------------------------------------------------- KPI rules

kpi_directions = st.sampled_from(KpiDirection)


@given(kpi_directions, st.none() | wild, st.none() | wild)
def test_a_kpi_move_is_good_when_it_goes_the_kpis_way(
    direction: KpiDirection, previous: float | None, latest: float | None
) -> None:
    got = kpi_delta_is_good(direction, previous, latest)
    usable = [x for x in (previous, latest) if x is not None and math.isfinite(x)]
    if len(usable) < 2 or previous == latest:
        assert got is None
        return
    assert previous is not None and latest is not None
    up = latest > previous
    assert got is (up if direction == KpiDirection.HIGHER else not up)


def health_oracle(
    direction: KpiDirection, v: float | None, g: float | None, r: float | None, t: float | None
) -> str:
    """kpi_health's docstring: green at or beyond green, red at or beyond red, else amber."""

    def num(x: float | None) -> bool:
        return x is not None and math.isfinite(x)

    if not num(v):
        return "none"
    if not num(g) and not num(r):
        if not num(t):
            return "none"
        g = t
    sign = 1 if direction == KpiDirection.HIGHER else -1
    assert v is not None
    if num(g) and sign * (v - g) >= 0:  # type: ignore[operator]
        return "green"
    if num(r) and sign * (r - v) >= 0:  # type: ignore[operator]
        return "red"
    return "amber" if num(g) else "green"


small = st.none() | st.floats(-100, 100) | st.sampled_from([0.0, -0.0, 10.0, math.nan, math.inf])


@given(kpi_directions, small, small, small, small)
def test_kpi_health_is_the_threshold_rule(
    direction: KpiDirection,
    value: float | None,
    green: float | None,
    red: float | None,
    target: float | None,
) -> None:
    assume(not any(x is not None and math.isinf(x) for x in (value, green, red)))
    got = kpi_health(direction, value, green, red, target)
    assert got == health_oracle(direction, value, green, red, target)


@given(kpi_directions, st.lists(st.integers(-3, 3).map(float), max_size=6), st.integers(0, 5))
def test_trending_wrong_way_is_n_strictly_bad_steps(
    direction: KpiDirection, values: list[float], n: int
) -> None:
    got = trending_wrong_way(direction, values, n)
    if n < 2 or len(values) < n:
        assert got is False
        return
    tail = values[-n:]
    steps = [b - a for a, b in itertools.pairwise(tail)]
    bad = [s < 0 for s in steps] if direction == KpiDirection.HIGHER else [s > 0 for s in steps]
    assert got is all(bad)
