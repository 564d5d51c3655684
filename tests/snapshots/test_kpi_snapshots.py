"""SVG snapshots of the KPI screens (update with --snapshot-update, then look at them)."""

from textual.pilot import Pilot

from okrtui.screens.kpis import KpiScreen
from widgets.kpi_panel import KpiGrid

SIZE = (120, 40)


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _dashboard(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("K")
    await _settle(pilot)


async def _on(pilot: Pilot, name: str) -> None:
    await _dashboard(pilot)
    grid = pilot.app.screen.query_one(KpiGrid)
    index = [item.name for item in grid.items].index(name)
    await pilot.press("home", *["right"] * index)
    assert isinstance(pilot.app.screen, KpiScreen)


def test_kpi_dashboard_on_demo_data(snap_compare, make_app, tester_demo_path) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=_dashboard)


def test_kpi_dashboard_at_80x24(snap_compare, make_app, tester_demo_path) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=(80, 24), run_before=_dashboard)


def test_kpi_detail_with_early_warning(snap_compare, make_app, tester_demo_path) -> None:
    async def detail(pilot: Pilot) -> None:
        await _on(pilot, "Support response time")
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=detail)


def test_record_value_form_replacing_a_value(snap_compare, make_app, tester_demo_path) -> None:
    async def record(pilot: Pilot) -> None:
        await _on(pilot, "MRR")
        await pilot.press("v", *"951000", "tab", *"2026-11-20")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=record)
