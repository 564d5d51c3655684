"""Reading a spreadsheet export of KPI values (``kpi,date,value[,note]``) into checked rows.

Pure parsing, no database: every problem becomes a :class:`RowError` naming the
line (and the column when there is one) so the whole file can be reported at
once and nothing is written unless every row is good. Spreadsheets export in
more than one dialect, so:

* a UTF-8 byte-order mark before the header is dropped (Excel writes one);
* the delimiter is ``,`` or ``;`` (whichever the header uses). The values are
  read by :mod:`store.domain.numbers` (see ``store.write.kpis.file_decimal``): a ``;`` file
  uses a decimal comma (``956.000`` is 956000, ``2,5`` is 2.5), a ``,`` file the
  convention its value column proves or ``--decimal`` gives; a value that reads
  two ways is refused with both readings, never guessed;
* NUL bytes, bad UTF-8 and an unterminated quote are errors with their line,
  not a crash or a silently shortened file.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

COLUMNS = ("kpi", "date", "value", "note")
REQUIRED = ("kpi", "date", "value")
MAX_ROWS = 1_000_000
"""More rows than five years of daily values for 500 KPIs is not a spreadsheet export."""


@dataclass(frozen=True)
class RowError:
    """One problem in the file: 1-based line number, the column if any, and why."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class CsvRow:
    """One data row as typed in the file (checked for shape, not yet for meaning)."""

    line: int
    kpi: str
    date: str
    value: str
    note: str


@dataclass(frozen=True)
class ParsedCsv:
    """The rows read and every structural error found."""

    rows: tuple[CsvRow, ...]
    errors: tuple[RowError, ...]
    delimiter: str


def decode(data: bytes) -> tuple[str | None, RowError | None]:
    """The file as text (BOM dropped), or an error naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, RowError(
            line, None, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        )


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


class _BadRecord(Exception):
    """A record the csv module cannot read; ``line`` is where the record starts."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, fields) for every record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _BadRecord(start, str(exc)) from exc
        yield start, fields
        start = reader.line_num + 1


def parse_kpi_csv(data: bytes) -> ParsedCsv:
    """Read ``data`` (a CSV file's bytes) into rows and errors; never raises for bad input."""
    text, error = decode(data)
    if text is None:
        assert error is not None
        return ParsedCsv((), (error,), ",")
    errors: list[RowError] = [
        RowError(number, None, "contains a NUL byte (is this a spreadsheet's binary format?)")
        for number, line in enumerate(text.splitlines(), start=1)
        if "\x00" in line
    ]
    if errors:
        return ParsedCsv((), tuple(errors), ",")
    first_line = text.partition("\n")[0]
    delimiter = _delimiter(first_line)
    rows: list[CsvRow] = []
    positions: dict[str, int] | None = None
    try:
        for line, fields in _records(text, delimiter):
            if not fields or all(not f.strip() for f in fields):
                continue  # blank lines (and trailing delimiters only) are not data
            if positions is None:
                positions, header_errors = _header(line, fields)
                errors.extend(header_errors)
                if header_errors:
                    break
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(line, None, f"more than {MAX_ROWS:,} rows; split the file"))
                break
            row = _row(line, fields, positions, errors)
            if row is not None:
                rows.append(row)
    except _BadRecord as exc:
        errors.append(RowError(exc.line, None, f"cannot be read as CSV ({exc}); check its quotes"))
    if positions is None and not errors:
        errors.append(RowError(1, None, "the file is empty: expected a header kpi,date,value"))
    return ParsedCsv(tuple(rows), tuple(errors), delimiter)


def _header(line: int, fields: list[str]) -> tuple[dict[str, int], list[RowError]]:
    names = [f.strip().lower() for f in fields]
    if not any(name in COLUMNS for name in names):
        # Not a KPI file at all (a typo'd path, another file): nothing of it is repeated
        # back, since on a shared server it could be someone else's secret.
        return {}, [RowError(line, None, f"the first line is not a header: {len(names)} "
                                         "column(s), none of them kpi, date, value or note "
                                         "(is this the right file?)")]  # fmt: skip
    errors = [
        RowError(line, _shown(name) or f"#{i + 1}", f"unknown column {_shown(name)!r} (expected "
                                    "kpi, date, value and optionally note)")
        for i, name in enumerate(names)
        if name not in COLUMNS
    ]  # fmt: skip
    seen: set[str] = set()
    for name in names:
        if name in seen and name in COLUMNS:
            errors.append(RowError(line, name, "appears twice in the header"))
        seen.add(name)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        errors.append(
            RowError(line, None, f"the header lacks {', '.join(missing)}: the first row must name "
                                 "the columns kpi,date,value[,note]")
        )  # fmt: skip
    return {name: i for i, name in enumerate(names) if name in COLUMNS}, errors


def _shown(name: str, limit: int = 24) -> str:
    """A column name as a message repeats it: short, one line."""
    flat = " ".join(name.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _row(
    line: int, fields: list[str], positions: dict[str, int], errors: list[RowError]
) -> CsvRow | None:
    width = len(positions)
    # Trailing empty cells are what spreadsheets write for an empty note column.
    while len(fields) > width and not fields[-1].strip():
        fields = fields[:-1]
    if len(fields) > width:
        errors.append(RowError(line, None, f"has {len(fields)} fields, the header {width}"))
        return None
    cells = {name: (fields[i] if i < len(fields) else "") for name, i in positions.items()}
    missing = [name for name in REQUIRED if not cells[name].strip()]
    for name in missing:
        errors.append(RowError(line, name, "is empty"))
    if missing:
        return None
    return CsvRow(line, cells["kpi"], cells["date"], cells["value"], cells.get("note", ""))
