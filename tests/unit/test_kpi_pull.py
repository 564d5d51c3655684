"""``okrtui kpi pull`` in the store (store/io/kpi_pull.py, store/write/kpi_sources.py):
values written with their source, failures recorded and nothing written, approvals,
who may define and run what, formulas recomputed."""

import json
import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest
from backends import dump, query

from store.db.database import Database
from store.errors import PermissionDenied, ValidationError
from store.io.kpi_pull import pull
from store.read.kpi_sources import kpi_source
from store.write.kpi_sources import approve_source, define_source, remove_source
from store.write.kpis import create_kpi, record_kpi_value

TODAY = date(2026, 11, 23)


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE m (day TEXT, v REAL)")
        conn.executemany(
            "INSERT INTO m VALUES (?, ?)", [("2026-11-20", 24000), ("2026-11-21", 4000)]
        )
    return f"sqlite:///{path}"


def activity(db: Database, action: str) -> list[dict]:
    rows = query(db, "SELECT detail FROM activity WHERE action = ? ORDER BY id", action)
    return [json.loads(r[0]) for r in rows]


def test_an_unapproved_query_does_not_run_and_the_failure_is_recorded(
    db: Database, me: str, warehouse: str
) -> None:
    kpi = create_kpi(db, me, name="LTV", owner=me, unit="$").id
    define_source(db, me, kpi, "sql", {"url": warehouse, "query": "SELECT max(v) FROM m"})
    [outcome] = pull(db, me, today=TODAY)
    assert not outcome.ok and "not approved" in (outcome.error or "")
    assert query(db, "SELECT count(*) FROM kpi_value") == [(0,)]
    row = kpi_source(db, kpi)
    assert row is not None and "not approved" in (row.last_error or "")
    assert row.last_success_at is None
    assert activity(db, "pull_failed")[0]["error"].startswith("not approved")


def test_an_approved_query_writes_its_value_with_its_source(
    db: Database, me: str, warehouse: str
) -> None:
    kpi = create_kpi(db, me, name="LTV", owner=me, unit="$").id
    define_source(db, me, kpi, "sql", {"url": warehouse, "query": "SELECT max(v) FROM m"})
    approve_source(db, me, kpi)
    [outcome] = pull(db, me, today=TODAY)
    assert outcome.ok and outcome.values == ((TODAY, 24000.0),)
    assert query(db, "SELECT observed_on, value, source, author FROM kpi_value") == [
        ("2026-11-23", 24000.0, "sql", me)
    ]
    row = kpi_source(db, kpi)
    assert row is not None and row.last_error is None and row.last_value == 24000
    # A changed definition needs a new approval.
    define_source(db, me, kpi, "sql", {"url": warehouse, "query": "SELECT min(v) FROM m"})
    [again] = pull(db, me, today=TODAY)
    assert "not approved" in (again.error or "")


def test_a_copied_approval_does_not_verify(db: Database, me: str, warehouse: str) -> None:
    """Whoever can write the database can copy an approval onto another definition; it
    does not verify (the seal covers the KPI and the exact settings)."""
    a = create_kpi(db, me, name="A", owner=me).id
    b = create_kpi(db, me, name="B", owner=me).id
    define_source(db, me, a, "sql", {"url": warehouse, "query": "SELECT 1"})
    define_source(db, me, b, "command", {"argv": ["/bin/echo", "66"]})
    approve_source(db, me, a)
    with db.write() as s:
        s.connection().exec_driver_sql(
            "UPDATE kpi_source SET approval = (SELECT approval FROM kpi_source WHERE kpi_id = "
            f"{a}) WHERE kpi_id = {b}"
        )
    outcomes = {o.kpi_id: o for o in pull(db, me, today=TODAY)}
    assert outcomes[a].ok and "not approved" in (outcomes[b].error or "")


def test_a_failing_source_writes_nothing_and_others_still_run(
    db: Database, me: str, tmp_path: Path
) -> None:
    good = create_kpi(db, me, name="Good", owner=me).id
    bad = create_kpi(db, me, name="Bad", owner=me).id
    prog = tmp_path / "p.py"
    prog.write_text("print('not a number')\n")
    define_source(db, me, good, "command", {"argv": ["/bin/echo", "5"]})
    define_source(db, me, bad, "command", {"argv": [sys.executable, str(prog)]})
    approve_source(db, me, good)
    approve_source(db, me, bad)
    outcomes = {o.kpi_id: o for o in pull(db, me, today=TODAY)}
    assert outcomes[good].ok and "not a number" in (outcomes[bad].error or "")
    assert query(db, "SELECT kpi_id, value FROM kpi_value") == [(good, 5.0)]
    row = kpi_source(db, bad)
    assert row is not None and "not a number" in (row.last_error or "")


