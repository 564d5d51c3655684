"""The tree uses its width: titles are cut only by what the rest of the line needs, and a
KR's value and an objective's owner are never cut (issue 16, item 16).

Found by trying it: at 120 columns the labels were sized for a line 4–6 cells wider than
the tree draws (a fixed allowance for guides and icon, and the scrollbar not counted), so
deep lines lost their ends: `20 conversions / 30 convers`, `@ine`; and on a very wide
terminal the detail pane kept two fifths of the width the tree could use.
"""

from pathlib import Path

from screen_helpers import settle
from textual.pilot import Pilot

from okrtui.screens.tree import OkrTree, TreeScreen
from store.format import kr_value
from widgets.okr_tree import MIN_TITLE


async def expand_everything(pilot: Pilot) -> OkrTree:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    tree = screen.query_one(OkrTree)
    for _ in range(6):  # children are read as their parents open
        closed = [
            node for node in tree.nodes.values() if node.allow_expand and not node.is_expanded
        ]
        if not closed:
            break
        for node in closed:
            node.expand()
        await settle(pilot)
    await settle(pilot)
    return tree


async def drawn_lines(pilot: Pilot, tree: OkrTree) -> list[str]:
    """Every line of the tree as drawn, scrolling page by page."""
    lines: dict[int, str] = {}
    height = tree.scrollable_content_region.height
    for top in range(0, tree.last_line + 1, height):
        tree.scroll_to(y=top, animate=False, immediate=True)
        await pilot.pause()
        first = round(tree.scroll_offset.y)  # the last page stops at the end
        for y in range(min(height, tree.last_line + 1 - first)):
            lines[first + y] = tree.render_line(y).text.rstrip()
    return [lines[y] for y in sorted(lines)]


async def test_at_120_columns_no_value_or_owner_is_cut(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await expand_everything(pilot)
        data = tree.tree_data
        assert data is not None
        lines = await drawn_lines(pilot, tree)
        krs = [kr for row in data.rows.values() for kr in row.key_results]
        assert len(krs) > 30 and len(lines) > 40
        for kr in krs:
            line = next((line for line in lines if f" {kr.ref} " in line), None)
            assert line is not None, kr.ref
            endings = (
                ("⇢ KPI",)
                if kr.kpi_id is not None
                else (kr_value(kr), kr_value(kr, unit_once=True))
            )
            stale = data.stale_days(kr)  # a stale KR ends with its mark, after the value
            shown = line.removesuffix(f"  ⧗ {stale}d") if stale is not None else line
            assert shown.endswith(endings), line
            title = line.split(f" {kr.ref} ")[1].split("  ")[0]
            assert title == kr.title or len(title) >= MIN_TITLE, line
        for row in data.rows.values():
            line = next(line for line in lines if f" {row.ref} " in line)
            assert f"@{row.owner}" in line.split("  ")[-1] or f"@{row.owner}  " in line, line


async def test_at_200_columns_every_title_is_whole(make_app, tester_demo_path: Path) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(200, 50)) as pilot:
        tree = await expand_everything(pilot)
        detail = app.screen.query_one("#detail")
        assert 0.35 * 200 <= detail.outer_size.width <= 88
        assert tree.outer_size.width >= 112
        lines = await drawn_lines(pilot, tree)
        assert len(lines) > 40
        assert not [line for line in lines if "…" in line]


async def test_a_very_wide_terminal_gives_the_extra_width_to_the_tree(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(260, 50)) as pilot:
        await pilot.pause()
        detail = app.screen.query_one("#detail")
        tree = app.screen.query_one(OkrTree)
        assert detail.outer_size.width == 88
        assert tree.outer_size.width == 260 - 88
