"""SVG snapshots of the check-in modal (plain and refusing a value) and the weekly summary."""

from screen_helpers import settle
from textual.pilot import Pilot

from okrtui.screens.tree import NodeRef, TreeScreen

SIZE = (120, 40)


async def _on_kr(pilot: Pilot, kr_id: int) -> None:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    screen.reveal(NodeRef("kr", kr_id))
    await settle(pilot)
    await pilot.pause()
    await pilot.pause()


_settle = settle


def test_check_in_modal(snap_compare, make_app, tester_demo_path) -> None:
    async def open_form(pilot: Pilot) -> None:
        await _on_kr(pilot, 22)
        await pilot.press("c", "7", "tab", "a", "n", "s", "l", "o", "w")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=open_form)


def test_check_in_modal_refusing_a_value(snap_compare, make_app, tester_demo_path) -> None:
    async def bad_value(pilot: Pilot) -> None:
        await _on_kr(pilot, 37)
        await pilot.press("c", "1", "5", "0", "enter")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=bad_value)


def test_weekly_summary(snap_compare, make_app, tester_demo_path) -> None:
    async def run(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("g", "enter")  # the KPI-driven KR: confidence only
        await pilot.press("space", "enter")  # a milestone undone
        await pilot.press("1", "2", "enter")
        await pilot.press("escape")
        await _settle(pilot)

    assert snap_compare(make_app(tester_demo_path), terminal_size=SIZE, run_before=run)