def test_a_typed_value_replaced_by_a_pull_stays_in_the_activity_log(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="MRR", owner=me).id
    record_kpi_value(db, me, kpi, 100, observed_on=TODAY, note="typed by hand")
    define_source(db, me, kpi, "command", {"argv": ["/bin/echo", "120"]})
    approve_source(db, me, kpi)
    [outcome] = pull(db, me, today=TODAY)
    assert outcome.replaced_manual == (TODAY,)
    [replace] = [d for d in activity(db, "replace") if d.get("source") == "command"]
    assert (replace["old_value"], replace["old_note"], replace["old_source"]) == (
        100,
        "typed by hand",
        "manual",
    )
    assert activity(db, "pull")[0]["replaced_manual"] == [TODAY.isoformat()]


def test_dry_run_writes_nothing(db: Database, me: str) -> None:
    kpi = create_kpi(db, me, name="MRR", owner=me).id
    define_source(db, me, kpi, "command", {"argv": ["/bin/echo", "120"]})
    approve_source(db, me, kpi)
    before = dump(db)
    [outcome] = pull(db, me, today=TODAY, dry_run=True)
    assert outcome.values == ((TODAY, 120.0),) and not outcome.recorded
    assert dump(db) == before


def test_a_member_may_define_sources_only_for_their_own_kpis(db: Database, me: str) -> None:
    """``me`` is the admin (the first run records the file's owner); alice and bob are not."""
    with db.write() as s:
        s.connection().exec_driver_sql(f"INSERT INTO admin VALUES ('{me}', '{me}', '2026-01-01')")
    bobs = create_kpi(db, me, name="Bob's", owner="bob").id
    alices = create_kpi(db, me, name="Alice's", owner="alice").id
    before = dump(db)
    with pytest.raises(PermissionDenied, match="only its owner @bob or an admin"):
        define_source(db, "alice", bobs, "command", {"argv": ["/bin/echo", "1"]})
    with pytest.raises(PermissionDenied, match="server's owner"):
        approve_source(db, "alice", alices)
    assert dump(db) == before
    define_source(db, "alice", alices, "command", {"argv": ["/usr/bin/id"]})
    define_source(db, me, bobs, "formula", {"expression": "1 + 1"})  # an admin may
    with pytest.raises(PermissionDenied):
        remove_source(db, "alice", bobs)


def test_external_sources_never_run_in_a_member_s_session(
    db: Database, me: str, tmp_path: Path
) -> None:
    """Even approved by the owner, a command runs only in the owner's pull."""
    marker = tmp_path / "ran"
    kpi = create_kpi(db, me, name="K", owner="alice").id
    define_source(db, me, kpi, "command", {"argv": ["/usr/bin/touch", str(marker)]})
    approve_source(db, me, kpi)
    before = dump(db)
    [outcome] = pull(db, "alice", today=TODAY)
    assert "runs only from okrtui kpi pull run by the server's owner" in (outcome.error or "")
    assert not marker.exists() and dump(db) == before


def test_formulas_are_recomputed_from_their_inputs(db: Database, me: str) -> None:
    ltv = create_kpi(db, me, name="LTV", owner=me).id
    cac = create_kpi(db, me, name="CAC", owner=me).id
    ratio = create_kpi(db, me, name="LTV:CAC", owner=me).id
    define_source(db, me, ratio, "formula", {"expression": "LTV / CAC"})
    record_kpi_value(db, me, ltv, 24000, observed_on=date(2026, 11, 20))
    # No CAC yet: the formula waits (the pull says why).
    assert query(db, "SELECT count(*) FROM kpi_value WHERE kpi_id = ?", ratio) == [(0,)]
    record_kpi_value(db, me, cac, 4000, observed_on=date(2026, 11, 21))
    assert query(db, "SELECT observed_on, value, source FROM kpi_value WHERE kpi_id = ?",
                 ratio) == [("2026-11-21", 6.0, "formula")]  # fmt: skip
    record_kpi_value(db, me, cac, 0, observed_on=date(2026, 11, 22))
    outcomes = {o.kpi_id: o for o in pull(db, me, today=TODAY)}
    assert "division by zero (CAC is 0)" in (outcomes[ratio].error or "")
    row = kpi_source(db, ratio)
    assert row is not None and "division by zero" in (row.last_error or "")


