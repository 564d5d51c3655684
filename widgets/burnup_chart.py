"""The burn-up chart: progress over the period against the expected pace, and the
confidence of each check-in as a coloured strip under it.

Presentational: it takes a :class:`~store.domain.burnup.BurnUp` already computed and
never reads. The x axis is days since the period's start (plotext's own date axis
cannot place a "today" line or a dashed segment), labelled with the start, today and
end dates; the y axis is progress in per cent (100% = the target).

| Line | Drawn as |
| --- | --- |
| expected pace | a dim straight line from 0% at the start to 100% at the end |
| progress | a line through the check-ins, each one a dot |
| forecast | dashed, from the last check-in to the end (when the scoring rules make one) |
| today | a vertical line |
"""

from datetime import date, timedelta

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from store.domain.burnup import BurnUp
from store.format import format_percent
from store.model.enums import Confidence

COLOURS = {"expected": "gray", "progress": "cyan+", "forecast": "magenta+", "today": "orange"}
CONFIDENCE_COLOUR = {
    Confidence.ON_TRACK: "green",
    Confidence.AT_RISK: "yellow",
    Confidence.OFF_TRACK: "red",
}
DASHES = 9
"""Pieces the forecast is cut into; every other one drawn, so it reads as dashed."""


def dashed(x0: float, y0: float, x1: float, y1: float, pieces: int = DASHES) -> list[
    tuple[list[float], list[float]]
]:  # fmt: skip
    """The segment (x0, y0)–(x1, y1) as ``pieces`` equal parts, every other one kept
    (the first and the last always: the dashes start and end on the line's ends)."""
    pieces = max(1, pieces | 1)  # odd, so the last piece is drawn
    out = []
    for i in range(0, pieces, 2):
        a, b = i / pieces, (i + 1) / pieces
        out.append(([x0 + (x1 - x0) * a, x0 + (x1 - x0) * b],
                    [y0 + (y1 - y0) * a, y0 + (y1 - y0) * b]))  # fmt: skip
    return out


def short_date(day: date) -> str:
    """Like "Nov 23": enough to place a day within a period on a narrow axis."""
    return f"{day:%b} {day.day}"


def x_ticks(burn: BurnUp) -> tuple[list[float], list[str]]:
    """The period's first and last days. Today is named in the legend, not on the axis:
    plotext places a label in the middle a cell left or right depending on what it drew
    before (the same chart came out two ways in one test run)."""
    span = max((burn.end - burn.start).days, 1)
    return [0.0, float(span)], [short_date(burn.start), short_date(burn.end)]


def y_ticks(top: float) -> tuple[list[float], list[str]]:
    """0%, 50%, 100% and, above the target, the top in steps of 50."""
    steps = [0.0, 50.0, 100.0]
    while steps[-1] < top * 100 - 1e-9:
        steps.append(steps[-1] + 50.0)
    return steps, [f"{s:g}%" for s in steps]


