"""Scoring rules for key results, objectives, pace, forecasts and KPIs.

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
* Percent KR: ``current / 100`` (direction and target ignored).
* Milestone KR: done (1.0) when ``current >= 0.5``, else 0.0 (so a 0/1 or a
  false/true field both work, and float noise does not matter).
* A result too large for a float is clamped to the largest finite float.
"""

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from store.model.enums import BAND_LABEL, Band, Direction, Kind, KpiDirection

__all__ = [
    "ACHIEVED",
    "Explanation",
    "Thresholds",
    "band",
    "expected_progress",
    "explain_kr",
    "explain_objective",
    "far_outside",
    "forecast",
    "format_number",
    "format_percent",
    "grade_of",
    "is_achieved",
    "is_behind_pace",
    "kpi_delta_is_good",
    "kpi_health",
    "kr_progress",
    "objective_score",
    "pace_gap",
    "round_score",
    "set_achieved_label",
    "snap",
    "status_label",
    "trending_wrong_way",
]

_MAX = sys.float_info.max
MILESTONE_DONE = 0.5
"""A milestone value at or above this counts as done."""

_CURRENCY_PREFIXES = ("$", "€", "£", "¥")
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


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
        names = ("target",) if start is None else ("start", "target")
        ends = " and ".join(f"{n} {_num(r)}" for n, r in zip(names, refs, strict=True))
        return f"{_num(value)} has the opposite sign of {ends}"
    low, high = min(refs), max(refs)
    span = high - low or abs(target) or 1.0
    if value > high + FAR * span or value < low - FAR * span:
        where = f"{_num(low)}–{_num(high)}" if start is not None else f"target {_num(target)}"
        return f"{_num(value)} is more than {FAR:g}× the key result's range ({where}) away from it"
    return None


# --------------------------------------------------------------------------- bands


PRECISION = 9
"""Decimals a score is compared at: (0.31 − 0.1) / (0.4 − 0.1) is 0.6999999999999998 in
floating point, and must band as the 0.7 it is."""


def snap(score: float) -> float:
    """``score`` at the precision bands are decided at (float noise removed)."""
    return round(score, PRECISION) if math.isfinite(score) else score


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


ACHIEVED = "achieved"
"""How a score of exactly 1.0 reads by default (config ``scoring.achieved_label``)."""
_labels = {"achieved": ACHIEVED}


def set_achieved_label(label: str) -> None:
    """Use ``label`` (config ``scoring.achieved_label``) wherever exactly 1.0 is shown."""
    text = " ".join(label.split())
    if not text or len(text) > 24:
        raise ValueError(f"achieved label must be 1–24 characters, got {label!r}")
    _labels["achieved"] = text


def is_achieved(score: float | None) -> bool:
    """Whether ``score`` is exactly the target (1.0 at the banding precision)."""
    return score is not None and score == score and snap(score) == 1.0


def status_label(
    band_: Band,
    score: float | None,
    kind: Kind | None = None,
    direction: Direction | None = None,
    achieved: str | None = None,
) -> str:
    """How a band reads to people: exactly 1.0 is "achieved" ("done" for a milestone,
    "held" for a stay-above/below line), not "overperforming"; else the band's label."""
    if band_ != Band.NO_DATA and is_achieved(score):
        if kind == Kind.MILESTONE:
            return "done"
        if kind in (None, Kind.METRIC) and direction in (Direction.STAY_ABOVE,
                                                         Direction.STAY_BELOW):  # fmt: skip
            return "held"
        return achieved or _labels["achieved"]
    return BAND_LABEL[band_]


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


# --------------------------------------------------------------------------- pace


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
    if today <= start:
        return 0.0
    if today >= end:
        return 1.0
    return (today - start).days / (end - start).days


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
        # Every value is 0: the line is flat at 0 if the instants differ.
        return 0.0 if max(xs) != min(xs) else None
    ys = [v / scale for _, v in usable]
    n = len(xs)
    mx = math.fsum(xs) / n
    my = math.fsum(ys) / n
    sxx = math.fsum((x - mx) * (x - mx) for x in xs)
    if not sxx > 0.0:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    projected = my + slope * (_days(period_end, ref) - mx)
    return _finite(projected * scale)


