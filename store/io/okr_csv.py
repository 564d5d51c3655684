"""Import OKRs from a spreadsheet's CSV: new objectives and key results, all or nothing.

Columns (header row required, any order and case): ``objective``, ``key result``,
``owner``, ``start``, ``target``, ``unit``, ``parent``; optionally ``kind``
(metric, percent, milestone) and ``direction`` (increase, decrease, stay-above,
stay-below, stay-between: low end in ``start``, high end in ``target``). Without a
direction, a title that says so is read (``reduce``, ``lower``, ``cut``, ``under``,
``below``, ``less than``, ``at most``: decrease; ``keep``, ``maintain``, ``stay``,
``hold``, ``at least``: a line to hold, a range when the title also says between, below
it when it says under/below/at most/less than, else above it), then a
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

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from store.db.database import Database
from store.domain.numbers import AUTO, describe
from store.domain.validation import clean_line, optional_number, parse_reference
from store.errors import CsvImportError, DomainError, NotFoundError
from store.io.okr_csv_read import (
    _HINT,
    KIND_ALIASES,
    _cell,
    _column_of,
    _cut,
    _read_rows,
    direction_from_title,
    file_decimal,
)
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
                        "column (increase, decrease, stay-above, stay-below or "
                        "stay-between)")  # fmt: skip
            return None
        if said == "stay-between" and (start is None or target is None):
            self._error(number, "start" if start is None else "target", f"the title says "
                        f"“{words}”: a range needs its low end in 'start' and its high end "
                        "in 'target'")  # fmt: skip
            return None
        if said in ("stay-above", "stay-below", "stay-between"):
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
