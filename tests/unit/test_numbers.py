"""store.domain.numbers: one reader for every number and date, no silent change of magnitude."""

import math
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from store.domain.numbers import (
    AUTO,
    TYPED,
    convention_option,
    date_format_option,
    decides,
    describe,
    detect_decimal,
    optional_number,
    read_date,
    read_number,
    require_finite,
)
from store.errors import ValidationError

# ------------------------------------------------------------------ known conventions


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("956.000", ",", 956_000.0),  # a European export: not 956
        ("800.000", ",", 800_000.0),
        ("1.040.000,50", ",", 1_040_000.5),
        ("2,5", ",", 2.5),
        ("1,500", ".", 1500.0),  # a US export once the column is known
        ("1,234,567.25", ".", 1_234_567.25),
        ("1 234", TYPED, 1234.0),
        ("1\u00a0234,5", ",", 1234.5),
        ("1\u202f234.5", ".", 1234.5),
        ("1'234.50", TYPED, 1234.5),
        ("1,234.5", TYPED, 1234.5),
        ("1,000,000", TYPED, 1_000_000.0),
        ("99.999", TYPED, 99.999),  # a form's lone dot is a decimal point
        ("0,125", AUTO, 0.125),  # 0,125 cannot be a thousands group
        ("1,5", AUTO, 1.5),
        ("1.2345", AUTO, 1.2345),
        ("\u22125", TYPED, -5.0),  # a typographic minus
    ],
)
def test_reads_a_value_in_its_convention(text: str, decimal: str, value: float) -> None:
    assert read_number(text, decimal=decimal) == value


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("$1,200.50", "USD", 1200.5),
        ("-$1,200.5", "$", -1200.5),
        ("$1,200,000", "$", 1_200_000.0),
        ("4.5%", "%", 4.5),
        ("4.5 %", "percent", 4.5),
        ("€ 12", "EUR", 12.0),
    ],
)
def test_a_symbol_matching_the_unit_is_accepted(text: str, unit: str, value: float) -> None:
    assert read_number(text, unit=unit) == value


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("$5", "teams", "remove the '$' (the unit here is 'teams')"),
        ("5%", None, "remove the '%'"),
        ("$5€", "$", "remove the '€'"),
        ("12 34", None, "not grouped by three: remove the ' '"),
        ("1 234'5", None, "mixes grouping separators"),
    ],
)
def test_a_foreign_symbol_or_bad_grouping_names_what_to_remove(
    text: str, unit: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        read_number(text, unit=unit)


def test_an_ambiguous_value_is_refused_with_both_readings() -> None:
    with pytest.raises(ValidationError) as info:
        read_number("1,234")
    assert "'1,234': 1234 or 1.234? write 1234 or 1.234" in str(info.value)
    with pytest.raises(ValidationError, match=re.escape("1500 or 1.500")):
        read_number("1.500", decimal=AUTO)


@pytest.mark.parametrize(
    ("text", "decimal", "message"),
    [
        ("1.5", ",", "write 1,5"),  # a dotted value in a ;-file is not guessed at
        ("1,5", ".", "write 1.5"),
        ("1.234,5", ".", "decimal comma but the numbers here use a decimal point"),
        ("1,234.5", ",", "decimal point but the numbers here use a decimal comma"),
        ("1,5", TYPED, r"write decimals with a dot \(1.5\)"),
        ("1.234.567", ".", "cannot be read with a decimal point"),
    ],
)
def test_a_value_against_its_convention_is_refused(text: str, decimal: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        read_number(text, decimal=decimal)


@pytest.mark.parametrize(
    "text", ["nan", "inf", "-inf", "1e309", "1_000", "١٢٣", "１２３", "0x1A", "1,,5", ",", "1.2.3"]
)
@pytest.mark.parametrize("decimal", [".", ",", AUTO, TYPED])
def test_still_refuses_what_people_do_not_mean(text: str, decimal: str) -> None:
    with pytest.raises(ValidationError):
        read_number(text, decimal=decimal)


def test_column_detection_needs_a_value_that_proves_the_convention() -> None:
    assert detect_decimal(["1,500", "2.5"]) == (".", "2.5")
    assert detect_decimal(["1.500", "2,5"]) == (",", "2,5")
    assert detect_decimal(["1,500", "1.250", "42"]) == (AUTO, None)
    assert detect_decimal(["1,5", "2.5"]) == (AUTO, None)  # contradicting proofs
    assert decides("$1,234.50") == "."
    assert decides("1,234") is None


# ------------------------------------------------------------------ the property


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


def _format(amount: Decimal, decimal: str, grouping: str, places: int) -> str:
    """``amount`` as a spreadsheet in ``decimal`` convention would print it."""
    text = f"{abs(amount):.{places}f}"
    integer, _, fraction = text.partition(".")
    if grouping:
        integer = _group(integer, grouping)
    body = integer + (decimal + fraction if fraction else "")
    return ("-" if amount < 0 else "") + body


amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False)


@given(
    amount=amounts,
    decimal=st.sampled_from([".", ","]),
    grouped=st.booleans(),
    places=st.integers(0, 3),
    known=st.booleans(),
)
@example(amount=Decimal("1234"), decimal=",", grouped=True, places=0, known=False)
@example(amount=Decimal("1.234"), decimal=",", grouped=False, places=3, known=False)
@example(amount=Decimal("956000"), decimal=",", grouped=True, places=0, known=True)
@example(amount=Decimal("1500"), decimal=".", grouped=True, places=0, known=False)
def test_any_formatted_number_keeps_its_magnitude_or_is_refused(
    amount: Decimal, decimal: str, grouped: bool, places: int, known: bool
) -> None:
    """Formatted in either convention and read back (the convention known, or not): the same
    number, or a refusal (only when the convention is not known), never another number."""
    grouping = ("." if decimal == "," else ",") if grouped else ""
    text = _format(amount, decimal, grouping, places)
    expected = float(round(amount, places))
    try:
        value = read_number(text, decimal=decimal if known else AUTO)
    except ValidationError:
        assert not known, f"{text!r} refused in its own convention"
        return
    assert value == expected, f"{text!r} read as {value}, meant {expected}"


@given(amount=amounts, grouped=st.booleans(), places=st.integers(0, 3))
def test_typed_values_keep_their_magnitude_or_are_refused(
    amount: Decimal, grouped: bool, places: int
) -> None:
    """Forms and the command line read a decimal point; a comma is never guessed at."""
    expected = float(round(amount, places))
    for decimal, grouping in ((".", ","), (",", ""), (",", ".")):
        text = _format(amount, decimal, grouping if grouped else "", places)
        try:
            value = read_number(text)
        except ValidationError:
            continue
        lone_dot_group = decimal == "," and text.count(".") == 1 and "," not in text
        assert value == expected or lone_dot_group, f"{text!r} read as {value}"


@given(amount=amounts, places=st.integers(0, 3), sep=st.sampled_from([" ", "\u00a0", "'"]))
def test_space_and_apostrophe_groupings_read_in_every_convention(
    amount: Decimal, places: int, sep: str
) -> None:
    for decimal in (".", ","):
        text = _format(amount, decimal, sep, places)
        expected = float(round(amount, places))
        assert read_number(text, decimal=decimal) == expected
        try:
            assert read_number(text, decimal=AUTO) == expected
        except ValidationError:
            assert sep not in text  # only an ungrouped 1.000 / 1,000 reads two ways


# ------------------------------------------------------------------ dates


def test_dates_are_iso_or_an_explicit_format() -> None:
    assert read_date("2026-01-31") == date(2026, 1, 31)
    assert read_date("31/01/2026", date_format=date_format_option("DD/MM/YYYY")) == date(
        2026, 1, 31
    )
    assert read_date("01/31/2026", date_format=date_format_option("%m/%d/%Y")) == date(2026, 1, 31)
    with pytest.raises(ValidationError, match=r"write 2026-01-31, or give --date-format %m/%d/%Y"):
        read_date("01/31/2026")
    with pytest.raises(ValidationError, match=r"2026-03-04 or 2026-04-03\?"):
        read_date("03/04/2026")
    with pytest.raises(ValidationError, match="not a date in the format"):
        read_date("31/01/2026", date_format="%m/%d/%Y")
    with pytest.raises(ValidationError, match="day, month and year"):
        date_format_option("%d/%m")


# ------------------------------------------------------------------ every refusal, word for word
# A refusal is what a person reads to fix a value, so its words are the behaviour. One input
# per path of the reader, with a named field and a hint, and the whole message.

HINT = " [give --decimal]"


@pytest.mark.parametrize(
    ("text", "decimal", "unit", "message"),
    [
        ("1 234'5", TYPED, None, "mixes grouping separators: use one kind, or none"),
        ("1 234.5,6", TYPED, None, "groups digits with ' ' and with . or ,: use one"),
        ("1 234,5", TYPED, None, "uses a comma: write decimals with a dot (1234.5)"),
        ("12 34", ",", None, "is not grouped by three: remove the ' '"),
        (
            "1 234.5",
            ",",
            None,
            "is written with a decimal point but the numbers here use a decimal comma: "
            "write 1234,5",
        ),
        ("1,234.5.6", ".", None, "is not a number: separators in the wrong places"),
        ("12,34.5", ".", None, "is not a number: separators in the wrong places"),
        ("1,234.5x", ".", None, "is not a number: type digits such as 42 or 3.5"),
        (
            "1.234,5",
            ".",
            None,
            "is written with a decimal comma but the numbers here use a decimal point: "
            "write 1234.5",
        ),
        ("1,23,4", ".", None, "is not a number: ',' does not group by three"),
        ("1234,567", ".", None, f"cannot be read with a decimal point: write 1234.567{HINT}"),
        ("1.234,5.6", ",", None, "is not a number: separators in the wrong places"),
        ("1.234.567", ".", None, f"cannot be read with a decimal point{HINT}"),
        (".", TYPED, None, "is not a number: type digits such as 42 or 3.5"),
        ("1,5", ".", None, f"cannot be read with a decimal point: write 1.5{HINT}"),
        ("1.5", ",", None, f"cannot be read with a decimal comma: write 1,5{HINT}"),
        (".5", ",", None, f"cannot be read with a decimal comma: write 0,5{HINT}"),
        ("5.", ",", None, f"cannot be read with a decimal comma: write 5{HINT}"),
        ("12,34", ".", None, f"cannot be read with a decimal point: write 12.34{HINT}"),
        ("1,5", TYPED, None, "uses a comma: write decimals with a dot (1.5)"),
        ("-1,5", TYPED, None, "uses a comma: write decimals with a dot (-1.5)"),
        ("\u22121,5", TYPED, None, "uses a comma: write decimals with a dot (-1.5)"),
        (",5", TYPED, None, "uses a comma: write decimals with a dot (0.5)"),
        ("+-5", TYPED, None, "is not a number: type digits such as 42 or 3.5"),
        ("5-", TYPED, None, "is not a number: type digits such as 42 or 3.5"),
        ("abc", TYPED, None, "is not a number: type digits such as 42 or 3.5"),
        ("1234 567", TYPED, None, "is not grouped by three: remove the ' '"),
    ],
)
def test_each_refusal_says_what_to_write(
    text: str, decimal: str, unit: str | None, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        read_number(text, "start", decimal=decimal, unit=unit, hint=HINT)
    assert str(info.value) == f"start {text!r} {message}"


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("$5", None, "start '$5': remove the '$' (numbers are typed without a unit)"),
        ("$5", "kg", "start '$5': remove the '$' (the unit here is 'kg')"),
        ("$5%", "$ %", "start '$5%': write the unit once, or not at all"),
        ("", None, "start is empty: type a number such as 42 or 3.5"),
        ("1e999", None, "start must be a finite number, got inf"),
        ("1,234", None, f"start '1,234': 1234 or 1.234? write 1234 or 1.234{HINT}"),
    ],
)
def test_units_empty_and_overflowing_values_are_refused_word_for_word(
    text: str, unit: str | None, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        read_number(text, "start", unit=unit, hint=HINT)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "value must be a number, not True"),
        (10**400, "value is too large to store"),
        (None, "value must be a number, not NoneType"),
        ([1], "value must be a number, not list"),
        (float("nan"), "value must be a finite number, got nan"),
        (float("-inf"), "value must be a finite number, got -inf"),
        ("1 234'5", 'value "1 234\'5" mixes grouping separators: use one kind, or none'),
    ],
)
def test_values_that_are_not_text_are_numbers_or_refused(value: object, message: str) -> None:
    """The field is called "value" unless the caller names it."""
    with pytest.raises(ValidationError) as info:
        read_number(value)
    assert str(info.value) == message


