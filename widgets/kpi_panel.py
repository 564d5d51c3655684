"""The KPI dashboard's grid of panels: name, latest value, good/bad delta, target,
sparkline, health.

Presentational only: it takes :class:`~widgets.kpi_card.PanelData` of plain values (no
database access) and draws them; the screen decides what the values are. The border colour
is the KPI's health from its thresholds (green / amber / red, grey without
thresholds), the delta arrow is coloured by whether the move is good for the
KPI's direction, and ``⚠`` in the title marks an early warning, ``⧗`` a value overdue for
the KPI's cadence. A range shows as held (green) or not (red); a failed pull of the KPI's
source shows its error and last success where the sparkline was.

:class:`KpiGrid` draws every panel itself, in as many columns as fit, and keeps a
cursor. It is one scrolling widget with Textual's line API rather than a widget per
panel: a dashboard of 50 panels then opens in one layout pass and draws only the
panels on screen (50 panel widgets took ≈250 ms to mount, style and lay out).
"""

from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.kpi_card import (
    HEALTH_LABEL,
    HEALTH_STYLE,
    HEAVY,
    ROUND,
    PanelData,
    body_text,
    card_title,
    pull_failure_text,
    spark_buckets,
)
from widgets.text import plain


class KpiGrid(ScrollView, can_focus=True):
    """Panels in as many columns as fit, with a cursor; one widget draws them all.

    | Key | Does |
    | --- | --- |
    | arrows, h/j/k/l | move the cursor |
    | home / end | first / last panel |
    | enter, click on the selected panel | post :class:`KpiGrid.Opened` |
    """

    DEFAULT_CSS = """
    KpiGrid { height: 1fr; scrollbar-gutter: stable; }
    KpiGrid > .kpi-grid--border { color: $panel-lighten-2; }
    KpiGrid > .kpi-grid--border-selected { color: $panel-lighten-3; }
    KpiGrid > .kpi-grid--green { color: $success; }
    KpiGrid > .kpi-grid--amber { color: $warning; }
    KpiGrid > .kpi-grid--red { color: $error; }
    KpiGrid > .kpi-grid--selected { background: $boost; }
    KpiGrid > .kpi-grid--title { color: $text; text-style: bold; }
    KpiGrid > .kpi-grid--spark-max { color: $primary; }
    KpiGrid > .kpi-grid--spark-min { color: $primary 30%; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "kpi-grid--border", "kpi-grid--border-selected", "kpi-grid--green", "kpi-grid--amber",
        "kpi-grid--red", "kpi-grid--selected", "kpi-grid--title", "kpi-grid--spark-max",
        "kpi-grid--spark-min",
    }  # fmt: skip

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1, 0)", "Left", show=False),
        Binding("right,l", "move(1, 0)", "Right", show=False),
        Binding("up,k", "move(0, -1)", "Up", show=False),
        Binding("down,j", "move(0, 1)", "Down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "open", "Open", id="kpi_open"),
    ]

    _COMPONENTS = sorted(COMPONENT_CLASSES)

    MIN_PANEL_WIDTH = 29
    """Narrowest comfortable panel, gutter included: as many columns as the width allows."""
    CARD_HEIGHT = 7
    GUTTER = 1
    SPARK_HEIGHT = 2

    cursor: reactive[int] = reactive(0, init=False)

    class Opened(Message):
        """The selected panel was opened (enter, or a click on it)."""

        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[PanelData] = []
        self._lines: dict[tuple[int, int, bool], list[Strip]] = {}  # (key, width, selected)
        self._colours: tuple[object, ...] = ()

    # --- what is shown ------------------------------------------------------------

    @property
    def keys(self) -> list[int]:
        return [item.key for item in self.items]

    @property
    def selected_key(self) -> int | None:
        if not self.items:
            return None
        return self.items[min(self.cursor, len(self.items) - 1)].key

    def show(self, items: list[PanelData], select: int | None = None) -> None:
        """Show ``items``, keeping the selected KPI (or selecting ``select``)."""
        select = self.selected_key if select is None else select
        self.items = list(items)
        self._lines.clear()
        keys = self.keys
        self.set_reactive(KpiGrid.cursor, keys.index(select) if select in keys else 0)
        self._update_size()
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)

    def item(self, key: int) -> PanelData | None:
        """The panel data shown for the KPI ``key``, if shown."""
        return next((item for item in self.items if item.key == key), None)

    # --- geometry -----------------------------------------------------------------

    def columns(self) -> int:
        """How many panels fit side by side."""
        width = self.scrollable_content_region.width or self.size.width or 80
        return max(1, (width + self.GUTTER) // self.MIN_PANEL_WIDTH)

    def _column_spans(self) -> list[tuple[int, int]]:
        """(x, width) of each column: the width shared out, the gutter between."""
        width = self.scrollable_content_region.width or self.size.width or 80
        count = self.columns()
        base, extra = divmod(width - self.GUTTER * (count - 1), count)
        spans, x = [], 0
        for column in range(count):
            cells = base + (1 if column < extra else 0)
            spans.append((x, cells))
            x += cells + self.GUTTER
        return spans

    def card_region(self, index: int) -> Region:
        """Where panel ``index`` is drawn, in the grid's scrolled (virtual) space."""
        spans = self._column_spans()
        row, column = divmod(index, len(spans))
        x, width = spans[column]
        return Region(x, row * self.CARD_HEIGHT, width, self.CARD_HEIGHT)

    def index_at(self, x: int, y: int) -> int | None:
        """The panel under widget coordinates ``x``, ``y`` (scrolling included)."""
        spans = self._column_spans()
        row = (y + int(self.scroll_y)) // self.CARD_HEIGHT
        for column, (left, width) in enumerate(spans):
            if left <= x + int(self.scroll_x) < left + width:
                index = row * len(spans) + column
                return index if 0 <= index < len(self.items) else None
        return None

    def _update_size(self) -> None:
        rows = -(-len(self.items) // self.columns())
        self.virtual_size = Size(self.scrollable_content_region.width, rows * self.CARD_HEIGHT)

    def on_resize(self) -> None:
        widths = {cells for _x, cells in self._column_spans()}  # panels of other widths go
        self._lines = {key: lines for key, lines in self._lines.items() if key[1] in widths}
        self._update_size()
        self.call_after_refresh(self._scroll_to_cursor)

    # --- drawing ------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # Panels are drawn again when their colours change (a theme switch), not on every
        # style update (gaining the focus is one). Checked once per draw, not per line.
        colours = (self.rich_style, *map(self.get_component_rich_style, self._COMPONENTS))
        if colours != self._colours:
            self._colours = colours
            self._lines.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        spans = self._column_spans()
        width = self.scrollable_content_region.width
        row, line = divmod(y + int(self.scroll_y), self.CARD_HEIGHT)
        base = self.rich_style
        segments: list[Segment] = []
        for column, (_x, cells) in enumerate(spans):
            if column:
                segments.append(Segment(" " * self.GUTTER, base))
            index = row * len(spans) + column
            if index < len(self.items):
                segments.extend(self._card(index, cells)[line])
            else:
                segments.append(Segment(" " * cells, base))
        return Strip(segments).adjust_cell_length(width, base)

    def _card(self, index: int, width: int) -> list[Strip]:
        """Panel ``index`` as ``CARD_HEIGHT`` lines ``width`` cells wide (cached)."""
        data, selected = self.items[index], index == self.cursor
        cache_key = (data.key, width, selected)
        lines = self._lines.get(cache_key)
        if lines is None:
            lines = self._lines[cache_key] = self._draw_card(data, width, selected)
        return lines

    def _draw_card(self, data: PanelData, width: int, selected: bool) -> list[Strip]:
        def foreground(component: str) -> Style:
            """A component's colour and weight, over the panel's own background."""
            style = self.get_component_rich_style(component)
            return Style(color=style.color, bold=style.bold)

        base = self.rich_style
        if selected:
            base += Style(bgcolor=self.get_component_rich_style("kpi-grid--selected").bgcolor)
        border = "kpi-grid--border-selected" if selected else "kpi-grid--border"
        if data.health in ("green", "amber", "red"):
            border = f"kpi-grid--{data.health}"
        edge = base + foreground(border)
        top_left, across, top_right, side, bottom_left, bottom_right = HEAVY if selected else ROUND
        inner = max(width - 2, 1)

        def border_line(left: str, right: str, label: Text, align_right: bool) -> Strip:
            if label.cell_len > inner - 1:  # cut the words, keep the spaces around them
                words = Text(label.plain.strip(), label.style)
                words.truncate(max(inner - 3, 0), overflow="ellipsis")
                label = Text.assemble(" ", words, " ", style=label.style)
            fill = max(inner - 1 - label.cell_len, 0)
            rule = [Segment(across, edge)]
            parts = [Segment(left, edge)]
            style = Style.parse(label.style) if isinstance(label.style, str) else label.style
            middle = [Segment(label.plain, style)] if label.plain else []
            if align_right:
                parts += [Segment(across * fill, edge), *middle, *rule]
            else:
                parts += [*rule, *middle, Segment(across * fill, edge)]
            parts.append(Segment(right, edge))
            return Strip(parts).adjust_cell_length(width, edge)

        title_style = base + foreground("kpi-grid--title")
        title = Text(f" {card_title(data)} ", title_style)
        health = HEALTH_LABEL.get(data.health, "")
        subtitle = Text(
            f" {health} " if health else "", base + Style.parse(HEALTH_STYLE[data.health])
        )
        content_width = max(inner - 2, 1)
        body = [
            self._text_line(text, content_width, base) for text in body_text(data, content_width)
        ]
        failure = pull_failure_text(data)  # in the sparkline's place: news before history
        if failure is not None:
            body += [self._text_line(text, content_width, base) for text in failure]
        else:
            body += self._sparkline(data, content_width, base)
        body += [[Segment(" " * content_width, base)]] * (self.CARD_HEIGHT - 2 - len(body))
        lines = [border_line(top_left, top_right, title, align_right=False)]
        for content in body[: self.CARD_HEIGHT - 2]:
            row = [Segment(side, edge), Segment(" ", base), *content, Segment(" ", base)]
            lines.append(Strip([*row, Segment(side, edge)]).adjust_cell_length(width, base))
        lines.append(border_line(bottom_left, bottom_right, subtitle, align_right=True))
        if data.archived:
            lines = [strip.apply_style(Style(dim=True)) for strip in lines]
        return lines

    def _text_line(self, text: Text, width: int, base: Style) -> list[Segment]:
        """One line of text cut or padded to ``width`` (no wrapping: a panel line is a line)."""
        console = self.app.console
        line = text.copy()
        line.truncate(width, overflow="ellipsis", pad=True)
        own = console.get_style(line.style) if line.style else Style()
        return list(Segment.apply_style(line.render(console), base + own))

    def _sparkline(self, data: PanelData, width: int, base: Style) -> list[list[Segment]]:
        """The panel's sparkline rows (none for fewer than two values)."""
        if len(data.series) < 2:
            return []
        background = base.bgcolor or Color.default()
        low = self.get_component_rich_style("kpi-grid--spark-min")
        high = self.get_component_rich_style("kpi-grid--spark-max")
        spark = SparklineRenderable(
            spark_buckets(list(data.series), width), width=width, height=self.SPARK_HEIGHT,
            min_color=low.color or background, max_color=high.color or background,
        )  # fmt: skip
        console = self.app.console
        options = console.options.update(width=width, height=self.SPARK_HEIGHT)
        return console.render_lines(spark, options, style=base, pad=True)

    # --- cursor -------------------------------------------------------------------

    def watch_cursor(self) -> None:
        self.refresh()
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        if self.items and 0 <= self.cursor < len(self.items):
            self.scroll_to_region(self.card_region(self.cursor), animate=False, force=True)

    def action_move(self, dx: int, dy: int) -> None:
        if self.items:
            step = dx + dy * self.columns()
            self.cursor = min(max(self.cursor + step, 0), len(self.items) - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(len(self.items) - 1, 0)

    def action_open(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.Opened(key))

    # --- mouse --------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        index = self.index_at(event.x, event.y)
        if index is None:
            return
        event.stop()
        self.focus()
        if index == self.cursor:
            self.action_open()
        else:
            self.cursor = index

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self.index_at(event.x, event.y)
        item = self.items[index] if index is not None else None
        tip = item and (item.warning or item.pull_error)
        self.tooltip = plain(tip) if tip else None
