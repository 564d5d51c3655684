"""The footer says what the keys do where the focus is, after every tab, on every screen.

Found by trying it (issue 16, item 14): in the check-in form the footer showed only
`esc Cancel` while the value field was focused (enter saves there), and `⏎ Save` in the
note, where enter starts a new line; the weekly run said the same in its note.
"""

from pathlib import Path

from screen_helpers import rows, settle
from textual.pilot import Pilot

from okrtui.modals.checkin import CheckInForm
from okrtui.screens.tree import NodeRef, TreeScreen
from okrtui.screens.weekly import WeeklyScreen
from widgets.footer import KeyFooter

SMALL = (80, 24)


def painted_footer(pilot: Pilot) -> str:
    """The footer line as drawn on the screen now."""
    return pilot.app.screen.query_one(KeyFooter).render_line(0).text


async def focus_id(pilot: Pilot) -> str:
    await pilot.pause()
    await pilot.pause()
    focused = pilot.app.focused
    assert focused is not None
    return focused.id or type(focused).__name__


async def test_the_check_in_footer_follows_tab_and_says_how_to_save_from_the_note(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        screen.reveal(NodeRef("kr", 13))
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CheckInForm)
        seen: dict[str, str] = {}
        for _ in range(3):
            seen[await focus_id(pilot)] = painted_footer(pilot)
            await pilot.press("tab")
        assert "⏎ Save" in seen["ci-value"], seen
        assert "n Note" in seen["ci-confidence"], seen
        # enter is a new line in the note: the footer offers ctrl+s, which saves
        assert "⏎ Save" not in seen["ci-note"] and "^s Save" in seen["ci-note"], seen
        await pilot.press("shift+tab")
        assert await focus_id(pilot) == "ci-note"
        await pilot.press("a", "enter", "b")
        assert "^s Save" in painted_footer(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    assert rows(
        tester_demo_path,
        "SELECT note FROM check_in WHERE key_result_id = 13 ORDER BY id DESC LIMIT 1",
    ) == [("a\nb",)]


async def test_the_tree_footer_follows_tab_into_the_history_and_back(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        screen.reveal(NodeRef("kr", 13))
        await settle(pilot)
        assert "Read note" not in painted_footer(pilot)
        for _ in range(3):
            await pilot.press("tab")
            if await focus_id(pilot) == "history":
                break
        assert "⏎ Read note" in painted_footer(pilot)
        await pilot.press("tab")
        assert await focus_id(pilot) == "tree"
        assert "Read note" not in painted_footer(pilot)


async def test_the_weekly_footer_follows_down_into_the_note(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, WeeklyScreen)
        for _ in range(4):
            if await focus_id(pilot) == "ci-note":
                break
            assert "⏎ Save" in painted_footer(pilot)
            await pilot.press("down")
        assert await focus_id(pilot) == "ci-note"
        line = painted_footer(pilot)
        assert "⏎ Save" not in line and "^s Save" in line, line
