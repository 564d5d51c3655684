"""Tests for the mutants issue 21's mutation run found alive, each named after its finding.

Every test here pins an exact value or message that a named small change (the mutant,
quoted in the test's docstring) would alter; each was checked by applying that change by
hand and seeing the test fail. Property tests elsewhere check shapes (finite, monotone);
these check the numbers.
"""

import math
import re

import pytest

from store.domain.kpi_rules import trending_wrong_way
from store.domain.pace import is_behind_pace, pace_gap
from store.domain.scoring import Thresholds, band, kr_progress
from store.domain.validation import (
    ValidationError,
    optional_text,
    parse_reference,
    require_text,
)
from store.format import format_percent
from store.model.enums import Band, Direction, Kind, KpiDirection

METRIC, INC, DEC = Kind.METRIC, Direction.INCREASE, Direction.DECREASE
ORDER = "thresholds must satisfy overperforming >= on_track >= at_risk >= 0, got"


# --- scoring ------------------------------------------------------------------------------


def test_a_decreasing_kr_without_start_and_a_fractional_target_scores_its_ratio() -> None:
    """``target > 0`` → ``target > 1`` in ``_kr_case`` made it pass/fail (0 %)."""
    assert kr_progress(METRIC, DEC, None, 0.5, 1.0) == pytest.approx(0.5)
    assert kr_progress(METRIC, DEC, None, 0.5, 0.25) == pytest.approx(2.0)


def test_a_range_whose_difference_overflows_still_divides() -> None:
    """``_ratio``'s overflow branches: ``/`` → ``*`` (or a lost ``* 2``/``* 0.5``) gave
    the largest float, or half or twice the value."""
    # current - start overflows (2e308); target - start does not.
    assert kr_progress(METRIC, INC, -1e308, 0.0, 1e308) == pytest.approx(2.0)
    # target - start overflows; current - start does not.
    assert kr_progress(METRIC, INC, -1e308, 1e308, 0.0) == pytest.approx(0.5)
    # both overflow.
    assert kr_progress(METRIC, INC, -1e308, 1e308, 1e308) == pytest.approx(1.0)


def test_no_progress_is_never_negative_zero() -> None:
    """``_floor0``: ``x > 0.0`` → ``x >= 0.0`` let -0.0 through ("-0%" on screen)."""
    progress = kr_progress(METRIC, INC, 10.0, 5.0, 10.0)  # 0 / -5 = -0.0 before the floor
    assert progress == 0.0 and math.copysign(1.0, progress) == 1.0
    assert format_percent(progress) == "0%"