def test_a_csv_import_recomputes_the_formulas_it_feeds_for_every_day(db: Database, me: str) -> None:
    """An import of LTV and CAC history filled LTV:CAC with nothing (it kept its old value
    until the next pull): each imported day now computes it, a formula of a formula too."""
    from store.io.kpi_import import import_kpi_values

    create_kpi(db, me, name="LTV", owner=me)
    create_kpi(db, me, name="CAC", owner=me)
    ratio = create_kpi(db, me, name="LTV:CAC", owner=me).id
    double = create_kpi(db, me, name="Twice", owner=me).id
    define_source(db, me, ratio, "formula", {"expression": "LTV / CAC"})
    define_source(db, me, double, "formula", {"expression": '"LTV:CAC" * 2'})
    data = (b"kpi,date,value\nLTV,2026-11-02,24000\nCAC,2026-11-02,4000\n"
            b"LTV,2026-11-09,30000\nCAC,2026-11-16,5000\n")  # fmt: skip
    report = import_kpi_values(db, me, data, today=TODAY)
    assert report.written and not report.errors
    sql = "SELECT observed_on, value, source FROM kpi_value WHERE kpi_id = ? ORDER BY 1"
    assert query(db, sql, ratio) == [
        ("2026-11-02", 6.0, "formula"), ("2026-11-09", 7.5, "formula"),
        ("2026-11-16", 6.0, "formula"),
    ]  # fmt: skip
    assert [v for _, v, _ in query(db, sql, double)] == [12.0, 15.0, 12.0]
    # Replacing one imported value recomputes that day only.
    import_kpi_values(db, me, b"kpi,date,value\nCAC,2026-11-16,6000\n", today=TODAY)
    assert query(db, sql, ratio)[2] == ("2026-11-16", 5.0, "formula")


def test_a_formula_cannot_read_a_flow_kpi(db: Database, me: str) -> None:
    """A formula reads each input's latest value: for a flow that is one day's leads, so
    "Spend / Leads" read as a cost per lead many times too high. Refused both ways."""
    from store.write.kpis import update_kpi

    create_kpi(db, me, name="Spend", owner=me)
    leads = create_kpi(db, me, name="Leads", owner=me, aggregation="flow").id
    cpl = create_kpi(db, me, name="Cost per lead", owner=me).id
    before = dump(db)
    with pytest.raises(ValidationError, match=r"'Leads' is a flow KPI .* compute this in a sql"):
        define_source(db, me, cpl, "formula", {"expression": "Spend / Leads"})
    assert dump(db) == before
    update_kpi(db, me, leads, aggregation="level")
    define_source(db, me, cpl, "formula", {"expression": "Spend / Leads"})
    with pytest.raises(ValidationError, match="'Leads' cannot become a flow: the formula of "
                       "'Cost per lead' reads it"):  # fmt: skip
        update_kpi(db, me, leads, aggregation="flow")
    assert query(db, "SELECT aggregation FROM kpi WHERE id = ?", leads) == [("level",)]


def test_formula_cycles_and_unknown_names_are_refused(db: Database, me: str) -> None:
    a = create_kpi(db, me, name="A", owner=me).id
    b = create_kpi(db, me, name="B", owner=me).id
    define_source(db, me, a, "formula", {"expression": "B * 2"})
    before = dump(db)
    with pytest.raises(ValidationError, match=r"cycle: A → B → A|cycle: B → A → B"):
        define_source(db, me, b, "formula", {"expression": "A + 1"})
    with pytest.raises(ValidationError, match="cannot be computed from itself"):
        define_source(db, me, b, "formula", {"expression": "b + 1"})
    with pytest.raises(ValidationError, match="no KPI is named 'Nope'"):
        define_source(db, me, b, "formula", {"expression": "Nope + 1"})
    assert dump(db) == before


def test_cadence_aggregation_and_range_are_stored_and_checked(db: Database, me: str) -> None:
    create_kpi(db, me, name="Response time", owner=me, cadence="weekly",
               aggregation="level", range_low=30, range_high=50)  # fmt: skip
    assert query(db, "SELECT cadence, aggregation, range_low, range_high FROM kpi") == [
        ("weekly", "level", 30.0, 50.0)
    ]
    with pytest.raises(ValidationError, match="low end 60 is above the high end 50"):
        create_kpi(db, me, name="X", owner=me, range_low=60, range_high=50)
    with pytest.raises(ValidationError, match="cadence 'hourly' is not one of"):
        create_kpi(db, me, name="Y", owner=me, cadence="hourly")
    with pytest.raises(ValidationError, match="range low 'nan' is not a number"):
        create_kpi(db, me, name="Z", owner=me, range_low="nan")
    with pytest.raises(ValidationError, match="finite"):
        create_kpi(db, me, name="Z", owner=me, range_high=float("inf"))