# --------------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class Explanation:
    """How a score came about: formula, the numbers put in, and the rules applied.

    Shown in the detail pane so nobody has to trust a bare number.
    """

    formula: str
    substituted: str
    notes: tuple[str, ...]
    value: float | None

    def __str__(self) -> str:
        lines = [f"Formula: {self.formula}", f"Values:  {self.substituted}"]
        lines.extend(f"  • {note}" for note in self.notes)
        return "\n".join(lines)


def _num(x: float) -> str:
    """An input as typed: integers without '.0', others with up to 6 significant digits."""
    if not math.isfinite(x):
        return str(x)
    text = str(int(x)) if x == int(x) and abs(x) < 1e15 else f"{x:.6g}"
    return text.replace("-", "−")


def _arg(x: float) -> str:
    """An input inside a formula: negative numbers in brackets so '− (−5)' reads right."""
    text = _num(x)
    return f"({text})" if x < 0 else text


def _res(x: float) -> str:
    """A result: compact, three significant digits."""
    return format_number(x).replace("-", "−")


_KR_FORMULAS = {
    _PERCENT: "current / 100",
    _MILESTONE: f"1 if current ≥ {MILESTONE_DONE:g} (done) else 0",
    _HOLD_ABOVE: "1 if current ≥ target else 0",
    _HOLD_BELOW: "1 if current ≤ target else 0",
    _INC_RANGE: "(current − start) / (target − start)",
    _INC_FLAT: "1 if current ≥ target else 0",
    _DEC_RANGE: "(start − current) / (start − target)",
    _DEC_FLAT: "1 if current ≤ target else 0",
    _INC_RATIO: "current / target",
    _INC_RATIO_ZERO: "1 if current ≥ target else 0",
    _DEC_RATIO: "target / current",
    _DEC_RATIO_BINARY: "1 if current ≤ target else 0",
}

_KR_NOTES = {
    _PERCENT: "Percent key result: the value is a percentage of completion.",
    _MILESTONE: (
        f"Milestone: done (1) or not (0); any value of {MILESTONE_DONE:g} or more counts as done."
    ),
    _HOLD_ABOVE: "A level to hold: 1.0 while the latest value is at or above the line, else 0.0.",
    _HOLD_BELOW: "A level to hold: 1.0 while the latest value is at or below the line, else 0.0.",
    _INC_FLAT: (
        "Target equals start, so there is no distance to cover: 1.0 once the value "
        "reaches the target, else 0.0."
    ),
    _DEC_FLAT: (
        "Target equals start, so there is no distance to cover: 1.0 once the value is "
        "at or below the target, else 0.0."
    ),
    _INC_RATIO: "No start value: the plain ratio current / target (as if starting from 0).",
    _INC_RATIO_ZERO: "No start value and a target of 0: 1.0 once the value reaches 0, else 0.0.",
    _DEC_RATIO: "No start value: the plain ratio target / current.",
    _DEC_RATIO_BINARY: (
        "No start value and a zero or negative value or target, where target / current "
        "means nothing: 1.0 once the value is at or below the target, else 0.0."
    ),
}


def _base_formula(kind: Kind, direction: Direction, start: float | None) -> str:
    """The formula a KR uses once it has data (shown even before the first check-in)."""
    if kind == Kind.PERCENT:
        return _KR_FORMULAS[_PERCENT]
    if kind == Kind.MILESTONE:
        return _KR_FORMULAS[_MILESTONE]
    if direction == Direction.STAY_ABOVE:
        return _KR_FORMULAS[_HOLD_ABOVE]
    if direction == Direction.STAY_BELOW:
        return _KR_FORMULAS[_HOLD_BELOW]
    if direction == Direction.DECREASE:
        return _KR_FORMULAS[_DEC_RANGE if start is not None else _DEC_RATIO]
    return _KR_FORMULAS[_INC_RANGE if start is not None else _INC_RATIO]