def test_thresholds_may_put_at_risk_at_zero() -> None:
    """The documented edge: ``at_risk >= 0`` → ``> 0`` refused it."""
    th = Thresholds(1.0, 0.7, 0.0)
    assert band(0.0, th) == Band.AT_RISK
    assert band(0.69, th) == Band.AT_RISK
    assert band(0.0) == Band.OFF_TRACK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"at_risk": -0.1},
            ORDER + " 1.0, 0.7, -0.1",
        ),
        (
            {"on_track": 1.5},
            ORDER + " 1.0, 1.5, 0.3",
        ),
        (
            {"on_track": 0.2},
            ORDER + " 1.0, 0.2, 0.3",
        ),
        ({"on_track": float("nan")}, "threshold on_track must be finite, got nan"),
        ({"overperforming": float("inf")}, "threshold overperforming must be finite, got inf"),
        ({"at_risk": True}, "threshold at_risk must be a number, got True"),
        ({"at_risk": "0.3"}, "threshold at_risk must be a number, got '0.3'"),
    ],
)
def test_a_bad_threshold_is_refused_saying_which_and_why(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        Thresholds(**kwargs)  # type: ignore[arg-type]  # the point: wrong types


def test_a_nan_expected_pace_gives_no_gap() -> None:
    """``expected != expected`` dropped: ``pace_gap(0.5, nan)`` was 0.0, "on pace"."""
    assert pace_gap(0.5, float("nan")) is None
    assert pace_gap(float("nan"), 0.5) is None
    assert not is_behind_pace(0.5, float("nan"))
    assert pace_gap(0.25, 0.5) == pytest.approx(-0.25)


@pytest.mark.parametrize(
    ("kind", "direction", "start", "target"),
    [
        (Kind.METRIC, Direction.INCREASE, 0.0, 10.0),
        (Kind.METRIC, Direction.INCREASE, None, 10.0),
        (Kind.METRIC, Direction.INCREASE, None, 0.0),
        (Kind.METRIC, Direction.DECREASE, 10.0, 0.0),
        (Kind.METRIC, Direction.DECREASE, None, 5.0),
        (Kind.METRIC, Direction.STAY_ABOVE, None, 5.0),
        (Kind.METRIC, Direction.STAY_BELOW, None, 5.0),
        (Kind.PERCENT, Direction.INCREASE, 0.0, 100.0),
        (Kind.MILESTONE, Direction.INCREASE, 0.0, 1.0),
    ],
)
def test_a_nan_check_in_never_scores(
    kind: Kind, direction: Direction, start: float | None, target: float
) -> None:
    """No float strategy allowed NaN; a NaN value must read as no progress, never 100 %."""
    assert kr_progress(kind, direction, start, target, float("nan")) == 0.0


# --- KPI early warnings --------------------------------------------------------------------


@pytest.mark.parametrize("direction", [KpiDirection.HIGHER, KpiDirection.LOWER])
def test_a_flat_run_is_no_warning_either_way(direction: KpiDirection) -> None:
    """Strictly worse each step: ``b > a`` → ``b >= a`` (lower is better) warned on 5, 5, 5."""
    assert not trending_wrong_way(direction, [5.0, 5.0, 5.0])
    assert not trending_wrong_way(direction, [4.0, 5.0, 5.0] if direction == KpiDirection.LOWER
                                  else [6.0, 5.0, 5.0])  # fmt: skip


def test_lower_is_better_warns_on_a_rising_run_only() -> None:
    assert trending_wrong_way(KpiDirection.LOWER, [1.0, 2.0, 3.0])
    assert not trending_wrong_way(KpiDirection.LOWER, [3.0, 2.0, 1.0])
    assert not trending_wrong_way(KpiDirection.LOWER, [1.0, 2.0])  # two values: no run
    assert trending_wrong_way(KpiDirection.LOWER, [9.0, 1.0, 2.0, 3.0])  # the last three


# --- validation ----------------------------------------------------------------------------


def test_a_text_of_exactly_the_longest_length_is_accepted() -> None:
    """``len(value) > max_length`` → ``>=`` refused a title of exactly ``max_length``."""
    assert require_text("x" * 10, "title", max_length=10) == "x" * 10
    with pytest.raises(ValidationError, match=r"^title is too long \(11 characters, at most 10\)$"):
        require_text("x" * 11, "title", max_length=10)
    with pytest.raises(ValidationError, match=r"^title must not be empty$"):
        require_text(" \t ", "title", max_length=10)


def test_optional_multiline_text_keeps_its_lines() -> None:
    """``optional_text(multiline=True)`` was never called: a note keeps its newlines."""
    assert optional_text("first\r\nsecond\x1b[31m", "note", max_length=50, multiline=True) == (
        "first\nsecond[31m"
    )
    assert optional_text("first\nsecond", "title", max_length=50) == "first second"
    assert optional_text("   ", "note", max_length=5, multiline=True) == ""
    with pytest.raises(ValidationError, match=r"^note is too long \(6 characters, at most 5\)$"):
        optional_text("a\nbcde", "note", max_length=5, multiline=True)


def test_a_reference_of_eighteen_digits_is_one_of_nineteen_is_not() -> None:
    """``len(raw) < 19`` → ``<= 19``: 19 digits overflow SQLite's integer ids."""
    assert parse_reference("KR-" + "9" * 18, "KR") == int("9" * 18)
    assert parse_reference("KR-" + "9" * 19, "KR") is None
    assert parse_reference("kr 12", "KR") == 12
    assert parse_reference("KR-١٢", "KR") is None  # digits, but not ASCII ones


# --- KPI CSV -----------------------------------------------------------------------------


def test_trailing_empty_cells_are_an_empty_note_not_extra_fields() -> None:
    """The trim of trailing empty cells never ran in a test (``not fields[-1].strip()``
    → ``fields[-1].strip()`` survived)."""
    from store.io.kpi_csv import CsvRow, parse_kpi_csv

    parsed = parse_kpi_csv(b"kpi,date,value\nNPS,2026-11-01,40,, \nNPS,2026-11-02,41,x\n")
    assert parsed.rows == (CsvRow(2, "NPS", "2026-11-01", "40", ""),)
    assert [str(e) for e in parsed.errors] == ["line 3: has 4 fields, the header 3"]


def test_a_column_named_twice_is_an_error_of_that_column() -> None:
    from store.io.kpi_csv import RowError, parse_kpi_csv

    parsed = parse_kpi_csv(b"kpi,date,value,KPI\nNPS,2026-11-01,40,NPS\n")
    assert parsed.rows == ()
    assert parsed.errors == (RowError(1, "kpi", "appears twice in the header"),)


def test_more_rows_than_the_limit_stop_the_read_at_the_first_one_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from store.io import kpi_csv

    monkeypatch.setattr(kpi_csv, "MAX_ROWS", 2)
    data = b"kpi,date,value\n" + b"".join(b"NPS,2026-11-0%d,4%d\n" % (d, d) for d in (1, 2, 3, 4))
    parsed = kpi_csv.parse_kpi_csv(data)
    assert [r.line for r in parsed.rows] == [2, 3]
    assert [str(e) for e in parsed.errors] == ["line 4: more than 2 rows; split the file"]


def test_lines_of_delimiters_only_are_blank_lines() -> None:
    from store.io.kpi_csv import parse_kpi_csv

    parsed = parse_kpi_csv(b"kpi;date;value\n;;\nNPS;2026-11-01;40\n ; ; \n\nNPS;2026-11-02;41\n")
    assert parsed.errors == ()
    assert [(r.line, r.value) for r in parsed.rows] == [(3, "40"), (6, "41")]
    assert parsed.delimiter == ";"


# --- rights ------------------------------------------------------------------------------


def test_key_result_rights_follow_their_owner_or_their_objective() -> None:
    """``rights_in``'s key-result rights were untested (its caller passed ``{}``)."""
    from store.domain.rights import rights_in

    parents = {1: None, 2: 1, 3: None}
    people = {1: ["ann"], 2: ["bob", "cat"], 3: ["dan"]}
    kr_owners = {10: (1, "ann"), 20: (2, "bob"), 21: (2, "eve"), 30: (3, "eve")}
    assert sorted(rights_in("eve", False, parents, people, kr_owners).key_results) == [21, 30]
    assert sorted(rights_in("cat", False, parents, people, kr_owners).key_results) == [20, 21]
    assert sorted(rights_in("ann", False, parents, people, kr_owners).key_results) == [10, 20, 21]
    assert not rights_in("zed", False, parents, people, kr_owners).key_results
    admin = rights_in("zed", True, parents, people, kr_owners)
    assert admin.key_result(30) and admin.objective(3) and admin.control(3)


def test_owners_above_hold_an_objective_collaborators_only_edit_it() -> None:
    from store.domain.rights import rights_in

    rights = rights_in("ann", False, {1: None, 2: 1, 3: 2}, {1: ["ann"], 2: ["bob"],
                       3: ["cat", "dan"]}, {})  # fmt: skip
    assert rights.objectives == {1, 2, 3} and rights.held == {1, 2, 3}
    dan = rights_in("dan", False, {1: None, 2: 1, 3: 2}, {1: ["ann"], 2: ["bob"],
                    3: ["cat", "dan"]}, {})  # fmt: skip
    assert dan.objectives == {3} and not dan.held


def test_a_parent_cycle_ends_the_walk_and_still_gives_the_owners_on_it() -> None:
    """A cycle written outside okrtui (1 → 2 → 1): no endless loop, and the owners on
    the cycle are each other's "above" (the guard ``oid not in path`` survived any change)."""
    from store.domain.rights import rights_in

    parents = {1: 2, 2: 1, 3: 3}
    people = {1: ["ann"], 2: ["bob"], 3: ["cat"]}
    ann = rights_in("ann", False, parents, people, {})
    assert ann.held == {1, 2}
    assert rights_in("cat", False, parents, people, {}).held == {3}
    assert not rights_in("zed", False, parents, people, {}).objectives


def test_a_collaborator_above_gets_nothing_below() -> None:
    """Only owners carry down the alignment: ``crew[...][:1]`` → the whole crew survived."""
    from store.domain.rights import rights_in

    rights = rights_in("eve", False, {1: None, 2: 1}, {1: ["ann", "eve"], 2: ["bob"]}, {})
    assert rights.objectives == {1} and not rights.held


# --- second run of tools/mutation.py: far_outside, the validation wrappers, CSV headers ----


@pytest.mark.parametrize(
    ("start", "target", "value", "why"),
    [
        (10.0, 20.0, -5.0, "−5 has the opposite sign of start 10 and target 20"),
        (None, 20.0, -5.0, "−5 has the opposite sign of target 20"),
        (-10.0, -20.0, 5.0, "5 has the opposite sign of start −10 and target −20"),
        (10.0, 20.0, 121.0, "121 is more than 10× the key result's range (10–20) away from it"),
        (10.0, 20.0, 120.0, None),  # exactly 10 spans above: still plausible
        (-10.0, 10.0, -211.0, "−211 is more than 10× the key result's range (−10–10) away from it"),
        (-10.0, 10.0, -210.0, None),
        (None, 20.0, 221.0, "221 is more than 10× the key result's range (target 20) away from it"),
        (None, 20.0, 220.0, None),
        (5.0, 5.0, 61.0, "61 is more than 10× the key result's range (5–5) away from it"),
        (5.0, 5.0, 55.0, None),  # no span: the target's size stands in
        (0.0, 0.0, 11.0, "11 is more than 10× the key result's range (0–0) away from it"),
        (0.0, 0.0, 10.0, None),  # nothing at all: 1 stands in
        (0.0, 20.0, -5.0, None),  # zero is neither sign
        (10.0, 20.0, float("inf"), None),
    ],
)
def test_far_outside_says_exactly_why(
    start: float | None, target: float, value: float, why: str | None
) -> None:
    from store.domain.scoring import far_outside

    assert far_outside(METRIC, INC, start, target, value) == why


def test_far_outside_is_for_metric_kr_with_a_target_only() -> None:
    from store.domain.scoring import far_outside

    assert far_outside(Kind.PERCENT, INC, 0.0, 100.0, 5000.0) is None
    assert far_outside(Kind.MILESTONE, INC, 0.0, 1.0, 50.0) is None
    assert far_outside(METRIC, INC, 10.0, None, 1e9) is None


def test_the_number_readers_pass_on_their_convention_unit_field_and_hint() -> None:
    """``parse_number``/``optional_number`` hand every argument on (mutants dropped or
    replaced ``decimal``, ``unit``, ``field`` and ``hint``)."""
    from store.domain.validation import optional_number, parse_number

    assert parse_number("1,5", decimal=",") == 1.5
    assert parse_number("$5", unit="$") == 5.0
    with pytest.raises(ValidationError, match=re.escape("value '$5': remove the '$'")):
        parse_number("$5")
    with pytest.raises(ValidationError, match=r"^target 'abc' is not a number"):
        parse_number("abc", "target")
    with pytest.raises(ValidationError, match=re.escape("write 1500 or 1.500 (say --decimal)")):
        parse_number("1,500", hint=" (say --decimal)")
    assert optional_number("", "x") is None and optional_number(None, "x") is None
    assert optional_number("2,5", "x", decimal=",") == 2.5
    assert optional_number("5%", "x", unit="%") == 5.0
    with pytest.raises(ValidationError, match=re.escape("target '1,500': 1500 or 1.500? "
                                                        "write 1500 or 1.500 (hint)")):  # fmt: skip
        optional_number("1,500", "target", hint=" (hint)")


def test_dates_are_read_in_the_given_format_and_named_by_their_field() -> None:
    from datetime import date

    from store.domain.validation import parse_date

    assert parse_date("01/02/2026", date_format="%d/%m/%Y") == date(2026, 2, 1)
    assert parse_date("2026-02-01", date_format="%d/%m/%Y") == date(2026, 2, 1)  # ISO still
    assert parse_date(date(2026, 2, 1)) == date(2026, 2, 1)
    with pytest.raises(ValidationError, match=r"^when '2026-13-01' is not a real date"):
        parse_date("2026-13-01", "when")
    with pytest.raises(ValidationError, match=r"^date '1/2/26' is not a date in the format %d"):
        parse_date("1/2/26", date_format="%d/%m/%Y")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (b"name,when\nx,y\n", ["line 1: the first line is not a header: 2 column(s), none of "
                               "them kpi, date, value or note (is this the right file?)"]),
        (b"kpi,date,value,colour\nNPS,2026-11-01,40,red\n",
         ["line 1, column colour: unknown column 'colour' (expected kpi, date, value and "
          "optionally note)"]),
        (b"kpi,date\nNPS,2026-11-01\n", ["line 1: the header lacks value: the first row must "
                                         "name the columns kpi,date,value[,note]"]),
        (b"kpi,value\nNPS,4\n", ["line 1: the header lacks date: the first row must name the "
                                 "columns kpi,date,value[,note]"]),
        (b"kpi,date,value," + b"a" * 40 + b"\n",
         ["line 1, column aaaaaaaaaaaaaaaaaaaaaaa…: unknown column 'aaaaaaaaaaaaaaaaaaaaaaa…' "
          "(expected kpi, date, value and optionally note)"]),
        (b"kpi,date,value,\n", ["line 1, column #4: unknown column '' (expected kpi, date, value "
                                "and optionally note)"]),
        (b"", ["line 1: the file is empty: expected a header kpi,date,value"]),
        (b"\n\n", ["line 1: the file is empty: expected a header kpi,date,value"]),
        (b'kpi,date,value\n"NPS,2026-11-01,40\n',
         ["line 2: cannot be read as CSV (unexpected end of data); check its quotes"]),
        (b"kpi;date;value\nNPS;2026-11-01;\n", ["line 2, column value: is empty"]),
        (b"kpi,date,value\nNPS,,\n", ["line 2, column date: is empty",
                                      "line 2, column value: is empty"]),
        (b"kpi,date,value\nNPS,2026-11-01,40\n\nNPS,x\x00,1\n",
         ["line 4: contains a NUL byte (is this a spreadsheet's binary format?)"]),
    ],
)  # fmt: skip
def test_a_kpi_csv_problem_is_said_exactly(data: bytes, errors: list[str]) -> None:
    from store.io.kpi_csv import parse_kpi_csv

    assert [str(e) for e in parse_kpi_csv(data).errors] == errors


