"""The precision scores are compared and rounded at, shared by the rules and the wording.

Separate so :mod:`store.format` can say "achieved" and "62%" without importing the rules.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

MILESTONE_DONE = 0.5
"""A milestone value at or above this counts as done (0/1 and false/true both work)."""

PRECISION = 9
"""Decimals a score is compared at: (0.31 − 0.1) / (0.4 − 0.1) is 0.6999999999999998 in
floating point, and must band as the 0.7 it is."""


def snap(score: float) -> float:
    """``score`` at the precision bands are decided at (float noise removed)."""
    return round(score, PRECISION) if math.isfinite(score) else score


def is_achieved(score: float | None) -> bool:
    """Whether ``score`` is exactly the target (1.0 at the banding precision)."""
    return score is not None and score == score and snap(score) == 1.0


def round_score(score: float, places: int) -> float:
    """The one rounding rule for every score and grade shown: half up, on the decimal
    the score reads as, so 0.925 is 93 % and grade 0.93 alike (never 92 % beside 0.93)."""
    if not math.isfinite(score):
        return score
    exact = Decimal(repr(snap(score)))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
