"""Tests for store.demo: determinism, shape of the data, and the invariants the app relies on."""

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from store.db.database import Database, open_database
from store.demo import DEMO_SEED, PEOPLE, build_demo
from store.domain.kpi_rules import trending_wrong_way
from store.domain.quarters import quarter_bounds as quarter_of
from store.domain.scoring import band, kr_progress
from store.errors import DemoError
from store.model.enums import Band, Direction, Kind

TODAY = date(2026, 11, 23)
TABLES = (
    "period",
    "objective",
    "collaborator",
    "key_result",
    "check_in",
    "kpi",
    "kpi_value",
    "activity",
    "admin",
)


def _build(path: Path, me: str = "tester", today: date = TODAY) -> Database:
    db = open_database(path, create=True)
    build_demo(db, me, today)
    return db


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "d.db"
    _build(path).close()
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def _scalar(conn: sqlite3.Connection, sql: str, *args: object) -> object:
    return conn.execute(sql, args).fetchone()[0]


def test_same_inputs_give_identical_rows(tmp_path: Path) -> None:
    _build(tmp_path / "a.db").close()
    _build(tmp_path / "b.db").close()
    first, second = _dump(tmp_path / "a.db"), _dump(tmp_path / "b.db")
    assert first == second
    assert all(first[t] for t in TABLES if t != "admin")


def test_another_day_gives_other_periods(tmp_path: Path) -> None:
    _build(tmp_path / "a.db").close()
    _build(tmp_path / "b.db", today=date(2027, 2, 10)).close()
    with sqlite3.connect(tmp_path / "b.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM period ORDER BY starts_on")]
    assert names == ["2026-Q4", "2027-Q1"]


def test_refuses_a_database_with_data(tmp_path: Path) -> None:
    db = _build(tmp_path / "d.db")
    with pytest.raises(DemoError):
        build_demo(db, "tester", TODAY)
    db.close()


def test_quarter_of() -> None:
    assert quarter_of(date(2026, 11, 23)) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2026, 1, 1)) == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_of(date(2026, 6, 30)) == ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30))
    assert DEMO_SEED == 20261123


def test_periods(demo: sqlite3.Connection) -> None:
    rows = demo.execute("SELECT name, starts_on, ends_on, state FROM period ORDER BY starts_on")
    assert rows.fetchall() == [
        ("2026-Q3", "2026-07-01", "2026-09-30", "closed"),
        ("2026-Q4", "2026-10-01", "2026-12-31", "active"),
    ]
    closed = demo.execute(
        "SELECT o.state, o.grade, o.retro_note FROM objective o "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'closed'"
    ).fetchall()
    assert 4 <= len(closed) <= 6
    assert all(s == "closed" and g is not None and 0 <= g <= 1 and n for s, g, n in closed)
    active = demo.execute(
        "SELECT DISTINCT o.state, o.grade FROM objective o "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'active'"
    ).fetchall()
    assert active == [("active", None)]


def test_objectives_and_key_results(demo: sqlite3.Connection) -> None:
    current = "(SELECT id FROM period WHERE state = 'active')"
    levels = dict(
        demo.execute(
            f"SELECT level, count(*) FROM objective WHERE period_id = {current} GROUP BY level"
        ).fetchall()
    )
    assert 1 <= levels["company"] <= 2 and levels["team"] >= 5 and 4 <= levels["personal"] <= 6
    teams = {r[0] for r in demo.execute("SELECT team FROM objective WHERE level = 'team'")}
    assert {"Sales", "Marketing", "Product", "Finance", "Customer Success"} <= teams
    # Team objectives align under company ones and personal ones under team ones.
    bad_parent = _scalar(
        demo,
        "SELECT count(*) FROM objective c JOIN objective p ON p.id = c.parent_id "
        "WHERE (c.level = 'team' AND p.level != 'company') "
        "OR (c.level = 'personal' AND p.level != 'team') OR c.period_id != p.period_id",
    )
    assert bad_parent == 0
    per_objective = [r[0] for r in demo.execute(
        "SELECT count(k.id) FROM objective o LEFT JOIN key_result k ON k.objective_id = o.id "
        "GROUP BY o.id"
    )]  # fmt: skip
    assert min(per_objective) >= 2 and max(per_objective) <= 5
    kinds = set(demo.execute("SELECT DISTINCT kind, direction FROM key_result").fetchall())
    assert {(k.value, d.value) for k, d in [
        (Kind.METRIC, Direction.INCREASE), (Kind.METRIC, Direction.DECREASE),
        (Kind.METRIC, Direction.STAY_ABOVE), (Kind.METRIC, Direction.STAY_BELOW),
        (Kind.PERCENT, Direction.INCREASE), (Kind.MILESTONE, Direction.INCREASE),
    ]} <= kinds  # fmt: skip
    assert _scalar(demo, "SELECT count(*) FROM collaborator") >= 5