def _kr_substituted(
    case: str, start: float | None, target: float, current: float, raw: float
) -> str:
    """The formula with the KR's own numbers in it."""
    c, t = _arg(current), _arg(target)
    s = _arg(start) if start is not None else ""
    if case == _PERCENT:
        return f"{c} / 100 = {_res(raw)}"
    if case == _MILESTONE:
        done = raw >= 1.0
        return f"{c} {'≥' if done else '<'} {MILESTONE_DONE:g} → {_res(raw)}"
    if case in (_HOLD_ABOVE, _INC_FLAT, _INC_RATIO_ZERO):
        return f"{c} {'≥' if raw >= 1.0 else '<'} {t} → {_res(raw)}"
    if case in (_HOLD_BELOW, _DEC_FLAT, _DEC_RATIO_BINARY):
        return f"{c} {'≤' if raw >= 1.0 else '>'} {t} → {_res(raw)}"
    if case == _INC_RANGE:
        return f"({c} − {s}) / ({t} − {s}) = {_res(raw)}"
    if case == _DEC_RANGE:
        return f"({s} − {c}) / ({s} − {t}) = {_res(raw)}"
    if case == _INC_RATIO:
        return f"{c} / {t} = {_res(raw)}"
    return f"{t} / {c} = {_res(raw)}"


def explain_kr(
    kind: Kind,
    direction: Direction,
    start: float | None,
    target: float | None,
    current: float | None,
) -> Explanation:
    """Explain :func:`kr_progress` for these inputs; ``value`` is exactly its result."""
    value = kr_progress(kind, direction, start, target, current)
    case = _kr_case(kind, direction, start, target, current)
    if case == _NO_DATA:
        return Explanation(
            formula=_base_formula(kind, direction, start),
            substituted="no value checked in yet",
            notes=("No check-in yet, so there is no score.",),
            value=value,
        )
    if case == _NO_TARGET:
        return Explanation(
            formula=_base_formula(kind, direction, start),
            substituted="no target set",
            notes=("A metric key result needs a target before it can be scored.",),
            value=value,
        )
    assert current is not None and value is not None
    raw = _kr_raw(case, start, target, current)
    assert raw is not None
    # Percent and milestone KRs ignore the target; show it as 0 there (never printed).
    target_shown = target if target is not None else 0.0
    substituted = _kr_substituted(case, start, target_shown, current, raw)
    notes: list[str] = []
    if case in _KR_NOTES:
        notes.append(_KR_NOTES[case])
    if start is not None and target is not None:
        if case == _INC_RANGE and target < start:
            notes.append(
                "The target is below the start although the key result should increase: "
                "progress is the share of the way from start to target."
            )
        if case == _DEC_RANGE and target > start:
            notes.append(
                "The target is above the start although the key result should decrease: "
                "progress is the share of the way from start to target."
            )
    if raw < 0.0:
        substituted += " → 0"
        notes.append("Negative progress (moved away from the target) counts as 0.")
    if abs(raw) >= _MAX:
        notes.append("Too large for a number: shown as the largest finite value.")
    if value > 1.0:
        notes.append(
            "Above 1.0 means overperforming; kept here, but capped at 1.0 in the objective's score."
        )
    return Explanation(
        formula=_KR_FORMULAS[case], substituted=substituted, notes=tuple(notes), value=value
    )


