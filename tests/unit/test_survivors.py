"""Tests for the mutants issue 21's mutation run found alive, each named after its finding.

Every test here pins an exact value or message that a named small change (the mutant,
quoted in the test's docstring) would alter; each was checked by applying that change by
hand and seeing the test fail. Property tests elsewhere check shapes (finite, monotone);
these check the numbers.
"""

import math
import re

import pytest

from store.domain.kpi_rules import trending_wrong_way
from store.domain.pace import is_behind_pace, pace_gap
from store.domain.scoring import Thresholds, band, kr_progress
from store.domain.validation import (
    ValidationError,
    optional_text,
    parse_reference,
    require_text,
)
from store.format import format_percent
from store.model.enums import Band, Direction, Kind, KpiDirection

METRIC, INC, DEC = Kind.METRIC, Direction.INCREASE, Direction.DECREASE
ORDER = "thresholds must satisfy overperforming >= on_track >= at_risk >= 0, got"


# --- scoring ------------------------------------------------------------------------------


def test_a_decreasing_kr_without_start_and_a_fractional_target_scores_its_ratio() -> None:
    """``target > 0`` → ``target > 1`` in ``_kr_case`` made it pass/fail (0 %)."""
    assert kr_progress(METRIC, DEC, None, 0.5, 1.0) == pytest.approx(0.5)
    assert kr_progress(METRIC, DEC, None, 0.5, 0.25) == pytest.approx(2.0)


def test_a_range_whose_difference_overflows_still_divides() -> None:
    """``_ratio``'s overflow branches: ``/`` → ``*`` (or a lost ``* 2``/``* 0.5``) gave
    the largest float, or half or twice the value."""
    # current - start overflows (2e308); target - start does not.
    assert kr_progress(METRIC, INC, -1e308, 0.0, 1e308) == pytest.approx(2.0)
    # target - start overflows; current - start does not.
    assert kr_progress(METRIC, INC, -1e308, 1e308, 0.0) == pytest.approx(0.5)
    # both overflow.
    assert kr_progress(METRIC, INC, -1e308, 1e308, 1e308) == pytest.approx(1.0)


def test_no_progress_is_never_negative_zero() -> None:
    """``_floor0``: ``x > 0.0`` → ``x >= 0.0`` let -0.0 through ("-0%" on screen)."""
    progress = kr_progress(METRIC, INC, 10.0, 5.0, 10.0)  # 0 / -5 = -0.0 before the floor
    assert progress == 0.0 and math.copysign(1.0, progress) == 1.0
    assert format_percent(progress) == "0%"


