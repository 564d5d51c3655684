"""The one place a number, a score or a key result's value becomes text.

The CLI, the reports and the TUI all call these, so "4.2K / 5K", "62%", "held" and
"not started" read the same everywhere.
"""

import json
import math
import re
from typing import Any, Protocol

from store.domain.precision import MILESTONE_DONE, is_achieved, round_score
from store.model.enums import BAND_LABEL, HOLD_DIRECTIONS, Band, Direction, Kind

_CURRENCY_PREFIXES = ("$", "€", "£", "¥")
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))

ACHIEVED = "achieved"
"""How a score of exactly 1.0 reads by default (config ``scoring.achieved_label``)."""
_labels = {"achieved": ACHIEVED}


def set_achieved_label(label: str) -> None:
    """Use ``label`` (config ``scoring.achieved_label``) wherever exactly 1.0 is shown."""
    text = " ".join(label.split())
    if not text or len(text) > 24:
        raise ValueError(f"achieved label must be 1–24 characters, got {label!r}")
    _labels["achieved"] = text


def status_label(
    band_: Band,
    score: float | None,
    kind: Kind | None = None,
    direction: Direction | None = None,
    achieved: str | None = None,
) -> str:
    """How a band reads to people: exactly 1.0 is "achieved" ("done" for a milestone,
    "held" for a line or range to stay on), not "overperforming"; else the band's label."""
    if band_ != Band.NO_DATA and is_achieved(score):
        if kind == Kind.MILESTONE:
            return "done"
        if kind in (None, Kind.METRIC) and direction in HOLD_DIRECTIONS:
            return "held"
        return achieved or _labels["achieved"]
    return BAND_LABEL[band_]


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

    "%" is appended without a space; a currency unit goes before the number, after any
    minus sign, with its scale or rate glued after it ("$" → "$4.9K", "$M" → "$4.9M", not
    "4.9 $M"; "€/month" → "€120/month"); other units follow after a space, in the singular
    for exactly one ("1 day", "1 MQL"). None (no data) is "—".
    """
    if value is None or value != value:
        return "—"
    unit = unit.strip()
    currency = _currency(unit)
    scaled = currency is not None and unit[len(currency) :].strip() in _SCALES
    if scaled and 1e3 <= abs(value) < 1e15:
        # "$1.5KM" would read two scales at once: a scaled unit shows the whole number
        text = f"{round(value):,}"
    else:
        text = ("∞" if value > 0 else "-∞") if math.isinf(value) else _compact(value, digits)
    if not unit:
        return text
    if unit == "%":
        return text + unit
    if currency is not None:
        rest = unit[len(currency) :].strip()
        sign, number = ("-", text[1:]) if text.startswith("-") else ("", text)
        glue = "" if not rest or rest[0] == "/" or rest in _SCALES else " "
        return f"{sign}{currency}{number}{glue}{rest}"
    if text in ("1", "-1"):
        unit = singular(unit)
    return f"{text} {unit}"


_SCALES = frozenset({"K", "k", "M", "m", "B", "b", "bn", "T", "mn", "MM"})


def _currency(unit: str) -> str | None:
    """The currency symbol ``unit`` starts with ("$", "€", "£", "¥"), or None."""
    return next((symbol for symbol in _CURRENCY_PREFIXES if unit.startswith(symbol)), None)


def singular(unit: str) -> str:
    """A plural unit word for exactly one of it: "days" → "day", "MQLs" → "MQL",
    "cities" → "city"; short units ("ms"), symbols and other words stay as they are."""
    if not unit.isalpha() or len(unit) < 3 or not unit.endswith("s"):
        return unit
    if unit.endswith(("ss", "us", "is")) or unit.lower() in ("series", "news", "species"):
        return unit
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith(("xes", "ches", "shes", "sses")):
        return unit[:-2]
    return unit[:-1]


def counted(count: int, word: str, plural: str = "") -> str:
    """``count`` and its noun, in the singular for one: "1 key result", "3 check-ins"
    (``plural`` where adding an s is wrong, such as "roll-over choices")."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def days_ago(days: int | None) -> str:
    """How long ago something happened, in whole days: "today", "1 day ago", "12 days
    ago" ("never" when it never did)."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"


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


def typed_number(x: float) -> str:
    """An input as typed: integers without '.0', others with up to 6 significant digits."""
    if not math.isfinite(x):
        return str(x)
    text = str(int(x)) if x == int(x) and abs(x) < 1e15 else f"{x:.6g}"
    return text.replace("-", "−")


class KeyResultValue(Protocol):
    """What it takes to say where a key result stands (a read row of any reader)."""

    @property
    def kind(self) -> Kind: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def start(self) -> float | None: ...
    @property
    def target(self) -> float | None: ...
    @property
    def current(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def kpi_id(self) -> int | None: ...


def current_value(kr: KeyResultValue) -> float | None:
    """What a KR stands at: its last value, or before any check-in where it starts (a
    metric at its start, a percent at 0, a milestone not done); None for a KPI-driven KR
    whose KPI has no value yet, and for a range before its first check-in (its start is
    its low end, not where it stands)."""
    if kr.current is not None or kr.kpi_id is not None:
        return kr.current
    if kr.kind == Kind.METRIC:
        return None if kr.direction == Direction.STAY_BETWEEN else kr.start
    return 0.0


def milestone_text(value: float | None) -> str:
    """A milestone's state in words: not started (no check-in yet), done or not done."""
    if value is None:
        return "not started"
    return "done" if value >= MILESTONE_DONE else "not done"