def test_status_bands_are_spread(demo: sqlite3.Connection) -> None:
    rows = demo.execute(
        "SELECT kr.kind, kr.direction, kr.start_value, kr.target_value, kr.current_value "
        "FROM key_result kr JOIN objective o ON o.id = kr.objective_id "
        "JOIN period p ON p.id = o.period_id AND p.state = 'active' WHERE kr.kpi_id IS NULL"
    ).fetchall()
    bands = {band(kr_progress(Kind(k), Direction(d), s, t, c)) for k, d, s, t, c in rows}
    assert set(Band) <= bands


def test_kpi_driven_key_results(demo: sqlite3.Connection) -> None:
    rows = demo.execute(
        "SELECT k.name, (SELECT count(*) FROM check_in c WHERE c.key_result_id = kr.id), "
        "kr.current_value FROM key_result kr JOIN kpi k ON k.id = kr.kpi_id "
        "JOIN objective o ON o.id = kr.objective_id "
        "JOIN period p ON p.id = o.period_id AND p.state = 'active'"
    ).fetchall()
    assert 2 <= len(rows) <= 3
    assert {"MRR", "NPS", "Support response time"} >= {r[0] for r in rows}
    assert all(count == 0 and current is None for _name, count, current in rows)


def test_kpis(demo: sqlite3.Connection) -> None:
    kpis = demo.execute("SELECT id, name, direction, owner FROM kpi").fetchall()
    assert len(kpis) >= 12
    names = {r[1] for r in kpis}
    assert {"MRR", "Churn rate", "NPS", "CAC", "LTV", "LTV:CAC", "Win rate"} <= names
    assert {"Burn rate", "Uptime", "Active users (MAU)", "Support response time"} <= names
    assert _scalar(demo, "SELECT count(*) FROM kpi WHERE parent_id IS NOT NULL") >= 1
    sourced = dict(demo.execute("SELECT kpi_id, kind FROM kpi_source").fetchall())
    for kpi_id, name, _direction, owner in kpis:
        values = demo.execute(
            "SELECT observed_on, value, author FROM kpi_value WHERE kpi_id = ? ORDER BY 1",
            (kpi_id,),
        ).fetchall()
        days = [date.fromisoformat(d) for d, _v, _a in values]
        # a sourced KPI's values were pulled by the demo's user ("tester"), its server owner
        assert {a for _d, _v, a in values} == {"tester" if kpi_id in sourced else owner}
        if name == "Demo requests":  # a flow, counted per working day, today's so far
            assert days[-1] == TODAY and all(d.weekday() < 5 for d in days)
            continue
        assert len(values) == 26, name
        assert days[-1] < TODAY and (TODAY - days[-1]).days <= 7
        assert all((b - a).days == 7 for a, b in pairwise(days))
    assert _scalar(demo, "SELECT count(*) FROM kpi_value WHERE note != ''") >= 3
    response = {
        r[0]: r[1] for r in demo.execute("SELECT name, target FROM kpi WHERE unit = 'hours'")
    }
    assert response == {"Support response time": 8}


def test_a_linked_kpi_trends_the_wrong_way(demo: sqlite3.Connection) -> None:
    linked = demo.execute(
        "SELECT DISTINCT k.id, k.direction FROM kpi k JOIN key_result kr ON kr.kpi_id = k.id"
    ).fetchall()
    warnings = []
    for kpi_id, direction in linked:
        values = [r[0] for r in demo.execute(
            "SELECT value FROM kpi_value WHERE kpi_id = ? ORDER BY observed_on", (kpi_id,)
        )]  # fmt: skip
        warnings.append(trending_wrong_way(direction, values))
    assert any(warnings)


