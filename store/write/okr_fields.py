"""Validated objective and key-result fields, and their inserts inside one open session.

store/write/objectives.py and key_results.py open one transaction per call. Roll-over,
TOML apply and CSV import must write many objectives and key results all or nothing, so they
validate every item first (with the service's own rules, so a file can never
hold what the forms would refuse) and then insert them through these helpers
inside a single ``db.write()`` session, logging each write like the service does.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from store.domain.checks import MAX_NAME, check_kr_values, check_username, check_weight
from store.domain.validation import optional_number, optional_text, require_text
from store.errors import ValidationError
from store.model.enums import Direction, Kind, Level
from store.model.tables import Collaborator, KeyResult, Kpi, Objective
from store.write.checkins import MAX_NOTE, enum_value
from store.write.common import MAX_TITLE, log_activity


@dataclass(frozen=True)
class ObjectiveFields:
    """An objective's editable fields, already validated."""

    title: str
    owner: str
    level: Level | None = None
    team: str | None = None
    description: str = ""
    collaborators: tuple[str, ...] = ()


@dataclass(frozen=True)
class KrFields:
    """A key result's editable fields, already validated (``owner`` None: the objective's)."""

    title: str
    kind: Kind = Kind.METRIC
    direction: Direction = Direction.INCREASE
    start: float | None = None
    target: float | None = None
    unit: str = ""
    owner: str | None = None
    weight: float = 1.0
    kpi_id: int | None = None


def objective_fields(
    *,
    title: Any,
    owner: Any,
    level: Any = None,
    team: Any = None,
    description: Any = "",
    collaborators: Iterable[Any] = (),
) -> ObjectiveFields:
    """Check raw values (typed, or read from a file) the way ``create_objective`` does."""
    owner_name = check_username(_text(owner, "owner"))
    names = {check_username(_text(n, "collaborator"), "collaborator") for n in collaborators}
    return ObjectiveFields(
        title=require_text(_text(title, "title"), "title", max_length=MAX_TITLE),
        owner=owner_name,
        level=None if level in (None, "") else enum_value(Level, _text(level, "level"), "level"),
        team=optional_text(_text(team, "team"), "team", max_length=MAX_NAME) or None,
        description=optional_text(
            _text(description, "description"), "description", max_length=MAX_NOTE, multiline=True
        ),
        collaborators=tuple(sorted(names - {owner_name})),
    )


def kr_fields(
    *,
    title: Any,
    kind: Any = Kind.METRIC,
    direction: Any = Direction.INCREASE,
    start: Any = None,
    target: Any = None,
    unit: Any = "",
    owner: Any = None,
    weight: Any = 1.0,
    kpi_id: int | None = None,
) -> KrFields:
    """Check raw values the way ``create_key_result`` does (defaults by kind included)."""
    kind_v = enum_value(Kind, _text(kind, "kind"), "kind")
    direction_v = enum_value(Direction, _text(direction, "direction"), "direction")
    start_v, target_v = check_kr_values(
        kind_v, direction_v, optional_number(start, "start"), optional_number(target, "target")
    )
    unit_v = optional_text(_text(unit, "unit"), "unit", max_length=32)
    return KrFields(
        title=require_text(_text(title, "title"), "title", max_length=MAX_TITLE),
        kind=kind_v,
        direction=direction_v if kind_v == Kind.METRIC else Direction.INCREASE,
        start=start_v,
        target=target_v,
        unit="%" if kind_v == Kind.PERCENT and not unit_v else unit_v,
        owner=check_username(_text(owner, "owner")) if owner not in (None, "") else None,
        weight=check_weight(weight),
        kpi_id=kpi_id,
    )


def _text(value: Any, field: str) -> str:
    """Text from a file is only accepted as text (a TOML number for a title is a mistake)."""
    if value is None:
        return ""
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum member
        return value.value
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text, got {value!r}")
    return value


def insert_objective(
    s: Session,
    actor: str,
    period_id: int,
    fields: ObjectiveFields,
    *,
    parent: Objective | None = None,
    rolled_from_id: int | None = None,
    action: str = "create",
) -> Objective:
    """Insert an objective (level derived from the parent when not given) with collaborators."""
    if fields.level is not None:
        level = fields.level
    elif parent is None:
        level = Level.COMPANY
    else:
        level = Level.TEAM if parent.level == Level.COMPANY else Level.PERSONAL
    position = s.exec(
        select(func.count()).select_from(Objective).where(Objective.period_id == period_id)
    ).one()
    objective = Objective(
        period_id=period_id,
        parent_id=parent.id if parent else None,
        level=level,
        team=fields.team if fields.team is not None else (parent.team if parent else None),
        title=fields.title,
        description=fields.description,
        owner=fields.owner,
        rolled_from_id=rolled_from_id,
        position=position,
    )
    s.add(objective)
    s.flush()
    assert objective.id is not None
    for name in fields.collaborators:
        s.add(Collaborator(objective_id=objective.id, username=name))
    log_activity(
        s,
        actor,
        "objective",
        objective.id,
        action,
        title=fields.title,
        parent_id=objective.parent_id,
        collaborators=list(fields.collaborators),
        rolled_from_id=rolled_from_id,
    )
    return objective


def insert_key_result(
    s: Session,
    actor: str,
    objective: Objective,
    fields: KrFields,
    *,
    action: str = "create",
) -> KeyResult:
    """Insert a key result at the end of ``objective``'s list."""
    assert objective.id is not None
    if fields.kpi_id is not None and s.get(Kpi, fields.kpi_id) is None:
        raise ValidationError(f"KPI {fields.kpi_id} does not exist")
    position = s.exec(
        select(func.count())
        .select_from(KeyResult)
        .where(col(KeyResult.objective_id) == objective.id)
    ).one()
    kr = KeyResult(
        objective_id=objective.id,
        title=fields.title,
        kind=fields.kind,
        direction=fields.direction,
        start_value=fields.start,
        target_value=fields.target,
        unit=fields.unit,
        owner=fields.owner or objective.owner,
        kpi_id=fields.kpi_id,
        weight=fields.weight,
        position=position,
    )
    s.add(kr)
    s.flush()
    assert kr.id is not None
    log_activity(
        s, actor, "key_result", kr.id, action, title=fields.title, objective_id=objective.id
    )
    return kr
