"""Import OKRs from a spreadsheet's CSV: new objectives and key results, all or nothing.

Columns (header row required, any order and case): ``objective``, ``key result``,
``owner``, ``start``, ``target``, ``unit``, ``parent``; optionally ``kind``
(metric, percent, milestone) and ``direction`` (increase, decrease, stay-above,
stay-below). Without a direction, a title that says so is read (``reduce``,
``lower``, ``cut``, ``under``, ``below``, ``less than``, ``at most``: decrease;
``keep``, ``maintain``, ``stay``, ``hold``, ``at least``: a line to hold, below it
when the title also says under/below/at most/less than, else above it), then a
target below the start means decrease, else increase. The dry run shows each
KR's direction and where it came from; a title that says both up and down, or
contradicts its numbers, is refused naming the ``direction`` column to add.

* A row with a key result adds it to the objective named in its ``objective``
  cell; ``owner`` is the key result's owner (default: the objective's).
* A row without a key result describes the objective itself: its ``owner`` and
  ``parent``. An objective described only by key-result rows is owned by the
  owner of its first row.
* ``parent`` is an objective of the same period by reference (``O-3``) or
  title, or another objective of the file by title.

The import creates objectives; an objective title that already exists in the
period is an error (so importing a file twice cannot duplicate it). Every row
is checked before anything is written and every problem is reported with its
line and column; a file with any error writes nothing. Numbers are read by
:mod:`store.domain.numbers`: a ``;`` file uses a decimal comma (``800.000`` is 800000),
``--decimal`` says it for a ``,`` file, otherwise the start and target columns
are read in the convention a value of theirs proves (``1,234.5``, ``2,5``); a
value that reads two ways (``1,500``) is refused with both readings.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from store.db.database import Database
from store.domain.numbers import AUTO, describe, detect_decimal
from store.domain.validation import clean_line, optional_number, parse_reference
from store.errors import DomainError, NotFoundError
from store.io.textfile import read_text
from store.model.enums import Kind, PeriodState
from store.model.tables import Objective, Period
from store.write.guards import require_new_objective, require_objective_edit
from store.write.okr_fields import (
    KrFields,
    ObjectiveFields,
    insert_key_result,
    insert_objective,
    kr_fields,
    objective_fields,
)

REQUIRED = ("objective", "key result", "owner", "start", "target", "unit", "parent")
OPTIONAL = ("kind", "direction")
MAX_ERRORS = 50


class CsvImportError(DomainError):
    """The file cannot be imported; ``errors`` lists every problem as "line N, column: ..."."""

    def __init__(self, errors: list[str]) -> None:
        # In line order (stable: a line's problems keep theirs), each problem once.
        errors = sorted(dict.fromkeys(errors), key=_line_number)
        shown = errors[:MAX_ERRORS]
        more = f"\n… and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        super().__init__(
            f"{len(errors)} problem(s), nothing was imported:\n" + "\n".join(shown) + more
        )
        self.errors = errors


@dataclass
class _Objective:
    title: str
    line: int
    owner: str | None = None
    parent: str | None = None
    parent_line: int = 0
    described: bool = False
    krs: list[tuple[int, KrFields]] = field(default_factory=list)
    fields: ObjectiveFields | None = None
    row: Objective | None = None


@dataclass(frozen=True)
class CsvImportResult:
    """What the import created (or, in a dry run, would create)."""

    period: str
    objectives: int
    key_results: int
    lines: tuple[str, ...]
    dry_run: bool
    table: tuple[str, ...] = ()
    numbers: str = ""


_DOWN = re.compile(
    r"\b(reduce[sd]?|reducing|lower|lowering|cut|cutting|decrease[sd]?|under|below|"
    r"less than|at most|no more than|fewer than)\b"
)
_BELOW = re.compile(r"\b(under|below|less than|at most|no more than|fewer than)\b")
_HOLD = re.compile(r"\b(keep|keeping|maintain|maintaining|stay|staying|hold|holding|at least)\b")
_UP = re.compile(r"\b(increase[sd]?|grow|growing|raise|boost|double|triple|improve)\b")


def direction_from_title(title: str) -> tuple[str | None, str]:
    """The direction a KR's title says, and the words that say it; None when it says none.

    "conflict" when it says both up and down ("grow X and cut Y").
    """
    text = clean_line(title).casefold()
    hold = _HOLD.search(text)
    if hold:
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


@dataclass(frozen=True)
class PlanRow:
    """One key result the import creates, as the dry run's table shows it."""

    objective: str
    title: str
    kind: str
    direction: str
    start: float | None
    target: float | None
    unit: str
    owner: str


