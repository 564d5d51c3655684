"""Review of 0005, finding 1 on SQLite: a team's SQLite file is writable by every member
of the group, so whoever reaches it with ``sqlite3`` can store values okrtui never
writes: infinite numbers (``1e999``; SQLite turns NaN into NULL), text in a number
column, dates that are not dates or lie outside okrtui's range. No constraint of the
file can stop that (its writer can drop them too), so okrtui's readers cope: such a
value reads as unknown, or its row is left out, and the tree, the KPI dashboard, the
KPI detail and the report still open for everyone else. (PostgreSQL refuses these
values since migration 0006: tests/security/test_pg_values.py.)"""

import sqlite3
from pathlib import Path

from okrtui.app import OkrApp
from okrtui.screens.tree import NodeRef, TreeScreen
from store.db.database import open_database
from store.io.report import build_report
from store.io.report_render import render
from store.read.checkins import kr_history
from store.read.kpi_panels import kpi_panels
from store.read.kpis import kpi_detail, objective_kpi_warnings
from store.read.periods import list_periods
from store.read.tree import load_tree, my_key_results

ACTIVE, KR, OTHER_KR, KPI_KR, KPI, OBJECTIVE = 2, 13, 14, 12, 1, 6
"""Rows of the demo: the active period, two KRs of it, one following KPI 1, an objective."""
FORGED = [
    f"UPDATE key_result SET current_value = 1e999, current_at = 'infinity' WHERE id = {KR}",
    f"UPDATE key_result SET target_value = 'abc', start_value = -1e999, weight = 'heavy' "
    f"WHERE id = {OTHER_KR}",
    f"UPDATE objective SET grade = 'bad' WHERE id = {OBJECTIVE}",
    f"UPDATE kpi SET target = 1e999, green_threshold = 'x' WHERE id = {KPI}",
    f"UPDATE kpi_value SET value = 1e999 WHERE id = (SELECT id FROM kpi_value "
    f"WHERE kpi_id = {KPI} ORDER BY observed_on DESC LIMIT 1)",
    f"INSERT INTO kpi_value (kpi_id, observed_on, value, note, author, created_at) VALUES "
    f"({KPI}, 'infinity', 5, '', 'mallory', '2026-11-20 10:00:00.000000'), "
    f"({KPI}, '9999-12-31', 5, '', 'mallory', 'yesterday'), "
    f"({KPI}, '2026-11-22', 'abc', '', 'mallory', '2026-11-20 10:00:00.000000')",
    "INSERT INTO period (name, starts_on, ends_on, state, created_at) VALUES "
    "('Broken', 'soon', 'infinity', 'planning', '2026-11-20 10:00:00.000000')",
    f"INSERT INTO check_in (key_result_id, value, note, author, created_at) VALUES "
    f"({KR}, 1e999, '', 'mallory', '9999-12-31 00:00:00.000000')",
]


def _forge(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for statement in FORGED:
            conn.execute(statement)
    conn.close()


def test_the_readers_skip_what_they_cannot_read(tester_demo_path: Path) -> None:
    _forge(tester_demo_path)
    db = open_database(tester_demo_path)
    try:
        assert "Broken" not in [p.name for p in list_periods(db)]
        tree = load_tree(db, ACTIVE)
        kr, other, driven = (tree.key_result(i) for i in (KR, OTHER_KR, KPI_KR))
        assert kr is not None and (kr.current, kr.current_at, kr.progress) == (None, None, None)
        assert other is not None and (other.start, other.target, other.weight) == (None, None, 0)
        assert driven is not None and driven.current is None  # its KPI's latest is infinite
        assert tree.objectives[OBJECTIVE].grade is None
        assert all(row.score is None or 0 <= row.score <= 1 for row in tree.objectives.values())
        assert all(h.value != float("inf") for h in kr_history(db, KR))
        panel = next(p for p in kpi_panels(db) if p.id == KPI)
        assert (panel.target, panel.green) == (None, None)
        assert panel.values and all(0 < v < 1e300 for _, v in panel.values)
        detail = kpi_detail(db, KPI)
        assert all(str(v.observed_on) < "2201" for v in detail.history)
        objective_kpi_warnings(db, ACTIVE)
        mine = my_key_results(db, "tester", ACTIVE)
        assert [kr.current for _, kr in mine if kr.id == KR] in ([], [None])
        report = build_report(db, ACTIVE)
        for fmt in ("md", "csv", "json"):
            assert render(report, fmt)
    finally:
        db.close()


async def test_the_app_opens_the_tree_the_kr_and_the_kpi_dashboard(
    make_app, tester_demo_path: Path
) -> None:
    """Before: the app did not even start (the forged period's dates failed the first
    read), for whoever opened it."""
    from okrtui.screens.kpis import KpiScreen

    _forge(tester_demo_path)
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        for ref in (NodeRef("kr", KR), NodeRef("kr", OTHER_KR), NodeRef("kr", KPI_KR)):
            screen.show_item(ref)
            await pilot.pause(0.3)
        await pilot.press("K")
        await pilot.pause(0.5)
        assert isinstance(app.screen, KpiScreen)
        await pilot.press("enter")  # the first KPI's detail
        await pilot.pause(0.5)
        assert app.return_code is None and app.is_running
