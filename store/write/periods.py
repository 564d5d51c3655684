"""Periods: create one (never overlapping another), activate it, the next quarter.

A new user's first run gets the current quarter (:func:`ensure_period`), so the
first screen has a period to add objectives to. Periods are an admin's to change.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from sqlmodel import Session, func, select

from store.db.database import Database
from store.domain.checks import validate_check_in_value as validate_check_in_value
from store.domain.quarters import quarter_bounds
from store.domain.validation import (
    parse_date,
    require_text,
)
from store.errors import FarOutside as FarOutside
from store.errors import ValidationError
from store.model.enums import PeriodState
from store.model.tables import Period
from store.read.periods import list_periods
from store.write.checkins import CheckInResult as CheckInResult
from store.write.checkins import check_in as check_in
from store.write.checkins import check_in_time as check_in_time
from store.write.checkins import enum_value as enum_value
from store.write.common import Saved, log_activity, name_taken, open_period
from store.write.guards import require_admin


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
    state = enum_value(PeriodState, state, "state")
    with db.write() as s:
        require_admin(s, actor, "create a period")
        # Periods are looked up by name in any case (resolve_period), so "2026-q4" next to
        # "2026-Q4" would make that lookup ambiguous.
        if name_taken(s, Period.name, name):
            raise ValidationError(f"a period named {name!r} already exists")
        _refuse_overlap(s, start, end)
        if state == PeriodState.ACTIVE:
            _deactivate_others(s, None)
        period = Period(name=name, starts_on=start, ends_on=end, state=state)
        s.add(period)
        s.flush()
        assert period.id is not None
        log_activity(
            s, actor, "period", period.id, "create", name=name, starts_on=start, ends_on=end
        )
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


def _deactivate_others(s: Session, keep: int | None) -> None:
    for other in s.exec(select(Period).where(Period.state == PeriodState.ACTIVE)):
        if other.id != keep:
            other.state = PeriodState.PLANNING


def activate_period(db: Database, actor: str, period_id: int) -> None:
    """Make one period the active one (the previous active one returns to planning)."""
    with db.write() as s:
        require_admin(s, actor, "change the active period")
        period = open_period(s, period_id)
        _deactivate_others(s, period_id)
        period.state = PeriodState.ACTIVE
        log_activity(s, actor, "period", period_id, "activate", name=period.name)


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


def quarter_after(day: date) -> tuple[str, date, date]:
    """The calendar quarter following the one holding ``day``."""
    _name, _start, end = quarter_bounds(day)
    return quarter_bounds(end + timedelta(days=1))


def suggest_next_period(db: Database, today: date | None = None) -> tuple[str, date, date]:
    """The quarter after the latest period (the current quarter when there is none).

    A name already taken (say a custom "2027-Q1" period exists) moves the
    suggestion on to the following quarter.
    """
    periods = list_periods(db)
    return next_free_quarter([p.name for p in periods], [p.ends_on for p in periods], today)


def next_free_quarter(
    names: Iterable[str], ends: Iterable[date], today: date | None
) -> tuple[str, date, date]:
    taken = {name.casefold() for name in names}
    latest = max(ends, default=None)
    if latest is None:
        suggestion = quarter_bounds(today or date.today())
    else:
        suggestion = quarter_bounds(latest + timedelta(days=1))
    while suggestion[0].casefold() in taken:
        suggestion = quarter_after(suggestion[1])
    return suggestion


def create_next_period(
    db: Database,
    actor: str,
    *,
    name: str | None = None,
    starts_on: date | str | None = None,
    ends_on: date | str | None = None,
    activate: bool = False,
    today: date | None = None,
) -> Saved:
    """Create a period, each field defaulting to the suggested next quarter."""
    s_name, s_start, s_end = suggest_next_period(db, today)
    state = PeriodState.ACTIVE if activate else PeriodState.PLANNING
    return create_period(
        db,
        actor,
        name if name is not None else s_name,
        starts_on if starts_on is not None else s_start,
        ends_on if ends_on is not None else s_end,
        state,
    )
