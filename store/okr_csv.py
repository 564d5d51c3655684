"""Import OKRs from a spreadsheet's CSV: new objectives and key results, all or nothing.

Columns (header row required, any order and case): ``objective``, ``key result``,
``owner``, ``start``, ``target``, ``unit``, ``parent``; optionally ``kind``
(metric, percent, milestone) and ``direction`` (increase, decrease, stay-above,
stay-below; by default a target below the start means decrease).

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
line and column; a file with any error writes nothing. Spreadsheet exports are
often ``;``-separated with decimal commas: the separator is detected, but
"1,5" is refused with a hint rather than guessed at (it could be 15).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from store.db import Database
from store.enums import PeriodState
from store.errors import DomainError, NotFoundError
from store.models import Objective, Period
from store.okr_write import (
    KrFields,
    ObjectiveFields,
    insert_key_result,
    insert_objective,
    kr_fields,
    objective_fields,
)
from store.rights import require_new_objective, require_objective_edit
from store.textfile import read_text
from store.validation import clean_line, optional_number, parse_reference

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


def _header_key(name: str) -> str:
    return " ".join(clean_line(name).lower().replace("_", " ").replace("-", " ").split())


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows as (line number, {column: cell}) and the problems found while reading."""
    text = text.removeprefix("\ufeff")
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\x00" in line:
            errors.append(f"line {number}: contains a NUL byte (is this really a CSV file?)")
    if errors:
        return [], errors
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
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

    def __init__(self, s: Session, actor: str, period_id: int, rows: Any) -> None:
        self.s, self.actor = s, actor
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
        for column in ("start", "target"):
            try:
                values[column] = optional_number(row[column], column)
            except DomainError as exc:
                self._error(number, column, str(exc))
                return
        kind = clean_line(row.get("kind", "")) or "metric"
        direction = clean_line(row.get("direction", ""))
        if not direction:
            start, target = values["start"], values["target"]
            falling = start is not None and target is not None and target < start
            direction = "decrease" if falling else "increase"
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


def import_csv(
    db: Database, actor: str, period_id: int, text: str, *, dry_run: bool = False
) -> CsvImportResult:
    """Create the file's objectives and key results in a period; all or nothing."""
    rows, errors = read_rows(text)
    if not rows and not errors:
        errors = ["the file has a header but no rows"]
    if errors:
        if rows:  # also report what is wrong in the rows that could be read
            with db.read() as conn:
                errors += _Importer(Session(bind=conn), actor, period_id, rows).errors
        raise CsvImportError(errors)
    if dry_run:
        with db.read() as conn:
            return _result(_Importer(Session(bind=conn), actor, period_id, rows), True)
    with db.write() as s:
        importer = _Importer(s, actor, period_id, rows)
        if importer.errors:
            raise CsvImportError(importer.errors)
        importer.insert()
        return _result(importer, False)


def _line_number(error: str) -> int:
    head = error.split(":", 1)[0].split(",", 1)[0]
    return int(head.removeprefix("line ")) if head.startswith("line ") else 0


def _result(importer: _Importer, dry_run: bool) -> CsvImportResult:
    if importer.errors:
        raise CsvImportError(importer.errors)
    return CsvImportResult(
        importer.period.name,
        len(importer.objectives),
        sum(len(item.krs) for item in importer.objectives.values()),
        tuple(importer.plan()),
        dry_run,
    )


def read_csv_text(path: str | Path) -> str:
    """A CSV file's text (UTF-8, with or without a BOM)."""
    return read_text(
        path,
        lambda reason: CsvImportError([reason]),
        encoding="utf-8-sig",
        hint="save it from the spreadsheet as “CSV UTF-8”",
    )
