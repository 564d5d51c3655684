"""What a KPI card says: the plain values it shows (:class:`PanelData`) and the texts
made from them (delta, body lines, title), shared by the dashboard grid and the detail.

Presentational only: plain values in, rich Text out; no database.
"""

from dataclasses import dataclass
from datetime import date

from rich.text import Text

from store.domain.kpi_rules import kpi_delta_is_good
from store.format import format_number
from store.model.enums import KpiDirection
from widgets.text import plain, styled, truncate

HEALTH = ("green", "amber", "red", "none")
HEALTH_LABEL = {"green": "● good", "amber": "● watch", "red": "● bad", "none": ""}
GOOD, BAD, NEUTRAL = "green", "red", "dim"
HEALTH_STYLE = {"green": GOOD, "amber": "yellow", "red": BAD, "none": NEUTRAL}


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


def spark_buckets(series: list[float], width: int) -> list[float]:
    """``series`` fitted into ``width`` bars, bucketed from the newest value backwards.

    Textual's sparkline buckets from the oldest value and shows each bucket's maximum: 26
    values in 25 columns merged the last two, so churn falling 2.06 → 1.8 drew a last bar
    that rose. Here the newest value is always its own bar; older values share bars (their
    mean), the oldest buckets taking the remainder.
    """
    if width < 2 or len(series) <= width:
        return series
    older, buckets = series[:-1], width - 1
    base, extra = divmod(len(older), buckets)
    bars: list[float] = []
    start = 0
    for index in range(buckets):
        size = base + (1 if index < extra else 0)
        chunk = older[start : start + size]
        bars.append(sum(chunk) / len(chunk))
        start += size
    return [*bars, series[-1]]


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
    text = f"{arrow} {format_number(abs(change), data.unit)}"  # "▼ 1 day" (format's singular)
    if data.previous != 0 and data.unit.strip() != "%":
        text += f"  {change / abs(data.previous):+.1%}"
    return styled(text, style)


def body_text(data: PanelData, width: int) -> tuple[Text, Text, Text]:
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
    return first, delta_text(data), target


def card_title(data: PanelData) -> str:
    """The panel's title as drawn in its top border (user text, never markup)."""
    return ("⚠ " if data.warning else "") + truncate(plain(data.name).plain, 40)


ROUND = ("╭", "─", "╮", "│", "╰", "╯")
HEAVY = ("┏", "━", "┓", "┃", "┗", "┛")