def test_a_header_is_read_whatever_its_case_and_spaces() -> None:
    from store.io.kpi_csv import CsvRow, parse_kpi_csv

    parsed = parse_kpi_csv(b"\xef\xbb\xbfKPI , Date ,VALUE,Note\nNPS,2026-11-01,40,hi\n")
    assert parsed.errors == () and parsed.delimiter == ","
    assert parsed.rows == (CsvRow(2, "NPS", "2026-11-01", "40", "hi"),)
    spread = parse_kpi_csv(
        b'kpi,date,value,note\nNPS,2026-11-01,40,"two\nlines"\nNPS,2026-11-02,41\n'
    )
    assert [(r.line, r.note) for r in spread.rows] == [(2, "two\nlines"), (4, "")]


# --- the final run's survivors (issue 21, after the numbers and CSV readers joined) --------


def test_a_negative_target_and_start_with_zero_or_a_positive_value() -> None:
    """``far_outside``: ``value > 0`` → ``>= 0`` or ``> 1``, and ``r > 0`` → ``r > 1``."""
    from store.domain.scoring import far_outside

    assert far_outside(METRIC, DEC, -10.0, -20.0, 0.0) is None  # zero is no sign
    assert far_outside(METRIC, DEC, -10.0, -20.0, 0.5) == (
        "0.5 has the opposite sign of start −10 and target −20"
    )
    assert far_outside(METRIC, INC, None, 0.5, -1.0) == "−1 has the opposite sign of target 0.5"


