"""Every write okrtui makes: validated, one transaction each, logged in Activity.

The CLI and the TUI both call these functions, so a rule enforced here holds
everywhere. Each function either commits everything it set out to do or
raises (``DomainError`` for refused input, ``WriteError`` when the database
cannot be written) with nothing changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, delete, func, select

# The check-in is written once, in plain DB-API SQL (store/checkin_write.py), so the CLI's
# check-in imports no ORM; ``store.service.check_in`` is that same function.
from store.checkin_write import MAX_NOTE as MAX_NOTE
from store.checkin_write import CheckInResult as CheckInResult
from store.checkin_write import FarOutside as FarOutside
from store.checkin_write import activity_detail
from store.checkin_write import check_in as check_in
from store.checkin_write import check_in_time as check_in_time
from store.checkin_write import enum_value as _enum
from store.checkin_write import validate_check_in_value as validate_check_in_value
from store.db import Database
from store.enums import (
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
)
from store.errors import DomainError, NotFoundError, ValidationError
from store.models import (
    Activity,
    CheckIn,
    Collaborator,
    KeyResult,
    Kpi,
    KpiValue,
    Objective,
    Period,
    utcnow,
)
from store.quarters import quarter_bounds
from store.rights import (
    require_admin,
    require_key_result_edit,
    require_kpi_edit,
    require_new_kpi,
    require_new_objective,
    require_objective_control,
    require_objective_edit,
)
from store.validation import (
    optional_number,
    optional_text,
    parse_date,
    parse_number,
    require_text,
)

MAX_TITLE = 300
MAX_NAME = 64
RECOMMENDED_MAX_KRS = 5

T = TypeVar("T", bound=SQLModel)


class _Unset:
    """Marks an argument that was not given (None is a meaningful value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Saved:
    """The id of what was written and any quality warnings (never refusals)."""

    id: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeleteSummary:
    """What a delete took with it, so the confirmation can name it."""

    objectives: int
    key_results: int
    check_ins: int
    orphaned_children: int


# --- helpers ---------------------------------------------------------------


def _log(
    s: Session, actor: str, entity: str, entity_id: int | None, action: str, **detail: Any
) -> None:
    s.add(
        Activity(
            author=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            detail=activity_detail(**detail),
        )
    )


def _get(s: Session, model: type[T], key: int, label: str) -> T:
    row = s.get(model, key)
    if row is None:
        # "objective O-" + 7 reads "objective O-7", "KPI" + 7 reads "KPI 7".
        sep = "" if label.endswith("-") else " "
        raise NotFoundError(f"{label}{sep}{key} does not exist")
    return row


def check_username(value: str, field: str = "owner") -> str:
    name = require_text(value, field, max_length=MAX_NAME)
    if any(ch.isspace() for ch in name) or name.startswith("-"):
        raise ValidationError(f"{field} {name!r} is not a user name (no spaces, no leading '-')")
    return name


def _open_period(s: Session, period_id: int) -> Period:
    period = _get(s, Period, period_id, "period")
    if period.state == PeriodState.CLOSED:
        raise DomainError(f"period {period.name} is closed and read-only")
    return period


def _objective_for_write(s: Session, objective_id: int) -> Objective:
    objective = _get(s, Objective, objective_id, "objective O-")
    _open_period(s, objective.period_id)
    return objective


def _touch(row: Objective | KeyResult) -> None:
    row.updated_at = utcnow()


def _kr_warning(s: Session, objective_id: int) -> tuple[str, ...]:
    count = s.exec(
        select(func.count()).select_from(KeyResult).where(KeyResult.objective_id == objective_id)
    ).one()
    if count == 0:
        return (f"O-{objective_id} has no key results yet: add 1–5 to make it measurable",)
    if count > RECOMMENDED_MAX_KRS:
        return (f"O-{objective_id} has {count} key results; OKR guides recommend at most 5",)
    return ()


# --- periods ---------------------------------------------------------------


def create_period(
    db: Database,
    actor: str,
    name: str,
    starts_on: date | str,
    ends_on: date | str,
    state: PeriodState | str = PeriodState.PLANNING,
) -> Saved:
    """A new period; its dates must be in order and its name unique."""
    name = require_text(name, "period name", max_length=64)
    start, end = parse_date(starts_on, "start date"), parse_date(ends_on, "end date")
    if end <= start:
        raise ValidationError(f"the period must end after it starts ({start} → {end})")
    state = _enum(PeriodState, state, "state")
    with db.write() as s:
        require_admin(s, actor, "create a period")
        # Periods are looked up by name in any case (resolve_period), so "2026-q4" next to
        # "2026-Q4" would make that lookup ambiguous.
        if _name_taken(s, Period.name, name):
            raise ValidationError(f"a period named {name!r} already exists")
        _refuse_overlap(s, start, end)
        if state == PeriodState.ACTIVE:
            _deactivate_others(s, None)
        period = Period(name=name, starts_on=start, ends_on=end, state=state)
        s.add(period)
        s.flush()
        assert period.id is not None
        _log(s, actor, "period", period.id, "create", name=name, starts_on=start, ends_on=end)
        return Saved(period.id)


def _refuse_overlap(s: Session, start: date, end: date) -> None:
    """Periods follow one another: a day in two periods would make "the current period",
    the weekly check-in and roll-over ambiguous (closing one activated the other)."""
    clash = s.exec(select(Period).where(Period.starts_on <= end, Period.ends_on >= start)).first()
    if clash is not None:
        raise ValidationError(
            f"{start} → {end} overlaps {clash.name} ({clash.starts_on} → {clash.ends_on}): "
            f"start it on {clash.ends_on + timedelta(days=1)} or later, or end it before "
            f"{clash.starts_on}"
        )


def _name_taken(s: Session, column: Any, name: str) -> bool:
    """Whether ``name`` is already used in ``column``, ignoring case (Unicode-aware)."""
    wanted = name.casefold()
    return any(str(taken).casefold() == wanted for taken in s.exec(select(column)))


def _deactivate_others(s: Session, keep: int | None) -> None:
    for other in s.exec(select(Period).where(Period.state == PeriodState.ACTIVE)):
        if other.id != keep:
            other.state = PeriodState.PLANNING


def activate_period(db: Database, actor: str, period_id: int) -> None:
    """Make one period the active one (the previous active one returns to planning)."""
    with db.write() as s:
        require_admin(s, actor, "change the active period")
        period = _open_period(s, period_id)
        _deactivate_others(s, period_id)
        period.state = PeriodState.ACTIVE
        _log(s, actor, "period", period_id, "activate", name=period.name)


# --- objectives ------------------------------------------------------------


def _child_level(parent: Objective | None, level: Level | str | None) -> Level:
    if level is not None:
        return _enum(Level, level, "level")
    if parent is None:
        return Level.COMPANY
    return Level.TEAM if parent.level == Level.COMPANY else Level.PERSONAL


def _check_parent(s: Session, period_id: int, parent_id: int | None) -> Objective | None:
    if parent_id is None:
        return None
    parent = _get(s, Objective, parent_id, "parent objective O-")
    if parent.period_id != period_id:
        raise ValidationError(f"O-{parent_id} belongs to another period and cannot be a parent")
    return parent


def _wanted_collaborators(names: Iterable[str], owner: str) -> list[str]:
    return sorted({check_username(n, "collaborator") for n in names if n.strip()} - {owner})


def collaborator_names(s: Session, objective_id: int) -> list[str]:
    """An objective's collaborators, sorted (inside a write's session)."""
    rows = s.exec(select(Collaborator.username).where(Collaborator.objective_id == objective_id))
    return sorted(rows)


def _set_collaborators(
    s: Session, objective_id: int, names: Iterable[str], owner: str
) -> list[str]:
    wanted = _wanted_collaborators(names, owner)
    s.exec(delete(Collaborator).where(col(Collaborator.objective_id) == objective_id))
    for name in wanted:
        s.add(Collaborator(objective_id=objective_id, username=name))
    return wanted


def create_objective(
    db: Database,
    actor: str,
    *,
    period_id: int,
    title: str,
    owner: str,
    parent_id: int | None = None,
    level: Level | str | None = None,
    team: str | None = None,
    description: str = "",
    collaborators: Iterable[str] = (),
) -> Saved:
    """A new objective, aligned under ``parent_id`` (same period) or at the top level."""
    title = require_text(title, "title", max_length=MAX_TITLE)
    owner = check_username(owner)
    description = optional_text(description, "description", max_length=MAX_NOTE, multiline=True)
    team = optional_text(team, "team", max_length=MAX_NAME) or None
    with db.write() as s:
        _open_period(s, period_id)
        parent = _check_parent(s, period_id, parent_id)
        require_new_objective(s, actor, owner, parent_id)
        objective = Objective(
            period_id=period_id,
            parent_id=parent_id,
            level=_child_level(parent, level),
            team=team if team is not None else (parent.team if parent else None),
            title=title,
            description=description,
            owner=owner,
        )
        s.add(objective)
        s.flush()
        assert objective.id is not None
        names = _set_collaborators(s, objective.id, collaborators, owner)
        _log(
            s,
            actor,
            "objective",
            objective.id,
            "create",
            title=title,
            parent_id=parent_id,
            collaborators=names,
        )
        return Saved(objective.id, (f"O-{objective.id} has no key results yet: add 1–5",))


def update_objective(
    db: Database,
    actor: str,
    objective_id: int,
    *,
    title: str = UNSET,
    owner: str = UNSET,
    description: str = UNSET,
    team: str | None = UNSET,
    level: Level | str = UNSET,
    collaborators: Iterable[str] = UNSET,
) -> Saved:
    """Change an objective's fields; only the ones given are touched."""
    with db.write() as s:
        objective = _objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        changes: dict[str, Any] = {}
        if title is not UNSET:
            changes["title"] = require_text(title, "title", max_length=MAX_TITLE)
        if owner is not UNSET:
            changes["owner"] = check_username(owner)
        if description is not UNSET:
            changes["description"] = optional_text(
                description, "description", max_length=MAX_NOTE, multiline=True
            )
        if team is not UNSET:
            changes["team"] = optional_text(team, "team", max_length=MAX_NAME) or None
        if level is not UNSET:
            changes["level"] = _enum(Level, level, "level")
        new_owner = changes.get("owner", objective.owner)
        if collaborators is not UNSET and _wanted_collaborators(
            collaborators, new_owner
        ) == collaborator_names(s, objective_id):
            collaborators = UNSET  # unchanged (the form sends every field): rows left alone
        if new_owner != objective.owner or collaborators is not UNSET:
            require_objective_control(s, actor, objective_id)
        before = {k: getattr(objective, k) for k in changes}
        for key, value in changes.items():
            setattr(objective, key, value)
        if collaborators is not UNSET:
            changes["collaborators"] = _set_collaborators(
                s, objective_id, collaborators, objective.owner
            )
        _touch(objective)
        _log(s, actor, "objective", objective_id, "update", before=before, after=changes)
        return Saved(objective_id, _kr_warning(s, objective_id))


def _ancestors(s: Session, objective_id: int) -> list[int]:
    rows = s.connection().execute(
        text("""
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM objective WHERE id = :id
            UNION SELECT o.id, o.parent_id FROM objective o JOIN up ON o.id = up.parent_id
        ) SELECT id FROM up
        """),
        {"id": objective_id},
    )
    return [row[0] for row in rows]


def move_objective(db: Database, actor: str, objective_id: int, parent_id: int | None) -> Saved:
    """Re-align an objective under another parent (or the top level); cycles are refused."""
    with db.write() as s:
        objective = _objective_for_write(s, objective_id)
        # Rights on the objective only: anyone may align what they hold under any objective.
        if parent_id != objective.parent_id:
            require_objective_control(s, actor, objective_id)
        else:
            require_objective_edit(s, actor, objective_id)
        if parent_id is not None:
            _check_parent(s, objective.period_id, parent_id)
            if objective_id in _ancestors(s, parent_id):
                raise ValidationError(
                    f"O-{objective_id} cannot move under O-{parent_id}: "
                    "that objective is itself aligned under it (a cycle)"
                )
        old = objective.parent_id
        objective.parent_id = parent_id
        _touch(objective)
        _log(s, actor, "objective", objective_id, "move", old_parent=old, new_parent=parent_id)
        return Saved(objective_id)


def delete_objective(db: Database, actor: str, objective_id: int) -> DeleteSummary:
    """Delete an objective with its KRs and their check-ins; children become top-level."""
    with db.write() as s:
        objective = _objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        summary = _delete_summary(s, objective_id)
        _log(
            s,
            actor,
            "objective",
            objective_id,
            "delete",
            title=objective.title,
            key_results=summary.key_results,
            check_ins=summary.check_ins,
        )
        s.delete(objective)
        return summary


def preview_delete_objective(db: Database, objective_id: int) -> DeleteSummary:
    """What :func:`delete_objective` would remove, for the confirmation dialog."""
    with db.write() as s:
        _get(s, Objective, objective_id, "objective O-")
        return _delete_summary(s, objective_id)


def _delete_summary(s: Session, objective_id: int) -> DeleteSummary:
    kr_ids = list(s.exec(select(KeyResult.id).where(KeyResult.objective_id == objective_id)))
    check_ins = s.exec(
        select(func.count()).select_from(CheckIn).where(col(CheckIn.key_result_id).in_(kr_ids))
    ).one()
    children = s.exec(
        select(func.count()).select_from(Objective).where(Objective.parent_id == objective_id)
    ).one()
    return DeleteSummary(1, len(kr_ids), check_ins, children)


def set_objective_state(db: Database, actor: str, objective_id: int, state: ObjectiveState) -> None:
    """Close or archive an objective (or make it active again)."""
    with db.write() as s:
        objective = _objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        old = objective.state
        objective.state = _enum(ObjectiveState, state, "state")
        _touch(objective)
        _log(s, actor, "objective", objective_id, "state", old=old, new=objective.state)


# --- key results -----------------------------------------------------------


def check_kr_values(
    kind: Kind, direction: Direction, start: float | None, target: float | None
) -> tuple[float | None, float | None]:
    """Start/target defaults by kind, and the checks each kind needs."""
    if kind == Kind.PERCENT:
        start = 0.0 if start is None else start
        target = 100.0 if target is None else target
        for label, v in (("start", start), ("target", target)):
            if not 0 <= v <= 100:
                raise ValidationError(f"{label} of a percent key result must be 0–100, got {v:g}")
        return start, target
    if kind == Kind.MILESTONE:
        return 0.0, 1.0
    if target is None:
        raise ValidationError("a metric key result needs a target value")
    if direction in (Direction.INCREASE, Direction.DECREASE) and start is not None:
        if start == target:
            raise ValidationError(
                f"start and target are both {target:g}: nothing to move; a level to keep is "
                "a 'stay above' or 'stay below' key result"
            )
        if direction == Direction.INCREASE and target < start:
            raise ValidationError(
                f"target {target:g} is below start {start:g}: choose direction 'decrease'"
            )
        if direction == Direction.DECREASE and target > start:
            raise ValidationError(
                f"target {target:g} is above start {start:g}: choose direction 'increase'"
            )
    return start, target


def check_weight(value: float | str) -> float:
    weight = parse_number(value, "weight")
    if not 0 < weight <= 100:
        raise ValidationError(f"weight must be above 0 and at most 100, got {weight:g}")
    return weight


def create_key_result(
    db: Database,
    actor: str,
    *,
    objective_id: int,
    title: str,
    kind: Kind | str = Kind.METRIC,
    direction: Direction | str = Direction.INCREASE,
    start: float | str | None = None,
    target: float | str | None = None,
    unit: str = "",
    owner: str | None = None,
    kpi_id: int | None = None,
    weight: float | str = 1.0,
) -> Saved:
    """A new KR under an objective; more than 5 KRs is a warning, not a refusal."""
    title = require_text(title, "title", max_length=MAX_TITLE)
    kind = _enum(Kind, kind, "kind")
    direction = _enum(Direction, direction, "direction")
    start_v, target_v = check_kr_values(
        kind, direction, optional_number(start, "start"), optional_number(target, "target")
    )
    unit = optional_text(unit, "unit", max_length=32)
    with db.write() as s:
        objective = _objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        if kpi_id is not None:
            _get(s, Kpi, kpi_id, "KPI")
        position = s.exec(
            select(func.count())
            .select_from(KeyResult)
            .where(KeyResult.objective_id == objective_id)
        ).one()
        kr = KeyResult(
            objective_id=objective_id,
            title=title,
            kind=kind,
            direction=direction if kind == Kind.METRIC else Direction.INCREASE,
            start_value=start_v,
            target_value=target_v,
            unit="%" if kind == Kind.PERCENT and not unit else unit,
            owner=check_username(owner) if owner else objective.owner,
            kpi_id=kpi_id,
            weight=check_weight(weight),
            position=position,
        )
        s.add(kr)
        s.flush()
        assert kr.id is not None
        _log(s, actor, "key_result", kr.id, "create", title=title, objective_id=objective_id)
        return Saved(kr.id, _kr_warning(s, objective_id))


def update_key_result(
    db: Database,
    actor: str,
    kr_id: int,
    *,
    title: str = UNSET,
    kind: Kind | str = UNSET,
    direction: Direction | str = UNSET,
    start: float | str | None = UNSET,
    target: float | str | None = UNSET,
    unit: str = UNSET,
    owner: str = UNSET,
    kpi_id: int | None = UNSET,
    weight: float | str = UNSET,
) -> Saved:
    """Change a KR's definition; its check-in history is kept as it is."""
    with db.write() as s:
        kr = _get(s, KeyResult, kr_id, "key result KR-")
        _objective_for_write(s, kr.objective_id)
        require_key_result_edit(s, actor, kr_id)
        # Not its value (a check-in's, and a NaN from before migration 0006 differs from
        # itself: logging it failed the edit).
        unlogged = {"created_at", "updated_at", "current_at", "current_value"}
        before = kr.model_dump(exclude=unlogged)
        if title is not UNSET:
            kr.title = require_text(title, "title", max_length=MAX_TITLE)
        new_kind = _enum(Kind, kind, "kind") if kind is not UNSET else kr.kind
        new_dir = (
            _enum(Direction, direction, "direction") if direction is not UNSET else kr.direction
        )
        new_start = optional_number(start, "start") if start is not UNSET else kr.start_value
        new_target = optional_number(target, "target") if target is not UNSET else kr.target_value
        kr.start_value, kr.target_value = check_kr_values(new_kind, new_dir, new_start, new_target)
        kr.kind, kr.direction = new_kind, new_dir if new_kind == Kind.METRIC else Direction.INCREASE
        if unit is not UNSET:
            kr.unit = optional_text(unit, "unit", max_length=32)
        if owner is not UNSET:
            kr.owner = check_username(owner)
        if kpi_id is not UNSET:
            if kpi_id is not None:
                _get(s, Kpi, kpi_id, "KPI")
            kr.kpi_id = kpi_id
        if weight is not UNSET:
            kr.weight = check_weight(weight)
        _touch(kr)
        after = kr.model_dump(exclude=unlogged)
        changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
        _log(s, actor, "key_result", kr_id, "update", changes=changed)
        return Saved(kr_id)


def delete_key_result(db: Database, actor: str, kr_id: int) -> int:
    """Delete a KR and its check-ins; returns how many check-ins went with it."""
    with db.write() as s:
        kr = _get(s, KeyResult, kr_id, "key result KR-")
        _objective_for_write(s, kr.objective_id)
        require_objective_edit(s, actor, kr.objective_id)
        count = s.exec(
            select(func.count()).select_from(CheckIn).where(CheckIn.key_result_id == kr_id)
        ).one()
        _log(s, actor, "key_result", kr_id, "delete", title=kr.title, check_ins=count)
        s.delete(kr)
        return count


# --- check-ins -------------------------------------------------------------


# --- KPIs ------------------------------------------------------------------


def _thresholds_ok(direction: KpiDirection, green: float | None, red: float | None) -> None:
    if green is None or red is None:
        return
    if direction == KpiDirection.HIGHER and green <= red:
        raise ValidationError(
            f"for a higher-is-better KPI green ({green:g}) must be above red ({red:g})"
        )
    if direction == KpiDirection.LOWER and green >= red:
        raise ValidationError(
            f"for a lower-is-better KPI green ({green:g}) must be below red ({red:g})"
        )


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
) -> Saved:
    """A new KPI; names are unique so they can be typed on the command line."""
    name = require_text(name, "name", max_length=120)
    kpi_dir = _enum(KpiDirection, direction, "direction")
    green_v, red_v = (
        optional_number(green, "green threshold"),
        optional_number(red, "red threshold"),
    )
    _thresholds_ok(kpi_dir, green_v, red_v)
    with db.write() as s:
        # resolve_kpi matches names in any case: "mrr" next to "MRR" would be ambiguous.
        if _name_taken(s, Kpi.name, name):
            raise ValidationError(f"a KPI named {name!r} already exists")
        if parent_id is not None:
            _get(s, Kpi, parent_id, "parent KPI")
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
        )
        s.add(kpi)
        s.flush()
        assert kpi.id is not None
        _log(s, actor, "kpi", kpi.id, "create", name=name)
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
        kpi = _get(s, Kpi, kpi_id, "KPI")
        number = parse_number(value, "value", unit=kpi.unit)  # a "$" only for a $ KPI
        require_kpi_edit(s, actor, kpi_id)
        if kpi.archived:
            raise DomainError(f"KPI {kpi.name!r} is archived: unarchive it to record values")
        existing = s.exec(
            select(KpiValue).where(KpiValue.kpi_id == kpi_id, KpiValue.observed_on == day)
        ).first()
        replaced = existing.value if existing else None
        if existing:
            _log(
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
                new_value=number,
            )
            existing.value, existing.note, existing.author = number, note, actor
            existing.created_at = utcnow()
        else:
            row = KpiValue(kpi_id=kpi_id, observed_on=day, value=number, note=note, author=actor)
            s.add(row)
            s.flush()
            _log(
                s,
                actor,
                "kpi_value",
                row.id,
                "create",
                kpi_id=kpi_id,
                observed_on=day,
                value=number,
            )
        return replaced, number


def ensure_period(db: Database, actor: str, today: date | None = None) -> int | None:
    """On a database with no period, create the current quarter as the active one.

    A new user's first screen then has a period to add objectives to. Returns
    the new period's id, or None when periods already exist.
    """
    with db.read() as conn:
        if conn.execute(select(func.count()).select_from(Period)).scalar_one():
            return None
    name, start, end = quarter_bounds(today or date.today())
    return create_period(db, actor, name, start, end, PeriodState.ACTIVE).id