def test_numbers_that_are_not_text_are_taken_as_they_are() -> None:
    assert read_number(3) == 3.0 and isinstance(read_number(3), float)
    assert read_number(2.5) == 2.5
    with pytest.raises(ValueError, match=r"^unknown decimal convention 'x'$"):
        read_number("1", decimal="x")


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1e3", TYPED, 1000.0),
        ("-1.5e2", TYPED, -150.0),
        ("+5", TYPED, 5.0),
        ("- 5", TYPED, -5.0),
        ("0123", TYPED, 123.0),
        ("1 234 567", TYPED, 1_234_567.0),
        ("1.234", ",", 1234.0),
        ("1,234", ".", 1234.0),
        ("1.234.567", ",", 1_234_567.0),
        ("1.234.567", AUTO, 1_234_567.0),
        ("1.234,56", AUTO, 1234.56),
        ("1,2345", AUTO, 1.2345),
        ("1 234,5", ",", 1234.5),
        ("1,234.", ".", 1234.0),
    ],
)
def test_more_values_read_in_their_convention(text: str, decimal: str, value: float) -> None:
    assert read_number(text, decimal=decimal) == value


@pytest.mark.parametrize("text", ["-0", "-0.0", "-0e5", "\u22120", -0.0])
def test_minus_zero_is_stored_as_zero(text: object) -> None:
    """-0.0 would be stored and exported as "-0"."""
    value = read_number(text)
    assert value == 0.0 and math.copysign(1.0, value) == 1.0


