"""SVG snapshots of issue 18 in the app: panels with an overdue value, a failed pull and a
range not held, and the KPI form with its cadence, range and source (update with
--snapshot-update, then look at them)."""

from pathlib import Path

import pytest
from demo_day import SNAPSHOT_USER
from textual.pilot import Pilot
from textual.widgets import Input

from okrtui.modals.kpi_forms import KpiForm
from store.db.database import open_database
from store.read.refs import resolve_kpi
from store.write.kpi_sources import define_source, record_pull_failure
from store.write.kpis import update_kpi
from widgets.kpi_panel import KpiGrid

SIZES = [(80, 24), (120, 40)]


def _troubles(path: Path) -> None:
    """NPS: a daily cadence (its last value is days old), a range, and an http source
    whose last pull failed; Churn rate: a range it does not hold."""
    db = open_database(path)
    try:
        nps = resolve_kpi(db, "NPS")
        update_kpi(db, SNAPSHOT_USER, nps, cadence="daily", range_low="35", range_high="50")
        survey = {"url": "https://survey.example.com/api/nps", "json_path": "score"}
        define_source(db, SNAPSHOT_USER, nps, "http", survey)
        record_pull_failure(db, SNAPSHOT_USER, nps, "HTTP 503 from survey.example.com")
        update_kpi(db, SNAPSHOT_USER, resolve_kpi(db, "Churn rate"), range_low="1",
                   range_high="2")  # fmt: skip
    finally:
        db.close()


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_panels_overdue_failed_pull_and_range(snap_compare, make_app, tester_demo_path, size):
    _troubles(tester_demo_path)

    async def dashboard(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("K")
        await _settle(pilot)
        grid = pilot.app.screen.query_one(KpiGrid)
        await pilot.press("home", *["right"] * [i.name for i in grid.items].index("NPS"))
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=dashboard)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kpi_form_with_cadence_range_and_http_source(snap_compare, make_app, tester_demo_path,
                                                     size):  # fmt: skip
    """NPS's form (its http source has no path of the test's temporary folder in it, unlike
    the demo's sql ones), scrolled to the range and the source."""
    _troubles(tester_demo_path)

    async def edit_nps(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("K")
        await _settle(pilot)
        grid = pilot.app.screen.query_one(KpiGrid)
        await pilot.press("home", *["right"] * [i.name for i in grid.items].index("NPS"))
        await pilot.press("e")
        await _settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, KpiForm)
        form.query_one("#source-url", Input).focus()
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=edit_nps)
