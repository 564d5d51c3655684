"""The tree says what is going on: a disabled key explains itself, a filter that hides
everything says so instead of leaving a stale detail pane (issue 16 items 8 and 13)."""

from pathlib import Path

from screen_helpers import dump, notifications, text_of, typing
from textual.widgets import Static

from okrtui.modals.dialogs import PickDialog
from okrtui.screens.tree import TreeScreen

SIZE = (120, 40)


async def test_an_editing_key_in_a_closed_period_says_it_is_read_only(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    told = notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        assert isinstance(app.screen, PickDialog)
        await typing(pilot, "Q3")
        await pilot.press("enter")
        await pilot.pause()
        before = dump(tester_demo_path)
        await pilot.press("down", "c")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
        assert any("2026-Q3 is closed" in t and "read-only" in t for t in told), told
    assert dump(tester_demo_path) == before


async def test_a_key_on_someone_elses_key_result_names_who_may(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path, "nobody-here")
    told = notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "c")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
        assert told and "may be changed by" in told[-1] and "@" in told[-1], told


async def test_a_filter_that_hides_everything_says_so_and_leaves_no_stale_detail(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        await pilot.press("down")
        await pilot.pause()
        await pilot.press("slash", *"no-such-thing-anywhere")
        await pilot.pause()
        assert screen.selected() is None
        detail = text_of(screen.query_one("#detail-body", Static))
        assert "Nothing matches the filter" in detail and "KR-" not in detail
        assert "Nothing matches" in text_of(screen.query_one("#welcome", Static))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert screen.query_one("#tree").display and screen.selected() is not None


async def test_a_filter_moves_the_selection_to_what_it_shows_and_n_aligns_there(
    make_app, tester_demo_path: Path
) -> None:
    """Item 8: with a filter on, the detail pane and n acted on a hidden objective."""
    from okrtui.modals.objective_form import ObjectiveForm
    from okrtui.screens.tree import NodeRef

    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        screen.reveal(NodeRef("kr", 14))  # under O-6, which the filter hides
        await pilot.pause()
        await pilot.pause()
        await pilot.press("slash")
        await typing(pilot, "SOC")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        selected = screen.selected()
        assert selected in (NodeRef("objective", 13), NodeRef("kr", 34), NodeRef("kr", 35))
        detail = text_of(screen.query_one("#detail-body", Static))
        assert "KR-14" not in detail and "O-6 " not in detail, detail
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        assert form.parent_row is not None and form.parent_row.id == 13
