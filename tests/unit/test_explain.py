"""The explanations shown by ``x`` and the detail pane, word for word.

An explanation is read by people deciding whether to trust a score, so its exact text is
the behaviour: each case of :mod:`store.domain.scoring` has its formula, its numbers put
in and its notes pinned here (a property test elsewhere checks the value always equals
``kr_progress``/``objective_score``).
"""

import math

import pytest

from store.domain.explain import explain_kr, explain_objective
from store.model.enums import Direction, Kind

M, P, MS = Kind.METRIC, Kind.PERCENT, Kind.MILESTONE
INC, DEC = Direction.INCREASE, Direction.DECREASE
ABOVE, BELOW = Direction.STAY_ABOVE, Direction.STAY_BELOW

PERCENT = "Percent key result: the value is a percentage of completion."
MILESTONE = "Milestone: done (1) or not (0); any value of 0.5 or more counts as done."
HOLD_ABOVE = "A level to hold: 1.0 while the latest value is at or above the line, else 0.0."
HOLD_BELOW = "A level to hold: 1.0 while the latest value is at or below the line, else 0.0."
FLAT_UP = (
    "Target equals start, so there is no distance to cover: 1.0 once the value reaches "
    "the target, else 0.0."
)
FLAT_DOWN = (
    "Target equals start, so there is no distance to cover: 1.0 once the value is at or "
    "below the target, else 0.0."
)
RATIO_UP = "No start value: the plain ratio current / target (as if starting from 0)."
RATIO_ZERO = "No start value and a target of 0: 1.0 once the value reaches 0, else 0.0."
RATIO_DOWN = "No start value: the plain ratio target / current."
BINARY_DOWN = (
    "No start value and a zero or negative value or target, where target / current means "
    "nothing: 1.0 once the value is at or below the target, else 0.0."
)
NEGATIVE = "Negative progress (moved away from the target) counts as 0."
OVER = "Above 1.0 means overperforming; kept here, but capped at 1.0 in the objective's score."
TOO_LARGE = "Too large for a number: shown as the largest finite value."
UP_BELOW = (
    "The target is below the start although the key result should increase: progress is "
    "the share of the way from start to target."
)
DOWN_ABOVE = (
    "The target is above the start although the key result should decrease: progress is "
    "the share of the way from start to target."
)
NO_CHECK_IN = ("No check-in yet, so there is no score.",)
NO_TARGET = ("A metric key result needs a target before it can be scored.",)

RANGE_UP = "(current − start) / (target − start)"
RANGE_DOWN = "(start − current) / (start − target)"
AT_LEAST = "1 if current ≥ target else 0"
AT_MOST = "1 if current ≤ target else 0"

