"""KPI rules: whether a move is good, a value's health, and a trend going the wrong way."""

from collections.abc import Sequence
from itertools import pairwise

from store.domain.scoring import _is_num
from store.model.enums import KpiDirection


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
