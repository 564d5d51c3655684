"""The company overview (o): objectives and key results by band per level and per team,
the week's biggest movers, the at-risk and the stale; enter on a line opens it in the tree.

Read in a thread worker from the weekly report's own data (``build_report``, then
``build_overview``: no query of its own), re-read when the screen is shown again or
someone writes.

| Key | Does |
| --- | --- |
| up/down, j/k | Move between the listed objectives and key results |
| enter | Show the chosen objective or key result in the tree |
| t | Back to the tree |
"""

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from okrtui.live import DatabaseChanged
from okrtui.screens.base import OkrScreen
from store.format import format_percent, status_label
from store.io.overview import BANDS, BandCounts, Item, Of, Overview, build_overview
from store.io.report import build_report
from store.model.enums import BAND_LABEL, Band
from widgets.footer import KeyFooter
from widgets.okr_tree import NodeRef
from widgets.text import BAND_STYLE, plain, styled, truncate
from widgets.title import TitleBar

BAR = 10
"""Cells of a group's band bars (one for its objectives, one for its key results)."""
NAME = 16
"""Cells of a group's name (a team's name is cut to it)."""


def band_bar(counts: Mapping[Band, int], width: int = BAR) -> Text:
    """``counts`` as a bar of ``width`` cells, each band's share in its colour (a band with
    anything in it gets at least one cell)."""
    total = sum(counts.values())
    if not total:
        return Text("·" * width, "dim")
    cells = {b: max(1, round(width * n / total)) if n else 0 for b, n in counts.items()}
    while sum(cells.values()) != width:  # rounding: take from or give to the largest
        largest = max(cells, key=lambda b: cells[b])
        cells[largest] += 1 if sum(cells.values()) < width else -1
    bar = Text()
    for band in BANDS:
        bar.append("█" * cells[band], BAND_STYLE[band])
    return bar.append("·" * (width - sum(cells.values())), "dim")


def group_line(counts: BandCounts) -> Text:
    """One group: its objectives' bar, count and share on track or better, then its key
    results' ("Marketing  ██████████  2 obj 100%  ████████··  6 KRs  67%"; the name is
    user text)."""
    name = plain(truncate(counts.name, NAME))
    objectives, krs = counts.share_on_track("objectives"), counts.share_on_track("key_results")
    return Text.assemble(
        "  ", name, " " * (NAME - len(name) + 1),
        band_bar(counts.objectives), f" {counts.objective_total:>3} obj ",
        (f"{format_percent(objectives):>4}", "bold"), "   ",
        band_bar(counts.key_results), f" {counts.kr_total:>3} KRs ",
        (f"{format_percent(krs):>4}", "bold"),
    )  # fmt: skip


def columns_line(title: str) -> Text:
    """A group table's heading, naming the two bars above them (the percentages are the
    share on track or better)."""
    return Text.assemble(
        (title, "bold underline"), " " * (NAME + 3 - len(title)),
        ("objectives", "dim"), " " * (BAR + 16 - len("objectives")),
        ("key results", "dim"), ("  %: on track+", "dim"),
    )  # fmt: skip


def shares_lines(total: BandCounts, of: Of) -> list[Text]:
    """Each band's count and share of all objectives (or key results), three bands a line
    (six fit no 80-column line)."""
    counts = total.objectives if of == "objectives" else total.key_results
    shares = [styled(f"● {counts[b]} {BAND_LABEL[b]} {format_percent(total.share(b, of))}",
                     BAND_STYLE[b]) for b in BANDS if counts[b]]  # fmt: skip
    label = "  objectives:  " if of == "objectives" else "  key results: "
    if not shares:
        return [Text(label, "dim") + Text("none yet", "dim")]
    return [Text(label if i == 0 else " " * len(label), "dim") + Text("  ").join(shares[i:i + 3])
            for i in range(0, len(shares), 3)]  # fmt: skip


