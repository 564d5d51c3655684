"""KPI writes: create, record a value, edit, re-parent (roll-up), archive.

Each function is one ``BEGIN IMMEDIATE`` transaction that either does everything or
raises with nothing changed, checks the actor's rights inside it, and logs what it
changed in Activity (a replaced value keeps its old value, note and author there).
The CSV import of KPI history is store/io/kpi_import.py.
"""

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from store.db.database import Database
from store.domain.checks import MAX_NAME, check_username, thresholds_ok
from store.domain.checks import validate_check_in_value as validate_check_in_value
from store.domain.validation import (
    optional_number,
    optional_text,
    parse_date,
    parse_number,
    require_text,
)
from store.errors import DomainError, ValidationError
from store.errors import FarOutside as FarOutside
from store.model.enums import Aggregation, Cadence, KpiDirection, PeriodState
from store.model.handles import table_of
from store.model.tables import KeyResult, Kpi, KpiValue, Objective, Period, utcnow
from store.write.checkins import MAX_NOTE, enum_value
from store.write.checkins import CheckInResult as CheckInResult
from store.write.checkins import check_in as check_in
from store.write.checkins import check_in_time as check_in_time
from store.write.common import UNSET, Saved, get_row, log_activity, name_taken
from store.write.formulas import formulas_in, recompute_dependents
from store.write.guards import (
    require_kpi_edit,
    require_new_kpi,
)

MAX_KPI_NAME = 120
MAX_UNIT = 32
MAX_CATEGORY = 64
KV = table_of(KpiValue).c


def create_kpi(
    db: Database,
    actor: str,
    *,
    name: str,
    owner: str,
    unit: str = "",
    description: str = "",
    category: str = "",
    team: str | None = None,
    direction: KpiDirection | str = KpiDirection.HIGHER,
    target: float | str | None = None,
    green: float | str | None = None,
    red: float | str | None = None,
    parent_id: int | None = None,
    cadence: Cadence | str | None = None,
    aggregation: Aggregation | str = Aggregation.LEVEL,
    range_low: float | str | None = None,
    range_high: float | str | None = None,
) -> Saved:
    """A new KPI; names are unique so they can be typed on the command line."""
    name = require_text(name, "name", max_length=120)
    kpi_dir = enum_value(KpiDirection, direction, "direction")
    green_v, red_v = (
        optional_number(green, "green threshold"),
        optional_number(red, "red threshold"),
    )
    thresholds_ok(kpi_dir, green_v, red_v)
    with db.write() as s:
        # resolve_kpi matches names in any case: "mrr" next to "MRR" would be ambiguous.
        if name_taken(s, Kpi.name, name):
            raise ValidationError(f"a KPI named {name!r} already exists")
        if parent_id is not None:
            get_row(s, Kpi, parent_id, "parent KPI")
        team = optional_text(team, "team", max_length=MAX_NAME) or None
        require_new_kpi(s, actor, check_username(owner), team)
        kpi = Kpi(
            name=name,
            owner=check_username(owner),
            unit=optional_text(unit, "unit", max_length=32),
            description=optional_text(
                description, "description", max_length=MAX_NOTE, multiline=True
            ),
            category=optional_text(category, "category", max_length=64),
            team=team,
            direction=kpi_dir,
            target=optional_number(target, "target"),
            green_threshold=green_v,
            red_threshold=red_v,
            parent_id=parent_id,
            **_shape(cadence, aggregation, range_low, range_high),
        )
        s.add(kpi)
        s.flush()
        assert kpi.id is not None
        log_activity(s, actor, "kpi", kpi.id, "create", name=name)
        return Saved(kpi.id)


def record_kpi_value(
    db: Database,
    actor: str,
    kpi_id: int,
    value: float | str,
    *,
    observed_on: date | str | None = None,
    note: str = "",
) -> tuple[float | None, float]:
    """Record a KPI value for a date; a second value for the same date replaces the first.

    Returns (replaced value or None, new value). The replaced value stays in
    the Activity log.
    """
    parse_number(value, "value", unit="$€£%")  # refuse a bad number before opening a write
    day = parse_date(observed_on, "date") if observed_on is not None else date.today()
    note = optional_text(note, "note", max_length=MAX_NOTE, multiline=True)
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        number = parse_number(value, "value", unit=kpi.unit)  # a "$" only for a $ KPI
        require_kpi_edit(s, actor, kpi_id)
        if kpi.archived:
            raise DomainError(f"KPI {kpi.name!r} is archived: unarchive it to record values")
        existing = s.exec(
            select(KpiValue).where(KpiValue.kpi_id == kpi_id, KpiValue.observed_on == day)
        ).first()
        replaced = existing.value if existing else None
        if existing:
            log_activity(
                s,
                actor,
                "kpi_value",
                existing.id,
                "replace",
                kpi_id=kpi_id,
                observed_on=day,
                old_value=existing.value,
                old_note=existing.note,
                old_author=existing.author,
                old_source=existing.source or "manual",
                new_value=number,
            )
            existing.value, existing.note, existing.author = number, note, actor
            existing.created_at, existing.source = utcnow(), ""
        else:
            row = KpiValue(kpi_id=kpi_id, observed_on=day, value=number, note=note, author=actor)
            s.add(row)
            s.flush()
            log_activity(
                s,
                actor,
                "kpi_value",
                row.id,
                "create",
                kpi_id=kpi_id,
                observed_on=day,
                value=number,
            )
        s.flush()
        recompute_dependents(s, actor, kpi_id, day)
        return replaced, number