class BurnUpPlot(PlotextPlot):
    """The plot itself (textual-plotext): expected line, progress, forecast, today."""

    DEFAULT_CSS = """
    BurnUpPlot { height: 1fr; min-height: 7; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.burn: BurnUp | None = None

    def show(self, burn: BurnUp | None) -> None:
        self.burn = burn
        self._replot()

    def _replot(self) -> None:
        plt, burn = self.plt, self.burn
        plt.clear_data()
        plt.clear_figure()
        if burn is None:
            self.refresh()
            return
        span = max((burn.end - burn.start).days, 1)
        top = burn.top

        def x(day: date) -> float:
            return float(min(max((day - burn.start).days, 0), span))

        plt.plot([0, span], [0, 100], marker="braille", color=COLOURS["expected"])
        if burn.today_in_period:
            plt.vline(x(burn.today), COLOURS["today"])
        if burn.forecast is not None:
            (d0, p0), (d1, p1) = burn.forecast
            for xs, ys in dashed(x(d0), p0 * 100, x(d1), p1 * 100):
                plt.plot(xs, ys, marker="braille", color=COLOURS["forecast"])
        if burn.points:
            xs = [x(d) for d, _ in burn.points]
            ys = [p * 100 for _, p in burn.points]
            plt.plot(xs, ys, marker="braille", color=COLOURS["progress"])
            plt.scatter(xs, ys, marker="●", color=COLOURS["progress"])
        plt.xlim(0, span)
        plt.ylim(0, top * 100)
        plt.xticks(*x_ticks(burn))
        plt.yticks(*y_ticks(top))
        self.refresh()


def strip_text(burn: BurnUp, width: int) -> Text:
    """One line ``width`` cells wide: each column coloured by the confidence last given
    up to its day (a check-in's colour runs until the next, the last one's until today),
    blank before the first and after today; "·" where a check-in gave none."""
    span = max((burn.end - burn.start).days, 1)
    cells = Text()
    given = list(burn.confidences)
    last = max(burn.today, given[-1][0]) if given else burn.today
    step = timedelta(days=span / max(width, 1))  # a column's days, ending at ``day``
    for column in range(max(width, 1)):
        day = burn.start + step * (column + 1)
        latest = [c for d, c in given if d <= day]
        if not latest or day - step >= last:
            cells.append(" ")
        elif latest[-1] is None:
            cells.append("·", "dim")
        else:
            cells.append("▀", CONFIDENCE_COLOUR[latest[-1]])
    return cells


class ConfidenceStrip(Widget):
    """Each check-in's confidence as colour along the chart's time axis, under the plot's
    own columns (plotext pads the y labels to their widest and draws a frame around the
    plot: the strip skips as many cells on the left and one on the right)."""

    DEFAULT_CSS = """
    ConfidenceStrip { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.burn: BurnUp | None = None

    def show(self, burn: BurnUp | None) -> None:
        self.burn = burn
        self.refresh()

    def render(self) -> RenderableType:
        if self.burn is None or not self.burn.confidences:
            return Text("no confidence given yet", "dim")
        left = max(len(label) for label in y_ticks(self.burn.top)[1]) + 1
        width = max(self.size.width - left - 1, 1)
        return Text.assemble(" " * left, strip_text(self.burn, width))


def legend(burn: BurnUp) -> Text:
    """What the lines are, with the numbers a reader asks first (now, expected, forecast)."""
    now = burn.points[-1][1] if burn.points else None
    day = min(max(burn.today, burn.start), burn.end)
    parts: list[tuple[str, str] | str] = [
        ("━ progress ", COLOURS["progress"].rstrip("+")),
        (format_percent(now), "bold"),
        "  ",
        ("━ expected ", "dim"),
        (format_percent(burn.expected(day)), "bold"),
    ]
    if burn.forecast is not None:
        parts += ["  ", ("╍ forecast ", COLOURS["forecast"].rstrip("+")),
                  (format_percent(burn.forecast[1][1]), "bold")]  # fmt: skip
    if burn.today_in_period:
        parts += ["  ", (f"│ today {short_date(burn.today)}", "dark_orange")]
    if burn.confidences:
        parts += ["  ", ("▀", "green"), ("▀", "yellow"), ("▀", "red"), (" confidence", "")]
    return Text.assemble(*parts)


class BurnUpChart(Vertical):
    """A heading, the legend, the plot and the confidence strip."""

    DEFAULT_CSS = """
    BurnUpChart { height: 16; }
    BurnUpChart > .burnup-title { height: auto; }
    BurnUpChart > .burnup-legend { height: auto; }
    """

    _ready = False
    _pending: tuple[Text, BurnUp | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="burnup-title")
        yield Static(classes="burnup-legend")
        yield BurnUpPlot()
        yield ConfidenceStrip()

    def on_mount(self) -> None:
        self._ready = True
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, title: Text, burn: BurnUp | None) -> None:
        """Draw ``burn`` (None: only ``title``, e.g. why there is no chart); kept until the
        chart is mounted when it was just created (DetailPane mounts it on first use)."""
        if not self._ready:
            self._pending = (title, burn)
            return
        self.styles.height = "auto" if burn is None else None  # the CSS height, or just the title
        self.query_one(".burnup-title", Static).update(title)
        legend_line = self.query_one(".burnup-legend", Static)
        legend_line.update(legend(burn) if burn else Text(""))
        legend_line.display = burn is not None
        self.query_one(BurnUpPlot).show(burn)
        self.query_one(BurnUpPlot).display = burn is not None
        self.query_one(ConfidenceStrip).show(burn)
        self.query_one(ConfidenceStrip).display = burn is not None
