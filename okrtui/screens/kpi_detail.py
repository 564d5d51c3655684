"""One KPI in full: facts and early warning, a chart with target and thresholds, the
history table, the key results it drives and the KPIs rolling up into it.

The history is read once, in a thread worker (capped at ``store.read.kpis.HISTORY_CAP``
values); the chart plots at most ``widgets.chart.MAX_POINTS`` bucket means and the table shows
the latest ``TABLE_ROWS`` values, saying so when there are more.
"""

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from okrtui.live import DatabaseChanged
from okrtui.screens.base import OkrScreen
from okrtui.screens.kpi_flows import kpi_form_flow, record_value_flow
from okrtui.screens.kpi_source_facts import fields, keeping_current, source_name
from store.domain.kpi_rules import kpi_health
from store.errors import DatabaseError, DomainError
from store.format import counted, format_number, format_percent, status_label
from store.model.enums import KpiDirection, SourceKind
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import SourceRow, kpi_source
from store.read.kpi_status import KpiStatus, kpi_status
from store.read.kpis import HISTORY_CAP, KpiDetail, kpi_detail
from store.write.formulas import recompute_formula
from widgets.chart import HistoryChart, Level
from widgets.footer import KeyFooter
from widgets.kpi_card import HEALTH_LABEL, HEALTH_STYLE, PanelData, delta_text
from widgets.text import BAND_STYLE, plain, styled, truncate
from widgets.title import TitleBar

TABLE_ROWS = 500
NARROW_WIDTH = 100
"""Below this width the facts take the whole top row (the chart goes beside the history
and the linked key results under the facts): in a third of 80 columns a source's query,
path or error could not be read."""


def facts(d: KpiDetail, status: KpiStatus, source: SourceRow | None) -> RenderableType:
    """The left column: what the KPI is, its latest value, health and any warning, then
    how it keeps itself current (cadence, flow, range, source)."""
    latest, previous = d.latest, d.previous
    value = latest.value if latest else None
    health = kpi_health(d.direction, value, d.green, d.red, d.target)
    data = PanelData(d.id, d.name, d.unit, value, latest.observed_on if latest else None,
                     previous.value if previous else None, d.direction)  # fmt: skip
    better = "higher" if d.direction == KpiDirection.HIGHER else "lower"
    parts: list[RenderableType] = [
        Text.assemble((f"KPI-{d.id}  ", "bold"), plain(d.name, style="bold")),
    ]
    if d.archived:
        parts.append(Text("archived: no new values until unarchived (a on the dashboard)", "dim"))
    parts += [
        Text.assemble(
            (format_number(value, d.unit), "bold"), "  ", delta_text(data),
            (f"  on {latest.observed_on}" if latest else "", "dim"),
        ),
    ]  # fmt: skip
    if d.warning is not None:  # near the top: visible even on a small terminal
        parts.append(Text.assemble(("⚠ early warning: ", "bold yellow"),
                                   plain(d.warning.reason, style="yellow")))  # fmt: skip
    # How it keeps current (cadence, source, last pull) before the definition: the news
    # a small terminal should show first (target and thresholds are on the chart too).
    parts += [Text(""), keeping_current(d, status, source)]
    definition: list[tuple[str, Text | str]] = [
        ("Health", styled(HEALTH_LABEL[health] or "no thresholds", HEALTH_STYLE[health])),
        ("Target", format_number(d.target, d.unit) if d.target is not None else "—"),
        ("Green / red", f"{format_number(d.green, d.unit)} / {format_number(d.red, d.unit)}"),
        ("Direction", f"{better} is better"),
        ("Owner", plain(d.owner)),
        ("Team", plain(d.team or "—")),
        ("Category", plain(d.category or "—")),
    ]  # fmt: skip
    if d.parent is not None:
        definition.append(("Rolls up to", plain(d.parent.name)))
    parts += [Text(""), fields(definition)]
    if d.description:
        parts += [Text(""), plain(d.description, multiline=True)]
    return Group(*parts)


def links(d: KpiDetail) -> RenderableType:
    """The right column under the chart: driven key results, then the roll-up children."""
    parts: list[RenderableType] = [Text("Key results following this KPI", "bold underline")]
    for kr in d.krs:
        value = format_number(kr.current, kr.unit)
        parts.append(Text.assemble(
            (f"{kr.ref:<7}", "dim"), plain(truncate(kr.title, 28)), "  ",
            (f"{value} / {format_number(kr.target, kr.unit)}  ", ""),
            (f"{format_percent(kr.progress)} ● "
             f"{status_label(kr.band, kr.progress, kr.kind, kr.direction)}", BAND_STYLE[kr.band]),
            (f"  {kr.period_name}", "dim"),
        ))  # fmt: skip
    if not d.krs:
        parts.append(Text("none: link one from a key result's form (t, then e)", "dim"))
    if d.children:
        parts += [Text(""), Text("Rolling up into it", "bold underline")]
        for child in d.children:
            parts.append(Text.assemble(
                plain(truncate(child.name, 30)), "  ",
                (format_number(child.latest, child.unit), "bold"),
                (f"  {child.latest_on or ''}", "dim"),
                ("  archived" if child.archived else "", "italic dim"),
            ))  # fmt: skip
    return Group(*parts)


