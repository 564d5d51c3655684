"""store.read.tree: read models, checked against values recomputed independently from raw SQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import backends
import pytest
from sqlalchemy import event, insert
from sqlalchemy import text as sql
from sqlmodel import SQLModel

from store.db.database import Database, open_database
from store.domain.scoring import Thresholds, band, kr_progress, objective_score
from store.errors import NotFoundError
from store.identity import current_username
from store.model.enums import Band, Direction, Kind, KpiDirection, Level, PeriodState
from store.model.rows import TreeModel
from store.read.checkins import kr_history
from store.read.kpi_panels import kpi_panels
from store.read.periods import default_period, list_periods, resolve_period
from store.read.refs import resolve_key_result, resolve_kpi
from store.read.tree import load_tree, my_key_results
from store.write import checkins, key_results, kpis, objectives, periods

# The database file's owner, who may change everything (permissions: tests/unit/test_rights.py).
ACTOR = current_username()
DEMO_TODAY = date(2026, 11, 23)  # as in conftest: the day the demo is built for


def query(db: Database, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return backends.query(db, sql, *params)


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the database's engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# --------------------------------------------------------------------------- independent checks


def expected_currents(db: Database, period_id: int) -> dict[int, tuple[Any, Any]]:
    """KR id -> (current value, as-of) computed straight from check_in and kpi_value."""
    rows = query(
        db,
        """
        SELECT kr.id,
          CASE WHEN kr.kpi_id IS NULL THEN
            (SELECT c.value FROM check_in c WHERE c.key_result_id = kr.id
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
          ELSE
            (SELECT v.value FROM kpi_value v WHERE v.kpi_id = kr.kpi_id
             AND v.observed_on <= p.ends_on ORDER BY v.observed_on DESC LIMIT 1)
          END,
          CASE WHEN kr.kpi_id IS NULL THEN
            (SELECT c.created_at FROM check_in c WHERE c.key_result_id = kr.id
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
          ELSE
            (SELECT v.observed_on FROM kpi_value v WHERE v.kpi_id = kr.kpi_id
             AND v.observed_on <= p.ends_on ORDER BY v.observed_on DESC LIMIT 1)
          END
        FROM key_result kr JOIN objective o ON o.id = kr.objective_id
        JOIN period p ON p.id = o.period_id WHERE p.id = ?
        """,
        period_id,
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def check_tree(db: Database, tree: TreeModel, th: Thresholds | None = None) -> None:
    """Assert every number in ``tree`` against an independent computation."""
    th = th or Thresholds()
    pid = tree.period.id
    objectives = dict(query(db, "SELECT id, parent_id FROM objective WHERE period_id = ?", pid))
    assert set(tree.objectives) == set(objectives)
    assert list(tree.roots) == [
        r[0]
        for r in query(
            db,
            "SELECT id FROM objective WHERE period_id = ? AND parent_id IS NULL "
            "ORDER BY position, id",
            pid,
        )
    ]
    currents = expected_currents(db, pid)
    seen_krs = set()
    for oid, row in tree.objectives.items():
        assert row.parent_id == objectives[oid]
        assert list(row.children) == [
            r[0]
            for r in query(
                db, "SELECT id FROM objective WHERE parent_id = ? ORDER BY position, id", oid
            )
        ]
        assert [kr.id for kr in row.key_results] == [
            r[0]
            for r in query(
                db, "SELECT id FROM key_result WHERE objective_id = ? ORDER BY position, id", oid
            )
        ]
        collaborators = query(
            db, "SELECT username FROM collaborator WHERE objective_id = ? ORDER BY 1", oid
        )
        assert row.collaborators == tuple(r[0] for r in collaborators)
        for kr in row.key_results:
            seen_krs.add(kr.id)
            value, as_of = currents[kr.id]
            assert kr.current == value, kr
            if as_of is None:
                assert kr.current_at is None
            else:
                assert str(kr.current_at)[:10] == str(as_of)[:10]
            progress = kr_progress(kr.kind, kr.direction, kr.start, kr.target, value)
            assert kr.progress == progress
            assert kr.band == band(progress, th)
    assert seen_krs == set(currents)
    for oid in reversed([row.id for _, row in tree.walk()]):
        row = tree.objectives[oid]
        score = objective_score(
            [(kr.progress, kr.weight) for kr in row.key_results],
            [tree.objectives[c].score for c in row.children],
        )
        assert row.score == score
        assert row.band == band(score, th)


# --------------------------------------------------------------------------- demo tree


def test_load_tree_of_the_demo_matches_raw_sql(demo_db: Database) -> None:
    for period in list_periods(demo_db):
        tree = load_tree(demo_db, period.id)
        assert tree.period == period
        assert tree.objectives, period
        check_tree(demo_db, tree)


def test_demo_tree_shape_and_bands(demo_db: Database, me: str) -> None:
    current = default_period(demo_db, DEMO_TODAY)
    assert current is not None and current.state == PeriodState.ACTIVE
    tree = load_tree(demo_db, current.id)
    walked = list(tree.walk())
    assert len(walked) == len(tree.objectives)  # every objective reachable from a root
    for depth, row in walked:
        expected_depth = {Level.COMPANY: 0, Level.TEAM: 1, Level.PERSONAL: 2}[row.level]
        if row.parent_id is None:
            assert depth == 0
        else:
            assert depth == expected_depth, row
    roots = [tree.objectives[r] for r in tree.roots]
    assert all(r.level == Level.COMPANY for r in roots[:2])
    bands = {kr.band for _, row in walked for kr in row.key_results}
    assert {Band.OVERPERFORMING, Band.ON_TRACK, Band.AT_RISK, Band.OFF_TRACK, Band.NO_DATA} <= bands
    some_kr = roots[0].key_results[0]
    assert tree.key_result(some_kr.id) is some_kr
    assert tree.key_result(10**9) is None
    assert some_kr.ref == f"KR-{some_kr.id}"
    assert roots[0].ref == f"O-{roots[0].id}"
    mine = [row for _, row in walked if row.involves(me)]
    assert any(row.owner == me for row in mine)
    assert any(me in row.collaborators for row in mine)


def test_demo_kpi_driven_krs_follow_their_kpi(demo_db: Database) -> None:
    period = default_period(demo_db, DEMO_TODAY)
    assert period is not None
    tree = load_tree(demo_db, period.id)
    driven = [kr for _, row in tree.walk() for kr in row.key_results if kr.kpi_id is not None]
    assert len(driven) == 3
    for kr in driven:
        (latest,) = query(
            demo_db,
            "SELECT value FROM kpi_value WHERE kpi_id = ? AND observed_on <= ? "
            "ORDER BY observed_on DESC LIMIT 1",
            kr.kpi_id,
            period.ends_on.isoformat(),
        )[0]
        name = query(demo_db, "SELECT name FROM kpi WHERE id = ?", kr.kpi_id)[0][0]
        assert kr.current == latest
        assert kr.kpi_name == name
        # The KR's own denormalised column is not what a KPI-driven KR shows.
        assert query(demo_db, "SELECT current_value FROM key_result WHERE id = ?", kr.id) == [
            (None,)
        ]


def test_thresholds_change_the_bands(demo_db: Database) -> None:
    period = default_period(demo_db, DEMO_TODAY)
    assert period is not None
    strict = Thresholds(overperforming=2.0, on_track=1.5, at_risk=1.0)
    tree = load_tree(demo_db, period.id, strict)
    check_tree(demo_db, tree, strict)
    bands = {kr.band for _, row in tree.walk() for kr in row.key_results}
    assert Band.OVERPERFORMING not in bands and Band.ON_TRACK not in bands


# --------------------------------------------------------------------------- KPI vs period end


def test_kpi_driven_kr_uses_the_value_on_or_before_period_end(db: Database) -> None:
    q3 = periods.create_period(db, ACTOR, "Q3", "2026-07-01", "2026-09-30").id
    q4 = periods.create_period(db, ACTOR, "Q4", "2026-10-01", "2026-12-31", "active").id
    q2 = periods.create_period(db, ACTOR, "Q2", "2026-04-01", "2026-06-30").id
    kpi = kpis.create_kpi(db, ACTOR, name="NPS", owner="jon").id
    empty_kpi = kpis.create_kpi(db, ACTOR, name="Later", owner="jon").id
    for day, value in [
        ("2026-09-01", 30),
        ("2026-09-30", 35),
        ("2026-10-02", 40),
        ("2026-11-20", 44),
    ]:
        kpis.record_kpi_value(db, ACTOR, kpi, value, observed_on=day)
    kpis.record_kpi_value(db, ACTOR, empty_kpi, 1, observed_on="2026-11-01")
    krs = {}
    for pid in (q2, q3, q4):
        oid = objectives.create_objective(db, ACTOR, period_id=pid, title="O", owner="ana").id
        krs[pid] = key_results.create_key_result(
            db, ACTOR, objective_id=oid, title="NPS 45", start=20, target=45, kpi_id=kpi
        ).id
        key_results.create_key_result(
            db, ACTOR, objective_id=oid, title="Later", target=5, kpi_id=empty_kpi
        )
    q3_kr = load_tree(db, q3).key_result(krs[q3])
    assert q3_kr is not None
    assert q3_kr.current == 35.0  # not 44: that was observed after Q3 ended
    assert q3_kr.current_at == date(2026, 9, 30)
    assert q3_kr.progress == pytest.approx(15 / 25)
    q4_kr = load_tree(db, q4).key_result(krs[q4])
    assert q4_kr is not None and q4_kr.current == 44.0
    q2_tree = load_tree(db, q2)
    q2_kr = q2_tree.key_result(krs[q2])
    assert q2_kr is not None
    assert q2_kr.current is None and q2_kr.band == Band.NO_DATA
    assert q2_tree.objectives[q2_kr.objective_id].score is None
    for pid in (q2, q3, q4):
        check_tree(db, load_tree(db, pid))


def test_load_tree_unknown_and_empty_period(db: Database) -> None:
    with pytest.raises(NotFoundError, match="period 99 does not exist"):
        load_tree(db, 99)
    pid = periods.create_period(db, ACTOR, "P", "2026-01-01", "2026-03-31").id
    tree = load_tree(db, pid)
    assert tree.objectives == {} and tree.roots == () and list(tree.walk()) == []


def test_rollup_through_objectives_without_krs(db: Database) -> None:
    pid = periods.create_period(db, ACTOR, "P", "2026-01-01", "2026-03-31").id
    top = objectives.create_objective(db, ACTOR, period_id=pid, title="Top", owner="a").id
    kids = [
        objectives.create_objective(db, ACTOR, period_id=pid, title=t, owner="a", parent_id=top).id
        for t in ("A", "B")
    ]
    a = key_results.create_key_result(
        db, ACTOR, objective_id=kids[0], title="a", start=0, target=10
    )
    b = key_results.create_key_result(db, ACTOR, objective_id=kids[1], title="b", kind="percent")
    checkins.check_in(db, ACTOR, a.id, 20)  # 200 %: capped at 1.0 in the roll-up
    checkins.check_in(db, ACTOR, b.id, 40)
    tree = load_tree(db, pid)
    assert tree.key_result(a.id).progress == pytest.approx(2.0)  # type: ignore[union-attr]
    assert tree.objectives[kids[0]].band == Band.ACHIEVED  # capped at exactly 1.0
    assert tree.objectives[kids[0]].score == pytest.approx(1.0)
    assert tree.objectives[kids[1]].score == pytest.approx(0.4)
    assert tree.objectives[top].score == pytest.approx(0.7)
    assert tree.objectives[top].band == Band.ON_TRACK
    check_tree(db, tree)


# --------------------------------------------------------------------------- fixed query count


def _table(name: str) -> Any:
    return SQLModel.metadata.tables[name]


def build_org(path: Path, n: int) -> tuple[Database, int]:
    """A period with ``n`` objectives in a 3-ary tree, 2 KRs each, check-ins and KPIs."""
    db = open_database(path, create=True)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    tables = ("period", "kpi", "kpi_value", "objective", "collaborator", "key_result", "check_in")
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in tables}  # in foreign-key order
    rows["period"].append(
        {
            "id": 1,
            "name": "Q4",
            "starts_on": date(2026, 10, 1),
            "ends_on": date(2026, 12, 31),
            "state": PeriodState.ACTIVE,
        }
    )
    for k in range(1, 4):
        rows["kpi"].append(
            {
                "id": k,
                "name": f"KPI {k}",
                "owner": "kim",
                "direction": KpiDirection.HIGHER,
                "archived": False,
            }
        )
        for w in range(8):
            day = date(2026, 10, 2) + timedelta(weeks=w)
            rows["kpi_value"].append(
                {"kpi_id": k, "observed_on": day, "value": 10.0 * k + w, "author": "kim"}
            )
    kr_id = 0
    for i in range(1, n + 1):
        rows["objective"].append(
            {
                "id": i,
                "period_id": 1,
                "parent_id": (i - 2) // 3 + 1 if i > 1 else None,
                "level": Level.COMPANY if i == 1 else Level.TEAM,
                "title": f"Objective {i}",
                "owner": f"user{i % 7}",
                "position": i % 4,
                "state": "active",
            }
        )
        rows["collaborator"].append({"objective_id": i, "username": f"user{(i + 1) % 7}"})
        for j in range(2):
            kr_id += 1
            driven = j == 1 and i % 3 == 0
            values = [] if driven else [float(v) for v in range((i + j) % 5)]
            rows["key_result"].append(
                {
                    "id": kr_id,
                    "objective_id": i,
                    "title": f"KR {i}.{j}",
                    "kind": Kind.METRIC,
                    "direction": Direction.INCREASE,
                    "start_value": 0.0,
                    "target_value": 4.0,
                    "owner": f"user{(i + j) % 5}",
                    "kpi_id": (i % 3) + 1 if driven else None,
                    "weight": 1.0 + j,
                    "position": j,
                    "current_value": values[-1] if values else None,
                    "current_at": t0 + timedelta(days=len(values) - 1) if values else None,
                }
            )
            for d, value in enumerate(values):
                at = t0 + timedelta(days=d)
                rows["check_in"].append(
                    {"key_result_id": kr_id, "value": value, "author": "x", "created_at": at}
                )
    with db.write() as s:
        conn = s.connection()
        for name, data in rows.items():
            table = _table(name)
            stamps = {c: t0 for c in ("created_at", "updated_at") if c in table.c}
            conn.execute(insert(table), [{**stamps, **row} for row in data])
    return db, 1


def test_load_tree_takes_a_fixed_number_of_queries(tmp_path: Path) -> None:
    counts = []
    for n in (5, 200):
        db, pid = build_org(tmp_path / f"org{n}.db", n)
        try:
            load_tree(db, pid)  # warm the pool: connecting runs PRAGMAs of its own
            with counting(db) as statements:
                tree = load_tree(db, pid)
            assert len(tree.objectives) == n
            check_tree(db, tree)
            counts.append(len(statements))
            with counting(db) as mine:
                my_key_results(db, "user1", pid)
            with counting(db) as panels:
                kpi_panels(db, last=4)
            counts.append((len(mine), len(panels)))
        finally:
            db.close()
    small_tree, small_other, big_tree, big_other = counts
    assert small_tree == big_tree
    assert small_other == big_other
    # Period, objectives, collaborators, KRs (+ the BEGIN the read transaction sends).
    assert big_tree <= 5


# --------------------------------------------------------------------------- history


def test_kr_history_oldest_first_and_limit(db: Database) -> None:
    pid = periods.create_period(db, ACTOR, "P", "2026-10-01", "2026-12-31").id
    oid = objectives.create_objective(db, ACTOR, period_id=pid, title="O", owner="bob").id
    kr = key_results.create_key_result(db, ACTOR, objective_id=oid, title="K", target=100).id
    other = key_results.create_key_result(db, ACTOR, objective_id=oid, title="L", target=100).id
    base = datetime.now(UTC) - timedelta(days=30)
    # Entered out of order (back-dated check-ins), plus a tie on the timestamp.
    for day, value in [(5, 50), (1, 10), (9, 90), (3, 30), (9, 95), (7, 70)]:
        checkins.check_in(db, "bob", kr, value, at=base + timedelta(days=day), note=f"n{value}")
    checkins.check_in(db, "bob", other, 1)
    history = kr_history(db, kr)
    assert [h.value for h in history] == [10, 30, 50, 70, 90, 95]
    assert all(h.key_result_id == kr and h.author == "bob" for h in history)
    assert [h.note for h in history][:2] == ["n10", "n30"]
    assert history == sorted(history, key=lambda h: (h.created_at, h.id))
    assert history[0].created_at.tzinfo is not None
    assert [h.value for h in kr_history(db, kr, limit=3)] == [70, 90, 95]
    assert [h.value for h in kr_history(db, kr, limit=100)] == [10, 30, 50, 70, 90, 95]
    assert kr_history(db, 999) == []


# --------------------------------------------------------------------------- KPI panels


def test_kpi_panels_last_n_values(demo_db: Database) -> None:
    panels = kpi_panels(demo_db, last=5)
    kpis = query(demo_db, "SELECT id, name FROM kpi ORDER BY category, name")
    assert [(p.id, p.name) for p in panels] == kpis
    for panel in panels:
        expected = query(
            demo_db,
            "SELECT observed_on, value FROM kpi_value WHERE kpi_id = ? "
            "ORDER BY observed_on DESC LIMIT 5",
            panel.id,
        )[::-1]
        assert [(d.isoformat(), v) for d, v in panel.values] == expected
        assert panel.latest == panel.values[-1]
        assert panel.previous == panel.values[-2]
        assert panel.values == tuple(sorted(panel.values))
    everything = kpi_panels(demo_db, last=1000)
    # 26 weekly values each, but the flow Demo requests: one a working day for 8 weeks
    assert all(len(p.values) == 26 for p in everything if p.name != "Demo requests")
    assert [len(p.values) for p in everything if p.name == "Demo requests"] == [41]
    one_each = kpi_panels(demo_db, last=1)
    assert all(len(p.values) == 1 and p.previous is None for p in one_each)


def test_kpi_panels_archived_and_empty(db: Database) -> None:
    live = kpis.create_kpi(db, ACTOR, name="Live", owner="a", category="B").id
    gone = kpis.create_kpi(db, ACTOR, name="Gone", owner="a", category="A").id
    empty = kpis.create_kpi(
        db,
        ACTOR,
        name="Empty",
        owner="a",
        category="B",
        direction="lower",
        target=3,
        green=2,
        red=4,
    ).id
    for kpi in (live, gone):
        for day in range(1, 4):
            kpis.record_kpi_value(db, ACTOR, kpi, day * 10, observed_on=f"2026-11-0{day}")
    with db.write() as s:
        s.connection().execute(sql("UPDATE kpi SET archived = TRUE WHERE id = :id"), {"id": gone})
    panels = {p.id: p for p in kpi_panels(db, last=2)}
    assert set(panels) == {live, empty}
    assert panels[live].values == ((date(2026, 11, 2), 20.0), (date(2026, 11, 3), 30.0))
    assert panels[live].latest == (date(2026, 11, 3), 30.0)
    assert panels[live].previous == (date(2026, 11, 2), 20.0)
    e = panels[empty]
    assert e.values == () and e.latest is None and e.previous is None
    assert (e.direction, e.target, e.green, e.red) == (KpiDirection.LOWER, 3.0, 2.0, 4.0)
    with_archived = kpi_panels(db, last=2, include_archived=True)
    assert [p.name for p in with_archived] == ["Gone", "Empty", "Live"]
    assert with_archived[0].archived is True and len(with_archived[0].values) == 2


# --------------------------------------------------------------------------- my KRs


def test_my_key_results_on_the_demo(demo_db: Database, me: str) -> None:
    period = default_period(demo_db, DEMO_TODAY)
    assert period is not None
    mine = my_key_results(demo_db, me, period.id)
    expected = query(
        demo_db,
        """
        SELECT kr.id, o.title FROM key_result kr JOIN objective o ON o.id = kr.objective_id
        WHERE o.period_id = ? AND (kr.owner = ? OR o.owner = ? OR EXISTS (
            SELECT 1 FROM collaborator c WHERE c.objective_id = o.id AND c.username = ?))
        ORDER BY kr.objective_id, kr.position, kr.id
        """,
        period.id,
        me,
        me,
        me,
    )
    assert [(kr.id, title) for title, kr in mine] == expected
    assert len(mine) >= 10
    tree = load_tree(demo_db, period.id)
    for _title, kr in mine:
        assert kr == tree.key_result(kr.id)


def test_my_key_results_owned_objective_owned_and_collaborated(db: Database) -> None:
    pid = periods.create_period(db, ACTOR, "P", "2026-10-01", "2026-12-31").id
    other = periods.create_period(db, ACTOR, "Other", "2027-01-01", "2027-03-31").id
    mine_obj = objectives.create_objective(db, ACTOR, period_id=pid, title="Mine", owner="zed").id
    theirs = objectives.create_objective(db, ACTOR, period_id=pid, title="Theirs", owner="amy").id
    shared = objectives.create_objective(
        db, ACTOR, period_id=pid, title="Shared", owner="amy", collaborators=["zed"]
    ).id
    elsewhere = objectives.create_objective(
        db, ACTOR, period_id=other, title="Later", owner="zed"
    ).id

    def kr(oid: int, title: str, owner: str) -> int:
        return key_results.create_key_result(
            db, ACTOR, objective_id=oid, title=title, target=1, owner=owner
        ).id

    a = kr(mine_obj, "owned objective, someone else's KR", "amy")
    b = kr(theirs, "my KR in their objective", "zed")
    kr(theirs, "not mine", "amy")
    c = kr(shared, "collaborating", "amy")
    kr(elsewhere, "other period", "zed")
    got = my_key_results(db, "zed", pid)
    assert sorted(k.id for _, k in got) == sorted([a, b, c])
    assert {k.id: title for title, k in got} == {a: "Mine", b: "Theirs", c: "Shared"}
    assert my_key_results(db, "nobody", pid) == []
    with pytest.raises(NotFoundError, match="period 999"):
        my_key_results(db, "zed", 999)


# --------------------------------------------------------------------------- resolving


def test_resolve_key_result(demo_db: Database) -> None:
    kr3 = query(demo_db, "SELECT title FROM key_result WHERE id = 3")[0][0]
    for text in ("KR-3", "kr-3", "kr3", "3", " KR 3 ", "KR\u200b-3"):
        assert resolve_key_result(demo_db, text) == 3, text
    assert resolve_key_result(demo_db, kr3.upper()) == 3
    assert resolve_key_result(demo_db, f"  {kr3.lower()} ") == 3
    with pytest.raises(NotFoundError, match="no key result 'KR-99999'"):
        resolve_key_result(demo_db, "KR-99999")
    with pytest.raises(NotFoundError) as info:
        resolve_key_result(demo_db, "Grow MRR to $1M")
    assert info.value.suggestions
    assert any("Grow MRR to $1.0M" in s for s in info.value.suggestions)
    assert "Did you mean" in str(info.value)
    with pytest.raises(NotFoundError) as info:
        resolve_key_result(demo_db, "zzzzqqqq")
    assert info.value.suggestions == ()


def test_resolve_key_result_unicode_and_ambiguous_titles(db: Database) -> None:
    pid = periods.create_period(db, ACTOR, "P", "2026-10-01", "2026-12-31").id
    oid = objectives.create_objective(db, ACTOR, period_id=pid, title="O", owner="a").id
    umlaut = key_results.create_key_result(
        db, ACTOR, objective_id=oid, title="Ärger senken", target=1
    ).id
    twins = [
        key_results.create_key_result(db, ACTOR, objective_id=oid, title="Ship it", target=1).id
        for _ in range(2)
    ]
    assert resolve_key_result(db, "ärger SENKEN") == umlaut
    with pytest.raises(NotFoundError, match="names 2 key results") as info:
        resolve_key_result(db, "ship IT")
    assert info.value.suggestions == tuple(f"KR-{t}" for t in twins)


def test_resolve_kpi(demo_db: Database) -> None:
    mrr = query(demo_db, "SELECT id FROM kpi WHERE name = 'MRR'")[0][0]
    for text in (f"KPI-{mrr}", f"kpi{mrr}", str(mrr), "MRR", "mrr", " Mrr "):
        assert resolve_kpi(demo_db, text) == mrr, text
    with pytest.raises(NotFoundError) as info:
        resolve_kpi(demo_db, "MMR")
    assert any(s.startswith(f"KPI-{mrr} ") for s in info.value.suggestions)
    with pytest.raises(NotFoundError, match="no KPI 'KPI-999'"):
        resolve_kpi(demo_db, "KPI-999")


def test_resolve_period_and_default_order(db: Database) -> None:
    with pytest.raises(NotFoundError, match="no period yet"):
        resolve_period(db, None)
    assert default_period(db) is None
    q3 = periods.create_period(db, ACTOR, "2026-Q3", "2026-07-01", "2026-09-30").id
    q1 = periods.create_period(db, ACTOR, "2027-Q1", "2027-01-01", "2027-03-31").id
    q4 = periods.create_period(db, ACTOR, "2026-Q4", "2026-10-01", "2026-12-31").id
    assert [p.id for p in list_periods(db)] == [q1, q4, q3]  # newest first
    # No active period: the one containing today, else the latest.
    assert default_period(db, date(2026, 8, 1)).id == q3  # type: ignore[union-attr]
    assert default_period(db, date(2026, 11, 23)).id == q4  # type: ignore[union-attr]
    assert default_period(db, date(2030, 1, 1)).id == q1  # type: ignore[union-attr]
    periods.activate_period(db, ACTOR, q3)
    assert default_period(db, date(2026, 11, 23)).id == q3  # type: ignore[union-attr]
    assert resolve_period(db, None).id == q3
    assert resolve_period(db, "2026-q4").id == q4
    assert resolve_period(db, " 2027-Q1 ").id == q1
    assert resolve_period(db, str(q4)).id == q4
    with pytest.raises(NotFoundError, match="no period '2025-Q1'") as info:
        resolve_period(db, "2025-Q1")
    assert set(info.value.suggestions) == {"2026-Q3", "2026-Q4", "2027-Q1"}
