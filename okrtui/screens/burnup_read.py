"""What the tree's burn-up chart needs, read and computed in the detail pane's worker.

One query for the check-ins of the key results shown (a KR's, or every KR of an
objective) and one for the values of the KPIs any of them follows
(store/read/burnup.py); the series themselves are pure (store/domain/burnup.py).
"""

from datetime import date

from store.db.database import Database
from store.domain.burnup import BurnUp, kr_burnup, objective_burnup
from store.model.rows import KrRow, ObjectiveRow, PeriodRow
from store.read.burnup import burnup_samples, spec_of

NO_KEY_RESULTS = "no key results of its own: its score is its aligned objectives' mean"


def kr_chart(db: Database, kr: KrRow, period: PeriodRow, today: date) -> BurnUp:
    """A key result's burn-up over ``period`` as seen on ``today``."""
    samples = burnup_samples(db, [kr], period)[kr.id]
    return kr_burnup(spec_of(kr), samples, period.starts_on, period.ends_on, today)


def objective_chart(
    db: Database, row: ObjectiveRow, period: PeriodRow, today: date
) -> BurnUp | None:
    """An objective's score over ``period`` from its key results' histories; None when
    it has no key result (its score then comes from its children: :data:`NO_KEY_RESULTS`)."""
    if not row.key_results:
        return None
    samples = burnup_samples(db, row.key_results, period)
    series = [(spec_of(kr), samples[kr.id]) for kr in row.key_results]
    return objective_burnup(series, period.starts_on, period.ends_on, today)