def item_line(item: Item) -> Text:
    """A listed objective or key result: ref, title, score and band, and why it is listed."""
    label = status_label(item.band, item.score) if item.score is not None else BAND_LABEL[item.band]
    return Text.assemble(
        (f"  {item.ref:<6} ", "dim"), plain(truncate(item.title, 32)), "  ",
        (f"{format_percent(item.score)} ", "bold"), styled(f"● {label}", BAND_STYLE[item.band]),
        ("  " + item.detail, "dim"),
    )  # fmt: skip


def overview_options(ov: Overview) -> list[Option | None]:
    """Every line of the overview: headings and groups (not selectable), then the items,
    whose ids say what enter opens ("movers:objective:6", "stale:kr:13": an item may be
    listed twice, an option id only once)."""
    out: list[Option | None] = []

    def heading(text: str) -> None:
        out.append(Option(Text(text, "bold underline"), disabled=True))

    heading("By band")
    out += [Option(line, disabled=True) for line in shares_lines(ov.total, "objectives")]
    out += [Option(line, disabled=True) for line in shares_lines(ov.total, "key_results")]
    out.append(Option(columns_line("By level"), disabled=True))
    out += [Option(group_line(g), disabled=True) for g in ov.levels]
    out.append(Option(columns_line("By team"), disabled=True))
    out += [Option(group_line(g), disabled=True) for g in ov.teams]
    for section, title, items, empty in (
        ("movers", "Biggest movers this week", ov.movers, "nothing moved this week"),
        ("at-risk", "At risk or off track", ov.at_risk, "every objective is on track or better"),
        ("stale", "Stale key results", ov.stale, "every key result was checked in lately"),
    ):
        heading(title)
        out += [Option(item_line(i), id=f"{section}:{i.kind}:{i.id}") for i in items]
        if not items:
            out.append(Option(Text(f"  {empty}", "dim"), disabled=True))
    return out


def summary(ov: Overview) -> Text:
    """The headline: the period, its objectives and key results, the average score."""
    total, report = ov.total, ov.report
    return Text.assemble(
        plain(report.period.name, style="bold"),
        f" · {total.objective_total} objectives · {total.kr_total} key results · average ",
        (format_percent(report.average), "bold"),
    )  # fmt: skip


class OverviewScreen(OkrScreen[None]):
    """The period at a glance, by band; each listed objective or key result opens the tree."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Show in tree", id="overview_open"),
        Binding("j", "focused.cursor_down", "Down", show=False, id="overview_down"),
        Binding("k", "focused.cursor_up", "Up", show=False, id="overview_up"),
    ]
    DEFAULT_CSS = """
    OverviewScreen #overview-summary { height: auto; padding: 0 1; }
    OverviewScreen #overview-list { height: 1fr; border: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(plain("reading…", style="dim"), id="overview-summary")
        yield OptionList(id="overview-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()
        self.watch(self.app, "period", lambda: self.reload(), init=False)

    def reload(self) -> None:
        """Read the period's report off the loop, then draw the overview from it."""
        app, period = self.okr_app, self.okr_app.period
        if period is None:
            self.query_one("#overview-summary", Static).update(plain("There is no period yet."))
            return
        today, th = app.today(), app.thresholds
        stale_after = app.ctx.settings.reminders.stale_after_days
        self.load(
            lambda: build_overview(build_report(app.db, period.id, today, th), stale_after),
            self._show,
        )

    def on_database_changed(self, _event: DatabaseChanged) -> None:
        self.reload()

    def _show(self, overview: Overview) -> None:
        self.overview = overview
        self.query_one("#overview-summary", Static).update(summary(overview))
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(overview_options(overview))
        selectable = [i for i, o in enumerate(options.options) if not o.disabled]
        if keep is not None and keep in selectable:
            options.highlighted = keep
        elif selectable:
            options.highlighted = selectable[0]

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._open(options.get_option_at_index(options.highlighted).id)

    def _open(self, option_id: str | None) -> None:
        """The tree, with its cursor on the chosen objective or key result."""
        if not option_id:
            return
        _section, kind, number = option_id.split(":")
        ref = NodeRef("objective" if kind == "objective" else "kr", int(number))
        app = self.okr_app
        app.action_switch_to("tree")
        show = getattr(app.screen, "show_item", None)
        if callable(show):
            show(ref)
