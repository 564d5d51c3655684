"""Reading an OKR spreadsheet's CSV into rows: the delimiter and number convention, header
aliases from other tools' exports, and a key result's direction read from its title
("keep … under" holds a line, "reduce" decreases) when no column says it.
"""

import csv
import io
import re
from pathlib import Path

from store.domain.numbers import detect_decimal
from store.domain.validation import clean_line
from store.errors import CsvImportError
from store.io.textfile import read_text

REQUIRED = ("objective", "key result", "owner", "start", "target", "unit", "parent")


OPTIONAL = ("kind", "direction")


_DOWN = re.compile(
    r"\b(?:reduce[sd]?|reducing|lower|lowering|cut|cutting|decrease[sd]?|under|below|"
    r"less than|at most|no more than|fewer than)\b"
)


_BELOW = re.compile(r"\b(?:under|below|less than|at most|no more than|fewer than)\b")


_HOLD = re.compile(r"\b(?:keep|keeping|maintain|maintaining|stay|staying|hold|holding|at least)\b")


_BETWEEN = re.compile(r"\bbetween\b")


_UP = re.compile(r"\b(?:increase[sd]?|grow|growing|raise|boost|double|triple|improve)\b")


def direction_from_title(title: str) -> tuple[str | None, str]:
    """The direction a KR's title says, and the words that say it; None when it says none.

    "conflict" when it says both up and down ("grow X and cut Y").
    """
    text = clean_line(title).casefold()
    hold = _HOLD.search(text)
    if hold:
        between = _BETWEEN.search(text)
        if between:
            return "stay-between", f"{hold.group(0)} … {between.group(0)}"
        below = _BELOW.search(text)
        if below:
            return "stay-below", f"{hold.group(0)} … {below.group(0)}"
        return "stay-above", hold.group(0)
    down, up = _DOWN.search(text), _UP.search(text)
    if down and up:
        return "conflict", f"{up.group(0)} and {down.group(0)}"
    if down:
        return "decrease", down.group(0)
    return None, ""


ALIASES = {
    "objective title": "objective",
    "objective name": "objective",
    "goal": "objective",
    "goal title": "objective",
    "key result title": "key result",
    "key result name": "key result",
    "kr": "key result",
    "kr title": "key result",
    "kr name": "key result",
    "kr owner": "owner",
    "owner username": "owner",
    "assignee": "owner",
    "start value": "start",
    "starting value": "start",
    "baseline": "start",
    "target value": "target",
    "unit of measure": "unit",
    "measurement unit": "unit",
    "metric unit": "unit",
    "parent objective": "parent",
    "aligned to": "parent",
    "type": "kind",
    "kr type": "kind",
    "metric type": "kind",
    "measure type": "kind",
}


KIND_ALIASES = {
    "number": "metric",
    "numeric": "metric",
    "currency": "metric",
    "percentage": "percent",
    "binary": "milestone",
    "boolean": "milestone",
    "task": "milestone",
}


def _header_key(name: str) -> str:
    key = " ".join(clean_line(name).lower().replace("_", " ").replace("-", " ").split())
    return ALIASES.get(key, key)


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows as (line number, {column: cell}) and the problems found while reading."""
    rows, errors, _delimiter = _read_rows(text)
    return rows, errors


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str], str]:
    """:func:`read_rows` and the file's delimiter."""
    delimiter = _delimiter(text)
    rows, errors = _read(text, delimiter)
    return rows, errors, delimiter


def _delimiter(text: str) -> str:
    """``;`` when the header line has more of them than commas (a European spreadsheet)."""
    first = text.partition("\n")[0]
    return ";" if first.count(";") > first.count(",") else ","


def _read(text: str, delimiter: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    text = text.removeprefix("\ufeff")
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\x00" in line:
            errors.append(f"line {number}: contains a NUL byte (is this really a CSV file?)")
    if errors:
        return [], errors
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [f"line 1: {exc}"]
    if header is None:
        return [], ["the file is empty: it needs a header row (" + ", ".join(REQUIRED) + ")"]
    columns = [_header_key(name) for name in header]
    for index, name in enumerate(columns):
        if name not in REQUIRED + OPTIONAL:
            errors.append(f"line 1, column {index + 1}: unknown column {header[index]!r}")
        elif columns.index(name) != index:
            errors.append(f"line 1, column {index + 1}: column {name!r} appears twice")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        errors.append(f"line 1: missing column(s): {', '.join(missing)}")
    if errors:
        return [], errors
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                errors.append(
                    f"line {number}: {len(cells)} cells where the header has {len(columns)}"
                )
                continue
            rows.append((number, {column: cells[i] for i, column in enumerate(columns)}))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc} (an unterminated quote?)")
    return rows, errors


_FIELDS = {
    "title": "key result",
    "start": "start",
    "target": "target",
    "unit": "unit",
    "owner": "owner",
    "kind": "kind",
    "direction": "direction",
}


_FIELD_WORD = re.compile(r"\b(" + "|".join(_FIELDS) + r")\b")


def _column_of(message: str) -> str | None:
    """The column a validation message is about: the first field name it mentions."""
    found = _FIELD_WORD.search(message)
    return _FIELDS[found.group(1)] if found else None


_HINT = " (or give the file's convention: --decimal . or --decimal ,)"


def file_decimal(
    rows: list[tuple[int, dict[str, str]]], delimiter: str, decimal: str | None
) -> tuple[str, str]:
    """The start/target columns' convention and why: ``--decimal``, a ``;`` file, or a value."""
    if decimal is not None:
        return decimal, "--decimal"
    if delimiter == ";":
        return ",", "the file is ;-separated"
    found, proof = detect_decimal(row[c] for _, row in rows for c in ("start", "target"))
    return found, (f"detected from the start/target columns: {proof!r}" if proof else "")


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else f"{value:.10g}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def read_csv_text(path: str | Path) -> str:
    """A CSV file's text (UTF-8, with or without a BOM)."""
    return read_text(
        path,
        lambda reason: CsvImportError([reason]),
        encoding="utf-8-sig",
        hint="save it from the spreadsheet as “CSV UTF-8”",
    )
