"""The ctrl+p palette shows other people's text (objective and KR titles, owners, period
names). Textual's ``Matcher.highlight`` parses a hit's title as markup and the palette
parses its help text too: a title ``[@click=app.quit]…`` chosen by another team member
was a live action in everyone's palette, and ``[/]`` crashed it. Titles and help are
plain text now (okrtui/commands.py)."""

import sqlite3
from pathlib import Path

from textual.command import CommandList

from okrtui.app import OkrApp
from okrtui.screens.tree import NodeRef, TreeScreen

TITLE = "Zebra [@click=app.quit]quit[/] [B]bold [$accent]x [ @click=app.quit]y"
OWNER = "[@click=app.quit]mallory"


async def test_a_title_with_markup_and_a_click_action_is_shown_literally(
    make_app, tester_demo_path: Path
) -> None:
    with sqlite3.connect(tester_demo_path) as conn:
        (objective,) = conn.execute(
            "SELECT min(o.id) FROM objective o JOIN period p ON p.id = o.period_id "
            "WHERE p.state = 'active'"
        ).fetchone()
        conn.execute(
            "UPDATE objective SET title = ?, owner = ? WHERE id = ?", (TITLE, OWNER, objective)
        )
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "zebra":
            await pilot.press(ch)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        shown = [str(prompt) for prompt in prompts]
        assert any(f"O-{objective} {TITLE}" in text for text in shown), shown
        assert any(f"@{OWNER}" in text for text in shown), shown
        spans = [span for prompt in prompts for span in getattr(prompt, "spans", [])]
        assert spans  # the typed letters are still highlighted
        assert not [span for span in spans if "click" in str(span.style)], spans
        # Click where the old palette drew the "quit" link (row 0 is the list's border):
        # the hit is chosen, nothing quits.
        await pilot.click(CommandList, offset=(12, 1))
        await pilot.pause(0.5)
        assert app.return_code is None and app.is_running
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        assert screen.selected() == NodeRef("objective", objective)
