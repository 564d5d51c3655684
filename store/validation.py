"""Checks for everything a user types: text, numbers, dates, references.

Text is cleaned when stored (and again when shown): terminal control sequences
and bidi/zero-width tricks must never reach another user's terminal.
Numbers are parsed strictly: ``float()`` happily accepts ``nan``, ``1e309``,
``1_000`` and Arabic-Indic digits, none of which a person means as a value.
"""

import math
import re
from datetime import date, datetime

from store.errors import ValidationError

# C0 controls except tab/newline, DEL, C1 controls.
_CONTROL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1 = "".join(chr(c) for c in range(0x80, 0xA0))
# Every Unicode Bidi_Control character (U+061C, U+200E/F, U+202A–E, U+2066–9) and the
# zero-width ones (U+200B–D, U+2060 word joiner, U+FEFF) (CVE-2021-42574).
_INVISIBLE = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
# In one-line text, line breaks and tabs separate words: they become spaces (then
# collapsed), so "Grow\nrevenue" does not turn into "Growrevenue".
_BREAKS = "\n\t\r\x0b\x0c\x85"
_STRIP_LINE = str.maketrans(
    _BREAKS, " " * len(_BREAKS), "".join(set(_CONTROL + _C1 + _INVISIBLE) - set(_BREAKS))
)
_STRIP_MULTI = str.maketrans("", "", _CONTROL + _C1 + _INVISIBLE)
# re.ASCII: a plain \d also matches Arabic-Indic, fullwidth and other Unicode digits,
# which float() would then happily read ("١٢٣" -> 123.0).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2200, 12, 31)


def clean_line(text: str) -> str:
    """One-line text (titles, names, units) without control or invisible characters."""
    return " ".join(text.translate(_STRIP_LINE).split())


def clean_multiline(text: str) -> str:
    """Free text (notes, descriptions): keeps newlines and tabs, drops other controls."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_STRIP_MULTI).strip()


def has_unsafe_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds characters that cleaning would remove."""
    table = _STRIP_MULTI if multiline else _STRIP_LINE
    return text != text.translate(table)


def require_text(text: str | None, field: str, *, max_length: int, multiline: bool = False) -> str:
    """A cleaned, non-empty text of at most ``max_length`` characters."""
    value = clean_multiline(text or "") if multiline else clean_line(text or "")
    if not value:
        raise ValidationError(f"{field} must not be empty")
    if len(value) > max_length:
        raise ValidationError(
            f"{field} is too long ({len(value)} characters, at most {max_length})"
        )
    return value


def optional_text(text: str | None, field: str, *, max_length: int, multiline: bool = False) -> str:
    """Like :func:`require_text` but empty is allowed (returns "")."""
    if not text or not text.strip():
        return ""
    return require_text(text, field, max_length=max_length, multiline=multiline)


def parse_number(text: str | float | int, field: str = "value") -> float:
    """A finite number from user input, refusing what people do not mean as numbers."""
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
    if _DECIMAL_COMMA.fullmatch(raw):
        raise ValidationError(
            f"{field} {raw!r} uses a comma: write decimals with a dot ({raw.replace(',', '.')})"
        )
    if not _NUMBER.fullmatch(raw):
        raise ValidationError(f"{field} {raw!r} is not a number: type digits such as 42 or 3.5")
    return require_finite(float(raw), field)


def require_finite(value: float, field: str = "value") -> float:
    """``value`` unless it is NaN or infinite (or overflowed to infinity)."""
    if not math.isfinite(value):
        raise ValidationError(f"{field} must be a finite number, got {value}")
    return value


def optional_number(text: str | float | int | None, field: str) -> float | None:
    """A finite number, or None for an empty input."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_number(text, field)


def parse_date(text: str | date, field: str = "date") -> date:
    """An ISO date (YYYY-MM-DD) within a sane range."""
    if isinstance(text, datetime):
        # A date subclass, but it cannot be compared with plain dates (TypeError).
        value = text.date()
    elif isinstance(text, date):
        value = text
    elif not isinstance(text, str):
        raise ValidationError(f"{field} must be a date (YYYY-MM-DD), not {type(text).__name__}")
    else:
        raw = text.strip()
        if not _DATE.fullmatch(raw):
            raise ValidationError(f"{field} {raw!r} is not a date: use YYYY-MM-DD")
        try:
            value = date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationError(f"{field} {raw!r} is not a real date ({exc})") from exc
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(f"{field} {value} is outside {MIN_DATE}…{MAX_DATE}")
    return value


def parse_reference(text: str, prefix: str) -> int | None:
    """The id in a reference such as ``KR-12``, ``kr12`` or ``12``; None if it is not one."""
    raw = clean_line(text).upper().replace(" ", "")
    head = prefix.upper()
    if raw.startswith(head + "-"):
        raw = raw[len(head) + 1 :]
    elif raw.startswith(head):
        raw = raw[len(head) :]
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None
