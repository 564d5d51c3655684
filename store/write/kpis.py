"""KPI writes beyond create/record (``store/write/service.py``): edit, archive, roll-up, CSV import.

Same contract as the service: each function is one ``BEGIN IMMEDIATE`` transaction
that either does everything or raises with nothing changed, checks the actor's
rights inside it, and logs what it changed in Activity (a replaced value keeps its
old value, note and author there).

The CSV import is built for spreadsheet exports of years of daily values: it
checks every row first (all errors, each with its line), then writes with Core
``executemany`` in one transaction, or only reports what it would change (dry run).
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, text, update
from sqlmodel import Session

from store.db.database import Database
from store.domain.numbers import AUTO, describe, detect_decimal
from store.domain.validation import (
    optional_number,
    optional_text,
    parse_date,
    parse_number,
    parse_reference,
    require_text,
)
from store.errors import DomainError, ValidationError
from store.io.kpi_csv import ParsedCsv, RowError, parse_kpi_csv
from store.model.enums import KpiDirection, PeriodState
from store.model.tables import Activity, KeyResult, Kpi, KpiValue, Objective, Period, utcnow
from store.read.rights import editable_kpis
from store.write.guards import require_kpi_edit
from store.write.service import (
    MAX_NAME,
    MAX_NOTE,
    UNSET,
    Saved,
    _enum,
    _get,
    _log,
    _thresholds_ok,
    check_username,
)

MAX_KPI_NAME = 120
MAX_UNIT = 32
MAX_CATEGORY = 64
CHUNK = 500
"""Rows per progress report and per executemany batch."""

KV_T, ACT_T = KpiValue.__table__, Activity.__table__  # type: ignore[attr-defined]
KV = KV_T.c

Progress = Callable[[int], None]


# --- definition ------------------------------------------------------------------


def _descendants(s: Session, kpi_id: int) -> set[int]:
    """The KPI and every KPI rolling up into it, at any depth."""
    rows = s.connection().execute(
        text("""
        WITH RECURSIVE down(id) AS (
            SELECT CAST(:id AS INTEGER)
            UNION SELECT k.id FROM kpi k JOIN down ON k.parent_id = down.id
        ) SELECT id FROM down
        """),
        {"id": kpi_id},
    )
    return {row[0] for row in rows}


def _check_kpi_parent(s: Session, kpi_id: int | None, parent_id: int | None) -> None:
    """A parent must exist and must not be the KPI or roll up into it (a cycle)."""
    if parent_id is None:
        return
    parent = _get(s, Kpi, parent_id, "parent KPI")
    if kpi_id is not None and parent_id in _descendants(s, kpi_id):
        what = "itself" if parent_id == kpi_id else f"KPI {parent.name!r}, which rolls up into it"
        raise ValidationError(f"a KPI cannot roll up into {what} (a cycle)")


def _name_taken_by_other(s: Session, name: str, kpi_id: int) -> bool:
    wanted = name.casefold()
    rows = s.connection().execute(select(Kpi.id, Kpi.name))  # type: ignore[call-overload]
    return any(str(other).casefold() == wanted and key != kpi_id for key, other in rows)


def update_kpi(
    db: Database,
    actor: str,
    kpi_id: int,
    *,
    name: str = UNSET,
    unit: str = UNSET,
    description: str = UNSET,
    category: str = UNSET,
    owner: str = UNSET,
    team: str | None = UNSET,
    direction: KpiDirection | str = UNSET,
    target: float | str | None = UNSET,
    green: float | str | None = UNSET,
    red: float | str | None = UNSET,
    parent_id: int | None = UNSET,
) -> Saved:
    """Change a KPI's definition; only the fields given are touched, its values are kept."""
    with db.write() as s:
        kpi = _get(s, Kpi, kpi_id, "KPI")
        require_kpi_edit(s, actor, kpi_id)
        before = kpi.model_dump(exclude={"created_at"})
        if name is not UNSET:
            new_name = require_text(name, "name", max_length=MAX_KPI_NAME)
            # resolve_kpi matches names in any case: "mrr" next to "MRR" would be ambiguous.
            if _name_taken_by_other(s, new_name, kpi_id):
                raise ValidationError(f"a KPI named {new_name!r} already exists")
            kpi.name = new_name
        if unit is not UNSET:
            kpi.unit = optional_text(unit, "unit", max_length=MAX_UNIT)
        if description is not UNSET:
            kpi.description = optional_text(
                description, "description", max_length=MAX_NOTE, multiline=True
            )
        if category is not UNSET:
            kpi.category = optional_text(category, "category", max_length=MAX_CATEGORY)
        if owner is not UNSET:
            kpi.owner = check_username(owner)
        if team is not UNSET:
            kpi.team = optional_text(team, "team", max_length=MAX_NAME) or None
        if direction is not UNSET:
            kpi.direction = _enum(KpiDirection, direction, "direction")
        if target is not UNSET:
            kpi.target = optional_number(target, "target")
        if green is not UNSET:
            kpi.green_threshold = optional_number(green, "green threshold")
        if red is not UNSET:
            kpi.red_threshold = optional_number(red, "red threshold")
        _thresholds_ok(kpi.direction, kpi.green_threshold, kpi.red_threshold)
        if parent_id is not UNSET:
            _check_kpi_parent(s, kpi_id, parent_id)
            kpi.parent_id = parent_id
        after = kpi.model_dump(exclude={"created_at"})
        changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
        _log(s, actor, "kpi", kpi_id, "update", changes=changed)
        return Saved(kpi_id)