def test_thresholds_may_put_at_risk_at_zero() -> None:
    """The documented edge: ``at_risk >= 0`` → ``> 0`` refused it."""
    th = Thresholds(1.0, 0.7, 0.0)
    assert band(0.0, th) == Band.AT_RISK
    assert band(0.69, th) == Band.AT_RISK
    assert band(0.0) == Band.OFF_TRACK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"at_risk": -0.1},
            ORDER + " 1.0, 0.7, -0.1",
        ),
        (
            {"on_track": 1.5},
            ORDER + " 1.0, 1.5, 0.3",
        ),
        (
            {"on_track": 0.2},
            ORDER + " 1.0, 0.2, 0.3",
        ),
        ({"on_track": float("nan")}, "threshold on_track must be finite, got nan"),
        ({"overperforming": float("inf")}, "threshold overperforming must be finite, got inf"),
        ({"at_risk": True}, "threshold at_risk must be a number, got True"),
        ({"at_risk": "0.3"}, "threshold at_risk must be a number, got '0.3'"),
    ],
)
def test_a_bad_threshold_is_refused_saying_which_and_why(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        Thresholds(**kwargs)  # type: ignore[arg-type]  # the point: wrong types


def test_a_nan_expected_pace_gives_no_gap() -> None:
    """``expected != expected`` dropped: ``pace_gap(0.5, nan)`` was 0.0, "on pace"."""
    assert pace_gap(0.5, float("nan")) is None
    assert pace_gap(float("nan"), 0.5) is None
    assert not is_behind_pace(0.5, float("nan"))
    assert pace_gap(0.25, 0.5) == pytest.approx(-0.25)


@pytest.mark.parametrize(
    ("kind", "direction", "start", "target"),
    [
        (Kind.METRIC, Direction.INCREASE, 0.0, 10.0),
        (Kind.METRIC, Direction.INCREASE, None, 10.0),
        (Kind.METRIC, Direction.INCREASE, None, 0.0),
        (Kind.METRIC, Direction.DECREASE, 10.0, 0.0),
        (Kind.METRIC, Direction.DECREASE, None, 5.0),
        (Kind.METRIC, Direction.STAY_ABOVE, None, 5.0),
        (Kind.METRIC, Direction.STAY_BELOW, None, 5.0),
        (Kind.PERCENT, Direction.INCREASE, 0.0, 100.0),
        (Kind.MILESTONE, Direction.INCREASE, 0.0, 1.0),
    ],
)
def test_a_nan_check_in_never_scores(
    kind: Kind, direction: Direction, start: float | None, target: float
) -> None:
    """No float strategy allowed NaN; a NaN value must read as no progress, never 100 %."""
    assert kr_progress(kind, direction, start, target, float("nan")) == 0.0


# --- KPI early warnings --------------------------------------------------------------------


@pytest.mark.parametrize("direction", [KpiDirection.HIGHER, KpiDirection.LOWER])
def test_a_flat_run_is_no_warning_either_way(direction: KpiDirection) -> None:
    """Strictly worse each step: ``b > a`` → ``b >= a`` (lower is better) warned on 5, 5, 5."""
    assert not trending_wrong_way(direction, [5.0, 5.0, 5.0])
    assert not trending_wrong_way(direction, [4.0, 5.0, 5.0] if direction == KpiDirection.LOWER
                                  else [6.0, 5.0, 5.0])  # fmt: skip


def test_lower_is_better_warns_on_a_rising_run_only() -> None:
    assert trending_wrong_way(KpiDirection.LOWER, [1.0, 2.0, 3.0])
    assert not trending_wrong_way(KpiDirection.LOWER, [3.0, 2.0, 1.0])
    assert not trending_wrong_way(KpiDirection.LOWER, [1.0, 2.0])  # two values: no run
    assert trending_wrong_way(KpiDirection.LOWER, [9.0, 1.0, 2.0, 3.0])  # the last three


# --- validation ----------------------------------------------------------------------------


def test_a_text_of_exactly_the_longest_length_is_accepted() -> None:
    """``len(value) > max_length`` → ``>=`` refused a title of exactly ``max_length``."""
    assert require_text("x" * 10, "title", max_length=10) == "x" * 10
    with pytest.raises(ValidationError, match=r"^title is too long \(11 characters, at most 10\)$"):
        require_text("x" * 11, "title", max_length=10)
    with pytest.raises(ValidationError, match=r"^title must not be empty$"):
        require_text(" \t ", "title", max_length=10)


def test_optional_multiline_text_keeps_its_lines() -> None:
    """``optional_text(multiline=True)`` was never called: a note keeps its newlines."""
    assert optional_text("first\r\nsecond\x1b[31m", "note", max_length=50, multiline=True) == (
        "first\nsecond[31m"
    )
    assert optional_text("first\nsecond", "title", max_length=50) == "first second"
    assert optional_text("   ", "note", max_length=5, multiline=True) == ""
    with pytest.raises(ValidationError, match=r"^note is too long \(6 characters, at most 5\)$"):
        optional_text("a\nbcde", "note", max_length=5, multiline=True)


def test_a_reference_of_eighteen_digits_is_one_of_nineteen_is_not() -> None:
    """``len(raw) < 19`` → ``<= 19``: 19 digits overflow SQLite's integer ids."""
    assert parse_reference("KR-" + "9" * 18, "KR") == int("9" * 18)
    assert parse_reference("KR-" + "9" * 19, "KR") is None
    assert parse_reference("kr 12", "KR") == 12
    assert parse_reference("KR-١٢", "KR") is None  # digits, but not ASCII ones