def explain_objective(
    kr_scores: Sequence[tuple[str, float | None, float]],
    child_scores: Sequence[tuple[str, float | None]] = (),
) -> Explanation:
    """Explain :func:`objective_score`: weights, capping and left-out KRs or children.

    Takes ``(label, progress, weight)`` per KR and ``(label, score)`` per child;
    ``value`` is exactly what ``objective_score`` returns for the same numbers.
    """
    value = objective_score([(p, w) for _, p, w in kr_scores], [s for _, s in child_scores])
    notes: list[str] = []
    usable = [(label, p, w) for label, p, w in kr_scores if _usable_weight(w)]
    for label, _, w in kr_scores:
        if not _usable_weight(w):
            notes.append(f"{label}: weight {_num(w)}, left out.")
    if usable:
        formula = "Σ (weight × min(progress, 1)) / Σ weight"
        notes.insert(
            0,
            "Each key result counts at most 1.0, so overperforming on one cannot hide "
            "another that lags; one with no data yet counts as 0.",
        )
        terms: list[str] = []
        for label, p, w in usable:
            if p is None or p != p:
                shown = 0.0
                notes.append(f"{label}: no data yet, counts as 0.")
            else:
                shown = _cap01(p)
                if p > 1.0:
                    notes.append(f"{label}: progress {_res(p)} capped at 1.")
                elif p < 0.0:
                    notes.append(f"{label}: progress {_res(p)} counts as 0.")
            terms.append(f"{_num(w)} × {_res(shown)}")
        weights = " + ".join(_num(w) for _, _, w in usable)
        notes.append("Weights: " + ", ".join(f"{label} ×{_num(w)}" for label, _, w in usable))
        if value is None:
            substituted = "no key result has data yet"
        else:
            substituted = f"({' + '.join(terms)}) / ({weights}) = {_res(value)}"
        return Explanation(formula, substituted, tuple(notes), value)

    formula = "mean of the aligned children's scores, each capped at 1"
    notes.insert(
        0,
        "No key result with a positive weight: the objective takes the mean of its "
        "aligned children; a child with no score yet counts as 0, as a key result with no "
        "data does.",
    )
    shown_scores: list[str] = []
    for label, s in child_scores:
        if s is None or s != s:
            if value is not None:
                notes.append(f"{label}: no score yet, counts as 0 (as a key result with no data).")
                shown_scores.append(_res(0.0))
            continue
        if s > 1.0:
            notes.append(f"{label}: score {_res(s)} capped at 1.")
        elif s < 0.0:
            notes.append(f"{label}: score {_res(s)} counts as 0.")
        shown_scores.append(_res(_cap01(s)))
    if value is None:
        substituted = "nothing to score yet"
    else:
        substituted = f"({' + '.join(shown_scores)}) / {len(shown_scores)} = {_res(value)}"
    return Explanation(formula, substituted, tuple(notes), value)


# --------------------------------------------------------------------------- KPIs


def kpi_delta_is_good(
    direction: KpiDirection, previous: float | None, latest: float | None
) -> bool | None:
    """Whether the latest move is in the good direction; None without a move to judge."""
    if not (_is_num(previous) and _is_num(latest)):
        return None
    assert previous is not None and latest is not None
    if latest == previous:
        return None
    return latest > previous if direction == KpiDirection.HIGHER else latest < previous


def kpi_health(
    direction: KpiDirection,
    value: float | None,
    green: float | None,
    red: float | None,
    target: float | None = None,
) -> str:
    """Threshold colour of a KPI value: "green", "amber", "red" or "none".

    Higher-is-better: ``value >= green`` is green, ``value <= red`` red, else amber
    (lower-is-better mirrors this). Green wins if misconfigured thresholds overlap.
    With only a green line: green at or beyond it, else amber (no red line was set).
    With only a red line: red at or beyond it, else green. With no threshold but a
    target, the target is the green line: green once met, else amber. No value, or
    neither a threshold nor a target: "none".
    """
    if not _is_num(value):
        return "none"
    assert value is not None
    has_green, has_red = _is_num(green), _is_num(red)
    if not has_green and not has_red:
        if not _is_num(target):
            return "none"
        green, has_green = target, True
    higher = direction == KpiDirection.HIGHER
    if has_green:
        assert green is not None
        if (value >= green) if higher else (value <= green):
            return "green"
    if has_red:
        assert red is not None
        if (value <= red) if higher else (value >= red):
            return "red"
    return "amber" if has_green else "green"