def set_kpi_parent(db: Database, actor: str, kpi_id: int, parent_id: int | None) -> Saved:
    """Roll a KPI up into ``parent_id`` (None: a top-level KPI); cycles are refused."""
    return update_kpi(db, actor, kpi_id, parent_id=parent_id)


def set_kpi_archived(db: Database, actor: str, kpi_id: int, archived: bool) -> Saved:
    """Archive a KPI (hidden from the dashboard, no new values) or bring it back.

    Archiving keeps its history and its links; the warnings name the key results
    that still follow it (they keep its last value) and the KPIs rolling up into it.
    """
    with db.write() as s:
        kpi = _get(s, Kpi, kpi_id, "KPI")
        require_kpi_edit(s, actor, kpi_id)
        if kpi.archived == archived:
            state = "archived" if archived else "not archived"
            raise DomainError(f"KPI {kpi.name!r} is already {state}")
        kpi.archived = archived
        _log(s, actor, "kpi", kpi_id, "archive" if archived else "unarchive", name=kpi.name)
        return Saved(kpi_id, _archive_warnings(s, kpi_id) if archived else ())


def _archive_warnings(s: Session, kpi_id: int) -> tuple[str, ...]:
    conn = s.connection()
    krs = [
        f"KR-{row[0]}"
        for row in conn.execute(
            select(KeyResult.id)  # type: ignore[call-overload]
            .join(Objective, Objective.id == KeyResult.objective_id)
            .join(Period, Period.id == Objective.period_id)
            .where(KeyResult.kpi_id == kpi_id, Period.state != PeriodState.CLOSED)
            .order_by(KeyResult.id)
        )
    ]
    children = [
        row[0]
        for row in conn.execute(
            select(Kpi.name).where(Kpi.parent_id == kpi_id).order_by(Kpi.name)  # type: ignore[call-overload]
        )
    ]
    warnings = []
    if krs:
        warnings.append(f"{', '.join(krs)} still follow it and keep its last value")
    if children:
        warnings.append(f"{', '.join(children)} still roll up into it")
    return tuple(warnings)


# --- CSV import ------------------------------------------------------------------


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
        select(Kpi.id, Kpi.name, Kpi.unit, Kpi.archived)  # type: ignore[call-overload]
    ):
        ref = _KpiRef(kid, name, unit, bool(archived))
        found.by_name[name.casefold()] = ref
        found.by_id[kid] = ref
    return found


def check_observed_on(
    text: str | date, today: date, field_name: str = "date", date_format: str | None = None
) -> date:
    """A value's date: a real ISO date (or in ``date_format``), not after today (a future
    value would stay latest)."""
    day = parse_date(text, field_name, date_format=date_format)
    if day > today:
        raise ValidationError(f"{field_name} {day} is in the future (today is {today})")
    return day


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
        stmt = select(KV.id, KV.kpi_id, KV.observed_on, KV.value, KV.note, KV.author).where(
            and_(KV.kpi_id == kpi_id, KV.observed_on >= low, KV.observed_on <= high)
        )
        for row in conn.execute(stmt):
            existing[(row.kpi_id, row.observed_on)] = row
    out = []
    for p in planned:
        old = existing.get((p.kpi_id, p.observed_on))
        if old is None:
            out.append(p)
        else:
            out.append(replace(p, existing_id=old.id, old_value=old.value, old_note=old.note,
                               old_author=old.author))  # fmt: skip
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
    replace_stmt = (
        update(KV_T)
        .where(KV.id == bindparam("_id"))
        .values(value=bindparam("_value"), note=bindparam("_note"), author=bindparam("_author"),
                created_at=bindparam("_at"))
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
                      old_author=p.old_author, new_value=p.value, source="import")
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


def kpi_value_on(conn: Connection, kpi_id: int, day: date) -> tuple[float, str] | None:
    """The value (and its author) already recorded for ``day``, if any (the form warns)."""
    row = conn.execute(
        select(KV.value, KV.author).where(KV.kpi_id == kpi_id, KV.observed_on == day)
    ).first()
    return (row.value, row.author) if row else None
