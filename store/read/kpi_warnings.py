"""Early warnings: a KPI that drives key results and is trending the wrong way.

Rule (``store.domain.kpi_rules.trending_wrong_way``): its last :data:`WARNING_RUN` values each
moved the bad way for its direction. The tree marks the objectives such KPIs feed.

Split from store/read/kpis.py (which re-exports it) because the tree asks for its
warnings before its first frame, and this module reads through
``Database.plain_read``: no SQLAlchemy, no ORM models (bench/README.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from store.db.database import Database
from store.db.sql import readable_number
from store.domain.kpi_rules import trending_wrong_way
from store.format import format_number
from store.model.enums import KpiDirection, PeriodState

WARNING_RUN = 3
"""How many latest values must each move the wrong way to raise an early warning."""


@dataclass(frozen=True)
class KpiWarning:
    """A KPI linked to key results is trending the wrong way; ``reason`` says how."""

    kpi_id: int
    name: str
    reason: str


def warning_for(
    kpi_id: int, name: str, unit: str, direction: KpiDirection, values: Sequence[float]
) -> KpiWarning | None:
    """The early warning for these latest values (oldest first), or None."""
    if not trending_wrong_way(direction, values, WARNING_RUN):
        return None
    run = " → ".join(format_number(v, unit) for v in values[-WARNING_RUN:])
    verb = "fell" if direction == KpiDirection.HIGHER else "rose"
    better = "higher" if direction == KpiDirection.HIGHER else "lower"
    return KpiWarning(
        kpi_id,
        name,
        f"{name} {verb} over its last {WARNING_RUN} values ({run}); {better} is better",
    )


_LINKS = (
    "SELECT k.objective_id, p.id, p.name, p.unit, p.direction FROM key_result k "
    "JOIN objective o ON o.id = k.objective_id JOIN period pe ON pe.id = o.period_id "
    "JOIN kpi p ON p.id = k.kpi_id "
    "WHERE o.period_id = :period AND pe.state != :closed AND NOT p.archived "
    "ORDER BY k.objective_id, k.position, k.id"
)
# One indexed ``ORDER BY observed_on DESC LIMIT n`` per KPI, never its whole history.
_LAST_VALUES = "SELECT value FROM kpi_value WHERE kpi_id = :kpi ORDER BY observed_on DESC LIMIT :n"


def objective_kpi_warnings(db: Database, period_id: int) -> dict[int, list[KpiWarning]]:
    """Objective id → early warnings of the KPIs its key results follow (closed periods: none)."""
    with db.plain_read() as fetch:
        links = fetch(_LINKS, {"period": period_id, "closed": PeriodState.CLOSED.value})
        values: dict[int, list[float]] = {}
        for kpi_id in sorted({row[1] for row in links}):
            rows = fetch(_LAST_VALUES, {"kpi": kpi_id, "n": WARNING_RUN})
            read = (readable_number(row[0]) for row in rows)
            values[kpi_id] = [v for v in read if v is not None][::-1]  # NaN, text: left out
    out: dict[int, list[KpiWarning]] = {}
    for objective_id, kpi_id, name, unit, direction in links:
        warning = warning_for(kpi_id, name, unit, KpiDirection(direction), values[kpi_id])
        if warning is not None and warning not in out.get(objective_id, []):
            out.setdefault(objective_id, []).append(warning)
    return out
