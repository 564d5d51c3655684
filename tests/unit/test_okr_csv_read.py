"""store.io.okr_csv_read without a database: the delimiter, the header, the rows and each
problem found while reading, word for word (the import's own tests go through the store)."""

from pathlib import Path

import pytest

from store.errors import CsvImportError
from store.io.okr_csv_read import (
    _HINT,
    _cell,
    _column_of,
    _cut,
    _delimiter,
    _read_rows,
    direction_from_title,
    file_decimal,
    read_csv_text,
    read_rows,
)

HEADER = "objective,key result,owner,start,target,unit,parent"
COLUMNS = ["objective", "key result", "owner", "start", "target", "unit", "parent"]


def row(*cells: str) -> dict[str, str]:
    return dict(zip(COLUMNS, cells, strict=True))


@pytest.mark.parametrize(
    ("title", "direction", "words"),
    [
        ("Keep churn under 2%", "stay-below", "keep … under"),
        ("Maintain uptime at least 99.9%", "stay-above", "maintain"),
        ("Hold NPS above 50", "stay-above", "hold"),
        ("Grow revenue and cut costs", "conflict", "grow and cut"),
        ("Reduce time to value", "decrease", "reduce"),
        ("Response time below 2 s", "decrease", "below"),
        ("Increase MRR to $1M", None, ""),
        ("Ship the new onboarding", None, ""),
        ("Staying [bold]under[/] budget", "stay-below", "staying … under"),
    ],
)
def test_the_direction_a_title_says_and_the_words_that_say_it(
    title: str, direction: str | None, words: str
) -> None:
    assert direction_from_title(title) == (direction, words)


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [
        ("objective;key result;owner", ";"),
        ("objective,key result,owner", ","),
        ("objective;key result,owner", ","),  # a tie is a comma file
        ("objective", ","),
    ],
)
def test_the_header_line_decides_the_delimiter(first_line: str, delimiter: str) -> None:
    assert _delimiter(first_line + "\n;;;;;;;;\n") == delimiter


def test_only_the_header_line_decides_the_delimiter() -> None:
    text = "objective,key result;owner\n" + "a;b;c;d;e\n" * 3
    assert _delimiter(text) == ","


def test_rows_keep_their_line_numbers_past_blank_and_short_lines() -> None:
    text = (
        f"\ufeff{HEADER}\r\n"
        "A,B,ana,0,1,,\r\n"
        ",,,,,,\r\n"
        "A,short\r\n"
        '"A","two\r\nlines",ana,0,1,,\r\n'
        "A,C,ana,0,2,,\r\n"
    )
    rows, errors, delimiter = _read_rows(text)
    assert delimiter == ","
    assert rows == [
        (2, row("A", "B", "ana", "0", "1", "", "")),
        (6, row("A", "two\r\nlines", "ana", "0", "1", "", "")),
        (7, row("A", "C", "ana", "0", "2", "", "")),
    ]
    assert errors == ["line 4: 2 cells where the header has 7"]


def test_header_aliases_from_other_tools_and_spellings() -> None:
    header = "Goal Title;KR-Name;Assignee;Baseline;Target_Value;Unit of measure;Aligned to;KR type"
    rows, errors = read_rows(header + "\nA;B;ana;0;1;%;;percentage\n")
    assert errors == []
    assert rows == [(2, {**row("A", "B", "ana", "0", "1", "%", ""), "kind": "percentage"})]


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("", ["the file is empty: it needs a header row (" + ", ".join(COLUMNS) + ")"]),
        (
            HEADER + ",Owner,colour\n",
            [
                "line 1, column 8: column 'owner' appears twice",
                "line 1, column 9: unknown column 'colour'",
            ],
        ),
        (
            "objective,owner\n",
            ["line 1: missing column(s): key result, start, target, unit, parent"],
        ),
        ('"objective\n', ["line 1: unexpected end of data"]),
        (
            HEADER + "\nA,B\x00,ana,0,1,,\n",
            ["line 2: contains a NUL byte (is this really a CSV file?)"],
        ),
        (
            HEADER + '\nA,"B,ana,0,1,,\n',
            ["line 2: unexpected end of data (an unterminated quote?)"],
        ),
    ],
)
def test_each_reading_problem_word_for_word(text: str, errors: list[str]) -> None:
    rows, found = read_rows(text)
    assert (rows, found) == ([], errors)


@pytest.mark.parametrize(
    ("message", "column"),
    [
        ("target '1,5' cannot be read with a decimal point", "target"),
        ("owner 'zed' is not a user", "owner"),
        ("title must not be empty", "key result"),
        ("a row without any field name", None),
    ],
)
def test_a_validation_message_names_its_column(message: str, column: str | None) -> None:
    assert _column_of(message) == column


def test_the_number_convention_and_why() -> None:
    rows = [(2, row("A", "B", "ana", "1,5", "2", "", ""))]
    assert file_decimal(rows, ",", ".") == (".", "--decimal")
    assert file_decimal(rows, ";", None) == (",", "the file is ;-separated")
    assert file_decimal(rows, ",", None) == (",", "detected from the start/target columns: '1,5'")
    plain = [(2, row("A", "B", "ana", "1", "2", "", ""))]
    assert file_decimal(plain, ",", None) == ("auto", "")
    assert _HINT == " (or give the file's convention: --decimal . or --decimal ,)"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (20.0, "20"),
        (-3.0, "-3"),
        (2.5, "2.5"),
        (999_999_999_999_999.0, "999999999999999"),
        (1e15, "1e+15"),
        (1 / 3, "0.3333333333"),
    ],
)
def test_a_preview_cell_shows_whole_numbers_without_a_point(
    value: float | None, shown: str
) -> None:
    assert _cell(value) == shown


def test_a_preview_cell_is_cut_to_its_width_with_an_ellipsis() -> None:
    assert _cut("abcdef", 6) == "abcdef"
    assert _cut("abcdefg", 6) == "abcde…"
    assert len(_cut("x" * 100, 30)) == 30


def test_a_csv_file_is_read_with_or_without_its_bom(tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.encode() + b"\n")
    assert read_csv_text(path) == HEADER + "\n"


def test_a_file_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_bytes(HEADER.encode() + b"\nCaf\xe9,B,ana,0,1,,\n")
    with pytest.raises(CsvImportError) as info:
        read_csv_text(path)
    assert info.value.errors == [
        f"{path} is not UTF-8 text (bad byte at offset 55); "
        "save it from the spreadsheet as “CSV UTF-8”"
    ]


def test_a_bom_before_a_quoted_header_is_not_part_of_it() -> None:
    """A BOM kept in front of ``"objective"`` would make the quotes literal text (and the
    column unknown): the reader drops it before the CSV parser sees the text."""
    text = '\ufeff"objective","key result",owner,start,target,unit,parent\nA,B,ana,0,1,,\n'
    rows, errors = read_rows(text)
    assert errors == [] and rows == [(2, row("A", "B", "ana", "0", "1", "", ""))]
