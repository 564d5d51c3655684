"""What a KPI card says: the plain values it shows (:class:`PanelData`) and the texts
made from them (delta, body lines, title), shared by the dashboard grid and the detail.

Presentational only: plain values in, rich Text out; no database.
"""

from dataclasses import dataclass
from datetime import date, datetime

from rich.text import Text

from store.domain.kpi_rules import kpi_delta_is_good
from store.format import format_number
from store.format import range_text as format_range
from store.model.enums import KpiDirection
from widgets.text import plain, styled, truncate

HEALTH = ("green", "amber", "red", "none")
HEALTH_LABEL = {"green": "● good", "amber": "● watch", "red": "● bad", "none": ""}
GOOD, BAD, NEUTRAL = "green", "red", "dim"
HEALTH_STYLE = {"green": GOOD, "amber": "yellow", "red": BAD, "none": NEUTRAL}
OVERDUE = "⧗"
OVERDUE_STYLE = "bold yellow"


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
    # Issue 18: a flow's figure is a period's total (``label`` says which), a value may be
    # overdue for the KPI's cadence, a range held or not, the source's last pull failed.
    label: str = ""
    previous_label: str = ""  # a flow: the previous period's total is shown, not a delta
    overdue: bool = False
    range_low: float | None = None
    range_high: float | None = None
    in_range: bool | None = None
    pull_error: str | None = None
    last_success: datetime | None = None


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
    """``▲ $8.2K +0.9%`` coloured by whether the move is good for this KPI; for a flow,
    the previous period's total (``last week 62``)."""
    if data.previous_label:
        before = format_number(data.previous, data.unit) if data.previous is not None else "none"
        return Text(f"{data.previous_label} {before}", NEUTRAL)
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


def range_text(data: PanelData) -> Text:
    """``range 30–50 ✓ held`` (green) or ``✗ not held`` (red); empty without a range."""
    if data.range_low is None and data.range_high is None:
        return Text()
    text = Text.assemble(("range ", "dim"), format_range(data.range_low, data.range_high,
                                                        data.unit))  # fmt: skip
    if data.in_range is not None:
        text.append(" ✓ held" if data.in_range else " ✗ not held", GOOD if data.in_range else BAD)
    return text


def body_text(data: PanelData, width: int) -> tuple[Text, Text, Text]:
    """The three text lines of a panel for an inner ``width``: the figure and its day (a
    flow's period, ``⧗`` when overdue), the delta, the range or target."""
    value = Text(format_number(data.value, data.unit), "bold")
    when = data.label or (f"{data.observed_on}" if data.observed_on else "")
    if data.overdue:
        when = f"{OVERDUE} {when or 'no value'}"
    gap = max(width - len(value) - len(when), 2)
    first = Text.assemble(value, " " * gap, (when, OVERDUE_STYLE if data.overdue else "dim"))
    target = (
        Text.assemble(("target ", "dim"), format_number(data.target, data.unit))
        if data.target is not None
        else Text("no target", "dim")
    )
    if data.range_low is not None or data.range_high is not None:
        target = (
            range_text(data)
            if data.target is None
            else Text.assemble(
                range_text(data), ("  target ", "dim"), format_number(data.target, data.unit)
            )
        )
    if data.archived:
        target.append("  archived", "italic dim")
    return first, delta_text(data), target


def pull_failure_text(data: PanelData) -> tuple[Text, Text] | None:
    """Two lines saying the source's last pull failed and when it last worked; None when
    it did not fail. The error is user-visible text from elsewhere: plain, never markup."""
    if not data.pull_error:
        return None
    error = Text.assemble(("✗ pull failed: ", f"bold {BAD}"), plain(data.pull_error, style=BAD))
    if data.last_success is None:
        return error, Text("never pulled ok", NEUTRAL)
    when = data.last_success.astimezone().strftime("%Y-%m-%d %H:%M")
    return error, Text(f"last ok {when}", NEUTRAL)


def card_title(data: PanelData) -> str:
    """The panel's title as drawn in its top border (user text, never markup)."""
    marks = ("⚠ " if data.warning else "") + (f"{OVERDUE} " if data.overdue else "")
    return marks + truncate(plain(data.name).plain, 40)


ROUND = ("╭", "─", "╮", "│", "╰", "╯")
HEAVY = ("┏", "━", "┓", "┃", "┗", "┛")
