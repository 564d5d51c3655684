"""store.domain.validation: strict numbers, cleaned text, sane dates, references."""

import math
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from store.domain.validation import (
    MAX_DATE,
    MIN_DATE,
    clean_line,
    clean_multiline,
    has_unsafe_characters,
    optional_number,
    optional_text,
    parse_date,
    parse_number,
    parse_reference,
    require_finite,
    require_text,
)
from store.errors import ValidationError

C0 = {chr(c) for c in range(0x20)} | {"\x7f"}
C1 = {chr(c) for c in range(0x80, 0xA0)}
# Unicode's Bidi_Control property, complete.
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
FORBIDDEN_IN_LINE = C0 | C1 | BIDI | ZERO_WIDTH
FORBIDDEN_IN_NOTE = FORBIDDEN_IN_LINE - {"\n", "\t"}

# Text that is likely to hit the interesting characters, mixed with ordinary text.
nasty = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(FORBIDDEN_IN_LINE | {" ", "[", "]", "/", "\u2028", "\x85"})),
        st.characters(),
    )
)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42.0),
        (" 3.5 ", 3.5),
        ("-2", -2.0),
        ("+2", 2.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("0", 0.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        (7, 7.0),
        (2.5, 2.5),
    ],
)
def test_parse_number_accepts_plain_numbers(text: str | float, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "Infinity",
        "1e309",
        "-1e309",
        "1_000",
        "١٢٣",  # Arabic-Indic digits: float() reads them as 123
        "٣.٥",
        "１２３",  # fullwidth digits
        "²",
        "½",
        "0x1A",
        "1.2.3",
        "--1",
        "1e",
        "e5",
        "abc",
        "12 34",
        "",
        "   ",
        "\x00",
    ],
)
def test_parse_number_refuses_what_people_do_not_mean(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_number(text, "target")
    assert str(info.value).startswith("target")


@pytest.mark.parametrize("text", ["1,5", "-0,25", "12,0"])
def test_decimal_comma_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(ValidationError, match="dot") as info:
        parse_number(text)
    assert text.replace(",", ".") in str(info.value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400, True, False, None])
def test_parse_number_refuses_non_finite_and_non_numbers(value: object) -> None:
    with pytest.raises(ValidationError):
        parse_number(value)  # type: ignore[arg-type]


def test_require_finite() -> None:
    assert require_finite(1.5) == 1.5
    with pytest.raises(ValidationError, match="finite"):
        require_finite(float("inf"), "weight")


def test_optional_number() -> None:
    assert optional_number(None, "start") is None
    assert optional_number("  ", "start") is None
    assert optional_number("", "start") is None
    assert optional_number("4", "start") == 4.0
    with pytest.raises(ValidationError, match="start"):
        optional_number("nan", "start")


@given(st.text())
@example("1e309")
@example("nan")
@example("١٢٣")
@example("1_0")
def test_parse_number_is_finite_or_a_validation_error(text: str) -> None:
    try:
        value = parse_number(text)
    except ValidationError as exc:
        assert str(exc)
    else:
        assert isinstance(value, float)
        assert math.isfinite(value)
        assert text.strip().isascii()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_round_trips_repr(value: float) -> None:
    assert parse_number(repr(value)) == value
    assert parse_number(str(value)) == value


@given(st.integers(min_value=-(10**300), max_value=10**300))
def test_parse_number_reads_integers(value: int) -> None:
    assert parse_number(str(value)) == float(value)


# --------------------------------------------------------------------------- text


@given(nasty)
@example("\x1b]52;c;AAAA\x07title")
@example("\x9b2Jx")
@example("a\u202eb\u2066c\u061cd")
@example("zero\u200bwidth\u2060joiner\ufeff")
def test_clean_line_leaves_no_control_bidi_zero_width_or_newline(text: str) -> None:
    out = clean_line(text)
    assert not set(out) & FORBIDDEN_IN_LINE
    assert "\n" not in out and "\r" not in out and "\t" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert out == out.strip()
    assert "  " not in out
    assert clean_line(out) == out
    assert not has_unsafe_characters(out)


@given(nasty)
def test_clean_multiline_keeps_newlines_and_tabs_only(text: str) -> None:
    out = clean_multiline(text)
    assert not set(out) & FORBIDDEN_IN_NOTE
    assert "\r" not in out
    assert clean_multiline(out) == out
    assert not has_unsafe_characters(out, multiline=True)


