"""Every screen and modal at 80×24 (tmux's default) and 120×40 (issue 16).

Update with --snapshot-update, then look at each SVG before accepting it.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from screen_helpers import settle
from textual.pilot import Pilot
from textual.widgets import DataTable

from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.screens.tree import NodeRef, TreeScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
Steps = Callable[[Pilot], Awaitable[None]]


async def on_kr(pilot: Pilot, kr_id: int) -> TreeScreen:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    screen.reveal(NodeRef("kr", kr_id))
    await settle(pilot)
    await pilot.pause()
    await pilot.pause()
    return screen


def keys(*pressed: str) -> Steps:
    async def run(pilot: Pilot) -> None:
        await pilot.pause()
        for key in pressed:
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)

    return run


async def detail_pane(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("down", "down")
    if pilot.app.size.width < 100:
        await pilot.press("i")
    await settle(pilot)


async def check_in_error(pilot: Pilot) -> None:
    await on_kr(pilot, 37)
    await pilot.press("c", "1", "5", "0", "enter")
    await settle(pilot)


async def weekly_summary(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("w")
    await pilot.pause()
    await pilot.press("g", "enter")  # the KPI-driven KR: confidence only
    await pilot.press("space", "enter")  # a milestone undone
    await pilot.press("1", "2", "enter")
    await pilot.press("escape")
    await settle(pilot)


async def import_preview(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.press("K")
    await pilot.pause()
    await pilot.press("I")  # the import (i is the inbox on every screen)
    await pilot.pause()
    await pilot.press("tab")
    for text in ("kpi,date,value", "\n", "MRR,2026-11-21,951000"):
        for ch in text:
            await pilot.press({",": "comma", "\n": "enter", "-": "minus"}.get(ch, ch))
    await pilot.press("ctrl+s")
    for _ in range(50):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, ImportReportDialog):
            break
    await settle(pilot)


async def remove_check_in(pilot: Pilot) -> None:
    screen = await on_kr(pilot, 37)
    if pilot.app.size.width < 100:
        await pilot.press("i")
        await pilot.pause()
    screen.query_one("#history", DataTable).focus()
    await pilot.pause()
    await pilot.press("d")
    await settle(pilot)


SCREENS: dict[str, Steps] = {
    "tree_full": keys(),
    "detail_pane": detail_pane,
    "check_in_with_an_error": check_in_error,
    "weekly_run": keys("w"),
    "weekly_summary": weekly_summary,
    "kpi_grid": keys("K"),
    "kpi_detail": keys("K", "enter"),
    "kpi_new_form": keys("K", "n"),
    "kpi_record_form": keys("K", "v"),
    "kpi_import_preview": import_preview,
    "periods": keys("P"),
    "review": keys("P", "r"),
    "help": keys("question_mark"),
    "confirm_delete_objective": keys("d"),
    "confirm_close_period": keys("P", "r", "ctrl+s", "ctrl+s"),
    "confirm_remove_check_in": remove_check_in,
    "confirm_archive_kpi": keys("K", "a"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, make_app, tester_demo_path, name: str, size) -> None:
    assert snap_compare(make_app(tester_demo_path), terminal_size=size, run_before=SCREENS[name])


@pytest.mark.parametrize("size", SIZES)
def test_tree_empty(snap_compare, make_app, tmp_path: Path, size) -> None:
    from datetime import date

    from store.db.database import open_database
    from store.identity import current_username
    from store.write.periods import ensure_period

    path = tmp_path / "empty.db"
    db = open_database(path, create=True)
    # tests/conftest.py's DEMO_TODAY (importing conftest by name finds tests/security's)
    ensure_period(db, current_username(), date(2026, 11, 23))  # the file's owner: an admin
    db.close()
    assert snap_compare(make_app(path), terminal_size=size, run_before=keys())
