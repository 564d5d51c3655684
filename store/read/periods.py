"""Periods as the screens and the CLI read them: every readable period newest first, the
default one (active, else the one holding today, else the latest), one by name, and the
period list with each period's figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from store.db.database import Database
from store.domain.scoring import Thresholds
from store.domain.validation import clean_line
from store.errors import NotFoundError
from store.model.enums import PeriodState
from store.model.rows import (
    PeriodRow,
)
from store.read.tree import load_tree, period_row


@dataclass(frozen=True)
class PeriodSummary:
    """A period with its number of objectives and average score (final grades once closed)."""

    period: PeriodRow
    objectives: int
    average: float | None

    @property
    def name(self) -> str:
        return self.period.name


def period_summaries(db: Database, thresholds: Thresholds | None = None) -> list[PeriodSummary]:
    """Every period, newest first, with its objective count and average score.

    The average is over all objectives that have a score; for a closed period it
    is over their final grades, which is what the review decided.
    """
    out = []
    for period in list_periods(db):
        tree = load_tree(db, period.id, thresholds)
        rows = list(tree.objectives.values())
        if period.state == PeriodState.CLOSED:
            values = [r.grade if r.grade is not None else r.score for r in rows]
        else:
            values = [r.score for r in rows]
        scored = [v for v in values if v is not None]
        average = math.fsum(scored) / len(scored) if scored else None
        out.append(PeriodSummary(period, len(rows), average))
    return out


def list_periods(db: Database) -> list[PeriodRow]:
    """Every period okrtui can read, newest first (one with unreadable dates is left out:
    every screen sorts and compares them)."""
    with db.plain_read() as fetch:
        rows = fetch(
            "SELECT id, name, starts_on, ends_on, state FROM period ORDER BY starts_on DESC",
            {},
        )
    return [p for p in map(period_row, rows) if p is not None]


def default_period(db: Database, today: date | None = None) -> PeriodRow | None:
    """The active period; else the one containing today; else the latest."""
    periods = list_periods(db)
    today = today or date.today()
    for test in (
        lambda p: p.state == PeriodState.ACTIVE,
        lambda p: p.starts_on <= today <= p.ends_on,
        lambda p: True,
    ):
        for period in periods:
            if test(period):
                return period
    return None


def resolve_period(db: Database, text: str | None) -> PeriodRow:
    """A period by name or id, or the default one when ``text`` is None."""
    if text is None:
        period = default_period(db)
        if period is None:
            raise NotFoundError("there is no period yet: create one first")
        return period
    periods = list_periods(db)
    wanted = clean_line(text)
    for period in periods:
        if period.name.lower() == wanted.lower() or str(period.id) == wanted:
            return period
    raise NotFoundError(f"no period {wanted!r}", tuple(p.name for p in periods[:5]))
