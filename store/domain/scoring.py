"""Scoring rules: a key result's progress, its band, an objective's score, plausibility.

Pace and forecasts are in :mod:`store.domain.pace`, KPI rules in
:mod:`store.domain.kpi_rules`, explanations in :mod:`store.domain.explain` and every
word or number shown in :mod:`store.format`.

Pure functions only (no I/O, no ORM, no Textual) so they can be property-tested and
shared by the TUI, the CLI and exports. Every function accepts any finite float without
raising and never returns NaN or infinity: a score that crashes a screen, or prints
"nan", is worse than a documented, slightly arbitrary value.

Degenerate cases, decided once here:

* ``current is None`` -> no score (``None``): nothing has been checked in yet.
* Metric KR without a target -> ``None``.
* Progress below 0 (moved away from the target) is clamped to 0.0; progress above 1.0
  is kept, so overperforming is visible. Objective scores cap each KR at 1.0.
* Target equal to start (nothing to cover): 1.0 once the value has reached the target
  in the KR's direction (inclusive), else 0.0.
* Increase without start: ``current / target``, i.e. start taken as 0; a target of 0
  is then the "target equals start" case.
* Decrease without start: ``target / current`` when both are positive; otherwise the
  ratio is meaningless, so 1.0 if ``current <= target`` else 0.0.
* Stay-between KR: a range to hold, low end in ``start`` and high end in ``target``:
  1.0 while ``low <= current <= high``, else 0.0. Without a low end there is no score
  (as without a target); ends written the wrong way round (``psql``, an old file) are
  read as the same range, since ``check_kr_values`` refuses them on every write.
* Percent KR: ``current / 100`` (direction and target ignored).
* Milestone KR: done (1.0) when ``current >= 0.5``, else 0.0 (so a 0/1 or a
  false/true field both work, and float noise does not matter).
* A result too large for a float is clamped to the largest finite float.
"""

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from store.domain.precision import MILESTONE_DONE, round_score, snap
from store.format import typed_number
from store.model.enums import Band, Direction, Kind

_MAX = sys.float_info.max


# --------------------------------------------------------------------------- helpers


def _finite(x: float) -> float:
    """Clamp to the finite range (NaN -> 0.0) so no caller ever sees inf/NaN."""
    if x != x:
        return 0.0
    if x > _MAX:
        return _MAX
    if x < -_MAX:
        return -_MAX
    return x


def _floor0(x: float) -> float:
    """Progress never goes below 0 (and never shows as -0.0)."""
    return x if x > 0.0 else 0.0


def _ratio(a: float, b: float, c: float, d: float) -> float:
    """``(a - b) / (c - d)`` for finite inputs with ``c != d``, always finite.

    The differences of two huge floats can overflow; halving both terms first is
    exact for such magnitudes and gives the same result wherever the plain formula
    is finite, so the function stays monotone across the switch.
    """
    num = a - b
    den = c - d
    if math.isinf(den):
        den = c * 0.5 - d * 0.5
        num = a * 0.5 - b * 0.5 if math.isinf(num) else num * 0.5
        return _finite(num / den)
    if math.isinf(num):
        return _finite((a * 0.5 - b * 0.5) / den * 2.0)
    return _finite(num / den)