def test_an_empty_multiline_text_is_empty() -> None:
    """``require_text``: ``text or ""`` → ``text or "XXXX"`` accepted None as a note."""
    with pytest.raises(ValidationError, match=r"^note must not be empty$"):
        require_text(None, "note", max_length=10, multiline=True)


def test_the_validation_wrappers_add_no_hint_of_their_own() -> None:
    """``parse_number``/``optional_number``: the default ``hint=""`` → ``"XXXX"``."""
    from store.domain.validation import optional_number, parse_number

    for read in (parse_number, optional_number):
        with pytest.raises(ValidationError) as info:
            read("1,234", "target")
        assert str(info.value) == "target '1,234': 1234 or 1.234? write 1234 or 1.234"


def test_the_number_reader_s_own_defaults() -> None:
    """``read_number``: the default hint and field, a fraction without its integer part."""
    from store.domain.numbers import optional_number, read_number

    with pytest.raises(ValidationError) as info:
        read_number("1,234")
    assert str(info.value) == "value '1,234': 1234 or 1.234? write 1234 or 1.234"
    with pytest.raises(ValidationError) as info:
        optional_number("1,234", "start")
    assert str(info.value) == "start '1,234': 1234 or 1.234? write 1234 or 1.234"
    with pytest.raises(ValidationError) as info:
        read_number(math.nan, "target")
    assert str(info.value) == "target must be a finite number, got nan"
    assert read_number(".5") == 0.5 and read_number("-.25") == -0.25