# Column names of other tools' upload templates (Betterworks, Peoplebox, PeopleCues style),
# so their files import without renaming the header by hand.
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
    first = text.removeprefix("\ufeff").split("\n", 1)[0]
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
            rows.append((number, dict(zip(columns, cells, strict=True))))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc} (an unterminated quote?)")
    return rows, errors


class _Importer:
    """Checks the rows against the period (through ``s``), then inserts them."""

    def __init__(
        self, s: Session, actor: str, period_id: int, rows: Any, decimal: str = AUTO
    ) -> None:
        self.s, self.actor, self.decimal = s, actor, decimal
        period = s.get(Period, period_id)
        if period is None:
            raise NotFoundError(f"period {period_id} does not exist")
        if period.state == PeriodState.CLOSED:
            raise DomainError(f"period {period.name} is closed and read-only")
        self.period = period
        self.existing = {
            o.id: o for o in s.exec(select(Objective).where(Objective.period_id == period_id))
        }
        self.by_title = {clean_line(o.title).casefold(): o for o in self.existing.values()}
        self.errors: list[str] = []
        self.refused: set[str] = set()  # existing titles, reported once
        self.objectives: dict[str, _Objective] = {}
        self.table: list[PlanRow] = []
        for number, row in rows:
            self._row(number, row)
        self._finish()

    def _error(self, line: int, column: str | None, message: str) -> None:
        where = f"line {line}" + (f", column {column!r}" if column else "")
        self.errors.append(f"{where}: {message}")

    def _row(self, number: int, row: dict[str, str]) -> None:
        title = clean_line(row["objective"])
        if not title:
            self._error(number, "objective", "every row needs the objective it belongs to")
            return
        key = title.casefold()
        if key in self.by_title:
            if key in self.refused:
                return
            self.refused.add(key)
            found = self.by_title[key]
            self._error(
                number,
                "objective",
                f"{title!r} already exists in {self.period.name} "
                f"as O-{found.id}: the CSV import only creates new objectives",
            )
            return
        item = self.objectives.setdefault(key, _Objective(title, number))
        parent = clean_line(row["parent"])
        if parent:
            if item.parent is not None and item.parent.casefold() != parent.casefold():
                self._error(
                    number,
                    "parent",
                    f"{title!r} already has parent {item.parent!r} (line {item.parent_line})",
                )
            else:
                item.parent, item.parent_line = parent, item.parent_line or number
        owner = clean_line(row["owner"])
        if not clean_line(row["key result"]):
            self._objective_row(number, item, owner, row)
        else:
            self._kr_row(number, item, owner, row)

    def _objective_row(
        self, number: int, item: _Objective, owner: str, row: dict[str, str]
    ) -> None:
        for column in ("start", "target", "unit", "kind", "direction"):
            if clean_line(row.get(column, "")):
                self._error(
                    number,
                    column,
                    "a row without a key result describes the objective: "
                    "leave start, target and unit empty",
                )
                return
        if item.described:
            self._error(number, None, f"{item.title!r} is described twice (line {item.line})")
            return
        item.described = True
        if owner:
            item.owner = owner

    def _kr_row(self, number: int, item: _Objective, owner: str, row: dict[str, str]) -> None:
        if item.owner is None and owner:
            item.owner = owner
        values: dict[str, Any] = {}
        bad = False
        for column in ("start", "target"):
            try:
                values[column] = optional_number(
                    row[column], column, decimal=self.decimal, unit=row["unit"], hint=_HINT
                )
            except DomainError as exc:
                self._error(number, column, str(exc))
                bad = True
        if bad:
            return
        kind = clean_line(row.get("kind", "")).lower() or "metric"
        kind = KIND_ALIASES.get(kind, kind)
        direction = clean_line(row.get("direction", "")).lower()
        shown = direction
        if not direction and kind.lower() == "metric":
            found = self._direction(number, row["key result"], values["start"], values["target"])
            if found is None:
                return
            direction, shown = found
        elif not direction:
            direction = shown = "increase"
        try:
            fields = kr_fields(
                title=row["key result"],
                kind=kind.lower(),
                direction=direction.lower(),
                start=values["start"],
                target=values["target"],
                unit=row["unit"],
                owner=owner or None,
            )
        except DomainError as exc:
            self._error(number, _column_of(str(exc)), str(exc))
            return
        item.krs.append((number, fields))
        self.table.append(
            PlanRow(item.title, fields.title, fields.kind.value, shown if fields.kind ==
                    Kind.METRIC else "—", fields.start, fields.target, fields.unit,
                    fields.owner or owner or item.owner or self.actor)
        )  # fmt: skip

    def _direction(
        self, number: int, title: str, start: float | None, target: float | None
    ) -> tuple[str, str] | None:
        """(direction, how the dry run shows it) for a row without one; None if refused."""
        said, words = direction_from_title(title)
        by_numbers = None
        if start is not None and target is not None and start != target:
            by_numbers = "decrease" if target < start else "increase"
        if said == "conflict":
            self._error(number, "direction", f"the title says {words}: add a 'direction' "
                        "column (increase, decrease, stay-above or stay-below)")  # fmt: skip
            return None
        if said in ("stay-above", "stay-below"):
            return said, f"{said} (title: “{words}”)"
        if said == "decrease":
            if by_numbers == "increase":
                self._error(number, "direction", f"the title says “{words}” but the target "
                            f"{target:g} is above the start {start:g}: add a 'direction' "
                            "column, or fix start/target")  # fmt: skip
                return None
            return "decrease", f"decrease (title: “{words}”)"
        if start is not None and start == target:
            self._error(number, "target", f"start and target are both {target:g}: nothing to "
                        "move. A level to keep is a 'stay-above' or 'stay-below' key result: "
                        "add a 'direction' column")  # fmt: skip
            return None
        if by_numbers == "decrease":
            return "decrease", "decrease (target below start)"
        return "increase", "increase"

    def _finish(self) -> None:
        for item in self.objectives.values():
            try:
                item.fields = objective_fields(title=item.title, owner=item.owner or self.actor)
            except DomainError as exc:
                self._error(item.line, "owner", str(exc))
            if item.parent is not None:
                self._check_parent(item)
        self._check_cycles()

    def _parent_of(self, item: _Objective) -> Objective | _Objective | None:
        if item.parent is None:
            return None
        ref = parse_reference(item.parent, "O") if item.parent.upper().startswith("O") else None
        if ref is not None:
            return self.existing.get(ref)
        key = item.parent.casefold()
        return self.objectives.get(key) or self.by_title.get(key)

    def _check_parent(self, item: _Objective) -> None:
        if self._parent_of(item) is None:
            self._error(
                item.parent_line,
                "parent",
                f"{item.parent!r} is neither an objective "
                f"of {self.period.name} nor one in this file",
            )

    def _check_cycles(self) -> None:
        for item in self.objectives.values():
            seen = {id(item)}
            node = self._parent_of(item)
            while isinstance(node, _Objective):
                if id(node) in seen:
                    self._error(
                        item.parent_line,
                        "parent",
                        f"{item.title!r} would be aligned under itself (a cycle of parents)",
                    )
                    break
                seen.add(id(node))
                node = self._parent_of(node)

    def plan(self) -> list[str]:
        lines = []
        for item in self.objectives.values():
            parent = self._parent_of(item)
            under = ""
            if isinstance(parent, Objective):
                under = f" under O-{parent.id}"
            elif isinstance(parent, _Objective):
                under = f" under “{parent.title}”"
            owner = item.fields.owner if item.fields else "?"
            lines.append(
                f"create objective “{item.title}” @{owner}{under} "
                f"with {len(item.krs)} key result(s)"
            )
            lines += [f"  create key result “{kr.title}”" for _, kr in item.krs]
        return lines

    def insert(self) -> None:
        assert self.period.id is not None
        placed: set[int] = set()

        def place(item: _Objective) -> Objective:
            if item.row is not None:
                return item.row
            assert item.fields is not None and id(item) not in placed
            placed.add(id(item))
            parent = self._parent_of(item)
            if isinstance(parent, _Objective):
                parent = place(parent)
            require_new_objective(
                self.s, self.actor, item.fields.owner, parent.id if parent else None
            )
            item.row = insert_objective(
                self.s, self.actor, self.period.id or 0, item.fields, parent=parent
            )
            if item.krs:
                require_objective_edit(self.s, self.actor, item.row.id or 0)
            for _line, kr in item.krs:
                insert_key_result(self.s, self.actor, item.row, kr)
            return item.row

        for item in self.objectives.values():
            place(item)


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


