"""A key result driven by a flow KPI (bookings, leads) reads the KPI's values summed over
the key result's period; one driven by a level KPI reads its latest value (issue 18).
Exact values, on both backends, through every reader of key results."""

import pytest

from store.db.database import Database
from store.model.enums import Band
from store.read.kpis import kpi_detail
from store.read.tree import load_tree, my_key_results, owned_key_results
from store.write import key_results, kpis, objectives, periods

VALUES = [
    ("2026-09-28", 100.0),  # Q3: outside Q4's sum
    ("2026-10-01", 10.0),  # Q4's first day: inside
    ("2026-10-15", 20.5),
    ("2026-12-31", 4.5),  # Q4's last day: inside
]


def _org(db: Database, me: str, aggregation: str) -> tuple[dict[str, int], int]:
    """Q3 and Q4, a KPI with VALUES, and a KR following it in each quarter."""
    q3 = periods.create_period(db, me, "Q3", "2026-07-01", "2026-09-30", "active").id
    q4 = periods.create_period(db, me, "Q4", "2026-10-01", "2026-12-31", "active").id
    kpi = kpis.create_kpi(db, me, name="Demo requests", owner=me, aggregation=aggregation).id
    for day, value in VALUES:
        kpis.record_kpi_value(db, me, kpi, value, observed_on=day)
    krs = {}
    for name, pid in (("Q3", q3), ("Q4", q4)):
        oid = objectives.create_objective(db, me, period_id=pid, title="Grow", owner=me).id
        krs[name] = key_results.create_key_result(
            db, me, objective_id=oid, title="70 demo requests", start=0, target=70, kpi_id=kpi
        ).id
    return krs | {"q3": q3, "q4": q4}, kpi


def test_flow_kpi_key_result_reads_the_period_sum(db: Database, me: str) -> None:
    ids, kpi = _org(db, me, "flow")
    q4 = load_tree(db, ids["q4"]).key_result(ids["Q4"])
    assert q4 is not None
    assert q4.current == 35.0  # 10 + 20.5 + 4.5: Q3's 100 is not Q4's
    assert q4.progress == pytest.approx(0.5)
    assert str(q4.current_at) == "2026-12-31"
    q3 = load_tree(db, ids["q3"]).key_result(ids["Q3"])
    assert q3 is not None and q3.current == 100.0
    # the other readers of key results use the same query
    (_, mine), *_ = my_key_results(db, me, ids["q4"])
    assert mine.current == 35.0
    assert [kr.current for kr in owned_key_results(db, ids["q4"], me)] == [35.0]
    # and the KPI's detail scores the KRs it drives the same way
    driven = {kr.id: kr.current for kr in kpi_detail(db, kpi).krs}
    assert driven == {ids["Q4"]: 35.0, ids["Q3"]: 100.0}


def test_level_kpi_key_result_reads_the_latest_value(db: Database, me: str) -> None:
    ids, kpi = _org(db, me, "level")
    q4 = load_tree(db, ids["q4"]).key_result(ids["Q4"])
    assert q4 is not None and q4.current == 4.5
    driven = {kr.id: kr.current for kr in kpi_detail(db, kpi).krs}
    assert driven == {ids["Q4"]: 4.5, ids["Q3"]: 100.0}


def test_flow_kpi_without_values_in_the_period_has_no_data(db: Database, me: str) -> None:
    q1 = periods.create_period(db, me, "Q1", "2027-01-01", "2027-03-31", "planning").id
    kpi = kpis.create_kpi(db, me, name="Leads", owner=me, aggregation="flow").id
    kpis.record_kpi_value(db, me, kpi, 12, observed_on="2026-12-30")
    oid = objectives.create_objective(db, me, period_id=q1, title="Grow", owner=me).id
    kr_id = key_results.create_key_result(
        db, me, objective_id=oid, title="100 leads", target=100, kpi_id=kpi
    ).id
    kr = load_tree(db, q1).key_result(kr_id)
    assert kr is not None
    assert kr.current is None and kr.progress is None and kr.band == Band.NO_DATA
    # the latest value (12, of December) is not this quarter's flow
    assert kpi_detail(db, kpi).krs[0].current is None
