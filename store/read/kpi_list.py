"""``okrtui kpi list``: each KPI with its latest value (a flow's current-period total),
cadence and whether a value is overdue, range, source and last pull."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from store.db.database import Database
from store.domain.kpi_sources import describe, read_spec
from store.errors import ValidationError
from store.format import format_number, range_text
from store.model.enums import Aggregation, Cadence
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import kpi_sources
from store.read.kpi_status import kpi_status, with_flow_history


@dataclass(frozen=True)
class KpiListRow:
    id: int
    name: str
    unit: str
    owner: str
    latest: float | None
    latest_on: date | None
    period_total: float | None  # a flow KPI's values of the current period
    cadence: Cadence | None
    aggregation: Aggregation
    overdue: bool
    range_low: float | None
    range_high: float | None
    in_range: bool | None
    source: str | None  # one line, no secret
    last_success: str | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["latest_on"] = self.latest_on.isoformat() if self.latest_on else None
        out["cadence"] = self.cadence.value if self.cadence else None
        out["aggregation"] = self.aggregation.value
        return out

    def line(self) -> str:
        value = format_number(self.latest, self.unit) if self.latest is not None else "no value"
        text = f"KPI-{self.id} {self.name}: {value}"
        if self.latest_on:
            text += f" on {self.latest_on}"
        if self.period_total is not None:
            text += f" (this period: {format_number(self.period_total, self.unit)})"
        if self.cadence:
            text += f" · {self.cadence.value}" + (" · OVERDUE" if self.overdue else "")
        if self.in_range is not None:
            text += f" · range {range_text(self.range_low, self.range_high, self.unit)} "
            text += "held" if self.in_range else "NOT HELD"
        if self.source:
            text += f" · {self.source}"
        if self.last_error:
            text += f" · last pull failed: {self.last_error}"
        elif self.last_success:
            text += f" · pulled {self.last_success}"
        return text


def kpi_list_rows(db: Database, today: date) -> list[KpiListRow]:
    panels = with_flow_history(db, kpi_panels(db, last=400), today)
    sources = kpi_sources(db)
    rows = []
    for p in panels:
        latest = p.latest
        src = sources.get(p.id)
        status = kpi_status(p, src, today)
        source = None
        if src is not None:
            try:
                source = describe(src.kind, read_spec(src.kind, src.spec))
            except ValidationError as exc:
                source = f"{src.kind.value} (unusable: {exc})"
        rows.append(KpiListRow(
            p.id, p.name, p.unit, p.owner, latest[1] if latest else None,
            latest[0] if latest else None,
            status.figure if p.aggregation == Aggregation.FLOW else None, p.cadence,
            p.aggregation, status.overdue, p.range_low, p.range_high, status.in_range, source,
            src.last_success_at.isoformat(timespec="minutes") if src and src.last_success_at
            else None,
            src.last_error if src else None,
        ))  # fmt: skip
    return rows
