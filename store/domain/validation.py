"""Checks for everything a user types: text, numbers, dates, references.

Text is cleaned when stored (and again when shown): terminal control sequences
and bidi/zero-width tricks must never reach another user's terminal.
Numbers are parsed strictly: ``float()`` happily accepts ``nan``, ``1e309``,
``1_000`` and Arabic-Indic digits, none of which a person means as a value.
"""

from datetime import date

from store.domain.numbers import MAX_DATE, MIN_DATE, TYPED, read_date, read_number, require_finite
from store.domain.numbers import optional_number as _optional_number
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
__all__ = ["MAX_DATE", "MIN_DATE", "ValidationError", "require_finite"]


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


def parse_number(
    text: str | float | int,
    field: str = "value",
    *,
    decimal: str = TYPED,
    unit: str | None = None,
    hint: str = "",
) -> float:
    """A finite number from user input (see :mod:`store.domain.numbers` for the rules)."""
    return read_number(text, field, decimal=decimal, unit=unit, hint=hint)


def optional_number(
    text: str | float | int | None,
    field: str,
    *,
    decimal: str = TYPED,
    unit: str | None = None,
    hint: str = "",
) -> float | None:
    """A finite number, or None for an empty input."""
    return _optional_number(text, field, decimal=decimal, unit=unit, hint=hint)


def parse_date(text: str | date, field: str = "date", *, date_format: str | None = None) -> date:
    """An ISO date (YYYY-MM-DD), or one in ``date_format``, within a sane range."""
    return read_date(text, field, date_format=date_format)


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
