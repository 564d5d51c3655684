"""Objective writes: create, edit, re-align, change state, delete (with a preview).

Each is one transaction, checked against the rights (store/write/guards.py) and logged
in Activity; a refusal raises with nothing changed.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, delete, func, select

from store.db.database import Database
from store.domain.checks import MAX_NAME, check_username
from store.domain.checks import validate_check_in_value as validate_check_in_value
from store.domain.validation import (
    optional_text,
    require_text,
)
from store.errors import FarOutside as FarOutside
from store.errors import ValidationError
from store.model.enums import (
    Level,
    ObjectiveState,
)
from store.model.tables import (
    CheckIn,
    Collaborator,
    KeyResult,
    Objective,
)
from store.write.checkins import MAX_NOTE as MAX_NOTE
from store.write.checkins import CheckInResult as CheckInResult
from store.write.checkins import check_in as check_in
from store.write.checkins import check_in_time as check_in_time
from store.write.checkins import enum_value as enum_value
from store.write.common import (
    MAX_TITLE,
    UNSET,
    DeleteSummary,
    Saved,
    get_row,
    kr_warning,
    log_activity,
    objective_for_write,
    open_period,
    touch,
)
from store.write.guards import (
    require_new_objective,
    require_objective_control,
    require_objective_edit,
)


def _child_level(parent: Objective | None, level: Level | str | None) -> Level:
    if level is not None:
        return enum_value(Level, level, "level")
    if parent is None:
        return Level.COMPANY
    return Level.TEAM if parent.level == Level.COMPANY else Level.PERSONAL


def _check_parent(s: Session, period_id: int, parent_id: int | None) -> Objective | None:
    if parent_id is None:
        return None
    parent = get_row(s, Objective, parent_id, "parent objective O-")
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
        open_period(s, period_id)
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
        log_activity(
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
        objective = objective_for_write(s, objective_id)
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
            changes["level"] = enum_value(Level, level, "level")
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
        touch(objective)
        log_activity(s, actor, "objective", objective_id, "update", before=before, after=changes)
        return Saved(objective_id, kr_warning(s, objective_id))


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
        objective = objective_for_write(s, objective_id)
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
        touch(objective)
        log_activity(
            s, actor, "objective", objective_id, "move", old_parent=old, new_parent=parent_id
        )
        return Saved(objective_id)


def delete_objective(db: Database, actor: str, objective_id: int) -> DeleteSummary:
    """Delete an objective with its KRs and their check-ins; children become top-level."""
    with db.write() as s:
        objective = objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        summary = _delete_summary(s, objective_id)
        log_activity(
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
        get_row(s, Objective, objective_id, "objective O-")
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
        objective = objective_for_write(s, objective_id)
        require_objective_edit(s, actor, objective_id)
        old = objective.state
        objective.state = enum_value(ObjectiveState, state, "state")
        touch(objective)
        log_activity(s, actor, "objective", objective_id, "state", old=old, new=objective.state)
