"""Importing KPI history from a spreadsheet's CSV: check every row, then write or report.

Built for exports of years of daily values: every row is checked first (all errors,
each with its line), then written with Core ``executemany`` in one transaction, or
only reported as what it would change (dry run). A replaced value keeps its old value,
note and author in Activity.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from sqlmodel import Session, col

from store.db.database import Database
from store.domain.checks import check_observed_on
from store.domain.numbers import AUTO, describe, detect_decimal
from store.domain.validation import (
    optional_text,
    parse_number,
    parse_reference,
)
from store.errors import DomainError, ValidationError
from store.io.kpi_csv import ParsedCsv, RowError, parse_kpi_csv
from store.model.handles import table_of
from store.model.tables import Activity, Kpi, KpiValue, utcnow
from store.read.rights import editable_kpis
from store.write.checkins import MAX_NOTE
from store.write.formulas import recompute_for
from store.write.guards import require_kpi_edit

CHUNK = 500
"""Rows per progress report and per executemany batch."""

KV_T, ACT_T = table_of(KpiValue), table_of(Activity)
KV = KV_T.c

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PlannedValue:
    """One checked row and what importing it does: add, replace, or nothing (same)."""

    line: int
    kpi_id: int
    kpi_name: str
    unit: str
    observed_on: date
    value: float
    note: str
    existing_id: int | None = None
    old_value: float | None = None
    old_note: str = ""
    old_author: str = ""
    old_source: str = ""  # "" typed or imported, else the kind of source that pulled it

    @property
    def action(self) -> str:
        if self.existing_id is None:
            return "add"
        if self.old_value == self.value and self.old_note == self.note:
            return "same"
        return "replace"


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did. ``written`` is False for a dry run or any error."""

    rows: int
    errors: tuple[RowError, ...] = ()
    planned: tuple[PlannedValue, ...] = ()
    dry_run: bool = False
    written: bool = False
    decimal: str = AUTO
    decimal_why: str = ""

    @property
    def decimal_comma(self) -> bool:
        """Whether values were read with a decimal comma (``1,5`` is 1.5)."""
        return self.decimal == ","

    @property
    def problem_lines(self) -> int:
        """How many lines have a problem (a line can have several)."""
        return len({e.line for e in self.errors})

    def numbers(self) -> str:
        """How the values were read, for the dry run: the convention and why."""
        return "numbers: " + describe(self.decimal, self.decimal_why)

    def count(self, action: str) -> int:
        return sum(1 for p in self.planned if p.action == action)

    @property
    def replaced(self) -> list[PlannedValue]:
        return [p for p in self.planned if p.action == "replace"]

    @property
    def kpis(self) -> int:
        return len({p.kpi_id for p in self.planned if p.action != "same"})

    def summary(self) -> str:
        """One line: what was (or would be) written."""
        added, replaced, same = self.count("add"), self.count("replace"), self.count("same")
        verb = "imported" if self.written else "would import"
        return (
            f"{verb} {added} new and {replaced} replaced value(s) for {self.kpis} KPI(s); "
            f"{same} unchanged"
        )


@dataclass
class _KpiRef:
    id: int
    name: str
    unit: str
    archived: bool


@dataclass
class _Lookup:
    """KPIs by case-folded name and by id, read once for the whole file."""

    by_name: dict[str, _KpiRef] = field(default_factory=dict)
    by_id: dict[int, _KpiRef] = field(default_factory=dict)

    def find(self, text: str) -> _KpiRef | None:
        from store.domain.validation import clean_line

        ref = self.by_name.get(clean_line(text).casefold())
        if ref is None:
            key = parse_reference(text, "KPI")
            ref = self.by_id.get(key) if key is not None else None
        return ref

    def suggest(self, text: str) -> str:
        import difflib

        hits = difflib.get_close_matches(text.casefold(), list(self.by_name), n=3, cutoff=0.5)
        return f" (did you mean {', '.join(self.by_name[h].name for h in hits)}?)" if hits else ""


def _lookup(conn: Connection) -> _Lookup:
    found = _Lookup()
    for kid, name, unit, archived in conn.execute(
        select(col(Kpi.id), col(Kpi.name), col(Kpi.unit), col(Kpi.archived))
    ):
        if kid is None:  # never: the primary key of a stored row
            continue
        ref = _KpiRef(kid, name, unit, bool(archived))
        found.by_name[name.casefold()] = ref
        found.by_id[kid] = ref
    return found


def file_decimal(parsed: ParsedCsv, decimal: str | None) -> tuple[str, str]:
    """The value column's convention and why: ``--decimal``, a ``;`` file, or the column."""
    if decimal is not None:
        return decimal, "--decimal"
    if parsed.delimiter == ";":
        return ",", "the file is ;-separated"
    found, proof = detect_decimal(row.value for row in parsed.rows)
    return found, (f"detected from the value column: {proof!r}" if proof else "")


