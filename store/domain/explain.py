"""How a score came about: the formula, the numbers put in and the rules applied.

Shown in the detail pane and by ``x``, so nobody has to trust a bare number. Built from
the same cases as :mod:`store.domain.scoring`, so the explanation cannot disagree.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from store.domain.precision import MILESTONE_DONE
from store.domain.scoring import (
    _DEC_FLAT,
    _DEC_RANGE,
    _DEC_RATIO,
    _DEC_RATIO_BINARY,
    _HOLD_ABOVE,
    _HOLD_BELOW,
    _HOLD_BETWEEN,
    _INC_FLAT,
    _INC_RANGE,
    _INC_RATIO,
    _INC_RATIO_ZERO,
    _MAX,
    _MILESTONE,
    _NO_DATA,
    _NO_TARGET,
    _PERCENT,
    _cap01,
    _kr_case,
    _kr_raw,
    _usable_weight,
    kr_progress,
    objective_score,
)
from store.format import format_number, typed_number
from store.model.enums import Direction, Kind


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


def _arg(x: float) -> str:
    """An input inside a formula: negative numbers in brackets so '− (−5)' reads right."""
    text = typed_number(x)
    return f"({text})" if x < 0 else text


def _res(x: float) -> str:
    """A result: compact, three significant digits."""
    return format_number(x).replace("-", "−")


_KR_FORMULAS = {
    _PERCENT: "current / 100",
    _MILESTONE: f"1 if current ≥ {MILESTONE_DONE:g} (done) else 0",
    _HOLD_ABOVE: "1 if current ≥ target else 0",
    _HOLD_BELOW: "1 if current ≤ target else 0",
    _HOLD_BETWEEN: "1 if low ≤ current ≤ high else 0",
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
    _HOLD_BETWEEN: (
        "A range to hold: 1.0 while the latest value is between the low and the high end "
        "(both included), else 0.0."
    ),
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
    if direction == Direction.STAY_BETWEEN:
        return _KR_FORMULAS[_HOLD_BETWEEN]
    if direction == Direction.DECREASE:
        return _KR_FORMULAS[_DEC_RANGE if start is not None else _DEC_RATIO]
    return _KR_FORMULAS[_INC_RANGE if start is not None else _INC_RATIO]


def _kr_substituted(
    case: str, start: float | None, target: float | None, current: float, raw: float
) -> str:
    """The formula with the KR's own numbers in it (percent and milestone KRs have no
    target in it; only the ranges have a start)."""
    c = _arg(current)
    if case == _PERCENT:
        return f"{c} / 100 = {_res(raw)}"
    if case == _MILESTONE:
        done = raw >= 1.0
        return f"{c} {'≥' if done else '<'} {MILESTONE_DONE:g} → {_res(raw)}"
    assert target is not None
    t = _arg(target)
    if case == _HOLD_BETWEEN:
        assert start is not None
        low, high = _arg(min(start, target)), _arg(max(start, target))
        if raw >= 1.0:
            return f"{low} ≤ {c} ≤ {high} → {_res(raw)}"
        if current < min(start, target):
            return f"{c} < {low} → {_res(raw)}"
        return f"{c} > {high} → {_res(raw)}"
    if case in (_HOLD_ABOVE, _INC_FLAT, _INC_RATIO_ZERO):
        return f"{c} {'≥' if raw >= 1.0 else '<'} {t} → {_res(raw)}"
    if case in (_HOLD_BELOW, _DEC_FLAT, _DEC_RATIO_BINARY):
        return f"{c} {'≤' if raw >= 1.0 else '>'} {t} → {_res(raw)}"
    if case in (_INC_RANGE, _DEC_RANGE):
        assert start is not None
        s = _arg(start)
        if case == _INC_RANGE:
            return f"({c} − {s}) / ({t} − {s}) = {_res(raw)}"
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
            value=None,
        )
    if case == _NO_TARGET:  # only a metric KR needs a target
        return Explanation(
            formula=_base_formula(Kind.METRIC, direction, start),
            substituted="no target set" if target is None else "no low end set",
            notes=(
                "A metric key result needs a target before it can be scored."
                if target is None
                else "A range needs its low end (the start) before it can be scored.",
            ),
            value=None,
        )
    assert current is not None and value is not None
    raw = _kr_raw(case, start, target, current)
    assert raw is not None
    substituted = _kr_substituted(case, start, target, current, raw)
    notes: list[str] = []
    if case in _KR_NOTES:
        notes.append(_KR_NOTES[case])
    if case in (_INC_RANGE, _DEC_RANGE):  # a range has both ends
        assert start is not None and target is not None
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
            notes.append(f"{label}: weight {typed_number(w)}, left out.")
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
                if value is not None:  # with no data anywhere nothing is counted
                    notes.append(f"{label}: no data yet, counts as 0.")
            else:
                shown = _cap01(p)
                if p > 1.0:
                    notes.append(f"{label}: progress {_res(p)} capped at 1.")
                elif p < 0.0:
                    notes.append(f"{label}: progress {_res(p)} counts as 0.")
            terms.append(f"{typed_number(w)} × {_res(shown)}")
        weights = " + ".join(typed_number(w) for _, _, w in usable)
        shown_weights = (f"{label} ×{typed_number(w)}" for label, _, w in usable)
        notes.append("Weights: " + ", ".join(shown_weights))
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