class KpiDetailScreen(OkrScreen[None]):
    """A KPI's detail; escape goes back to the dashboard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="kpi_back"),
        Binding("v", "record", "Record value", id="kpi_detail_record"),
        Binding("e", "edit", "Edit", id="kpi_detail_edit"),
        Binding("r", "recompute", "Recompute", id="kpi_detail_recompute",
                tooltip="Compute a formula KPI again from its inputs' latest values"),
    ]  # fmt: skip

    def __init__(self, kpi_id: int) -> None:
        super().__init__()
        self.kpi_id = kpi_id
        self.detail: KpiDetail | None = None
        self.source: SourceRow | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        # A grid (okrtui/styles/kpis.tcss): facts | chart over history | links; on a narrow
        # terminal (the -narrow class) the facts span the top, with the linked key results
        # under them, over chart | history.
        with Container(id="kpi-detail-body"):
            with VerticalScroll(id="kpi-facts"):
                yield Static(id="kpi-facts-body")
                yield Static(id="kpi-facts-links")
            yield HistoryChart(id="kpi-chart")
            with Vertical(id="kpi-history-box"):
                yield Static(id="kpi-history-title")
                yield DataTable(id="kpi-history", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="kpi-links"):
                yield Static(id="kpi-links-body")
        yield KeyFooter()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def on_mount(self) -> None:
        table = self.query_one("#kpi-history", DataTable)
        # A date is always ten characters: a fixed width keeps the column from being drawn
        # at its label's width until the table measures its rows (on its next idle).
        table.add_column("Date", width=10)
        table.add_columns("Value", "Source", "Author", "Note")
        self.reload()
        self.query_one("#kpi-history", DataTable).focus()

    def on_database_changed(self, _event: DatabaseChanged) -> None:
        """Someone recorded a value or changed the KPI (maybe in another session): re-read."""
        self.reload()

    def reload(self) -> None:
        """Re-read the KPI (one read transaction, off the loop), then redraw every part."""
        app, kpi_id, today = self.okr_app, self.kpi_id, self.okr_app.today()

        def read() -> tuple[KpiDetail, SourceRow | None, KpiStatus]:
            detail = kpi_detail(app.db, kpi_id, app.thresholds)
            source = kpi_source(app.db, kpi_id)
            return detail, source, kpi_status(detail.as_panel(HISTORY_CAP), source, today)

        self.load(read, self._show)

    def _show(self, read: tuple[KpiDetail, SourceRow | None, KpiStatus]) -> None:
        d, self.source, status = read
        self.detail = d
        self.sub_title = d.name
        self.query_one("#kpi-facts-body", Static).update(facts(d, status, self.source))
        self.query_one("#kpi-links-body", Static).update(links(d))
        self.query_one("#kpi-facts-links", Static).update(Group(Text(""), links(d)))
        lines = (("target", d.target), ("green", d.green), ("red", d.red))
        levels = [Level(name, value) for name, value in lines if value is not None]
        self.query_one(HistoryChart).show_history(
            [(v.observed_on, v.value) for v in d.history], levels, d.unit
        )
        self._fill_table(d)

    def _fill_table(self, d: KpiDetail) -> None:
        table = self.query_one("#kpi-history", DataTable)
        row = table.cursor_row
        table.clear()
        shown = d.history[-TABLE_ROWS:][::-1]
        for v in shown:
            note = " ⏎ ".join(line for line in v.note.splitlines() if line.strip())
            value = plain(format_number(v.value, d.unit))  # the unit is user text
            table.add_row(str(v.observed_on), value, plain(source_name(v.source)), plain(v.author),
                          plain(truncate(note, 60)))  # fmt: skip
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        title = f"History: {counted(d.total_values, 'value')}, newest first"
        if d.total_values > len(shown):
            title = f"History: latest {len(shown)} of {d.total_values} values, newest first"
        self.query_one("#kpi-history-title", Static).update(Text(title, "bold"))

    def action_back(self) -> None:
        self.dismiss(None)

    @work(group="kpi-write")
    async def action_record(self) -> None:
        if self.detail is None:
            return
        panel = self.detail.as_panel(self.okr_app.sparkline_length)
        if self.detail.archived:
            self.notify("this KPI is archived: unarchive it on the dashboard (a)",
                        severity="warning")  # fmt: skip
            return
        if await record_value_flow(self, panel):
            self.reload()

    @work(group="kpi-write")
    async def action_edit(self) -> None:
        detail = self.detail
        if detail is None:
            return
        db = self.okr_app.db
        try:
            panels = await self.store(lambda: kpi_panels(db, last=1, include_archived=True))
        except DatabaseError as exc:
            self.load_failed(exc)
            return
        edited = await kpi_form_flow(
            self, panels, detail.as_panel(1), detail.description, self.source
        )
        if edited is not None:
            self.reload()

    @work(group="kpi-write")
    async def action_recompute(self) -> None:
        """Compute a formula KPI again (pure arithmetic on stored values, so any session
        may); a sql, command or http source runs only from the server owner's pull."""
        detail, source = self.detail, self.source
        if detail is None:
            return
        if source is None or source.kind != SourceKind.FORMULA:
            what = f"its {source.kind.value} source" if source else "it has no source, so it"
            self.notify(
                f"only a formula KPI is recomputed here: {what} is fetched by okrtui kpi pull, "
                "run by the server's owner",
                severity="warning", timeout=8,
            )  # fmt: skip
            return
        app = self.okr_app
        try:
            day, value = await self.store(
                lambda: recompute_formula(app.db, app.username, detail.id, app.today())
            )
        except (DomainError, DatabaseError) as exc:
            self.notify(str(exc), title="Not recomputed", severity="error", timeout=8)
            return
        self.notify(f"{detail.name}: {format_number(value, detail.unit)} on {day}")
        self.reload()