def test_an_empty_optional_number_is_none_and_a_given_one_is_read() -> None:
    assert optional_number(None, "target") is None
    assert optional_number("  ", "target") is None
    assert optional_number("1,5", "target", decimal=",") == 1.5
    assert optional_number("$4", "target", unit="USD") == 4.0
    with pytest.raises(ValidationError) as info:
        optional_number("1.500", "target", decimal=AUTO, hint=HINT)
    assert str(info.value) == f"target '1.500': 1500 or 1.500? write 1500 or 1.500{HINT}"


@pytest.mark.parametrize(
    ("text", "proves"),
    [
        ("1,5", ","),
        ("$1,5", ","),
        ("1,234.5", "."),
        ("-1.234,5 €", ","),
        ("1,234", None),
        ("42", None),
        ("1e3", None),
        ("", None),
        ("abc", None),
    ],
)
def test_what_a_single_value_proves(text: str, proves: str | None) -> None:
    assert decides(text) == proves


def test_the_conventions_are_described_for_a_dry_run() -> None:
    assert describe(",", "the file is ;-separated") == "decimal comma (the file is ;-separated)"
    assert describe(".") == "decimal point"
    assert describe(AUTO) == (
        "convention unknown: values such as 1,234 that read two ways are refused"
    )


@pytest.mark.parametrize(
    ("given", "convention"),
    [(None, None), (".", "."), (" Point ", "."), ("dot", "."), (",", ","), ("COMMA", ",")],
)
def test_the_decimal_option_names_a_convention(given: str | None, convention: str | None) -> None:
    assert convention_option(given) == convention