_DECIMAL_HINT = " (or give the file's convention: --decimal . or --decimal ,)"


def _check_rows(
    parsed: ParsedCsv,
    lookup: _Lookup,
    today: date,
    progress: Progress | None,
    decimal: str = AUTO,
    date_format: str | None = None,
) -> tuple[list[PlannedValue], list[RowError]]:
    errors: list[RowError] = []
    planned: list[PlannedValue] = []
    first_line: dict[tuple[int, date], int] = {}
    for index, row in enumerate(parsed.rows, start=1):
        if progress is not None and index % CHUNK == 0:
            progress(CHUNK)
        ref = lookup.find(row.kpi)
        if ref is None:
            errors.append(RowError(row.line, "kpi", f"no KPI {row.kpi.strip()!r}"
                                                     f"{lookup.suggest(row.kpi)}"))  # fmt: skip
        elif ref.archived:
            errors.append(RowError(row.line, "kpi", f"KPI {ref.name!r} is archived"))
        try:
            day: date | None = check_observed_on(row.date, today, "date", date_format)
        except ValidationError as exc:
            errors.append(RowError(row.line, "date", str(exc)))
            day = None
        try:
            value: float | None = parse_number(
                row.value,
                "value",
                decimal=decimal,
                unit=ref.unit if ref is not None else None,
                hint=_DECIMAL_HINT,
            )
        except ValidationError as exc:
            errors.append(RowError(row.line, "value", str(exc)))
            value = None
        try:
            note = optional_text(row.note, "note", max_length=MAX_NOTE, multiline=True)
        except ValidationError as exc:
            errors.append(RowError(row.line, "note", str(exc)))
            note = ""
        if ref is None or ref.archived or day is None or value is None:
            continue
        earlier = first_line.setdefault((ref.id, day), row.line)
        if earlier != row.line:
            errors.append(RowError(row.line, None, f"{ref.name} on {day} is also on line "
                                                   f"{earlier}: keep one of them"))  # fmt: skip
            continue
        planned.append(PlannedValue(row.line, ref.id, ref.name, ref.unit, day, value, note))
    if progress is not None:
        progress(len(parsed.rows) % CHUNK)
    return planned, errors


def _with_existing(conn: Connection, planned: list[PlannedValue]) -> list[PlannedValue]:
    """Each planned value with the value it would replace (one query per KPI's date span)."""
    spans: dict[int, tuple[date, date]] = {}
    for p in planned:
        low, high = spans.get(p.kpi_id, (p.observed_on, p.observed_on))
        spans[p.kpi_id] = (min(low, p.observed_on), max(high, p.observed_on))
    existing: dict[tuple[int, date], Any] = {}
    for kpi_id, (low, high) in spans.items():
        stmt = select(
            KV.id, KV.kpi_id, KV.observed_on, KV.value, KV.note, KV.author, KV.source
        ).where(and_(KV.kpi_id == kpi_id, KV.observed_on >= low, KV.observed_on <= high))
        for row in conn.execute(stmt):
            existing[(row.kpi_id, row.observed_on)] = row
    out = []
    for p in planned:
        old = existing.get((p.kpi_id, p.observed_on))
        if old is None:
            out.append(p)
        else:
            out.append(replace(p, existing_id=old.id, old_value=old.value, old_note=old.note,
                               old_author=old.author, old_source=old.source))  # fmt: skip
    return out


