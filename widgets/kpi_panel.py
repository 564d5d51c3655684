"""A KPI dashboard panel: name, latest value, good/bad delta, target, sparkline, health.

Presentational only: it takes a :class:`PanelData` of plain values (no database
access) and draws it; the screen decides what the values are. The border colour
is the KPI's health from its thresholds (green / amber / red, grey without
thresholds), the delta arrow is coloured by whether the move is good for the
KPI's direction, and ``⚠`` in the title marks an early warning.

:class:`KpiGrid` lays panels out in as many columns as fit and keeps a cursor.
"""

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.widget import Widget

from store.enums import KpiDirection
from store.scoring import format_number, kpi_delta_is_good
from widgets.text import plain, truncate

HEALTH = ("green", "amber", "red", "none")
HEALTH_LABEL = {"green": "● good", "amber": "● watch", "red": "● bad", "none": ""}
GOOD, BAD, NEUTRAL = "#5fd75f", "#ff5f5f", "dim"
HEALTH_STYLE = {"green": GOOD, "amber": "#ffaf00", "red": BAD, "none": NEUTRAL}


@dataclass(frozen=True)
class PanelData:
    """What one panel shows, as plain values.

    ``series`` is what the sparkline draws (oldest first): the caller caps it, the
    sparkline never drops points by itself.
    """

    key: int
    name: str
    unit: str = ""
    value: float | None = None
    observed_on: date | None = None
    previous: float | None = None
    direction: KpiDirection = KpiDirection.HIGHER
    target: float | None = None
    health: str = "none"
    series: tuple[float, ...] = ()
    caption: str = ""
    warning: str | None = None
    archived: bool = False


def delta_text(data: PanelData) -> Text:
    """``▲ $8.2K +0.9%`` coloured by whether the move is good for this KPI."""
    if data.value is None:
        return Text("no values yet", NEUTRAL)
    if data.previous is None:
        return Text("first value", NEUTRAL)
    change = data.value - data.previous
    if change == 0:
        return Text("= no change", NEUTRAL)
    good = kpi_delta_is_good(data.direction, data.previous, data.value)
    style = NEUTRAL if good is None else (GOOD if good else BAD)
    arrow = "▲" if change > 0 else "▼"
    text = f"{arrow} {format_number(abs(change), data.unit)}"
    if data.previous != 0 and data.unit.strip() != "%":
        text += f"  {change / abs(data.previous):+.1%}"
    return Text(text, style)


def body_text(data: PanelData, width: int) -> Group:
    """The three text lines of a panel for an inner ``width``."""
    value = Text(format_number(data.value, data.unit), "bold")
    when = f"{data.observed_on}" if data.observed_on else ""
    gap = max(width - len(value) - len(when), 2)
    first = Text.assemble(value, " " * gap, (when, "dim"))
    target = (
        Text.assemble(("target ", "dim"), format_number(data.target, data.unit))
        if data.target is not None
        else Text("no target", "dim")
    )
    if data.archived:
        target.append("  archived", "italic dim")
    return Group(first, delta_text(data), target)


