"""The reusable widgets on their own: the one-line key footer and the KPI grid."""

from datetime import date
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from widgets.footer import ESSENTIAL, FooterItem, KeyFooter, fitting
from widgets.kpi_card import PanelData
from widgets.kpi_panel import KpiGrid
from widgets.title import TitleBar

# --------------------------------------------------------------------------- footer


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "hello", "Hello"),
        Binding("b", "locked", "Locked"),
        Binding("x", "hidden", "Hidden", show=False),
        Binding("right,l", "next", "Next"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.bells = 0
        self.locked = True

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "locked" and self.locked else True

    def action_hello(self) -> None:
        self.done.append("hello")

    def action_locked(self) -> None:
        self.done.append("locked")

    def action_next(self) -> None:
        self.done.append("next")

    def bell(self) -> None:
        self.bells += 1


def footer_line(app: App[None]) -> str:
    return app.screen.query_one(KeyFooter).render_line(0).text


async def test_the_footer_shows_one_entry_per_action_and_the_palette_on_the_right() -> None:
    app = Keys()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        items = [(i.display, i.description, i.enabled) for i in footer.items()]
        assert items == [("a", "Hello", True), ("b", "Locked", False), ("→", "Next", True),
                         ("^p", "palette", True)]  # fmt: skip
        line = footer_line(app)
        assert line.startswith("a Hello b Locked → Next ")
        assert line.rstrip().endswith("^p palette") and len(line) == 60
        assert "Hidden" not in line


async def test_clicking_a_footer_key_presses_it_and_a_disabled_key_only_rings() -> None:
    app = Keys()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        await pilot.click(KeyFooter, offset=(line.index("Hello"), 0))
        await pilot.click(KeyFooter, offset=(line.index("Locked"), 0))
        await pilot.pause()
        assert app.done == ["hello"] and app.bells == 1
        app.locked = False
        app.screen.refresh_bindings()
        await pilot.pause()
        assert [i.enabled for i in app.query_one(KeyFooter).items()][1] is True
        await pilot.click(KeyFooter, offset=(line.index("Locked"), 0))
        await pilot.pause()
        assert app.done == ["hello", "locked"] and app.bells == 1


async def test_a_narrow_footer_draws_whole_keys_only_and_clicks_hit_what_is_drawn() -> None:
    from textual.command import CommandPalette

    app = Keys()
    async with app.run_test(size=(30, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        line = footer_line(app)
        # Not all fit: the disabled key goes first, the usable ones stay in order.
        assert line.startswith("a Hello → Next ") and "Locked" not in line
        assert line.rstrip().endswith("^p palette") and len(line) == 30
        drawn = {footer.item_at(x) for x in range(30)} - {None}
        assert {item.description for item in drawn if item} == {"Hello", "Next", "palette"}
        await pilot.click(KeyFooter, offset=(line.index("^p"), 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette) and app.done == []


def test_a_short_footer_keeps_help_and_the_screens_essentials_in_place() -> None:
    def item(action: str, enabled: bool = True) -> FooterItem:
        return FooterItem(action[0], action[0], action, enabled, action=action)

    items = [item("check_in"), item("new"), item("edit", False), item("delete"),
             item("toggle_details"), item("help"), item("weekly")]  # fmt: skip

    def width(i: FooterItem) -> int:
        return len(i.display) + 1 + len(i.description) + 1

    total = sum(width(i) for i in items)
    assert fitting(items, total, width) == items  # everything fits: nothing dropped
    kept = fitting(items, 41, width, ESSENTIAL | {"toggle_details"})
    assert [i.action for i in kept] == ["check_in", "new", "toggle_details", "help"]
    assert [i.action for i in fitting(items, 12, width)] == ["help"]


# --------------------------------------------------------------------------- title bar


class Titled(App[None]):
    TITLE = "okrtui"

    def compose(self) -> ComposeResult:
        yield TitleBar()


async def test_the_title_bar_centres_the_titles_and_its_icon_opens_the_palette() -> None:
    from textual.command import CommandPalette
    from textual.screen import Screen

    class Detail(Screen[None]):
        def compose(self) -> ComposeResult:
            yield TitleBar()

    app = Titled()
    async with app.run_test(size=(60, 5)) as pilot:
        app.sub_title = "2026-Q4 · [b]me[/b]"
        await pilot.pause()
        line = app.query_one(TitleBar).render_line(0).text
        assert "okrtui — 2026-Q4 · [b]me[/b]" in line and len(line) == 60
        watchers = len(getattr(app, "__watchers")["sub_title"])
        for _ in range(3):  # screens with a title bar are not kept alive by the app's watch
            await app.push_screen(Detail())
            await pilot.pause()
            app.pop_screen()
            await pilot.pause()
        assert len(getattr(app, "__watchers")["sub_title"]) == watchers
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


# --------------------------------------------------------------------------- KPI grid


def panel(key: int, name: str, **values: object) -> PanelData:
    base: dict[str, object] = {"value": 10.0 + key, "previous": 10.0, "series": (1.0, 3.0, 2.0),
                               "observed_on": date(2026, 11, 20)}  # fmt: skip
    base.update(values)
    return PanelData(key=key, name=name, **base)  # type: ignore[arg-type]


class Grid(App[None]):
    def __init__(self, items: list[PanelData]) -> None:
        super().__init__()
        self.items = items
        self.opened: list[int] = []

    def compose(self) -> ComposeResult:
        yield KpiGrid()

    def on_mount(self) -> None:
        grid = self.query_one(KpiGrid)
        grid.show(self.items)
        grid.focus()

    def on_kpi_grid_opened(self, event: KpiGrid.Opened) -> None:
        self.opened.append(event.key)


def card_text(grid: KpiGrid, index: int) -> list[str]:
    region = grid.card_region(index)
    top = region.y - int(grid.scroll_y)
    return [grid.render_line(top + row).text[region.x : region.right] for row in range(7)]


async def test_the_grid_scrolls_to_the_cursor_and_draws_only_what_is_on_screen() -> None:
    app = Grid([panel(i, f"KPI {i}") for i in range(20)])
    async with app.run_test(size=(62, 16)) as pilot:
        grid = app.query_one(KpiGrid)
        await pilot.pause()
        assert grid.columns() == 2 and grid.virtual_size.height == 10 * 7
        drawn_before = len(grid._lines)
        assert drawn_before <= 6  # two rows and a bit: not twenty panels
        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor == 19 and grid.scroll_y > 0
        assert card_text(grid, 19)[0].startswith("┏━ KPI 19 ")
        await pilot.press("up", "left")
        await pilot.pause()
        assert grid.cursor == 16
        assert card_text(grid, 16)[0].startswith("┏") and card_text(grid, 19)[0].startswith("╭")


async def test_clicking_a_panel_selects_it_and_a_second_click_opens_it() -> None:
    app = Grid([panel(i, f"KPI {i}") for i in range(4)])
    async with app.run_test(size=(62, 20)) as pilot:
        grid = app.query_one(KpiGrid)
        await pilot.pause()
        second = grid.card_region(1)
        await pilot.click(KpiGrid, offset=(second.x + 3, second.y + 2))
        await pilot.pause()
        assert grid.cursor == 1 and app.opened == []
        await pilot.click(KpiGrid, offset=(second.x + 3, second.y + 2))
        await pilot.pause()
        assert app.opened == [1]
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == [1, 1]


async def test_panel_text_is_drawn_literally_and_cut_to_the_panel() -> None:
    hostile = "[bold]Churn[/] \x1b[31mred " + "x" * 60
    app = Grid([panel(1, hostile, warning="falling"), panel(2, "Archived", archived=True)])
    async with app.run_test(size=(62, 20)) as pilot:
        grid = app.query_one(KpiGrid)
        await pilot.pause()
        top = card_text(grid, 0)[0]
        assert "⚠ [bold]Churn[/] [31mred" in top and "\x1b" not in top
        assert len(top) == grid.card_region(0).width and top.endswith("… ┓")  # cut, and says so
        assert "archived" in "".join(card_text(grid, 1))


async def test_a_theme_change_redraws_the_panels_in_the_new_colours() -> None:
    app = Grid([panel(1, "NPS", health="green")])
    async with app.run_test(size=(62, 20)) as pilot:
        grid = app.query_one(KpiGrid)
        await pilot.pause()
        before = next(iter(grid.render_line(1))).style
        app.theme = "textual-light"
        await pilot.pause()
        after = next(iter(grid.render_line(1))).style
        assert before is not None and after is not None and before.bgcolor != after.bgcolor
        assert after.color == grid.get_component_rich_style("kpi-grid--green").color


async def test_a_resize_redraws_panels_at_the_new_width_and_drops_the_old_ones() -> None:
    app = Grid([panel(i, f"KPI {i}") for i in range(6)])
    async with app.run_test(size=(70, 20)) as pilot:
        grid = app.query_one(KpiGrid)
        await pilot.pause()
        before = {width for _key, width, _selected in grid._lines}
        await pilot.resize_terminal(92, 20)
        await pilot.pause()
        after = {width for _key, width, _selected in grid._lines}
        assert grid.columns() == 3 and after and not after & before
        assert all(len(card_text(grid, i)[0]) == grid.card_region(i).width for i in range(3))


def test_the_sparkline_keeps_the_newest_value_as_its_own_bar() -> None:
    """Issue 16 item 4: 26 values in 25 columns merged the last two (their maximum), so
    churn falling 2.06 → 1.8 drew a last bar that rose."""
    import io

    from rich.console import Console
    from textual.renderables.sparkline import Sparkline as SparklineRenderable

    from widgets.kpi_card import spark_buckets

    series = [2.0 + i * 0.01 for i in range(24)] + [2.06, 1.8]
    assert len(series) == 26
    bars = spark_buckets(series, 25)
    assert len(bars) == 25
    assert bars[-1] == 1.8 and bars[-2] == 2.06
    assert bars[0] == (series[0] + series[1]) / 2  # the oldest two share a bar
    assert spark_buckets(series[:10], 25) == series[:10]  # fewer values than columns
    console = Console(width=25, file=io.StringIO(), color_system=None)
    drawn = console.render_lines(SparklineRenderable(bars, width=25), pad=False)[0]
    text = "".join(segment.text for segment in drawn)
    assert len(text) == 25 and text[-1] < text[-2], text  # the last bar falls


def test_the_chart_axis_names_each_level_at_its_value() -> None:
    from widgets.chart import Level, y_axis

    levels = [Level("target", 1.5), Level("green", 2.0), Level("red", 3.0)]
    ticks, labels = y_axis(1.5, 3.0, levels, "%")
    assert labels == ["target 1.5%", "green 2%", "2.5%", "red 3%"]
    assert ticks == [1.5, 2.0, 2.5, 3.0]
    same = [Level("target", 8.0), Level("green", 8.0), Level("red", 12.0)]
    assert y_axis(7.0, 12.0, same, "hours")[1][0] == "target/green 8 hours"


async def test_the_chart_draws_no_legend_over_its_plot() -> None:
    """Issue 16 item 5: plotext's legend covered half the plot at 80×24, and at 120
    columns its "target" label sat on the red threshold line at the top."""
    from widgets.chart import HistoryChart, Level

    levels = [Level("target", 1.5), Level("green", 2.0), Level("red", 3.0)]

    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield HistoryChart(id="chart")

    points = [(date(2026, 6, 1 + i), 2.0 + (i % 5) / 10) for i in range(26)]
    for size in ((40, 14), (70, 20)):
        app = ChartApp()
        async with app.run_test(size=size) as pilot:
            chart = app.query_one(HistoryChart)
            chart.show_history(points, levels, "%")
            await pilot.pause()
            lines = [chart.render_line(y).text for y in range(chart.size.height)]
            axis = [min((i for i in (ln.find("┤"), ln.find("│")) if i >= 0), default=-1)
                    for ln in lines]  # fmt: skip
            plot = [ln[i + 1 :] for ln, i in zip(lines, axis, strict=True) if i >= 0]
            assert plot, lines
            for word in ("target", "green", "red", "value"):
                assert not any(word in row for row in plot), (word, "\n".join(lines))


def test_a_change_of_one_reads_in_the_singular() -> None:
    """Issue 16 item 17: "▼ 1 days"."""
    from widgets.kpi_card import delta_text

    one = panel(1, "DSO", value=36.0, previous=37.0, unit="days")
    assert delta_text(one).plain.startswith("▼ 1 day ")
    two = panel(2, "DSO", value=35.0, previous=37.0, unit="days")
    assert delta_text(two).plain.startswith("▼ 2 days ")