def trending_wrong_way(direction: KpiDirection, values: Sequence[float], n: int = 3) -> bool:
    """True when each step within the last ``n`` values moved the bad way (strictly).

    ``n`` values make ``n - 1`` steps; fewer than ``n`` values, or ``n < 2``, is False:
    an early warning needs an actual run, not one blip.
    """
    if n < 2 or len(values) < n:
        return False
    tail = list(values[-n:])
    if direction == KpiDirection.HIGHER:
        return all(b < a for a, b in pairwise(tail))
    return all(b > a for a, b in pairwise(tail))


# --------------------------------------------------------------------------- formatting


def _compact(value: float, digits: int = 3) -> str:
    """``digits`` significant digits with K/M/B/T suffixes; rounding carries to the next one."""
    if abs(value) >= 1e15:
        # Beyond trillions: scientific notation, formatted directly (rounding
        # 1.795e308 through float() would overflow to inf).
        return f"{value:.{digits}g}"
    rounded = float(f"{value:.{digits}g}")
    if rounded == 0.0:
        return "0"
    magnitude = abs(rounded)
    if magnitude >= 1e15:
        return f"{rounded:.{digits}g}"
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale:
            return f"{rounded / scale:.{digits}g}{suffix}"
    return f"{rounded:.{digits}g}"


def format_pair(before: float | None, after: float | None, unit: str = "") -> tuple[str, str]:
    """Two values of one quantity, with as many digits as it takes to show they differ
    ("101%" → "108%", or "107.6%" → "108.4%", never "108%" → "108%")."""
    for digits in range(3, 10):
        old, new = format_number(before, unit, digits), format_number(after, unit, digits)
        if old != new or before == after or before is None or after is None:
            return old, new
    return old, new


def percent_pair(before: float | None, after: float | None) -> tuple[str, str]:
    """Two scores as percentages, with decimals when whole percents would look the same."""
    for decimals in range(0, 4):
        old, new = format_percent(before, decimals), format_percent(after, decimals)
        if old != new or before == after or before is None or after is None:
            return old, new
    return old, new


def format_number(value: float | None, unit: str = "", digits: int = 3) -> str:
    """Compact human form for panels and trees: 1234567 -> "1.23M", 0.356 -> "0.356".

    "%" is appended without a space, currency symbols ($ € £ ¥) are prefixed after
    any minus sign, other units follow after a space. None (no data) is "—".
    """
    if value is None or value != value:
        return "—"
    text = ("∞" if value > 0 else "-∞") if math.isinf(value) else _compact(value, digits)
    unit = unit.strip()
    if not unit:
        return text
    if unit == "%":
        return text + unit
    if unit in _CURRENCY_PREFIXES:
        if text.startswith("-"):
            return "-" + unit + text[1:]
        return unit + text
    return f"{text} {unit}"


def round_score(score: float, places: int) -> float:
    """The one rounding rule for every score and grade shown: half up, on the decimal
    the score reads as, so 0.925 is 93 % and grade 0.93 alike (never 92 % beside 0.93)."""
    if not math.isfinite(score):
        return score
    exact = Decimal(repr(snap(score)))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def grade_of(score: float | None) -> float:
    """The grade a score proposes: between 0 and 1, two decimals, by :func:`round_score`."""
    if score is None or score != score:
        return 0.0
    return round_score(min(max(score, 0.0), 1.0), 2)


def format_percent(score: float | None, decimals: int = 0) -> str:
    """A score as a percentage ("62%", or "62.4%" with ``decimals``); "—" without data.

    Rounded by :func:`round_score`, like grades, so both always agree.
    """
    if score is None or not math.isfinite(score):
        return "—"
    if score >= 100:
        return ">9999%"
    percent = round_score(score, 2 + decimals) * 100
    return f"{percent + 0.0 if percent else 0.0:.{decimals}f}%"  # never "-0%"
