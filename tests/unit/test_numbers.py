"""store.domain.numbers: one reader for every number and date, no silent change of magnitude."""

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from store.domain.numbers import (
    AUTO,
    TYPED,
    date_format_option,
    decides,
    detect_decimal,
    read_date,
    read_number,
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
