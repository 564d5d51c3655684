"""The detail pane shows its text in full (issue 16, items 7 and 10)."""

from pathlib import Path

from screen_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Static

from okrtui.modals.dialogs import NoteViewer
from okrtui.screens.tree import HistoryTable, NodeRef, TreeScreen
from store.db.database import Database, open_database
from store.read.periods import default_period
from store.read.tree import load_tree
from store.write.checkins import check_in
from store.write.key_results import create_key_result

SIZE = (120, 40)


def add_tester_kr(db: Database, title: str, start: float, target: float) -> int:
    """A new metric KR under the first objective the tester owns in the current period."""
    period = default_period(db)
    assert period is not None
    objective = next(o for o in load_tree(db, period.id).objectives.values()
                     if o.owner == "tester")  # fmt: skip
    return create_key_result(db, "tester", objective_id=objective.id, title=title,
                             start=start, target=target).id  # fmt: skip


def add_kr(path: Path, note: str) -> int:
    """KR 0.1 → 0.4 under the tester's first objective, checked in at 0.31 with ``note``."""
    db = open_database(path)
    try:
        kr = add_tester_kr(db, "Raise the share of teams on the new planner", 0.1, 0.4)
        check_in(db, "tester", kr, 0.31, note=note)
        return kr
    finally:
        db.close()


def shown(widget: Static) -> str:
    """What the widget draws on screen, row by row, joined with spaces."""
    region = widget.region
    return " ".join(strip.text.strip() for strip in widget.render_lines(region.reset_offset))


async def reveal(pilot: Pilot, ref: NodeRef) -> TreeScreen:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    screen.reveal(ref)
    await settle(pilot)
    await pilot.pause()
    await pilot.pause()
    return screen


async def test_the_values_line_of_a_kr_wraps_instead_of_being_cut(
    make_app, tester_demo_path: Path
) -> None:
    kr = add_kr(tester_demo_path, "short")
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await reveal(pilot, NodeRef("kr", kr))
        text = shown(screen.query_one("#detail-body", Static))
        assert "(0.31 − 0.1) / (0.4 − 0.1) = 0.7" in text, text


LONG_NOTE = "[b]first line[/b] of a long note\n" + "word " * 400 + "\nTHE END"


async def test_enter_on_a_history_row_shows_the_whole_note(
    make_app, tester_demo_path: Path
) -> None:
    kr = add_kr(tester_demo_path, LONG_NOTE)
    app = make_app(tester_demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await reveal(pilot, NodeRef("kr", kr))
        await pilot.press("v")  # at 80 columns the detail pane is behind v
        await pilot.pause()
        table = screen.query_one(HistoryTable)
        table.focus()
        await pilot.pause()
        cells = " ".join(str(c) for c in table.get_row_at(0))
        assert "THE END" not in cells  # the table shows the note's beginning only
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, NoteViewer)
        note = viewer.query_one("#note", Static)
        assert note.content.plain == LONG_NOTE  # markup shown literally, nothing cut
        scroll = viewer.query_one("#note-scroll")
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y > 0 and "THE END" in shown_all(note)
        assert viewer.query_one("#close").region.bottom <= 23  # above the footer
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def shown_all(widget: Static) -> str:
    return " ".join(s.text.strip() for s in widget.render_lines(widget.region.reset_offset))


async def test_a_closed_periods_objective_shows_its_grade_and_retro_note(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.period = next(p for p in app.periods() if p.state.value == "closed")
        await pilot.pause()
        screen = await reveal(pilot, NodeRef("objective", 1))
        text = shown(screen.query_one("#detail-body", Static))
        assert "Final grade 0.92" in " ".join(text.split()), text
        assert "Revenue landed close to plan" in text
        assert "Pace" not in text  # a pace means nothing once the period is over


async def test_a_rolled_over_objective_names_its_original(make_app, tester_demo_path: Path) -> None:
    from screen_helpers import rows

    rows(tester_demo_path, "UPDATE objective SET rolled_from_id = 1 WHERE id = 6")
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await reveal(pilot, NodeRef("objective", 6))
        text = " ".join(shown(screen.query_one("#detail-body", Static)).split())
        assert "Rolled over from O-1 “Reach $880k MRR" in text and "(2026-Q3)" in text, text