def test_an_unknown_decimal_option_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        convention_option("semicolon")
    assert str(info.value) == ("--decimal 'semicolon': give . (decimal point) or , (decimal comma)")


# ------------------------------------------------------------------ dates, word for word


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (20260101, "date must be a date (YYYY-MM-DD), not int"),
        ("1969-12-31", "date 1969-12-31 is outside 1970-01-01…2200-12-31"),
        ("2201-01-01", "date 2201-01-01 is outside 1970-01-01…2200-12-31"),
        ("2026-02-30", "date '2026-02-30' is not a real date (day is out of range for month)"),
        (
            "31/12/2026",
            "date '31/12/2026' is not a date: use YYYY-MM-DD (write 2026-12-31, "
            "or give --date-format %d/%m/%Y)",
        ),
        (
            "03/04/2026",
            "date '03/04/2026' is not a date: use YYYY-MM-DD (2026-03-04 or "
            "2026-04-03? write the ISO date, or give --date-format %m/%d/%Y or %d/%m/%Y)",
        ),
        ("soon", "date 'soon' is not a date: use YYYY-MM-DD"),
        ("٢٠٢٦-٠١-٠١", "date '٢٠٢٦-٠١-٠١' is not a date: use YYYY-MM-DD"),
    ],
)
def test_each_date_refusal_word_for_word(text: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        read_date(text)
    assert str(info.value) == message


def test_the_date_range_is_inclusive_and_a_datetime_is_its_day() -> None:
    assert read_date("1970-01-01") == date(1970, 1, 1)
    assert read_date("2200-12-31") == date(2200, 12, 31)
    assert read_date(datetime(2026, 5, 6, 23, 59)) == date(2026, 5, 6)
    assert read_date(date(2026, 5, 6), "due") == date(2026, 5, 6)


def test_a_date_in_a_given_format_is_read_or_refused_naming_it() -> None:
    assert read_date("31/12/2026", date_format="%d/%m/%Y") == date(2026, 12, 31)
    assert read_date("2026-12-31", "due", date_format="%d/%m/%Y") == date(2026, 12, 31)
    for text in ("12/31/2026", "٣١/١٢/٢٠٢٦"):
        with pytest.raises(ValidationError) as info:
            read_date(text, "due", date_format="%d/%m/%Y")
        assert str(info.value) == f"due {text!r} is not a date in the format %d/%m/%Y"


def test_require_finite_names_the_value_it_refuses() -> None:
    assert require_finite(2.5) == 2.5
    with pytest.raises(ValidationError) as info:
        require_finite(math.inf)
    assert str(info.value) == "value must be a finite number, got inf"
