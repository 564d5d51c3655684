"""The period list with each period's figures, for the periods screen and the CLI."""

import math
from dataclasses import dataclass

from store.db.database import Database
from store.domain.scoring import Thresholds
from store.model.enums import PeriodState
from store.model.rows import PeriodRow
from store.read.tree import list_periods, load_tree


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
