"""A KPI's status as its panel and ``okrtui kpi list`` show it (store/read/kpi_status.py),
and a formula recomputed from the app (store/write/formulas.py ``recompute_formula``):
exact values."""

from datetime import date

import pytest
from sqlalchemy import text

from store.db.database import Database
from store.errors import DomainError, PermissionDenied, ValidationError
from store.model.enums import Aggregation, Cadence
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import kpi_sources
from store.read.kpi_status import kpi_status, with_flow_history
from store.write.formulas import recompute_formula
from store.write.kpi_sources import define_source
from store.write.kpis import create_kpi, record_kpi_value

WEDNESDAY = date(2026, 11, 25)


def _panel(db: Database, name: str, last: int = 26, today: date = WEDNESDAY):
    panels = with_flow_history(db, kpi_panels(db, last=last), today)
    return next(p for p in panels if p.name == name)


def test_a_weekly_flow_shows_this_weeks_total_and_last_weeks(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="Leads", owner=me, cadence="weekly", aggregation="flow").id
    for day, value in [("2026-11-16", 5), ("2026-11-20", 7.5), ("2026-11-22", 1),  # last week
                       ("2026-11-23", 3), ("2026-11-25", 4)]:  # this week  # fmt: skip
        record_kpi_value(db, me, kpi, value, observed_on=day)
    status = kpi_status(_panel(db, "Leads"), None, WEDNESDAY)
    assert (status.figure, status.label) == (7.0, "this week")
    assert (status.previous, status.previous_label) == (13.5, "last week")
    assert status.series == (13.5, 7.0)
    assert status.figure_on == WEDNESDAY and status.overdue is False


def test_a_flow_without_cadence_sums_the_month(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="Bookings", owner=me, aggregation="flow").id
    for day in range(1, 26):  # 25 daily values: more than the panel's last 5
        record_kpi_value(db, me, kpi, day, observed_on=date(2026, 11, day))
    record_kpi_value(db, me, kpi, 100, observed_on="2026-10-31")
    panel = _panel(db, "Bookings", last=5)
    assert panel.aggregation == Aggregation.FLOW and panel.cadence is None
    status = kpi_status(panel, None, WEDNESDAY)
    assert (status.figure, status.label) == (325.0, "this month")  # 1 + 2 + … + 25
    assert (status.previous, status.previous_label) == (100.0, "last month")


def test_a_level_shows_its_latest_value_overdue_and_range(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="Response", owner=me, cadence="daily", range_low="30",
                     range_high="50").id  # fmt: skip
    record_kpi_value(db, me, kpi, 42, observed_on="2026-11-22")
    record_kpi_value(db, me, kpi, 51, observed_on="2026-11-23")
    status = kpi_status(_panel(db, "Response"), None, WEDNESDAY)
    assert (status.figure, status.previous, status.label) == (51.0, 42.0, "")
    assert status.overdue is True  # the 23rd's next value was due by the 24th
    assert kpi_status(_panel(db, "Response"), None, date(2026, 11, 24)).overdue is False
    assert status.in_range is False
    assert status.series == (42.0, 51.0)
    assert status.source is None and status.last_error is None


def test_a_source_status_is_shown(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="MRR", owner=me, cadence=Cadence.MONTHLY).id
    define_source(db, me, kpi, "http", {"url": "https://x.example/api", "json_path": "v"})
    status = kpi_status(_panel(db, "MRR"), kpi_sources(db)[kpi], WEDNESDAY)
    assert status.source is not None and status.source.value == "http"
    assert status.last_success is None and status.overdue is True  # no value at all


def _ratio(db: Database, me: str) -> tuple[int, int, int]:
    ltv = create_kpi(db, me, name="LTV", owner=me).id
    cac = create_kpi(db, me, name="CAC", owner=me).id
    ratio = create_kpi(db, me, name="LTV:CAC", owner=me).id
    define_source(db, me, ratio, "formula", {"expression": "LTV / CAC"})
    return ltv, cac, ratio


def test_recompute_a_formula_for_its_freshest_input(db: Database, me: str) -> None:
    ltv, cac, ratio = _ratio(db, me)
    record_kpi_value(db, me, ltv, 21_000, observed_on="2026-11-20")
    record_kpi_value(db, me, cac, 4_000, observed_on="2026-11-13")
    assert recompute_formula(db, me, ratio, WEDNESDAY) == (date(2026, 11, 20), 5.25)
    with db.read() as conn:
        stored = conn.execute(
            text("SELECT observed_on, value, source FROM kpi_value WHERE kpi_id = :k"),
            {"k": ratio},
        ).all()
    assert [(str(d), v, s) for d, v, s in stored] == [("2026-11-20", 5.25, "formula")]


def test_recompute_refuses_what_it_cannot_compute(db: Database, me: str) -> None:
    ltv, cac, ratio = _ratio(db, me)
    record_kpi_value(db, me, ltv, 21_000, observed_on="2026-11-20")
    with pytest.raises(ValidationError):  # CAC has no value yet
        recompute_formula(db, me, ratio, WEDNESDAY)
    record_kpi_value(db, me, cac, 0, observed_on="2026-11-20")
    with pytest.raises(ValidationError):  # a division by zero
        recompute_formula(db, me, ratio, WEDNESDAY)
    with pytest.raises(DomainError, match="not computed by a formula"):
        recompute_formula(db, me, ltv, WEDNESDAY)
    with pytest.raises(PermissionDenied):
        recompute_formula(db, "ghost", ratio, WEDNESDAY)
    with db.read() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM kpi_value WHERE kpi_id = :k"), {"k": ratio}
        ).scalar_one()
    assert count == 0
