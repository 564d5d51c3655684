"""A KPI's history as a line chart with its target and threshold lines (textual-plotext).

Presentational: it takes dated values and the levels to draw. Long histories are
reduced to at most ``max_points`` bucket means before plotting (five years of
daily values would otherwise cost a repaint per point for no visible gain: a
terminal chart is at most a couple of hundred cells wide). The y axis is labelled
with the same compact numbers as the rest of the app ("$950K", not 950000.0).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from textual_plotext import PlotextPlot

from store.format import format_number

MAX_POINTS = 400

LINE_COLOURS = {"target": "blue+", "green": "green+", "red": "red+"}


@dataclass(frozen=True)
class Level:
    """A horizontal line on the chart: target, green or red threshold."""

    name: str
    value: float


def bucket(points: Sequence[tuple[date, float]], max_points: int) -> list[tuple[date, float]]:
    """At most ``max_points`` points: consecutive buckets averaged, dated by their last day.

    The latest point always survives as the last bucket's date, so the chart ends
    where the history ends.
    """
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    if len(points) <= max_points:
        return list(points)
    out = []
    size = len(points) / max_points
    for i in range(max_points):
        chunk = points[int(i * size) : int((i + 1) * size)]
        if chunk:
            out.append((chunk[-1][0], sum(v for _, v in chunk) / len(chunk)))
    return out


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick positions covering low…high (1, 2, 2.5 or 5 × 10^n steps)."""
    if high < low:
        low, high = high, low
    if high == low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** _floor_log10(raw)
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = _ceil_div(low, step) * step
    ticks: list[float] = []
    tick = first
    while tick <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(tick, 12))
        tick += step
    return ticks or [low]


def _floor_log10(x: float) -> int:
    import math

    return math.floor(math.log10(x))


def _ceil_div(x: float, step: float) -> int:
    import math

    return math.ceil(x / step - 1e-9)


class HistoryChart(PlotextPlot):
    """Dated values as a braille line, with labelled horizontal lines for the levels."""

    DEFAULT_CSS = """
    HistoryChart { height: 14; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, max_points: int = MAX_POINTS) -> None:
        super().__init__(id=id)
        self.max_points = max_points
        self._points: list[tuple[date, float]] = []
        self._levels: list[Level] = []
        self._unit = ""

    @property
    def points(self) -> list[tuple[date, float]]:
        """What is plotted (after bucketing), oldest first."""
        return list(self._points)

    def show_history(
        self, points: Sequence[tuple[date, float]], levels: Sequence[Level] = (), unit: str = ""
    ) -> None:
        """Plot ``points`` (oldest first) with ``levels`` as lines; at most max_points drawn."""
        self._points = bucket(points, self.max_points)
        self._levels = list(levels)
        self._unit = unit
        self._replot()

    def _replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.date_form("Y-m-d")
        if not self._points:
            plt.title("no values yet")
            self.refresh()
            return
        xs = [d.isoformat() for d, _ in self._points]
        ys = [v for _, v in self._points]
        first, last = xs[0], xs[-1]
        # No legend: plotext draws it inside the plot, where it covered half the lines at
        # 80×24 and put "target" on the threshold line at the top. Each level is named on
        # the y axis at its own height instead, in place of the nearby round ticks.
        for level in self._levels:
            plt.plot([first, last], [level.value, level.value], marker="braille",
                     color=LINE_COLOURS.get(level.name, "gray"))  # fmt: skip
        plt.plot(xs, ys, marker="braille", color="cyan+")
        low = min([*ys, *(lv.value for lv in self._levels)])
        high = max([*ys, *(lv.value for lv in self._levels)])
        ticks, labels = y_axis(low, high, self._levels, self._unit)
        plt.yticks(ticks, labels)
        self.refresh()


def y_axis(
    low: float, high: float, levels: Sequence[Level], unit: str
) -> tuple[list[float], list[str]]:
    """Round ticks between ``low`` and ``high``, and each level named at its value ("target
    1.5%"); a round tick within an eighth of the range of a level is left out (same row)."""
    near = (high - low) / 8 if high > low else 0.0
    names: dict[float, list[str]] = {}
    for level in levels:  # a target equal to a threshold: "target/green 8 hours"
        names.setdefault(level.value, []).append(level.name)
    marks = {value: f"{'/'.join(n)} {format_number(value, unit)}" for value, n in names.items()}
    for tick in nice_ticks(low, high):
        if all(abs(tick - value) > near for value in marks):
            marks.setdefault(tick, format_number(tick, unit))
    ordered = sorted(marks)
    return ordered, [marks[value] for value in ordered]
