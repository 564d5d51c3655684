"""One reader for every number and date a person or a spreadsheet gives okrtui.

Forms, ``okrtui checkin``/``kpi record``, the OKR and KPI CSV imports and the TOML
import all read values here, so ``1,234`` means the same everywhere. The rule:
a value is read in a known convention, or it is unambiguous on its own, or it is
refused with a hint showing every reading. It is never read at another magnitude
in silence (``956.000`` from a European export is not 956).

Conventions (``decimal``):

* ``"."`` or ``","``: the decimal separator is known (a ``;`` file means ``,``; an
  explicit ``--decimal``; or detected from a whole column, see :func:`detect_decimal`).
  The other one is a thousands separator and must group by three.
* ``AUTO``: nothing is known. ``1,5``, ``1.5``, ``1,234.5``, ``1.234.567`` and
  ``0,125`` can be read one way only; ``1,234`` and ``1.234`` can be read two ways
  and are refused with both readings.
* ``TYPED`` (forms and the command line, the default): a decimal point, as the
  README says, so ``1.234`` is 1.234; a decimal comma is refused with the dotted
  spelling, and ``1,234`` (a European's 1.234 or an American's 1234) with both.

Space, no-break space and apostrophe groupings (``1 234``, ``1'234.50``) are read
in any convention. A ``$``, ``€``, ``£`` or ``%`` is accepted only when it matches the
unit of the key result or KPI, otherwise refused naming what to remove.
``float()`` is never given raw text: it reads ``nan``, ``1e309``, ``1_000`` and
Arabic-Indic digits, none of which a person means as a value.
"""

import math
import re
from collections.abc import Iterable
from datetime import date, datetime

from store.errors import ValidationError

AUTO = "auto"
TYPED = "typed"
CONVENTIONS = (".", ",", AUTO, TYPED)

_HARD_GROUPING = (" ", "\u00a0", "\u202f", "'", "\u2019")
_ALLOWED = set("0123456789.,") | set(_HARD_GROUPING)
# re.ASCII: a plain \d also matches Arabic-Indic, fullwidth and other Unicode digits.
_EXPONENT = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+", re.ASCII)
_MINUS = ("-", "\u2212")
_SYMBOLS: dict[str, tuple[str, ...]] = {
    "$": ("$", "usd", "dollar"),
    "€": ("€", "eur"),
    "£": ("£", "gbp"),
    "%": ("%", "percent", "pct"),
}
_NAMES = {".": "a decimal point", ",": "a decimal comma"}


def require_finite(value: float, field: str = "value") -> float:
    """``value`` unless it is NaN or infinite (or overflowed to infinity); never -0.0,
    which would be stored and exported as "-0"."""
    if not math.isfinite(value):
        raise ValidationError(f"{field} must be a finite number, got {value}")
    return value + 0.0


def unit_allows(symbol: str, unit: str | None) -> bool:
    """Whether a typed ``symbol`` ($, €, £, %) is the ``unit`` of the value."""
    if unit is None:
        return False
    folded = unit.casefold()
    return any(word in folded for word in _SYMBOLS[symbol])


def _split(raw: str, field: str, unit: str | None) -> tuple[str, str]:
    """(sign, body) of ``raw`` with a matching unit symbol removed."""
    text = raw
    found: list[str] = []
    sign = ""
    for _ in range(3):  # "-$5", "$-5", "5 %", "-5%": a sign and symbols on either side
        text = text.strip()
        if text[:1] in _SYMBOLS:
            found.append(text[0])
            text = text[1:]
        elif text[-1:] in _SYMBOLS:
            found.append(text[-1])
            text = text[:-1]
        elif text[:1] in ("+", *_MINUS) and not sign:
            sign = "-" if text[0] in _MINUS else "+"
            text = text[1:]
    for symbol in dict.fromkeys(found):
        if not unit_allows(symbol, unit):
            where = f"the unit here is {unit!r}" if unit else "numbers are typed without a unit"
            raise ValidationError(f"{field} {raw!r}: remove the {symbol!r} ({where})")
    if len(found) > 1:
        raise ValidationError(f"{field} {raw!r}: write the unit once, or not at all")
    return sign, text.strip()


def _groups_ok(integer: str, sep: str) -> bool:
    """Whether ``integer`` is digits grouped by three with ``sep`` (``1,234,567``)."""
    parts = integer.split(sep)
    head, rest = parts[0], parts[1:]
    return (
        bool(rest)
        and 1 <= len(head) <= 3
        and head.isdigit()
        and not head.startswith("0")
        and all(len(p) == 3 and p.isdigit() for p in rest)
    )


def _refuse(field: str, raw: str, why: str) -> ValidationError:
    return ValidationError(f"{field} {raw!r} {why}")