def _shape(
    cadence: Cadence | str | None,
    aggregation: Aggregation | str,
    range_low: float | str | None,
    range_high: float | str | None,
) -> dict[str, Any]:
    """The cadence, aggregation and range of a KPI, checked (issue 18)."""
    low = optional_number(range_low, "range low")
    high = optional_number(range_high, "range high")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"range: the low end {low:g} is above the high end {high:g}")
    return {
        "cadence": enum_value(Cadence, cadence, "cadence") if cadence else None,
        "aggregation": enum_value(Aggregation, aggregation, "aggregation"),
        "range_low": low,
        "range_high": high,
    }


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
    parent = get_row(s, Kpi, parent_id, "parent KPI")
    if kpi_id is not None and parent_id in _descendants(s, kpi_id):
        what = "itself" if parent_id == kpi_id else f"KPI {parent.name!r}, which rolls up into it"
        raise ValidationError(f"a KPI cannot roll up into {what} (a cycle)")


def _name_taken_by_other(s: Session, name: str, kpi_id: int) -> bool:
    wanted = name.casefold()
    rows = s.connection().execute(select(Kpi.id, Kpi.name))
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
    cadence: Cadence | str | None = UNSET,
    aggregation: Aggregation | str = UNSET,
    range_low: float | str | None = UNSET,
    range_high: float | str | None = UNSET,
) -> Saved:
    """Change a KPI's definition; only the fields given are touched, its values are kept."""
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
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
            kpi.direction = enum_value(KpiDirection, direction, "direction")
        if target is not UNSET:
            kpi.target = optional_number(target, "target")
        if green is not UNSET:
            kpi.green_threshold = optional_number(green, "green threshold")
        if red is not UNSET:
            kpi.red_threshold = optional_number(red, "red threshold")
        thresholds_ok(kpi.direction, kpi.green_threshold, kpi.red_threshold)
        if parent_id is not UNSET:
            _check_kpi_parent(s, kpi_id, parent_id)
            kpi.parent_id = parent_id
        shape = _shape(
            kpi.cadence if cadence is UNSET else cadence,
            kpi.aggregation if aggregation is UNSET else aggregation,
            kpi.range_low if range_low is UNSET else range_low,
            kpi.range_high if range_high is UNSET else range_high,
        )
        if shape["aggregation"] == Aggregation.FLOW and kpi.aggregation != Aggregation.FLOW:
            _refuse_flow_input(s, kpi_id, kpi.name)
        for key, value in shape.items():
            setattr(kpi, key, value)
        after = kpi.model_dump(exclude={"created_at"})
        changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
        log_activity(s, actor, "kpi", kpi_id, "update", changes=changed)
        return Saved(kpi_id)


def _refuse_flow_input(s: Session, kpi_id: int, name: str) -> None:
    """A formula reads one value per input: a KPI it reads cannot become a flow
    (compile_formula says why)."""
    formulas, _ = formulas_in(s.connection())
    readers = sorted(f.kpi_id for f in formulas.values() if kpi_id in f.inputs.values())
    if readers:
        names = {k.id: k.name for k in s.exec(select(Kpi).where(col(Kpi.id).in_(readers)))}
        who = ", ".join(repr(names[r]) for r in readers)
        raise ValidationError(
            f"{name!r} cannot become a flow: the formula of {who} reads it, one value at a "
            "time (a flow's values add up over a period)"
        )


def set_kpi_parent(db: Database, actor: str, kpi_id: int, parent_id: int | None) -> Saved:
    """Roll a KPI up into ``parent_id`` (None: a top-level KPI); cycles are refused."""
    return update_kpi(db, actor, kpi_id, parent_id=parent_id)


def set_kpi_archived(db: Database, actor: str, kpi_id: int, archived: bool) -> Saved:
    """Archive a KPI (hidden from the dashboard, no new values) or bring it back.

    Archiving keeps its history and its links; the warnings name the key results
    that still follow it (they keep its last value) and the KPIs rolling up into it.
    """
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        require_kpi_edit(s, actor, kpi_id)
        if kpi.archived == archived:
            state = "archived" if archived else "not archived"
            raise DomainError(f"KPI {kpi.name!r} is already {state}")
        kpi.archived = archived
        log_activity(s, actor, "kpi", kpi_id, "archive" if archived else "unarchive", name=kpi.name)
        return Saved(kpi_id, _archive_warnings(s, kpi_id) if archived else ())


def _archive_warnings(s: Session, kpi_id: int) -> tuple[str, ...]:
    conn = s.connection()
    krs = [
        f"KR-{row[0]}"
        for row in conn.execute(
            select(KeyResult.id)
            .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
            .join(Period, col(Period.id) == col(Objective.period_id))
            .where(KeyResult.kpi_id == kpi_id, Period.state != PeriodState.CLOSED)
            .order_by(col(KeyResult.id))
        )
    ]
    children = [
        row[0]
        for row in conn.execute(select(Kpi.name).where(Kpi.parent_id == kpi_id).order_by(Kpi.name))
    ]
    warnings = []
    if krs:
        warnings.append(f"{', '.join(krs)} still follow it and keep its last value")
    if children:
        warnings.append(f"{', '.join(children)} still roll up into it")
    return tuple(warnings)
