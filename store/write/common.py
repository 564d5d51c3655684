"""What every write shares: the activity log, row lookups, the open-period rule, results.

Each write module (objectives, key results, KPIs, periods) opens one transaction per
call and uses these inside it, so a refusal reads the same whichever write refused.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, func, select

from store.domain.checks import validate_check_in_value as validate_check_in_value
from store.errors import DomainError, NotFoundError
from store.errors import FarOutside as FarOutside
from store.model.enums import (
    PeriodState,
)
from store.model.tables import (
    Activity,
    KeyResult,
    Objective,
    Period,
    utcnow,
)
from store.write.checkins import MAX_NOTE as MAX_NOTE
from store.write.checkins import CheckInResult as CheckInResult
from store.write.checkins import activity_detail
from store.write.checkins import check_in as check_in
from store.write.checkins import check_in_time as check_in_time
from store.write.checkins import enum_value as enum_value

MAX_TITLE = 300


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


def log_activity(
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


def get_row(s: Session, model: type[T], key: int, label: str) -> T:
    row = s.get(model, key)
    if row is None:
        # "objective O-" + 7 reads "objective O-7", "KPI" + 7 reads "KPI 7".
        sep = "" if label.endswith("-") else " "
        raise NotFoundError(f"{label}{sep}{key} does not exist")
    return row


def open_period(s: Session, period_id: int) -> Period:
    period = get_row(s, Period, period_id, "period")
    if period.state == PeriodState.CLOSED:
        raise DomainError(f"period {period.name} is closed and read-only")
    return period


def objective_for_write(s: Session, objective_id: int) -> Objective:
    objective = get_row(s, Objective, objective_id, "objective O-")
    open_period(s, objective.period_id)
    return objective


def touch(row: Objective | KeyResult) -> None:
    row.updated_at = utcnow()


def kr_warning(s: Session, objective_id: int) -> tuple[str, ...]:
    count = s.exec(
        select(func.count()).select_from(KeyResult).where(KeyResult.objective_id == objective_id)
    ).one()
    if count == 0:
        return (f"O-{objective_id} has no key results yet: add 1–5 to make it measurable",)
    if count > RECOMMENDED_MAX_KRS:
        return (f"O-{objective_id} has {count} key results; OKR guides recommend at most 5",)
    return ()


def name_taken(s: Session, column: Any, name: str) -> bool:
    """Whether ``name`` is already used in ``column``, ignoring case (Unicode-aware)."""
    wanted = name.casefold()
    return any(str(taken).casefold() == wanted for taken in s.exec(select(column)))