def _interpret(body: str, decimal: str, field: str, raw: str, hint: str) -> tuple[str, str]:
    """(integer digits, fraction digits) of a body of digits and separators."""
    hard = {c for c in body if c in _HARD_GROUPING}
    if len(hard) > 1:
        raise _refuse(field, raw, "mixes grouping separators: use one kind, or none")
    dots, commas = body.count("."), body.count(",")
    if hard:
        sep = hard.pop()
        if dots + commas > 1:
            raise _refuse(field, raw, f"groups digits with {sep!r} and with . or ,: use one")
        mark = "." if dots else "," if commas else ""
        integer, fraction = body.split(mark) if mark else (body, "")
        if not _groups_ok(integer, sep):
            raise _refuse(field, raw, f"is not grouped by three: remove the {sep!r}")
        _check_mark(mark, decimal, field, raw, integer.replace(sep, ""), fraction)
        return integer.replace(sep, ""), fraction
    if dots and commas:
        mark = "." if body.rfind(".") > body.rfind(",") else ","
        sep = "," if mark == "." else "."
        parts = body.split(mark)  # mark is the last separator: what follows is digits
        if len(parts) != 2 or not _groups_ok(parts[0], sep):
            raise _refuse(field, raw, "is not a number: separators in the wrong places")
        integer, fraction = parts
        _check_mark(mark, decimal, field, raw, integer.replace(sep, ""), fraction)
        return integer.replace(sep, ""), fraction
    if not (dots or commas):
        return body, ""
    char = "." if dots else ","
    if dots + commas > 1:  # 1.234.567: only a grouping separator repeats
        if not _groups_ok(body, char):
            raise _refuse(field, raw, f"is not a number: {char!r} does not group by three")
        if decimal == char:
            raise _refuse(field, raw, f"cannot be read with {_NAMES[decimal]}{hint}")
        return body.replace(char, ""), ""
    integer, fraction = body.split(char)  # the only separator: both sides are digits
    if not (integer or fraction):
        raise _refuse(field, raw, "is not a number: type digits such as 42 or 3.5")
    groups = _groups_ok(body, char)
    if decimal == char or (decimal in (AUTO, TYPED) and not groups):
        _check_mark(char, decimal, field, raw, integer, fraction)
        return integer, fraction
    if decimal in (".", ","):  # char is the grouping separator of a known convention
        if not groups:
            raise _refuse(
                field,
                raw,
                f"cannot be read with {_NAMES[decimal]}: write "
                f"{_spell(integer, fraction, decimal)}{hint}",
            )
        return integer + fraction, ""
    if decimal == TYPED and char == ".":
        return integer, fraction
    both = f"{integer}{fraction} or {integer}.{fraction}"
    raise ValidationError(
        f"{field} {raw!r}: {both}? write {integer}{fraction} or {_dotted(integer, fraction)}{hint}"
    )


def _dotted(integer: str, fraction: str) -> str:
    return f"{integer or '0'}.{fraction}" if fraction else integer


def _spell(integer: str, fraction: str, mark: str) -> str:
    return _dotted(integer, fraction).replace(".", mark)


def _check_mark(mark: str, decimal: str, field: str, raw: str, integer: str, frac: str) -> None:
    """Refuse a decimal separator the convention does not use (never reread it)."""
    if not mark or decimal in (AUTO, mark) or (decimal == TYPED and mark == "."):
        return
    if decimal == TYPED:
        sign = "-" if raw.strip()[:1] in _MINUS else ""
        raise _refuse(
            field, raw, f"uses a comma: write decimals with a dot ({sign}{_dotted(integer, frac)})"
        )
    raise _refuse(
        field,
        raw,
        f"is written with {_NAMES[mark]} but the numbers here use {_NAMES[decimal]}: "
        f"write {_spell(integer, frac, decimal)}",
    )


def read_number(
    text: object,
    field: str = "value",
    *,
    decimal: str = TYPED,
    unit: str | None = None,
    hint: str = "",
) -> float:
    """A finite number read in the ``decimal`` convention, or a ValidationError saying why not.

    ``unit`` is the unit of the key result or KPI the value is for: a matching
    ``$``/``€``/``£``/``%`` is accepted. ``hint`` is appended to an ambiguity refusal
    (e.g. how to give the file's convention).
    """
    if decimal not in CONVENTIONS:
        raise ValueError(f"unknown decimal convention {decimal!r}")
    if isinstance(text, bool):
        raise ValidationError(f"{field} must be a number, not {text!r}")
    if isinstance(text, int | float):
        try:
            number = float(text)
        except OverflowError:  # an int beyond the float range
            raise ValidationError(f"{field} is too large to store") from None
        return require_finite(number, field)
    if not isinstance(text, str):
        raise ValidationError(f"{field} must be a number, not {type(text).__name__}")
    raw = text.strip()
    if not raw:
        raise ValidationError(f"{field} is empty: type a number such as 42 or 3.5")
    return require_finite(_parse(raw, field, decimal, unit, hint), field)


def _parse(raw: str, field: str, decimal: str, unit: str | None, hint: str) -> float:
    """The number ``raw`` (stripped, not empty) spells in ``decimal``, or why it is none."""
    sign, body = _split(raw, field, unit)
    if _EXPONENT.fullmatch(body):
        return float(sign + body)
    if not body or not set(body) <= _ALLOWED:
        raise _refuse(field, raw, "is not a number: type digits such as 42 or 3.5")
    integer, fraction = _interpret(body, decimal, field, raw, hint)
    return float(f"{sign}{integer or '0'}.{fraction or '0'}")


