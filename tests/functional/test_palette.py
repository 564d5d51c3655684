"""The ctrl+p palette's own commands: jump to an item, check one in, switch period."""

from pathlib import Path

from screen_helpers import palette
from textual.widgets import Input

from okrtui.app import OkrApp
from okrtui.modals.checkin import CheckInForm
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


async def palette_hits(pilot, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The palette's hits for ``text`` as plain strings (the palette is left open)."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await pilot.pause(0.5)
    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_palette_hits_hold_every_word_typed(make_app, tester_demo_path: Path) -> None:
    """Letters scattered over other words are no hit ("churn" found "Check in KR-3 …")."""
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert await palette_hits(pilot, "churn") == []  # no title says churn
        await pilot.press("escape")
        await pilot.pause()
        hits = await palette_hits(pilot, "retention")
        assert len(hits) >= 2 and all("retention" in hit.lower() for hit in hits), hits


async def test_check_in_is_offered_only_where_the_user_may_check_in(
    make_app, tester_demo_path: Path
) -> None:
    app: OkrApp = make_app(tester_demo_path, "visitor")  # owns nothing, not an admin
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hits = await palette_hits(pilot, "KR-22")
        assert any(hit.startswith("KR-22") for hit in hits), hits
        assert not any(hit.startswith("Check in") for hit in hits), hits
    app = make_app(tester_demo_path)  # tester is an admin: may check in anything
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hits = await palette_hits(pilot, "KR-22")
        assert any(hit.startswith("Check in KR-22") for hit in hits), hits
