"""The tree at 80×24 (tmux's default): everything a new user needs is on screen.

Found by trying it: an empty database showed a blank screen (the hint sat in the detail
pane, off the edge), the footer ended at `f Scope` so `?` was never seen, and a
confirmation dialog cut its question to one line, never showing its last sentence.
"""

from pathlib import Path

from screen_helpers import rows, text_of
from textual.widgets import Static

from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.tree import OkrTree, TreeScreen
from widgets.footer import KeyFooter

SMALL = (80, 24)


def footer(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(KeyFooter).render_line(0).text


def visible(widget) -> bool:  # type: ignore[no-untyped-def]
    """Shown and inside the screen (a widget pushed off the edge has an empty region)."""
    region = widget.region
    width = widget.screen.size.width
    return widget.display and region.width > 0 and region.height > 0 and region.x < width


async def test_an_empty_period_welcomes_in_the_main_area_and_keeps_help_in_reach(
    make_app, tmp_path: Path
) -> None:
    from store.db.database import open_database
    from store.identity import current_username
    from store.write.periods import ensure_period

    path = tmp_path / "empty.db"
    db = open_database(path, create=True)
    ensure_period(db, current_username())
    db.close()
    app = make_app(path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        welcome = app.screen.query_one("#welcome", Static)
        assert visible(welcome)
        text = text_of(welcome)
        assert "Press n to create the first one" in text and "?  every key" in text
        line = footer(app)
        for key in ("n New", "? Help", "K KPIs"):
            assert key in line, line
        assert "c Check in" not in line  # nothing selected: it cannot act
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"First goal", "ctrl+s")
        await pilot.pause()
        assert not app.screen.query_one("#welcome", Static).display
        assert app.screen.query_one(OkrTree).display
    assert rows(path, "SELECT title FROM objective") == [("First goal",)]


async def test_at_80_columns_the_detail_pane_comes_on_i_and_goes_on_escape(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        detail, tree = screen.query_one("#detail"), screen.query_one(OkrTree)
        assert not visible(detail) and visible(tree)
        assert "v Details" in footer(app) and "? Help" in footer(app)
        await pilot.press("down", "v")
        await pilot.pause()
        assert visible(detail) and not visible(tree)
        assert "KR-" in text_of(screen.query_one("#detail-body", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert not visible(detail) and visible(tree) and tree.has_focus
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert visible(detail) and visible(tree) and "v Details" not in footer(app)


async def test_a_long_confirmation_shows_its_whole_question_and_its_buttons(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("d")  # the first objective: it has aligned objectives below
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "become top-level" in dialog.question
        shown = dialog.query_one("#question", Static)
        lines = [strip.text.strip() for strip in shown.render_lines(shown.region.reset_offset)]
        assert "become top-level." in " ".join(lines)
        assert visible(dialog.query_one("#confirm")) and visible(dialog.query_one("#cancel"))
        await pilot.press("n")


async def test_the_periods_table_shows_every_column_at_80_columns(
    make_app, tester_demo_path: Path
) -> None:
    """Issue 16 item 6: a long period name pushed State and the numbers off the screen."""
    from datetime import date

    from textual.widgets import DataTable

    from store.db.database import open_database
    from store.write.periods import create_period

    db = open_database(tester_demo_path)
    create_period(db, "tester", "2027 first quarter (after the re-org)", date(2027, 1, 1),
                  date(2027, 3, 31))  # fmt: skip
    db.close()
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#periods-table", DataTable)
        lines = [table.render_line(y).text for y in range(4)]
        assert all(table.region.right <= 80 for _ in lines)
        header = lines[0]
        for column in ("Period", "Dates", "State", "Objectives", "Average"):
            assert column in header, header
        for line, state, average in zip(
            lines[1:], ("planning", "active", "closed"), ("—", "%", "%"), strict=True
        ):
            assert state in line and line.rstrip().endswith(average), line
            # right-aligned numbers end where their headers end
            assert line.rstrip().rfind(average) == header.rstrip().rfind("e"), (line, header)
        assert "2027 first quarte…" in lines[1]