@pytest.mark.parametrize("me", ["tester", "dev", "chloe", "farid", "ana"])
def test_me_has_work(tmp_path: Path, me: str) -> None:
    _build(tmp_path / "d.db", me=me).close()
    conn = sqlite3.connect(tmp_path / "d.db")
    active = "o.period_id = (SELECT id FROM period WHERE state = 'active')"
    owned = conn.execute(
        "SELECT o.id FROM objective o JOIN key_result k ON k.objective_id = o.id "
        f"WHERE o.owner = ? AND o.level IN ('team', 'personal') AND {active} "
        "GROUP BY o.id HAVING count(k.id) >= 3",
        (me,),
    ).fetchall()
    assert owned
    collaborates = _scalar(
        conn,
        "SELECT count(*) FROM collaborator c JOIN objective o ON o.id = c.objective_id "
        f"WHERE c.username = ? AND o.owner != ? AND {active}",
        me,
        me,
    )
    assert collaborates >= 1
    own_ids = ",".join(str(r[0]) for r in owned)
    other_krs = _scalar(
        conn,
        "SELECT count(*) FROM key_result k JOIN objective o ON o.id = k.objective_id "
        f"WHERE k.owner = ? AND {active} AND o.id NOT IN ({own_ids})",
        me,
    )
    assert other_krs >= 2
    # No duplicate collaborators, and nobody collaborates on their own objective.
    assert _scalar(
        conn,
        "SELECT count(*) FROM collaborator c JOIN objective o ON o.id = c.objective_id "
        "WHERE c.username = o.owner",
    ) == 0  # fmt: skip
    people = {r[0] for r in conn.execute("SELECT owner FROM objective UNION SELECT owner FROM kpi")}
    assert people <= set(PEOPLE) | {me}
    conn.close()


def test_current_value_is_the_latest_check_in(demo: sqlite3.Connection) -> None:
    mismatched = demo.execute(
        "SELECT kr.id FROM key_result kr LEFT JOIN check_in c ON c.id = ("
        "  SELECT id FROM check_in WHERE key_result_id = kr.id"
        "  ORDER BY created_at DESC, id DESC LIMIT 1) "
        "WHERE kr.current_value IS NOT c.value OR kr.current_at IS NOT c.created_at"
    ).fetchall()
    assert mismatched == []
    # One KR still waits for its first check-in (not counting KPI-driven ones).
    assert _scalar(
        demo,
        "SELECT count(*) FROM key_result WHERE kpi_id IS NULL AND current_value IS NULL",
    ) >= 1  # fmt: skip


def test_check_ins_fall_in_their_period(demo: sqlite3.Connection) -> None:
    rows = demo.execute(
        "SELECT c.created_at, p.starts_on, p.ends_on, c.value, kr.kind "
        "FROM check_in c JOIN key_result kr ON kr.id = c.key_result_id "
        "JOIN objective o ON o.id = kr.objective_id JOIN period p ON p.id = o.period_id"
    ).fetchall()
    for created, starts, ends, value, kind in rows:
        day = datetime.fromisoformat(created).date()
        assert date.fromisoformat(starts) <= day <= date.fromisoformat(ends)
        assert day < TODAY
        if kind == "milestone":
            assert value in (0.0, 1.0)
        if kind == "percent":
            assert 0 <= value <= 100
    # Weekly: 8+ check-ins for KRs of the current period with check-ins.
    counts = [r[0] for r in demo.execute(
        "SELECT count(*) FROM check_in c JOIN key_result kr ON kr.id = c.key_result_id "
        "JOIN objective o ON o.id = kr.objective_id "
        "JOIN period p ON p.id = o.period_id AND p.state = 'active' GROUP BY kr.id"
    )]  # fmt: skip
    assert counts and min(counts) >= 8


def test_notes_and_confidence(demo: sqlite3.Connection) -> None:
    notes = [r[0] for r in demo.execute("SELECT note FROM check_in")]
    assert any("[/" in n for n in notes)
    assert any("\n" in n for n in notes)
    assert sum(1 for n in notes if n) > len(notes) / 2
    confidences = {r[0] for r in demo.execute("SELECT DISTINCT confidence FROM check_in")}
    assert {"on_track", "at_risk", "off_track"} <= confidences
    activity = demo.execute("SELECT entity, action, author FROM activity").fetchall()
    assert activity == [("demo", "create", "tester")]


def test_database_is_consistent(demo: sqlite3.Connection) -> None:
    assert demo.execute("PRAGMA foreign_key_check").fetchall() == []
    assert demo.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_timestamps_read_back_utc(tmp_path: Path) -> None:
    from sqlalchemy import select

    from store.model.tables import CheckIn

    db = _build(tmp_path / "d.db")
    with db.read() as conn:
        when = conn.execute(select(CheckIn.created_at).limit(1)).scalar_one()
    db.close()
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 0
