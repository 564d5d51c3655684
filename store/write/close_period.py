"""Closing a period: final grades, retrospective notes and the roll-over, in one go.

Closing is one transaction: every objective of the period gets its final grade
(0.0–1.0) and retrospective note, the chosen unfinished objectives are copied
into the next period, and the period becomes closed (read-only: the service
refuses every later write in it). If anything is refused, nothing is written.

A rolled-over objective is a fresh start on the same goal: it keeps its title,
owner, level, team, description, collaborators and key results, links back
through ``rolled_from_id``, and leaves its check-ins behind. Each copied key
result starts where the original stands (start value = its current value, for
a KPI-driven one the KPI's value at the period's end), except when there is no
current value yet, or the current value has already reached the target (the
start stays as it was, since start = target would leave nothing to measure).
Stay-above/below lines and milestones keep their definition unchanged.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from store.db.database import Database
from store.domain.scoring import Thresholds, grade_of
from store.domain.validation import optional_text, parse_number
from store.errors import DomainError, NotFoundError, ValidationError
from store.model.enums import Direction, Kind, ObjectiveState, PeriodState
from store.model.tables import KeyResult, KpiValue, Objective, Period
from store.read.tree import load_tree
from store.write.checkins import MAX_NOTE
from store.write.common import log_activity
from store.write.guards import require_admin
from store.write.objectives import collaborator_names
from store.write.okr_fields import KrFields, ObjectiveFields, insert_key_result, insert_objective
from store.write.periods import next_free_quarter

FINISHED = 1.0
"""A score at or above this means the objective reached its targets (nothing to roll over)."""


def parse_grade(value: float | str, field: str = "grade") -> float:
    """A final grade: a number from 0.0 to 1.0 (Google's OKR grading scale)."""
    grade = parse_number(value, field)
    if not 0.0 <= grade <= 1.0:
        raise ValidationError(f"{field} must be between 0.0 and 1.0, got {grade:g}")
    return grade


def default_grade(score: float | None) -> float:
    """The grade a review proposes: the score rounded to two decimals, capped to 0–1, by
    the one rounding rule every score display uses (0.925 is 93 % and grade 0.93)."""
    return grade_of(score if score is None or math.isfinite(score) else None)


def is_unfinished(score: float | None) -> bool:
    """Whether an objective fell short of its targets (so it may be rolled over)."""
    return score is None or score < FINISHED


@dataclass(frozen=True)
class ObjectiveReview:
    """The review's decision for one objective."""

    objective_id: int
    grade: float | None = None  # None: the objective's score
    note: str = ""
    roll_over: bool = False


@dataclass(frozen=True)
class CloseSummary:
    """What closing a period did."""

    period_id: int
    period_name: str
    graded: int
    rolled: tuple[tuple[int, int], ...]  # (original objective id, copy id)
    key_results_copied: int
    target_period_id: int | None
    target_period_name: str | None
    target_created: bool
    activated: bool


@dataclass(frozen=True)
class RollTarget:
    """Where a roll-over goes: an existing open period, or a quarter to create."""

    period_id: int | None
    name: str
    starts_on: date
    ends_on: date

    @property
    def exists(self) -> bool:
        return self.period_id is not None


def roll_target(db: Database, period_id: int) -> RollTarget:
    """The period a roll-over from ``period_id`` goes into (read-only preview)."""
    with db.read() as conn:  # the same lookup close_period makes, in a read transaction
        s = Session(bind=conn)
        return _roll_target(s, _period(s, period_id))


def _period(s: Session, period_id: int) -> Period:
    period = s.get(Period, period_id)
    if period is None:
        raise NotFoundError(f"period {period_id} does not exist")
    return period


def _roll_target(s: Session, period: Period) -> RollTarget:
    """The first open period starting after ``period``; else the next free quarter."""
    later = s.exec(
        select(Period)
        .where(Period.starts_on > period.starts_on, Period.state != PeriodState.CLOSED)
        .order_by(col(Period.starts_on), col(Period.id))
    ).first()
    if later is not None:
        return RollTarget(later.id, later.name, later.starts_on, later.ends_on)
    everything = list(s.exec(select(Period)))
    name, start, end = next_free_quarter(
        [p.name for p in everything], [p.ends_on for p in everything], None
    )
    return RollTarget(None, name, start, end)


def close_period(
    db: Database,
    actor: str,
    period_id: int,
    reviews: Iterable[ObjectiveReview] = (),
    *,
    thresholds: Thresholds | None = None,
    activate_next: bool = True,
) -> CloseSummary:
    """Grade every objective, roll the chosen ones over, and close the period; all or nothing.

    Objectives without a review get their score as grade and no note. When the
    closed period was the active one, the period receiving the roll-over (or the
    next open period) becomes active.
    """
    decided = _check_reviews(reviews)
    scores = {
        oid: row.score for oid, row in load_tree(db, period_id, thresholds).objectives.items()
    }
    with db.write() as s:
        require_admin(s, actor, "close a period")
        period = _period(s, period_id)
        if period.state == PeriodState.CLOSED:
            raise DomainError(f"period {period.name} is already closed")
        objectives = _objectives_in_order(s, period_id)
        unknown = set(decided) - {o.id for o in objectives}
        if unknown:
            refs = ", ".join(f"O-{oid}" for oid in sorted(unknown))
            raise ValidationError(f"{refs} is not an objective of {period.name}")
        graded = 0
        for objective in objectives:
            assert objective.id is not None
            review = decided.get(objective.id, ObjectiveReview(objective.id))
            grade = (
                review.grade
                if review.grade is not None
                else default_grade(scores.get(objective.id))
            )
            objective.grade = grade
            objective.retro_note = review.note or None
            if objective.state != ObjectiveState.ARCHIVED:
                objective.state = ObjectiveState.CLOSED
            graded += 1
            log_activity(
                s, actor, "objective", objective.id, "grade", grade=grade, note=review.note
            )
        to_roll = [o for o in objectives if decided.get(o.id or 0, ObjectiveReview(0)).roll_over]
        target, created = _target_period(s, actor, period, need=bool(to_roll))
        rolled, copied = _roll_over(s, actor, period, to_roll, target)
        was_active = period.state == PeriodState.ACTIVE
        period.state = PeriodState.CLOSED
        activated = False
        if activate_next and was_active and target is not None:
            for other in s.exec(select(Period).where(Period.state == PeriodState.ACTIVE)):
                other.state = PeriodState.PLANNING
            target.state = PeriodState.ACTIVE
            activated = True
        log_activity(
            s,
            actor,
            "period",
            period_id,
            "close",
            name=period.name,
            graded=graded,
            rolled=[list(pair) for pair in rolled],
            into=target.name if target else None,
        )
        return CloseSummary(
            period_id,
            period.name,
            graded,
            tuple(rolled),
            copied,
            target.id if target else None,
            target.name if target else None,
            created,
            activated,
        )


def _check_reviews(reviews: Iterable[ObjectiveReview]) -> dict[int, ObjectiveReview]:
    """Validate grades and notes up front, so a bad one refuses before any write."""
    decided: dict[int, ObjectiveReview] = {}
    for review in reviews:
        if review.objective_id in decided:
            raise ValidationError(f"O-{review.objective_id} is reviewed twice")
        grade = None
        if review.grade is not None:
            grade = parse_grade(review.grade, f"the grade of O-{review.objective_id}")
        note = optional_text(
            review.note, f"the note of O-{review.objective_id}", max_length=MAX_NOTE, multiline=True
        )
        decided[review.objective_id] = ObjectiveReview(
            review.objective_id, grade, note, review.roll_over
        )
    return decided


def _objectives_in_order(s: Session, period_id: int) -> list[Objective]:
    """The period's objectives, parents before their children (so copies can re-align)."""
    rows = list(
        s.exec(
            select(Objective)
            .where(Objective.period_id == period_id)
            .order_by(col(Objective.position), col(Objective.id))
        )
    )
    by_parent: dict[int | None, list[Objective]] = {}
    ids = {o.id for o in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        by_parent.setdefault(parent, []).append(row)
    ordered: list[Objective] = []
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(by_parent.get(row.id, [])))
    seen = {id(o) for o in ordered}
    ordered.extend(o for o in rows if id(o) not in seen)  # a cycle cannot hide an objective
    return ordered


def _target_period(
    s: Session, actor: str, period: Period, *, need: bool
) -> tuple[Period | None, bool]:
    """The period receiving roll-overs; created only when something is rolled over."""
    target = _roll_target(s, period)
    if target.period_id is not None:
        return s.get(Period, target.period_id), False
    if not need:
        return None, False
    new = Period(name=target.name, starts_on=target.starts_on, ends_on=target.ends_on)
    s.add(new)
    s.flush()
    log_activity(
        s,
        actor,
        "period",
        new.id,
        "create",
        name=new.name,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        reason=f"roll-over from {period.name}",
    )
    return new, True


def _roll_over(
    s: Session, actor: str, period: Period, objectives: list[Objective], target: Period | None
) -> tuple[list[tuple[int, int]], int]:
    if not objectives:
        return [], 0
    assert target is not None and target.id is not None
    copies: dict[int, Objective] = {}
    rolled: list[tuple[int, int]] = []
    copied = 0
    for objective in objectives:  # parents first: a rolled child re-aligns under the copy
        assert objective.id is not None
        fields = ObjectiveFields(
            title=objective.title,
            owner=objective.owner,
            level=objective.level,
            team=objective.team,
            description=objective.description,
            collaborators=tuple(collaborator_names(s, objective.id)),
        )
        parent = copies.get(objective.parent_id) if objective.parent_id is not None else None
        copy = insert_objective(
            s,
            actor,
            target.id,
            fields,
            parent=parent,
            rolled_from_id=objective.id,
            action="roll_over",
        )
        assert copy.id is not None
        copies[objective.id] = copy
        rolled.append((objective.id, copy.id))
        krs = s.exec(
            select(KeyResult)
            .where(KeyResult.objective_id == objective.id)
            .order_by(col(KeyResult.position), col(KeyResult.id))
        )
        for kr in krs:
            insert_key_result(s, actor, copy, _rolled_kr(s, kr, period), action="roll_over")
            copied += 1
    return rolled, copied


def _current(s: Session, kr: KeyResult, period: Period) -> float | None:
    """A KR's value at the period's end: its latest check-in, or its KPI's latest value."""
    if kr.kpi_id is None:
        return kr.current_value
    return s.exec(
        select(KpiValue.value)
        .where(KpiValue.kpi_id == kr.kpi_id, KpiValue.observed_on <= period.ends_on)
        .order_by(col(KpiValue.observed_on).desc())
        .limit(1)
    ).first()


def _rolled_kr(s: Session, kr: KeyResult, period: Period) -> KrFields:
    start = kr.start_value
    current = _current(s, kr, period)
    if current is not None and _still_to_go(kr, current):
        start = current
    return KrFields(
        title=kr.title,
        kind=kr.kind,
        direction=kr.direction,
        start=start,
        target=kr.target_value,
        unit=kr.unit,
        owner=kr.owner,
        weight=kr.weight,
        kpi_id=kr.kpi_id,
    )


def _still_to_go(kr: KeyResult, current: float) -> bool:
    """Whether ``current`` is a usable new start: short of the target, in the KR's direction."""
    target = kr.target_value
    if kr.kind == Kind.MILESTONE or target is None:
        return False
    if kr.kind == Kind.PERCENT:
        return 0.0 <= current < target
    if kr.direction == Direction.INCREASE:
        return current < target
    if kr.direction == Direction.DECREASE:
        return current > target
    return False  # a line to hold has no start to move, a range keeps its low end there