def test_a_kpi_csv_is_split_by_its_header_line_alone() -> None:
    """``_delimiter``: a tie is a comma file (``>`` → ``>=``); only the first line counts
    (``partition`` → ``rpartition``, or the whole text), and commas are what is counted."""
    from store.io.kpi_csv import parse_kpi_csv

    notes = parse_kpi_csv(b"kpi,date,value,note\nMRR,2026-11-01,5,a;b;c;d;e;f;g;h\n")
    assert (notes.delimiter, notes.errors) == (",", ())
    assert notes.rows[0].note == "a;b;c;d;e;f;g;h"
    tie = parse_kpi_csv(b"kpi,date;x,value\n")
    assert tie.delimiter == ","
    assert parse_kpi_csv(b"").delimiter == ","


def test_one_trailing_empty_cell_is_dropped() -> None:
    """``_row``: ``fields[:-1]`` → ``fields[:-2]`` dropped the value with the empty cell."""
    from store.io.kpi_csv import CsvRow, parse_kpi_csv

    parsed = parse_kpi_csv(b"kpi,date,value\nMRR,2026-11-01,5,\n")
    assert parsed.errors == ()
    assert parsed.rows == (CsvRow(2, "MRR", "2026-11-01", "5", ""),)


def test_a_header_lacking_two_columns_names_both() -> None:
    """``_header``: ``", ".join(missing)`` → ``"XX, XX"``."""
    from store.io.kpi_csv import parse_kpi_csv

    (error,) = parse_kpi_csv(b"kpi\nMRR\n").errors
    assert str(error).startswith("line 1: the header lacks date, value: the first row must name")