class KpiCard(Widget):
    """One KPI as a bordered panel (not focusable: :class:`KpiGrid` holds the focus).

    A single widget that renders its text and sparkline itself: a dashboard of 50
    panels is then 50 widgets, not 150, which keeps reflows cheap.
    """

    DEFAULT_CSS = """
    KpiCard {
        height: 7;
        min-width: 26;
        padding: 0 1;
        border: round $panel-lighten-2;
        border-title-style: bold;
        border-title-color: $text;
    }
    KpiCard.-selected { background: $boost; border: heavy $panel-lighten-3; }
    KpiCard.-green { border: round $success; }
    KpiCard.-green.-selected { border: heavy $success; }
    KpiCard.-amber { border: round $warning; }
    KpiCard.-amber.-selected { border: heavy $warning; }
    KpiCard.-red { border: round $error; }
    KpiCard.-red.-selected { border: heavy $error; }
    KpiCard.-archived { opacity: 70%; }
    KpiCard > .kpi-card--spark-max { color: $primary; }
    KpiCard > .kpi-card--spark-min { color: $primary 30%; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"kpi-card--spark-max", "kpi-card--spark-min"}

    SPARK_HEIGHT = 2

    data: reactive[PanelData | None] = reactive(None, init=False, always_update=True)

    class Clicked(Message):
        """The panel was clicked."""

        def __init__(self, card: "KpiCard") -> None:
            super().__init__()
            self.card = card

        @property
        def control(self) -> "KpiCard":
            return self.card

    def __init__(self, data: PanelData, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = data

    @property
    def key(self) -> int:
        data = self.data or self._initial
        return data.key

    def on_mount(self) -> None:
        self.data = self._initial

    def watch_data(self, data: PanelData | None) -> None:
        if data is None:
            return
        for health in HEALTH:
            self.set_class(data.health == health, f"-{health}")
        self.set_class(data.archived, "-archived")
        title = ("⚠ " if data.warning else "") + truncate(data.name, 40)
        self.border_title = Content(title)
        self.border_subtitle = Text(HEALTH_LABEL.get(data.health, ""), HEALTH_STYLE[data.health])
        self.tooltip = plain(data.warning) if data.warning else None
        self.refresh()

    def render(self) -> RenderResult:
        data = self.data or self._initial
        width = max(self.content_size.width, 10)
        parts: list[RenderableType] = [body_text(data, width)]
        if len(data.series) > 1:
            _, base = self.background_colors
            low = base + self.get_component_styles("kpi-card--spark-min").color
            high = base + self.get_component_styles("kpi-card--spark-max").color
            parts.append(SparklineRenderable(
                list(data.series), width=width, height=self.SPARK_HEIGHT,
                min_color=low.rich_color, max_color=high.rich_color,
            ))  # fmt: skip
        return Group(*parts)

    def on_click(self) -> None:
        self.post_message(self.Clicked(self))


class KpiGrid(Grid, can_focus=True):
    """Panels in as many columns as fit, with a cursor; the grid holds the focus.

    Moving the cursor changes two panels' classes and nothing else (moving the
    focus from panel to panel would rebuild the footer on every key).

    | Key | Does |
    | --- | --- |
    | arrows, h/j/k/l | move the cursor |
    | enter, click on the selected panel | post :class:`KpiGrid.Opened` |
    """

    DEFAULT_CSS = """
    KpiGrid { height: auto; grid-rows: 7; grid-gutter: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1, 0)", "Left", show=False),
        Binding("right,l", "move(1, 0)", "Right", show=False),
        Binding("up,k", "move(0, -1)", "Up", show=False),
        Binding("down,j", "move(0, 1)", "Down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "open", "Open", id="kpi_open"),
    ]

    MIN_PANEL_WIDTH = 29
    """Narrowest comfortable panel, gutter included: as many columns as the width allows."""

    cursor: reactive[int] = reactive(0, init=False)

    class Opened(Message):
        """The selected panel was opened (enter, or a click on it)."""

        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cards: list[KpiCard] = []

    @property
    def keys(self) -> list[int]:
        return [card.key for card in self._cards]

    @property
    def selected_key(self) -> int | None:
        if not self._cards:
            return None
        return self._cards[min(self.cursor, len(self._cards) - 1)].key

    def show(self, items: list[PanelData], select: int | None = None) -> None:
        """Show ``items``: updated in place when the same KPIs are shown, else rebuilt."""
        select = self.selected_key if select is None else select
        if [item.key for item in items] == self.keys:
            for card, item in zip(self._cards, items, strict=True):
                card.data = item
        else:
            # No ids on the cards: the old ones are removed asynchronously, so a new card
            # with the same id could meet its predecessor.
            with self.app.batch_update():
                self.remove_children()
                self._cards = [KpiCard(item) for item in items]
                self.mount_all(self._cards)
        keys = self.keys
        self.cursor = keys.index(select) if select in keys else 0
        self._mark()

    def card(self, key: int) -> KpiCard | None:
        """The panel showing the KPI ``key``, if shown."""
        return next((card for card in self._cards if card.key == key), None)

    def columns(self) -> int:
        """How many panels fit side by side."""
        width = self.size.width or (self.parent.size.width if self.parent else 80) or 80
        return max(1, (width + 1) // self.MIN_PANEL_WIDTH)

    def on_resize(self) -> None:
        self.styles.grid_size_columns = self.columns()
        self.call_after_refresh(self._scroll_to_cursor)

    def watch_cursor(self) -> None:
        self._mark()

    def _mark(self) -> None:
        for index, card in enumerate(self._cards):
            card.set_class(index == self.cursor, "-selected")
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        if self._cards and 0 <= self.cursor < len(self._cards):
            self._cards[self.cursor].scroll_visible(animate=False)

    def action_move(self, dx: int, dy: int) -> None:
        if self._cards:
            step = dx + dy * self.columns()
            self.cursor = min(max(self.cursor + step, 0), len(self._cards) - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(len(self._cards) - 1, 0)

    def action_open(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.Opened(key))

    def on_kpi_card_clicked(self, event: KpiCard.Clicked) -> None:
        event.stop()
        self.focus()
        index = self._cards.index(event.card) if event.card in self._cards else None
        if index is None:
            return
        if index == self.cursor:
            self.action_open()
        else:
            self.cursor = index