def import_kpi_values(
    db: Database,
    actor: str,
    data: bytes,
    *,
    dry_run: bool = False,
    today: date | None = None,
    source: str = "",
    progress: Progress | None = None,
    decimal: str | None = None,
    date_format: str | None = None,
) -> ImportReport:
    """Import ``kpi,date,value[,note]`` rows: all of them, or none when any row is bad.

    Every row is checked before anything is written, and every bad one is reported
    with its line. A KPI is named by its name (any case) or ``KPI-3``. A row for a
    date that already has a value replaces it (the old one is kept in Activity); an
    identical row changes nothing. ``progress`` is called with the number of rows
    handled since the last call (checking, then writing), for a progress bar.
    ``decimal`` ("." or ",") overrides the convention read from the file (a ``;``
    file: decimal comma; otherwise detected from the value column); ``date_format``
    (a strptime format) is for dates that are not ISO.
    """
    today = today or date.today()
    parsed = parse_kpi_csv(data)
    with db.read() as conn:
        lookup = _lookup(conn)
    convention, why = file_decimal(parsed, decimal)
    numbers: dict[str, Any] = {"decimal": convention, "decimal_why": why}
    planned, row_errors = _check_rows(parsed, lookup, today, progress, convention, date_format)
    errors = tuple(sorted((*parsed.errors, *row_errors), key=lambda e: e.line))
    base = ImportReport(len(parsed.rows), errors, dry_run=dry_run,
                        **numbers)  # fmt: skip
    if errors:
        return base
    if not planned:
        return ImportReport(0, (RowError(1, None, "the file has a header but no rows"),),
                            dry_run=dry_run, **numbers)  # fmt: skip
    if dry_run:
        allowed = editable_kpis(db, actor)
        denied = tuple(
            RowError(line, "kpi", f"@{actor} may not change the KPI {name!r} (its owner, its "
                                  "team or an admin may)")
            for kpi_id, (line, name) in _first_lines(planned).items()
            if kpi_id not in allowed
        )  # fmt: skip
        with db.read() as conn:
            full = _with_existing(conn, planned)
        return ImportReport(len(parsed.rows), denied, tuple(full) if not denied else (),
                            dry_run=True, **numbers)  # fmt: skip
    with db.write() as s:
        denied = _rights_errors(s, actor, planned)
        if denied:
            s.rollback()
            return ImportReport(len(parsed.rows), denied, **numbers)
        lookup_now = _lookup(s.connection())
        archived = [p for p in planned if lookup_now.by_id[p.kpi_id].archived]
        if archived:
            raise DomainError(f"KPI {archived[0].kpi_name!r} was archived meanwhile; "
                              "nothing was imported")  # fmt: skip
        full = _with_existing(s.connection(), planned)
        _write(s, actor, full, source, progress)
        changed: dict[int, set[date]] = {}
        for p in full:
            if p.action != "same":
                changed.setdefault(p.kpi_id, set()).add(p.observed_on)
        recompute_for(s, actor, changed)  # the formulas reading them, as a typed value does
    return ImportReport(len(parsed.rows), (), tuple(full), written=True,
                        **numbers)  # fmt: skip


def _rights_errors(s: Session, actor: str, planned: list[PlannedValue]) -> tuple[RowError, ...]:
    """One error per KPI the actor may not change, at the first line that names it."""
    errors = []
    for kpi_id, (line, _name) in _first_lines(planned).items():
        try:
            require_kpi_edit(s, actor, kpi_id)
        except DomainError as exc:
            errors.append(RowError(line, "kpi", str(exc)))
    return tuple(errors)


def _first_lines(planned: list[PlannedValue]) -> dict[int, tuple[int, str]]:
    first: dict[int, tuple[int, str]] = {}
    for p in planned:
        first.setdefault(p.kpi_id, (p.line, p.kpi_name))
    return first


def _activity(actor: str, entity: str, entity_id: int | None, action: str,
              **detail: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "at": utcnow(),
        "author": actor,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "detail": json.dumps(detail, default=str, ensure_ascii=False, allow_nan=False),
    }


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _write(
    s: Session, actor: str, planned: list[PlannedValue], source: str, progress: Progress | None
) -> None:
    conn = s.connection()
    now = utcnow()
    new = [p for p in planned if p.action == "add"]
    changed = [p for p in planned if p.action == "replace"]
    for batch in _chunks(new):
        conn.execute(insert(KV_T), [
            {"kpi_id": p.kpi_id, "observed_on": p.observed_on, "value": p.value, "note": p.note,
             "author": actor, "created_at": now}
            for p in batch
        ])  # fmt: skip
        if progress is not None:
            progress(len(batch))
    # A replaced value is now the importer's: source "" (typed or imported), even when a
    # source's pull wrote the old one (the KPI's history would show it as pulled).
    replace_stmt = (
        update(KV_T)
        .where(KV.id == bindparam("_id"))
        .values(value=bindparam("_value"), note=bindparam("_note"), author=bindparam("_author"),
                created_at=bindparam("_at"), source="")
    )  # fmt: skip
    for batch in _chunks(changed):
        conn.execute(replace_stmt, [
            {"_id": p.existing_id, "_value": p.value, "_note": p.note, "_author": actor,
             "_at": now}
            for p in batch
        ])  # fmt: skip
        conn.execute(insert(ACT_T), [
            _activity(actor, "kpi_value", p.existing_id, "replace", kpi_id=p.kpi_id,
                      observed_on=p.observed_on, old_value=p.old_value, old_note=p.old_note,
                      old_author=p.old_author, old_source=p.old_source or "manual",
                      new_value=p.value, source="import")
            for p in batch
        ])  # fmt: skip
        if progress is not None:
            progress(len(batch))
    per_kpi: dict[int, list[PlannedValue]] = {}
    for p in new:
        per_kpi.setdefault(p.kpi_id, []).append(p)
    if per_kpi:
        conn.execute(insert(ACT_T), [
            _activity(actor, "kpi", kpi_id, "import", source=source, added=len(rows),
                      first=min(p.observed_on for p in rows),
                      last=max(p.observed_on for p in rows))
            for kpi_id, rows in per_kpi.items()
        ])  # fmt: skip