@given(st.lists(st.text(alphabet="abc [/]=@'", min_size=1), min_size=2, max_size=5))
def test_clean_multiline_keeps_lines(lines: list[str]) -> None:
    joined = "\n".join(lines)
    assert clean_multiline(joined) == joined.strip()
    assert clean_multiline("\r\n".join(lines)) == joined.strip()


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "S"])))
def test_clean_line_keeps_ordinary_text(text: str) -> None:
    # Letters, digits, punctuation and symbols (markup brackets included) stay as typed.
    assert all(unicodedata.category(ch)[0] in "LNPS" for ch in text)
    assert clean_line(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[bold]x[/]", "[bold]x[/]"),
        ("[@click=app.screenshot('f','/dir')]hi", "[@click=app.screenshot('f','/dir')]hi"),
        ("\x1b]52;c;AAAA\x07Revenue", "]52;c;AAAARevenue"),
        ("\x1b[2JWipe", "[2JWipe"),
        ("\x9b2JC1", "2JC1"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("in\u2066vis\u2069ible", "invisible"),
        ("zero\u200bwidth", "zerowidth"),
        ("  two\n lines\tand tab ", "two lines and tab"),
        ("Grow\nrevenue\tfast\r\nnow", "Grow revenue fast now"),
        ("\x00\x07\x08", ""),
    ],
)
def test_clean_line_examples(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean
    stripped = raw.translate({ord(c): None for c in FORBIDDEN_IN_LINE})
    assert has_unsafe_characters(raw) == (raw != stripped)


def test_clean_multiline_examples() -> None:
    assert clean_multiline("line one\r\nline two\rthree\n\tindented") == (
        "line one\nline two\nthree\n\tindented"
    )
    assert clean_multiline("\x1b]0;title\x07note \u202e[b]x[/b]\u200b\n") == "]0;titlenote [b]x[/b]"
    assert clean_multiline("  \n  ") == ""


def test_require_text() -> None:
    assert require_text("  A  title ", "title", max_length=10) == "A title"
    for empty in ("", "   ", "\n\t", "\x1b\x07", "\u200b\u202e", None):
        with pytest.raises(ValidationError, match="title must not be empty"):
            require_text(empty, "title", max_length=10)
    with pytest.raises(ValidationError, match=r"too long \(11 characters, at most 10\)"):
        require_text("x" * 11, "title", max_length=10)
    assert require_text("a\nb", "note", max_length=10, multiline=True) == "a\nb"


def test_optional_text() -> None:
    assert optional_text(None, "unit", max_length=5) == ""
    assert optional_text("   ", "unit", max_length=5) == ""
    assert optional_text(" kg ", "unit", max_length=5) == "kg"
    with pytest.raises(ValidationError, match="unit is too long"):
        optional_text("kilograms", "unit", max_length=5)


# --------------------------------------------------------------------------- dates


def test_parse_date() -> None:
    assert parse_date("2026-11-23") == date(2026, 11, 23)
    assert parse_date(" 2026-11-23 ") == date(2026, 11, 23)
    assert parse_date(date(2026, 1, 1)) == date(2026, 1, 1)
    assert parse_date(MIN_DATE) == MIN_DATE
    assert parse_date(MAX_DATE.isoformat()) == MAX_DATE
    converted = parse_date(datetime(2026, 11, 23, 14, 5))
    assert converted == date(2026, 11, 23)
    assert type(converted) is date


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "not a real date"),
        ("2026-13-01", "not a real date"),
        ("2026/11/23", "use YYYY-MM-DD"),
        ("23.11.2026", "use YYYY-MM-DD"),
        ("20261123", "use YYYY-MM-DD"),
        ("2026-11-23T10:00", "use YYYY-MM-DD"),
        ("٢٠٢٦-١١-٢٣", "use YYYY-MM-DD"),
        ("２０２６-１１-２３", "use YYYY-MM-DD"),
        ("", "use YYYY-MM-DD"),
        ("1969-12-31", "outside"),
        ("2201-01-01", "outside"),
        ("0001-01-01", "outside"),
        ("9999-12-31", "outside"),
    ],
)
def test_parse_date_refusals(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_date(text, "start date")
    assert str(info.value).startswith("start date")


def test_parse_date_refuses_out_of_range_date_objects_and_non_dates() -> None:
    with pytest.raises(ValidationError, match="outside"):
        parse_date(date(1, 1, 1))
    with pytest.raises(ValidationError):
        parse_date(None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        parse_date(20261123)  # type: ignore[arg-type]


@given(st.dates())
def test_parse_date_round_trips_or_refuses_by_range(day: date) -> None:
    if MIN_DATE <= day <= MAX_DATE:
        assert parse_date(day.isoformat()) == day
    else:
        with pytest.raises(ValidationError, match="outside"):
            parse_date(day.isoformat())


@given(st.text())
def test_parse_date_never_raises_anything_else(text: str) -> None:
    try:
        day = parse_date(text)
    except ValidationError:
        return
    assert MIN_DATE <= day <= MAX_DATE


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("text", "prefix", "ref"),
    [
        ("KR-12", "KR", 12),
        ("kr-12", "KR", 12),
        ("kr12", "KR", 12),
        ("12", "KR", 12),
        (" KR - 12 ", "KR", 12),
        ("KR\u200b-1\u202e2", "KR", 12),
        ("KPI-3", "KPI", 3),
        ("kpi3", "KPI", 3),
        ("O-7", "O", 7),
        ("KPI-3", "KR", None),
        ("KR-3", "KPI", None),
        ("KR-", "KR", None),
        ("KR--3", "KR", None),
        ("KR-3.5", "KR", None),
        ("KR-١٢", "KR", None),
        ("KR-１２", "KR", None),
        ("KR-99999999999999999999", "KR", None),
        ("Grow MRR", "KR", None),
        ("", "KR", None),
    ],
)
def test_parse_reference(text: str, prefix: str, ref: int | None) -> None:
    assert parse_reference(text, prefix) == ref


@given(st.integers(min_value=0, max_value=10**18 - 1), st.sampled_from(["KR-", "kr", "", "Kr-"]))
def test_parse_reference_round_trips(number: int, head: str) -> None:
    assert parse_reference(f"{head}{number}", "KR") == number


@given(st.text())
def test_parse_reference_never_raises(text: str) -> None:
    ref = parse_reference(text, "KR")
    assert ref is None or 0 <= ref < 10**18
