"""Key result writes: create, edit, delete, and the checks of their numbers and weight.

A KR's value only changes through a check-in (store/write/checkins.py).
"""

from sqlmodel import func, select

from store.db.database import Database
from store.domain.checks import check_kr_values, check_username, check_weight
from store.domain.checks import validate_check_in_value as validate_check_in_value
from store.domain.validation import (
    optional_number,
    optional_text,
    require_text,
)
from store.errors import FarOutside as FarOutside
from store.model.enums import (
    Direction,
    Kind,
)
from store.model.tables import (
    CheckIn,
    KeyResult,
    Kpi,
)
from store.write.checkins import MAX_NOTE as MAX_NOTE
from store.write.checkins import CheckInResult as CheckInResult
from store.write.checkins import check_in as check_in
from store.write.checkins import check_in_time as check_in_time
from store.write.checkins import enum_value as enum_value
from store.write.common import (
    MAX_TITLE,
    UNSET,
    Saved,
    get_row,
    kr_warning,
    log_activity,
    objective_for_write,
    touch,
)
from store.write.guards import (
    require_key_result_edit,
    require_objective_edit,
)


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
    kind = enum_value(Kind, kind, "kind")
    direction = enum_value(Direction, direction, "direction")
    start_v, target_v = check_kr_values(
        kind, direction, optional_number(start, "start"), optional_number(target, "target")
    )
    unit = optional_text(unit, "unit", max_length=32)
    with db.write() as s:
        objective = objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        if kpi_id is not None:
            get_row(s, Kpi, kpi_id, "KPI")
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
        log_activity(
            s, actor, "key_result", kr.id, "create", title=title, objective_id=objective_id
        )
        return Saved(kr.id, kr_warning(s, objective_id))


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
        kr = get_row(s, KeyResult, kr_id, "key result KR-")
        objective_for_write(s, kr.objective_id)
        require_key_result_edit(s, actor, kr_id)
        # Not its value (a check-in's, and a NaN from before migration 0006 differs from
        # itself: logging it failed the edit).
        unlogged = {"created_at", "updated_at", "current_at", "current_value"}
        before = kr.model_dump(exclude=unlogged)
        if title is not UNSET:
            kr.title = require_text(title, "title", max_length=MAX_TITLE)
        new_kind = enum_value(Kind, kind, "kind") if kind is not UNSET else kr.kind
        new_dir = (
            enum_value(Direction, direction, "direction")
            if direction is not UNSET
            else kr.direction
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
                get_row(s, Kpi, kpi_id, "KPI")
            kr.kpi_id = kpi_id
        if weight is not UNSET:
            kr.weight = check_weight(weight)
        touch(kr)
        after = kr.model_dump(exclude=unlogged)
        changed = {k: (before[k], after[k]) for k in after if before.get(k) != after[k]}
        log_activity(s, actor, "key_result", kr_id, "update", changes=changed)
        return Saved(kr_id)


def delete_key_result(db: Database, actor: str, kr_id: int) -> int:
    """Delete a KR and its check-ins; returns how many check-ins went with it."""
    with db.write() as s:
        kr = get_row(s, KeyResult, kr_id, "key result KR-")
        objective_for_write(s, kr.objective_id)
        require_objective_edit(s, actor, kr.objective_id)
        count = s.exec(
            select(func.count()).select_from(CheckIn).where(CheckIn.key_result_id == kr_id)
        ).one()
        log_activity(s, actor, "key_result", kr_id, "delete", title=kr.title, check_ins=count)
        s.delete(kr)
        return count
