"""Status colours are readable on light themes (issue 16, item 16: "amber on grey in the
light theme is hard to read"; #ffaf00 on textual-light's #D8D8D8 is about 1.5:1).

The contrast is the WCAG 2 ratio, computed here from the colours actually drawn.
"""

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.segment import Segment
from screen_helpers import settle
from textual.color import Color
from textual.geometry import Region
from textual.theme import BUILTIN_THEMES

from okrtui.screens.tree import NodeRef, OkrTree, TreeScreen
from store.model.enums import Band
from widgets.colours import STATUS_LIGHT

LIGHT_THEMES = [name for name, theme in BUILTIN_THEMES.items() if not theme.dark and not theme.ansi]


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_wcag_contrast_is_computed_as_the_standard_says() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", LIGHT_THEMES)
def test_every_status_colour_reads_on_every_light_themes_backgrounds(theme: str) -> None:
    variables = BUILTIN_THEMES[theme].to_color_system().generate()
    for part in ("background", "surface", "panel"):
        back = Color.parse(variables[part]).rgb
        for name, rgb in STATUS_LIGHT.items():
            assert contrast(rgb, back) >= 4.5, (theme, part, name, contrast(rgb, back))


def drawn_segment(tree: OkrTree, y: int, text: str) -> Segment:
    """The segment holding ``text`` on line ``y`` of the tree, as drawn (after the app's
    colour filters)."""
    strip = tree.render_lines(Region(0, y, tree.size.width, 1))[0]
    return next(segment for segment in strip if text in segment.text)


def rgb_of(color: RichColor | None) -> tuple[int, int, int]:
    assert color is not None and color.triplet is not None, color
    return color.triplet


@pytest.mark.parametrize(("theme", "at_least"), [("textual-light", 4.5), ("textual-dark", 4.5)])
async def test_an_at_risk_score_is_drawn_readable(
    make_app, tester_demo_path: Path, theme: str, at_least: float
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = theme
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        tree = screen.query_one(OkrTree)
        data = tree.tree_data
        assert data is not None
        at_risk = [kr for row in data.rows.values() for kr in row.key_results
                   if kr.band == Band.AT_RISK]  # fmt: skip
        y, kr = next(
            (node.line, kr)
            for kr in at_risk
            if (node := tree.nodes.get(f"kr:{kr.id}")) is not None and node.line >= 0
        )
        await pilot.press("end")  # the cursor away from the line measured
        await pilot.pause()
        tree.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        segment = drawn_segment(tree, y, "%")
        assert kr.ref in "".join(s.text for s in tree.render_lines(Region(0, y, 120, 1))[0])
        assert segment.style is not None
        fore = rgb_of(segment.style.color)
        back = rgb_of(segment.style.bgcolor)
        assert contrast(fore, back) >= at_least, (theme, fore, back, contrast(fore, back))
        if theme == "textual-dark":
            assert fore == (255, 175, 0)  # the dark themes keep their amber


async def test_the_detail_panes_at_risk_words_read_on_the_light_theme(
    make_app, tester_demo_path: Path
) -> None:
    """Texts coloured as a whole (a band word, a confidence) go through the same mapping:
    Textual reads a Text's own style string as CSS, where yellow is #ffff00 (1.1:1)."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = "textual-light"
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        data = screen.query_one(OkrTree).tree_data
        assert data is not None
        kr = next(kr for row in data.rows.values() for kr in row.key_results
                  if kr.band == Band.AT_RISK)  # fmt: skip
        screen.reveal(NodeRef("kr", kr.id))
        await settle(pilot)
        await pilot.pause()
        drawn = [
            segment
            for widget in screen.query("#detail Static")
            if widget.region.area
            for strip in widget.render_lines(widget.region.reset_offset)
            for segment in strip
            if "at risk" in segment.text
        ]
        assert drawn
        for segment in drawn:
            assert segment.style is not None
            fore, back = rgb_of(segment.style.color), rgb_of(segment.style.bgcolor)
            assert contrast(fore, back) >= 4.5, (segment.text, fore, back)
