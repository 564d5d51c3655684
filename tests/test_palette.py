"""The ctrl+p palette's own commands: jump to an item, check one in, switch period."""

from pathlib import Path

from screen_helpers import palette
from textual.widgets import Input

from okrtui.app import OkrApp
from okrtui.screens.checkin import CheckInForm
from okrtui.screens.tree import NodeRef, TreeScreen
from okrtui.screens.weekly import WeeklyScreen

SIZE = (120, 40)


async def test_jump_to_a_key_result_by_name(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await palette(pilot, "KR-37 guided setup")
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        assert screen.selected() == NodeRef("kr", 37)


async def test_jump_clears_a_filter_that_hides_the_item(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"audit", "enter")
        await pilot.pause()
        await palette(pilot, "KR-37 guided setup")
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        assert screen.query_one("#filter", Input).value == ""
        assert screen.selected() == NodeRef("kr", 37)


async def test_check_in_from_the_palette(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await palette(pilot, "check in KR-22")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm)
        assert form.kr.id == 22


async def test_switch_period_and_weekly_from_the_palette(make_app, tester_demo_path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.period is not None and app.period.name == "2026-Q4"
        await palette(pilot, "switch period 2026-Q3")
        assert app.period.name == "2026-Q3"
        assert "2026-Q3" in app.sub_title
        await palette(pilot, "weekly check-in")
        assert isinstance(app.screen, WeeklyScreen)
