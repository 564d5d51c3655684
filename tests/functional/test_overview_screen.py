"""The company overview (o): its numbers, and each listed line opening the tree on it."""

from pathlib import Path

from screen_helpers import settle
from test_detail_pane_text import shown
from textual.widgets import OptionList, Static

from okrtui.screens.overview import OverviewScreen
from okrtui.screens.tree import NodeRef, TreeScreen


async def test_o_shows_the_period_by_band_and_enter_opens_a_line_in_the_tree(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen) and screen.overview is not None
        head = shown(screen.query_one("#overview-summary", Static))
        assert "13 objectives · 37 key results · average 71%" in head
        options = screen.query_one(OptionList)
        lines = [str(o.prompt) for o in options.options]
        assert "  objectives:  ● 7 on track 54%  ● 6 at risk 46%" in lines
        company = next(line for line in lines if line.strip().startswith("company"))
        assert "2 obj  50%" in company and "6 KRs  50%" in company
        first = options.get_option_at_index(options.highlighted)
        assert first.id == "movers:kr:24"  # the biggest mover: a milestone done this week
        # down to the at-risk list's second line, then enter
        target = next(i for i, o in enumerate(options.options) if o.id == "at-risk:objective:15")
        while options.highlighted != target:
            await pilot.press("j")  # vim's down, as in the tree
        await pilot.press("enter")
        await settle(pilot)
        tree = app.screen
        assert isinstance(tree, TreeScreen)
        assert tree.selected() == NodeRef("objective", 15)
        # and back: the overview keeps its place
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.query_one(OptionList).highlighted == target


async def test_a_key_result_line_opens_the_tree_on_that_key_result(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        stale = next(i for i, o in enumerate(options.options) if o.id == "stale:kr:33")
        options.highlighted = stale
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
        assert app.screen.selected() == NodeRef("kr", 33)