KR_CASES = [
    # (kind, direction, start, target, current), formula, substituted, notes, value
    ((P, INC, None, None, 45), "current / 100", "45 / 100 = 0.45", (PERCENT,), 0.45),
    (
        (P, INC, None, None, -10),
        "current / 100",
        "(−10) / 100 = −0.1 → 0",
        (PERCENT, NEGATIVE),
        0.0,
    ),
    (
        (MS, INC, None, None, 0.4),
        "1 if current ≥ 0.5 (done) else 0",
        "0.4 < 0.5 → 0",
        (MILESTONE,),
        0.0,
    ),
    (
        (MS, INC, None, None, 1),
        "1 if current ≥ 0.5 (done) else 0",
        "1 ≥ 0.5 → 1",
        (MILESTONE,),
        1.0,
    ),
    ((M, ABOVE, None, 99.5, 99.4), AT_LEAST, "99.4 < 99.5 → 0", (HOLD_ABOVE,), 0.0),
    ((M, ABOVE, None, 99.5, 100), AT_LEAST, "100 ≥ 99.5 → 1", (HOLD_ABOVE,), 1.0),
    ((M, BELOW, 0, 200, 150), AT_MOST, "150 ≤ 200 → 1", (HOLD_BELOW,), 1.0),
    ((M, BELOW, 0, 200, 201), AT_MOST, "201 > 200 → 0", (HOLD_BELOW,), 0.0),
    ((M, INC, 10, 100, 55), RANGE_UP, "(55 − 10) / (100 − 10) = 0.5", (), 0.5),
    ((M, INC, 100, 0, 25), RANGE_UP, "(25 − 100) / (0 − 100) = 0.75", (UP_BELOW,), 0.75),
    ((M, INC, 10, 100, 0), RANGE_UP, "(0 − 10) / (100 − 10) = −0.111 → 0", (NEGATIVE,), 0.0),
    ((M, INC, 50, 50, 49), AT_LEAST, "49 < 50 → 0", (FLAT_UP,), 0.0),
    ((M, INC, 50, 50, 60), AT_LEAST, "60 ≥ 50 → 1", (FLAT_UP,), 1.0),
    ((M, DEC, 30, 10, 20), RANGE_DOWN, "(30 − 20) / (30 − 10) = 0.5", (), 0.5),
    ((M, DEC, 10, 30, 20), RANGE_DOWN, "(10 − 20) / (10 − 30) = 0.5", (DOWN_ABOVE,), 0.5),
    ((M, DEC, 5, 5, 6), AT_MOST, "6 > 5 → 0", (FLAT_DOWN,), 0.0),
    ((M, DEC, 5, 5, 5), AT_MOST, "5 ≤ 5 → 1", (FLAT_DOWN,), 1.0),
    ((M, INC, None, 100, 150), "current / target", "150 / 100 = 1.5", (RATIO_UP, OVER), 1.5),
    ((M, INC, None, 0, -3), AT_LEAST, "(−3) < 0 → 0", (RATIO_ZERO,), 0.0),
    ((M, INC, None, 0, 0), AT_LEAST, "0 ≥ 0 → 1", (RATIO_ZERO,), 1.0),
    ((M, DEC, None, 10, 20), "target / current", "10 / 20 = 0.5", (RATIO_DOWN,), 0.5),
    ((M, DEC, None, 0, 5), AT_MOST, "5 > 0 → 0", (BINARY_DOWN,), 0.0),
    ((M, DEC, None, 10, -5), AT_MOST, "(−5) ≤ 10 → 1", (BINARY_DOWN,), 1.0),
    ((M, DEC, -5, -10, -7.5), RANGE_DOWN, "((−5) − (−7.5)) / ((−5) − (−10)) = 0.5", (), 0.5),
    (
        (M, INC, 0, 5e-324, 1e308),
        RANGE_UP,
        "(1e+308 − 0) / (4.94066e−324 − 0) = 1.8e+308",
        (TOO_LARGE, OVER),
        1.7976931348623157e308,
    ),
    ((M, INC, 0, 10, None), RANGE_UP, "no value checked in yet", NO_CHECK_IN, None),
    ((M, DEC, 0, 10, None), RANGE_DOWN, "no value checked in yet", NO_CHECK_IN, None),
    ((M, INC, None, 10, None), "current / target", "no value checked in yet", NO_CHECK_IN, None),
    ((M, DEC, None, 10, None), "target / current", "no value checked in yet", NO_CHECK_IN, None),
    ((M, ABOVE, None, None, None), AT_LEAST, "no value checked in yet", NO_CHECK_IN, None),
    ((M, BELOW, None, None, None), AT_MOST, "no value checked in yet", NO_CHECK_IN, None),
    ((P, INC, None, None, None), "current / 100", "no value checked in yet", NO_CHECK_IN, None),
    (
        (MS, DEC, None, None, None),
        "1 if current ≥ 0.5 (done) else 0",
        "no value checked in yet",
        NO_CHECK_IN,
        None,
    ),
    ((M, INC, 0, None, 3), RANGE_UP, "no target set", NO_TARGET, None),
    ((M, DEC, None, None, 3), "target / current", "no target set", NO_TARGET, None),
]