@pytest.mark.parametrize(
    ("name", "shown"),
    [("exactly twenty-four chr", "exactly twenty-four chr"),  # 23: under the limit
     ("exactly twenty-four chrs", "exactly twenty-four chrs"),  # 24: kept whole
     ("exactly twenty-five chars", "exactly twenty-five cha…"),
     ("two   spaced\twords", "two spaced words")],
)  # fmt: skip
def test_an_unknown_column_is_named_short_and_on_one_line(name: str, shown: str) -> None:
    """``_shown``: ``<= limit`` → ``< limit``, ``" ".join`` → ``"XX XX".join``."""
    from store.io.kpi_csv import parse_kpi_csv

    errors = parse_kpi_csv(f"kpi,date,value,{name}\n".encode()).errors
    assert any(f"unknown column {shown!r}" in str(e) for e in errors), errors


def test_admins_default_to_the_file_owner_and_nobody_is_said() -> None:
    """``recorded_or_owner`` with no owner; ``names`` of nobody."""
    from store.domain.rights import names, recorded_or_owner

    assert recorded_or_owner([], None) == []
    assert recorded_or_owner([], "root") == ["root"]
    assert names([]) == "nobody"
    assert names(["b", "a", "b"]) == "@a, @b"


def test_rights_over_objectives_with_an_unloaded_parent_or_no_people() -> None:
    """``rights_in``: a parent outside ``people`` (``crew.get(step, ())`` → ``None``), and
    an objective with nobody listed skipped, not ending the loop (``continue`` → ``break``)."""
    from store.domain.rights import rights_in

    rights = rights_in("ana", False, {2: 1, 3: None}, {1: (), 2: ("bob",), 3: ("ana",)}, {})
    assert not rights.objective(2) and rights.objective(3) and rights.control(3)
    unloaded = rights_in("ana", False, {5: 4}, {5: ("ana",)}, {})
    assert unloaded.objective(5)