def import_csv(
    db: Database,
    actor: str,
    period_id: int,
    text: str,
    *,
    dry_run: bool = False,
    decimal: str | None = None,
) -> CsvImportResult:
    """Create the file's objectives and key results in a period; all or nothing.

    ``decimal`` ("." or ",") is the numbers' decimal separator when the caller knows it.
    """
    rows, errors, delimiter = _read_rows(text)
    convention, why = file_decimal(rows, delimiter, decimal)
    numbers = "numbers: " + describe(convention, why)
    if not rows and not errors:
        errors = ["the file has a header but no rows"]
    if errors:
        if rows:  # also report what is wrong in the rows that could be read
            with db.read() as conn:
                errors += _Importer(Session(bind=conn), actor, period_id, rows, convention).errors
        raise CsvImportError(errors)
    if dry_run:
        with db.read() as conn:
            importer = _Importer(Session(bind=conn), actor, period_id, rows, convention)
            return _result(importer, True, numbers)
    with db.write() as s:
        importer = _Importer(s, actor, period_id, rows, convention)
        if importer.errors:
            raise CsvImportError(importer.errors)
        importer.insert()
        return _result(importer, False, numbers)


def _line_number(error: str) -> int:
    head = error.split(":", 1)[0].split(",", 1)[0]
    return int(head.removeprefix("line ")) if head.startswith("line ") else 0


def _result(importer: _Importer, dry_run: bool, numbers: str) -> CsvImportResult:
    if importer.errors:
        raise CsvImportError(importer.errors)
    return CsvImportResult(
        importer.period.name,
        len(importer.objectives),
        sum(len(item.krs) for item in importer.objectives.values()),
        tuple(importer.plan()),
        dry_run,
        tuple(plan_table(importer.table)),
        numbers,
    )


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else f"{value:.10g}"


def plan_table(rows: list[PlanRow]) -> list[str]:
    """The dry run's table: one line per key result, columns aligned, long titles cut."""
    head = ("objective", "key result", "kind", "direction", "start", "target", "unit", "owner")
    cells = [head] + [
        (_cut(r.objective, 30), _cut(r.title, 40), r.kind, r.direction, _cell(r.start),
         _cell(r.target), _cut(r.unit, 12), "@" + r.owner)
        for r in rows
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


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