@pytest.mark.parametrize(("args", "formula", "substituted", "notes", "value"), KR_CASES)
def test_each_key_result_case_is_explained_word_for_word(
    args: tuple[Kind, Direction, float | None, float | None, float | None],
    formula: str,
    substituted: str,
    notes: tuple[str, ...],
    value: float | None,
) -> None:
    explanation = explain_kr(*args)
    assert explanation.formula == formula
    assert explanation.substituted == substituted
    assert explanation.notes == notes
    assert explanation.value == value


def test_an_explanation_prints_formula_values_and_notes_as_lines() -> None:
    assert str(explain_kr(P, INC, None, None, -10)) == (
        f"Formula: current / 100\nValues:  (−10) / 100 = −0.1 → 0\n  • {PERCENT}\n  • {NEGATIVE}"
    )


WEIGHTS_CAP = (
    "Each key result counts at most 1.0, so overperforming on one cannot hide another that "
    "lags; one with no data yet counts as 0."
)
MEAN = "mean of the aligned children's scores, each capped at 1"
CHILDREN = (
    "No key result with a positive weight: the objective takes the mean of its aligned "
    "children; a child with no score yet counts as 0, as a key result with no data does."
)
WEIGHTED = "Σ (weight × min(progress, 1)) / Σ weight"


def test_an_objective_names_each_weight_cap_and_left_out_key_result() -> None:
    e = explain_objective([("KR-1", 1.4, 2), ("KR-2", None, 1), ("KR-3", 0.5, 0)])
    assert e.formula == WEIGHTED
    assert e.substituted == "(2 × 1 + 1 × 0) / (2 + 1) = 0.667"
    assert e.notes == (
        WEIGHTS_CAP,
        "KR-3: weight 0, left out.",
        "KR-1: progress 1.4 capped at 1.",
        "KR-2: no data yet, counts as 0.",
        "Weights: KR-1 ×2, KR-2 ×1",
    )
    assert e.value == pytest.approx(2 / 3)


def test_negative_and_nan_progress_count_as_zero_and_say_so() -> None:
    e = explain_objective([("KR-1", -0.2, 1), ("KR-2", math.nan, 1.5)])
    assert e.substituted == "(1 × 0 + 1.5 × 0) / (1 + 1.5) = 0"
    assert e.notes == (
        WEIGHTS_CAP,
        "KR-1: progress −0.2 counts as 0.",
        "KR-2: no data yet, counts as 0.",
        "Weights: KR-1 ×1, KR-2 ×1.5",
    )
    assert e.value == 0.0


def test_an_objective_without_any_data_counts_nothing() -> None:
    """No "counts as 0" beside "no key result has data yet": nothing was counted."""
    e = explain_objective([("KR-1", None, 1), ("KR-2", math.nan, 2)])
    assert (e.formula, e.substituted, e.value) == (WEIGHTED, "no key result has data yet", None)
    assert e.notes == (WEIGHTS_CAP, "Weights: KR-1 ×1, KR-2 ×2")


def test_without_weighted_key_results_the_children_are_averaged() -> None:
    e = explain_objective(
        [("KR-1", 0.5, -1)], [("O-2", 0.5), ("O-3", None), ("O-4", 1.2), ("O-5", -0.5)]
    )
    assert e.formula == MEAN
    assert e.substituted == "(0.5 + 0 + 1 + 0) / 4 = 0.375"
    assert e.notes == (
        CHILDREN,
        "KR-1: weight −1, left out.",
        "O-3: no score yet, counts as 0 (as a key result with no data).",
        "O-4: score 1.2 capped at 1.",
        "O-5: score −0.5 counts as 0.",
    )
    assert e.value == 0.375


@pytest.mark.parametrize("children", [[], [("O-2", None)], [("O-2", math.nan), ("O-3", None)]])
def test_nothing_to_score_says_so(children: list[tuple[str, float | None]]) -> None:
    e = explain_objective([], children)
    assert (e.formula, e.substituted, e.notes, e.value) == (
        MEAN,
        "nothing to score yet",
        (CHILDREN,),
        None,
    )