def _is_num(x: float | None) -> bool:
    """A usable number: present and finite."""
    return x is not None and math.isfinite(x)


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds of the status bands (from config ``[scoring]``).

    Validated on construction so a bad config fails at load time, not while drawing.
    """

    overperforming: float = 1.0
    on_track: float = 0.7
    at_risk: float = 0.3

    def __post_init__(self) -> None:
        values = (self.overperforming, self.on_track, self.at_risk)
        for name, value in zip(("overperforming", "on_track", "at_risk"), values, strict=True):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"threshold {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"threshold {name} must be finite, got {value!r}")
        if not self.overperforming >= self.on_track >= self.at_risk >= 0:
            raise ValueError(
                "thresholds must satisfy overperforming >= on_track >= at_risk >= 0, got "
                f"{self.overperforming}, {self.on_track}, {self.at_risk}"
            )


DEFAULT_THRESHOLDS = Thresholds()


# --------------------------------------------------------------------------- KR progress

# Internal case labels shared by kr_progress and explain_kr, so the explanation always
# describes the branch that produced the number.
_NO_DATA = "no_data"
_NO_TARGET = "no_target"
_PERCENT = "percent"
_MILESTONE = "milestone"
_HOLD_ABOVE = "hold_above"
_HOLD_BELOW = "hold_below"
_HOLD_BETWEEN = "hold_between"
_INC_RANGE = "inc_range"
_INC_FLAT = "inc_flat"
_DEC_RANGE = "dec_range"
_DEC_FLAT = "dec_flat"
_INC_RATIO = "inc_ratio"
_INC_RATIO_ZERO = "inc_ratio_zero"
_DEC_RATIO = "dec_ratio"
_DEC_RATIO_BINARY = "dec_ratio_binary"


def _kr_case(
    kind: Kind,
    direction: Direction,
    start: float | None,
    target: float | None,
    current: float | None,
) -> str:
    """Which rule scores this KR (see the module docstring for the degenerate ones)."""
    if current is None:
        return _NO_DATA
    if kind == Kind.PERCENT:
        return _PERCENT
    if kind == Kind.MILESTONE:
        return _MILESTONE
    if target is None:
        return _NO_TARGET
    if direction == Direction.STAY_BETWEEN:
        return _NO_TARGET if start is None else _HOLD_BETWEEN
    if direction == Direction.STAY_ABOVE:
        return _HOLD_ABOVE
    if direction == Direction.STAY_BELOW:
        return _HOLD_BELOW
    if direction == Direction.DECREASE:
        if start is not None:
            return _DEC_FLAT if target == start else _DEC_RANGE
        return _DEC_RATIO if target > 0 and current > 0 else _DEC_RATIO_BINARY
    if start is not None:
        return _INC_FLAT if target == start else _INC_RANGE
    return _INC_RATIO_ZERO if target == 0 else _INC_RATIO


def _kr_raw(
    case: str, start: float | None, target: float | None, current: float | None
) -> float | None:
    """Progress before clamping at 0 (finite), or None when there is no score."""
    if case in (_NO_DATA, _NO_TARGET) or current is None:
        return None
    if case == _PERCENT:
        return _finite(current / 100.0)
    if case == _MILESTONE:
        return 1.0 if current >= MILESTONE_DONE else 0.0
    assert target is not None
    if case == _HOLD_ABOVE:
        return 1.0 if current >= target else 0.0
    if case == _HOLD_BELOW:
        return 1.0 if current <= target else 0.0
    if case == _HOLD_BETWEEN:
        assert start is not None
        return 1.0 if min(start, target) <= current <= max(start, target) else 0.0
    if case in (_INC_FLAT, _INC_RATIO_ZERO):
        return 1.0 if current >= target else 0.0
    if case in (_DEC_FLAT, _DEC_RATIO_BINARY):
        return 1.0 if current <= target else 0.0
    if case == _INC_RANGE:
        assert start is not None
        return _ratio(current, start, target, start)
    if case == _DEC_RANGE:
        assert start is not None
        return _ratio(start, current, start, target)
    if case == _INC_RATIO:
        return _ratio(current, 0.0, target, 0.0)
    # _DEC_RATIO: both positive, so no sign or zero issues.
    return _finite(target / current)


def kr_progress(
    kind: Kind,
    direction: Direction,
    start: float | None,
    target: float | None,
    current: float | None,
) -> float | None:
    """Progress of one key result: 0.0 upwards, 1.0 = target reached, None = no data.

    Uncapped above 1.0 so overperforming shows; clamped at 0.0 below because "worse
    than where we started" is still "no progress" for scoring.
    """
    raw = _kr_raw(_kr_case(kind, direction, start, target, current), start, target, current)
    return None if raw is None else _floor0(raw)


# --------------------------------------------------------------------------- plausibility

FAR = 10.0
"""A check-in more than this many spans beyond start or target needs a confirmation."""

_END_NAMES = {False: ("start", "target"), True: ("low end", "high end")}


def far_outside(
    kind: Kind,
    direction: Direction,
    start: float | None,
    target: float | None,
    value: float,
) -> str | None:
    """Why ``value`` looks like a typo for this metric KR, or None when it is plausible.

    Far means more than :data:`FAR` times the start–target span beyond either end (the
    target alone when there is no start), or of the opposite sign to both: an extra
    zero or a stray minus wrecks the score, the sparkline and the forecast.
    """
    if kind != Kind.METRIC or target is None or not math.isfinite(value):
        return None
    refs = [target] if start is None else [start, target]
    if (all(r > 0 for r in refs) and value < 0) or (all(r < 0 for r in refs) and value > 0):
        names = ("target",) if start is None else _END_NAMES[direction == Direction.STAY_BETWEEN]
        ends = " and ".join(f"{n} {typed_number(r)}" for n, r in zip(names, refs, strict=True))
        return f"{typed_number(value)} has the opposite sign of {ends}"
    low, high = min(refs), max(refs)
    span = high - low or abs(target) or 1.0
    if value > high + FAR * span or value < low - FAR * span:
        n = typed_number
        where = f"{n(low)}–{n(high)}" if start is not None else f"target {n(target)}"
        return f"{n(value)} is more than {FAR:g}× the key result's range ({where}) away from it"
    return None


# --------------------------------------------------------------------------- bands


def band(score: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Band:
    """Status band of a score; each threshold is the inclusive lower bound of its band.

    Compared at :data:`PRECISION` decimals, so k/10 lands in the band that starts at k/10.
    Exactly 1.0 is the target reached, a band of its own: never "overperforming" (that
    is above it); it reads "achieved" (or "done"/"held", see :func:`status_label`).
    """
    if score is None or score != score:
        return Band.NO_DATA
    value = snap(score)
    if value == 1.0:
        return Band.ACHIEVED
    if value >= thresholds.overperforming:
        return Band.OVERPERFORMING
    if value >= thresholds.on_track:
        return Band.ON_TRACK
    if value >= thresholds.at_risk:
        return Band.AT_RISK
    return Band.OFF_TRACK


# --------------------------------------------------------------------------- objectives


def _cap01(x: float) -> float:
    """A contribution to an objective: between 0 and 1 (NaN counts as 0)."""
    if not x > 0.0:
        return 0.0
    return 1.0 if x > 1.0 else x


def _usable_weight(weight: float) -> bool:
    """Weights that take part: positive and finite (0, negative, NaN, inf are left out)."""
    return weight > 0.0 and math.isfinite(weight)


def objective_score(
    kr_scores: Sequence[tuple[float | None, float]],
    child_scores: Sequence[float | None] = (),
) -> float | None:
    """Weighted mean of KR progress, each capped at 1.0, in [0, 1]; None when no data.

    Capping stops one overperforming KR from hiding a lagging one. One roll-up rule:
    a KR with no data counts as 0 (an unstarted KR is not progress), and so does a
    child objective with no score; only when nothing has data is there no score. Only
    when the objective has no KR with a positive weight does it take the mean of its
    children's scores (each capped at 1.0).
    """
    usable = [(p, w) for p, w in kr_scores if _usable_weight(w)]
    if usable:
        if all(p is None or p != p for p, _ in usable):
            return None
        top = max(w for _, w in usable)  # normalise so the sum of weights cannot overflow
        total = 0.0
        weight_sum = 0.0
        for p, w in usable:
            share = w / top
            weight_sum += share
            if p is not None:
                total += share * _cap01(p)
        return _cap01(total / weight_sum)
    if all(s is None or s != s for s in child_scores):
        return None
    children = [0.0 if s is None or s != s else _cap01(s) for s in child_scores]
    return _cap01(math.fsum(children) / len(children))


def grade_of(score: float | None) -> float:
    """The grade a score proposes: between 0 and 1, two decimals, by :func:`round_score`."""
    if score is None or score != score:
        return 0.0
    return round_score(min(max(score, 0.0), 1.0), 2)