def optional_number(
    text: object, field: str, *, decimal: str = TYPED, unit: str | None = None, hint: str = ""
) -> float | None:
    """Like :func:`read_number`, but None for an empty input."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return read_number(text, field, decimal=decimal, unit=unit, hint=hint)


_ANY_SYMBOL = "".join(_SYMBOLS)


def _reads(text: str, decimal: str) -> bool:
    """Whether ``text`` is a number in ``decimal`` (any unit symbol allowed)."""
    raw = text.strip()
    try:
        _parse(raw, "value", decimal, _ANY_SYMBOL, "")
    except ValidationError:
        return False
    return True


def decides(text: str) -> str | None:
    """The convention ``text`` alone proves ("." or ","), or None when it proves neither.

    ``1,5`` proves a decimal comma, ``1,234.5`` a decimal point; ``1,234`` (both
    readings possible) and ``42`` prove nothing.
    """
    by_dot, by_comma = _reads(text, "."), _reads(text, ",")
    if by_dot != by_comma:
        return "." if by_dot else ","
    return None


def detect_decimal(values: Iterable[str]) -> tuple[str, str | None]:
    """(convention, the value that shows it) for a column: ``"."``, ``","`` or AUTO.

    A column is read with a convention only when some value proves it and no value
    proves the other one; otherwise AUTO, which refuses the two-way values.
    """
    proof: dict[str, str] = {}
    for value in values:
        found = decides(value)
        if found is not None:
            proof.setdefault(found, value.strip())
    if len(proof) == 1:
        ((mark, value),) = proof.items()
        return mark, value
    return AUTO, None


def describe(decimal: str, why: str = "") -> str:
    """How numbers were read, for a dry run: "decimal comma (the file is ;-separated)"."""
    names = {".": "decimal point", ",": "decimal comma"}
    if decimal in names:
        return names[decimal] + (f" ({why})" if why else "")
    return "convention unknown: values such as 1,234 that read two ways are refused"


def convention_option(text: str | None) -> str | None:
    """A ``--decimal`` option's value ("." or ","), or None when not given."""
    if text is None:
        return None
    value = text.strip().lower()
    if value in (".", "point", "dot"):
        return "."
    if value in (",", "comma"):
        return ","
    raise ValidationError(f"--decimal {text!r}: give . (decimal point) or , (decimal comma)")


# --------------------------------------------------------------------------- dates

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2200, 12, 31)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_GUESSES = ("%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%Y.%m.%d")
_ALIASES = {"YYYY": "%Y", "MM": "%m", "DD": "%d"}


def date_format_option(text: str | None) -> str | None:
    """A ``--date-format`` value as a strptime format (``DD/MM/YYYY`` or ``%d/%m/%Y``)."""
    if text is None:
        return None
    fmt = text.strip()
    for alias, code in _ALIASES.items():
        fmt = fmt.replace(alias, code)
    codes = re.findall(r"%.", fmt)
    if sorted(codes) != ["%Y", "%d", "%m"] or not fmt.isascii():
        raise ValidationError(
            f"--date-format {text!r}: give day, month and year, e.g. DD/MM/YYYY or %m/%d/%Y"
        )
    return fmt


def read_date(text: object, field: str = "date", *, date_format: str | None = None) -> date:
    """An ISO date (or one in ``date_format``) within a sane range; a hint otherwise."""
    if isinstance(text, datetime):
        # A date subclass, but it cannot be compared with plain dates (TypeError).
        value = text.date()
    elif isinstance(text, date):
        value = text
    elif not isinstance(text, str):
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD), not {type(text).__name__}")
    else:
        value = _date_text(text.strip(), field, date_format)
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(f"{field} {value} is outside {MIN_DATE}…{MAX_DATE}")
    return value


def _date_text(raw: str, field: str, date_format: str | None) -> date:
    if date_format is not None and not _ISO.fullmatch(raw):
        try:
            if raw.isascii():  # strptime's %d also reads other scripts' digits
                return datetime.strptime(raw, date_format).date()
        except ValueError:
            pass
        raise ValidationError(f"{field} {raw!r} is not a date in the format {date_format}")
    if not _ISO.fullmatch(raw):
        raise ValidationError(f"{field} {raw!r} is not a date: use YYYY-MM-DD{_date_hint(raw)}")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(f"{field} {raw!r} is not a real date ({exc})") from exc


def _date_hint(raw: str) -> str:
    """The ISO spelling(s) of ``raw`` read in common formats, and how to choose one."""
    readings: dict[date, str] = {}
    if raw.isascii():
        for fmt in _GUESSES:
            try:
                readings.setdefault(datetime.strptime(raw, fmt).date(), fmt)
            except ValueError:
                continue
    if len(readings) == 1:
        ((day, fmt),) = readings.items()
        return f" (write {day.isoformat()}, or give --date-format {fmt})"
    if readings:
        options = " or ".join(d.isoformat() for d in readings)
        formats = " or ".join(readings.values())
        return f" ({options}? write the ISO date, or give --date-format {formats})"
    return ""
