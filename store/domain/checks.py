"""The checks of what a person enters for a key result, a KPI or a check-in.

Pure, so a form can say what is wrong as it is typed (okrtui/modals/) and the write
refuses the same thing (store/write/): one rule, two places that ask it.
"""

from datetime import date

from store.domain.validation import parse_date, parse_number, require_text
from store.errors import ValidationError
from store.model.enums import Direction, Kind, KpiDirection

MAX_NAME = 64
"""The longest user name okrtui stores."""

MAX_COMMENT = 4_000
"""The longest comment okrtui stores (the column's length, migration 0007)."""


def check_comment(text: str) -> str:
    """A comment's text, cleaned: not empty, at most :data:`MAX_COMMENT` characters."""
    return require_text(text, "comment", max_length=MAX_COMMENT, multiline=True)


def check_username(value: str, field: str = "owner") -> str:
    name = require_text(value, field, max_length=MAX_NAME)
    if any(ch.isspace() for ch in name) or name.startswith("-"):
        raise ValidationError(f"{field} {name!r} is not a user name (no spaces, no leading '-')")
    return name


def check_kr_values(
    kind: Kind, direction: Direction, start: float | None, target: float | None
) -> tuple[float | None, float | None]:
    """Start/target defaults by kind, and the checks each kind needs."""
    if kind == Kind.PERCENT:
        start = 0.0 if start is None else start
        target = 100.0 if target is None else target
        for label, v in (("start", start), ("target", target)):
            if not 0 <= v <= 100:
                raise ValidationError(f"{label} of a percent key result must be 0–100, got {v:g}")
        return start, target
    if kind == Kind.MILESTONE:
        return 0.0, 1.0
    if direction == Direction.STAY_BETWEEN:
        return check_range(start, target)
    if target is None:
        raise ValidationError("a metric key result needs a target value")
    if direction in (Direction.INCREASE, Direction.DECREASE) and start is not None:
        if start == target:
            raise ValidationError(
                f"start and target are both {target:g}: nothing to move; a level to keep is "
                "a 'stay above' or 'stay below' key result"
            )
        if direction == Direction.INCREASE and target < start:
            raise ValidationError(
                f"target {target:g} is below start {start:g}: choose direction 'decrease'"
            )
        if direction == Direction.DECREASE and target > start:
            raise ValidationError(
                f"target {target:g} is above start {start:g}: choose direction 'increase'"
            )
    return start, target


def check_range(low: float | None, high: float | None) -> tuple[float, float]:
    """The ends of a "stay between" key result: both given, the low one below the high one
    (they are stored as the KR's start and target)."""
    if low is None or high is None:
        raise ValidationError(
            "a 'stay between' key result needs both ends: the low end as start and the "
            "high end as target"
        )
    if low >= high:
        raise ValidationError(
            f"the low end {low:g} must be below the high end {high:g}"
            + ("; a single value to keep is a 'stay above' or 'stay below' line" if low == high
               else "")
        )  # fmt: skip
    return low, high


def check_weight(value: float | str) -> float:
    weight = parse_number(value, "weight")
    if not 0 < weight <= 100:
        raise ValidationError(f"weight must be above 0 and at most 100, got {weight:g}")
    return weight


def thresholds_ok(direction: KpiDirection, green: float | None, red: float | None) -> None:
    if green is None or red is None:
        return
    if direction == KpiDirection.HIGHER and green <= red:
        raise ValidationError(
            f"for a higher-is-better KPI green ({green:g}) must be above red ({red:g})"
        )
    if direction == KpiDirection.LOWER and green >= red:
        raise ValidationError(
            f"for a lower-is-better KPI green ({green:g}) must be below red ({red:g})"
        )


def validate_check_in_value(kind: Kind, value: float | str, unit: str | None = None) -> float:
    """The value a KR of ``kind`` accepts, or a ValidationError saying why not.

    ``unit`` is the KR's unit: a typed ``$``/``%``/``€`` that matches it is accepted.
    """
    number = parse_number(value, "value", unit="%" if kind == Kind.PERCENT else unit)
    if kind == Kind.PERCENT and not 0 <= number <= 100:
        raise ValidationError(f"a percent key result takes 0–100, got {number:g}")
    if kind == Kind.MILESTONE and number not in (0.0, 1.0):
        raise ValidationError(f"a milestone is 1 (done) or 0 (not done), got {number:g}")
    return number


def check_observed_on(
    text: str | date, today: date, field_name: str = "date", date_format: str | None = None
) -> date:
    """A value's date: a real ISO date (or in ``date_format``), not after today (a future
    value would stay latest)."""
    day = parse_date(text, field_name, date_format=date_format)
    if day > today:
        raise ValidationError(f"{field_name} {day} is in the future (today is {today})")
    return day