def range_text(low: float | None, high: float | None, unit: str) -> str:
    """A range to stay within, its unit once: "30–50 min", "$1.2K–$2K", "95–99%" (a
    currency before both ends); a missing end is left empty ("3–")."""
    first = "" if low is None else format_number(low, unit if _currency(unit.strip()) else "")
    return f"{first}–{'' if high is None else format_number(high, unit)}"


def current_text(kr: KeyResultValue) -> str:
    """Where a key result stands, in words or with its unit (the first half of
    :func:`kr_value`)."""
    if kr.kind == Kind.MILESTONE:
        return milestone_text(kr.current)
    return format_number(current_value(kr), kr.unit)


def kr_value(kr: KeyResultValue, unit_once: bool = False) -> str:
    """``current / target`` with units, a held line as ``current (hold ≥ line)``, a
    milestone in words: the same text in the tree, the CLI and every report format.

    ``unit_once``: a unit written after the number is written once, after the target
    ("11.2K / 12K prospects"), where room is short (a deep line of a narrow tree).
    """
    current = current_text(kr)
    if kr.kind == Kind.MILESTONE:
        return current
    unit = kr.unit.strip()
    if unit_once and unit not in ("", "%") and _currency(unit) is None:
        current = format_number(current_value(kr))
    hold = hold_text(kr.kind, kr.direction, kr.start, kr.target, kr.unit)
    if hold is not None:
        return f"{current} ({hold})"
    return f"{current} / {format_number(kr.target, kr.unit)}"


def hold_text(
    kind: Kind, direction: Direction, start: float | None, target: float | None, unit: str
) -> str | None:
    """What a line or range to hold holds ("hold ≥ $100", "hold 30–50 min"); None for a key
    result that moves towards a target. One wording for the tree, the reports and the
    check-in's confirmation."""
    if kind != Kind.METRIC or direction not in HOLD_DIRECTIONS:
        return None
    if direction == Direction.STAY_BETWEEN and start is not None:
        return f"hold {range_text(start, target, unit)}"
    side = "≥" if direction == Direction.STAY_ABOVE else "≤"
    return f"hold {side} {format_number(target, unit)}"


# What json.dumps(ensure_ascii=False) writes raw but must not reach a terminal: DEL, C1
# controls (U+009B is a one-character CSI), bidi and zero-width characters, line
# separators, lone surrogates.
_JSON_ESCAPE = re.compile(
    r"[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)


def json_text(data: Any) -> str:
    """``data`` as indented JSON that is safe to print (``status --json``, JSON reports).

    C0 controls are escaped by :func:`json.dumps` itself; the characters it leaves raw
    are written as ``\\uXXXX``, which any JSON parser reads back as the same text.
    """
    return json_escaped(
        json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    )


def json_escaped(text: str) -> str:
    """JSON text with what a terminal would act on written as ``\\uXXXX`` (same data)."""
    if text.isascii() and "\x7f" not in text:  # the common case, without a scan by re
        return text
    return _JSON_ESCAPE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
