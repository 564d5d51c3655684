"""The demo's KPI sources (issue 18): a warehouse database and a CSV export beside the
demo database, sources reading them approved by the demo's user, and a formula; the
history in the demo is what a pull fetches, so pulling the demo writes nothing new."""

import sqlite3
from datetime import date
from pathlib import Path

from demo_day import DEMO_TODAY

from store.db.database import Database, open_database
from store.demo import build_demo
from store.demo.warehouse import traffic_path, warehouse_path
from store.io.kpi_pull import pull
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import kpi_sources


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_the_demo_has_sources_of_each_kind_beside_it(demo_db: Database, demo_path: Path) -> None:
    by_name = {p.id: p.name for p in kpi_panels(demo_db)}
    sources = {by_name[k]: s for k, s in kpi_sources(demo_db).items()}
    assert {name: s.kind.value for name, s in sources.items()} == {
        "MRR": "sql", "Demo requests": "sql", "Site traffic": "file", "LTV:CAC": "formula",
        "Net new MRR": "formula", "SaaS quick ratio": "formula", "ARR": "formula",
    }  # fmt: skip
    assert str(warehouse_path(demo_path)) in sources["MRR"].spec
    assert sources["MRR"].approval and sources["Demo requests"].approval
    assert all(s.last_error is None for s in sources.values())
    assert _rows(warehouse_path(demo_path), "SELECT count(DISTINCT plan) FROM mrr_by_plan") == [
        (3,)
    ]
    assert traffic_path(demo_path).read_text().startswith("day,visits\n")
    flow = next(p for p in kpi_panels(demo_db) if p.name == "Demo requests")
    assert flow.aggregation.value == "flow" and flow.cadence is not None


def test_pulling_the_demo_fetches_what_it_holds(demo_db: Database, demo_path: Path, me: str):
    stored = {
        (name, day, value)
        for name, day, value in _rows(demo_path, "SELECT k.name, v.observed_on, v.value FROM "
                                                 "kpi_value v JOIN kpi k ON k.id = v.kpi_id")
    }  # fmt: skip
    outcomes = pull(demo_db, me, dry_run=True, today=DEMO_TODAY)
    assert [o.error for o in outcomes] == [None] * 7
    fetched = {(o.name, day.isoformat(), value) for o in outcomes for day, value in o.values}
    assert fetched <= stored
    assert {o.name for o in outcomes} == {"MRR", "Site traffic", "Demo requests", "LTV:CAC",
                                          "Net new MRR", "SaaS quick ratio", "ARR"}  # fmt: skip
    computed = {
        "LTV:CAC": lambda v: v["LTV"] / v["CAC"],
        "Net new MRR": lambda v: v["New MRR"] + v["Expansion MRR"] - v["Churned MRR"],
        "SaaS quick ratio": lambda v: (v["New MRR"] + v["Expansion MRR"]) / v["Churned MRR"],
        "ARR": lambda v: v["MRR"] * 12,
    }
    for name, compute in computed.items():
        day, value = next(o for o in outcomes if o.name == name).values[-1]
        latest = {n: v for n, d, v in sorted(stored, key=lambda r: r[1]) if d <= str(day)}
        assert value == compute(latest), name
    before = _rows(demo_path, "SELECT count(*) FROM activity WHERE entity = 'kpi_value'")
    assert all(o.ok for o in pull(demo_db, me, today=DEMO_TODAY))
    assert _rows(demo_path, "SELECT count(*) FROM activity WHERE entity = 'kpi_value'") == before


def test_the_warehouse_is_the_same_for_the_same_user_and_day(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        db = open_database(tmp_path / name / "demo.db", create=True)
        build_demo(db, "tester", date(2026, 11, 23))
        db.close()
    for table in ("mrr_by_plan", "demo_requests"):
        a, b = (_rows(warehouse_path(tmp_path / n / "demo.db"), f"SELECT * FROM {table}")
                for n in ("a", "b"))  # fmt: skip
        assert a == b and a
    assert (tmp_path / "a" / "demo.site-traffic.csv").read_text() == (
        tmp_path / "b" / "demo.site-traffic.csv"
    ).read_text()
