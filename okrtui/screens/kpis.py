"""The KPI dashboard: a grid of panels that reflows with the terminal's width.

Opening it costs a few queries however long the histories are: the panels with
only their last N values (``kpi_panels``; N is ``[ui] sparkline_length``; a flow KPI's
last N periods, ``with_flow_history``), the sources' last pulls (``kpi_sources``: errors
shown on the panels), and which KPIs drive key results (``kpi_links``: the early
warnings and the "linked to my KRs" filter), read in a thread worker. Panels are
updated in place when the same KPIs are shown again, so recording a value does not
rebuild the grid.
"""

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from okrtui.live import DatabaseChanged
from okrtui.modals.dialogs import ConfirmDialog, PickDialog
from okrtui.screens.base import OkrScreen
from okrtui.screens.kpi_flows import import_flow, kpi_form_flow, record_value_flow
from store.domain.kpi_rules import kpi_health
from store.errors import DatabaseError, DomainError
from store.model.rows import KpiPanel
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import kpi_sources
from store.read.kpi_status import KpiStatus, kpi_status, with_flow_history
from store.read.kpis import KpiLinks, kpi_links, panel_warning
from widgets.footer import KeyFooter
from widgets.kpi_card import PanelData
from widgets.kpi_panel import KpiGrid
from widgets.text import plain
from widgets.title import TitleBar


@dataclass(frozen=True)
class KpiFilter:
    """Which panels show: ``kind`` is all, mine, linked, category, team, owner or archived."""

    kind: str = "all"
    value: str = ""

    def label(self) -> str:
        return {
            "all": "all KPIs",
            "linked": "KPIs linked to my key results",
            "mine": "KPIs I own",
            "archived": "archived KPIs",
        }.get(self.kind, f"{self.kind} {self.value}")

    def keeps(self, panel: KpiPanel, links: KpiLinks, username: str) -> bool:
        if self.kind == "archived":
            return panel.archived
        if panel.archived:
            return False
        match self.kind:
            case "linked":
                return panel.id in links.mine
            case "mine":
                return panel.owner == username
            case "category":
                return panel.category == self.value
            case "team":
                return (panel.team or "") == self.value
            case "owner":
                return panel.owner == self.value
        return True


def panel_data(panel: KpiPanel, links: KpiLinks, status: KpiStatus) -> PanelData:
    """What a card shows for a KPI (early warnings only for KPIs that drive a KR): its
    figure (a flow's current-period total), marks and colour. Without thresholds or a
    target, a range colours the card: green while held, red when not."""
    warning = panel_warning(panel) if panel.id in links.krs and not panel.archived else None
    caption = " · ".join(part for part in (panel.owner, panel.category) if part)
    health = kpi_health(panel.direction, status.figure, panel.green, panel.red, panel.target)
    if health == "none" and status.in_range is not None:
        health = "green" if status.in_range else "red"
    return PanelData(
        key=panel.id,
        name=panel.name,
        unit=panel.unit,
        value=status.figure,
        observed_on=status.figure_on,
        previous=status.previous,
        direction=panel.direction,
        target=panel.target,
        health=health,
        series=status.series,
        caption=caption,
        warning=warning.reason if warning else None,
        archived=panel.archived,
        label=status.label,
        previous_label=status.previous_label,
        overdue=status.overdue and not panel.archived,
        range_low=panel.range_low,
        range_high=panel.range_high,
        in_range=status.in_range,
        pull_error=status.last_error,
        last_success=status.last_success,
    )


class KpiScreen(OkrScreen[None]):
    """Every KPI as a panel; arrows move the cursor, the keys below act on the selected one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Short descriptions, and archive off the footer: the app's screen keys (t, K, …)
        # must still fit at 120 columns. The help screen lists them all.
        Binding("v", "record", "Record", id="record_value"),
        Binding("n", "new_kpi", "New", id="new_kpi"),
        Binding("e", "edit_kpi", "Edit", id="edit_kpi"),
        Binding("a", "archive", "Archive", show=False, id="archive_kpi"),
        Binding("f", "pick_filter", "Filter", id="filter_kpis"),
        Binding("I", "import_csv", "Import", id="import_kpis"),
        Binding("escape", "clear_filter", "All KPIs", show=False, id="clear_kpi_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.panels: list[KpiPanel] = []
        self.links = KpiLinks()
        self.statuses: dict[int, KpiStatus] = {}
        self.filter = KpiFilter()
        self.shown: list[KpiPanel] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="kpi-mode-line")
        yield Static(id="kpi-empty")
        yield KpiGrid(id="kpi-grid")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(KpiGrid).focus()

    # --- loading ------------------------------------------------------------------

    def on_database_changed(self, _event: DatabaseChanged) -> None:
        """Someone recorded or changed a KPI (here or in another session): re-read."""
        self.reload()

    def reload(self, select: int | None = None) -> None:
        """Re-read the panels off the loop, then update the grid, keeping (or setting) the
        selection."""
        app, archived = self.okr_app, self.filter.kind == "archived"

        today = app.today()

        def read() -> tuple[list[KpiPanel], KpiLinks, dict[int, KpiStatus]]:
            # all or nothing: panels shown with another moment's links would disagree
            panels = kpi_panels(app.db, last=app.sparkline_length, include_archived=archived)
            panels = with_flow_history(app.db, panels, today, app.sparkline_length)
            sources = kpi_sources(app.db)
            statuses = {p.id: kpi_status(p, sources.get(p.id), today) for p in panels}
            return panels, kpi_links(app.db, app.username), statuses

        self.load(read, lambda read: self._read(read, select))

    def _read(
        self, read: tuple[list[KpiPanel], KpiLinks, dict[int, KpiStatus]], select: int | None
    ) -> None:
        self.panels, self.links, self.statuses = read
        self._show(select)

    def _show(self, select: int | None = None) -> None:
        user = self.okr_app.username
        self.shown = [p for p in self.panels if self.filter.keeps(p, self.links, user)]
        data = [panel_data(p, self.links, self.statuses[p.id]) for p in self.shown]
        self.query_one(KpiGrid).show(data, select)
        self._update_mode_line()
        empty = self.query_one("#kpi-empty", Static)
        empty.display = not data
        if not data:
            empty.update(plain(self._empty_text()))

    def _empty_text(self) -> str:
        if self.filter.kind == "linked":
            return (
                "None of your key results in an open period follows a KPI. Link one in the key "
                "result's form (t for the tree, then e), or press escape for all KPIs."
            )
        if self.filter.kind != "all":
            return "No KPI matches the filter: press escape to show all, f to choose another."
        return "No KPIs yet. Press n to define the first one (MRR, churn, NPS…)."

    def _update_mode_line(self) -> None:
        total = sum(1 for p in self.panels if not p.archived)
        grid = self.query_one(KpiGrid).items
        warnings = sum(1 for item in grid if item.warning)
        overdue = sum(1 for item in grid if item.overdue)
        failed = sum(1 for item in grid if item.pull_error)
        text = f"showing {self.filter.label()} · {len(self.shown)} of {total}"
        if warnings:
            text += f" · ⚠ {warnings} trending the wrong way"
        if overdue:
            text += f" · ⧗ {overdue} overdue"
        if failed:
            text += f" · ✗ {failed} pull{'s' if failed > 1 else ''} failed"
        text += " · arrows move · enter opens · a archives"
        self.query_one("#kpi-mode-line", Static).update(plain(text, style="dim"))

    def selected(self) -> KpiPanel | None:
        key = self.query_one(KpiGrid).selected_key
        return next((p for p in self.shown if p.id == key), None)

    @on(KpiGrid.Opened)
    def _opened(self) -> None:
        self.action_open()

    # --- actions ------------------------------------------------------------------

    def _need(self) -> KpiPanel | None:
        panel = self.selected()
        if panel is None:
            self.notify("no KPI selected", severity="warning")
        return panel

    def action_open(self) -> None:
        from okrtui.screens.kpi_detail import KpiDetailScreen

        panel = self._need()
        if panel is not None:
            # Values recorded or a definition edited in the detail show here on return.
            self.app.push_screen(KpiDetailScreen(panel.id), lambda _: self.reload())

    @work(group="kpi-write")
    async def action_record(self) -> None:
        panel = self._need()
        if panel is None:
            return
        if panel.archived:
            self.notify(f"{panel.name} is archived: press a to unarchive it first",
                        severity="warning")  # fmt: skip
            return
        if await record_value_flow(self, panel):
            self.reload(panel.id)

    @work(group="kpi-write")
    async def action_new_kpi(self) -> None:
        result = await kpi_form_flow(self, self.panels)
        if result is not None:
            self.notify(f"created KPI-{result}")
            if self.filter.kind != "all":
                self.filter = KpiFilter()
            self.reload(result)

    @work(group="kpi-write")
    async def action_edit_kpi(self) -> None:
        from store.read.kpi_sources import kpi_source
        from store.read.kpis import kpi_description

        panel = self._need()
        if panel is None:
            return
        db = self.okr_app.db
        try:
            description, source = await self.store(
                lambda: (kpi_description(db, panel.id), kpi_source(db, panel.id))
            )
        except DatabaseError as exc:
            self.load_failed(exc)
            return
        if await kpi_form_flow(self, self.panels, panel, description, source) is not None:
            self.reload(panel.id)

    @work(group="kpi-write")
    async def action_archive(self) -> None:
        from store.write.kpis import set_kpi_archived

        panel = self._need()
        if panel is None:
            return
        archive = not panel.archived
        if archive:
            linked = self.links.krs.get(panel.id, ())
            question = f"Archive the KPI “{panel.name}”? Its history is kept; it leaves the "
            question += "dashboard and takes no new values until unarchived."
            if linked:
                question += f" {', '.join(linked)} follow it and keep its last value."
            if not await self.app.push_screen_wait(ConfirmDialog(question, "Archive")):
                return
        app = self.okr_app
        try:
            saved = await self.store(
                lambda: set_kpi_archived(app.db, app.username, panel.id, archive)
            )
        except (DomainError, DatabaseError) as exc:
            self.notify(str(exc), title="Archive refused", severity="error", timeout=8)
            return
        self.notify(f"{'archived' if archive else 'unarchived'} {panel.name}")
        for warning in saved.warnings:
            self.notify(warning, severity="warning")
        self.reload()

    @work
    async def action_pick_filter(self) -> None:
        choices: list[tuple[KpiFilter, str]] = [
            (KpiFilter(), "All KPIs"),
            (KpiFilter("linked"), "Linked to my key results"),
            (KpiFilter("mine"), "Owned by me"),
        ]
        live = [p for p in self.panels if not p.archived]
        for kind, values in (
            ("category", {p.category for p in live if p.category}),
            ("team", {p.team for p in live if p.team}),
            ("owner", {p.owner for p in live}),
        ):
            choices += [(KpiFilter(kind, v), f"{kind.capitalize()}: {v}") for v in sorted(values)]
        choices.append((KpiFilter("archived"), "Archived KPIs"))
        picked = await self.app.push_screen_wait(
            PickDialog("Show KPIs", choices, current=self.filter)
        )
        if picked is PickDialog.CANCELLED:
            return
        self.set_filter(picked)

    def set_filter(self, new: KpiFilter) -> None:
        archived_changed = (new.kind == "archived") != (self.filter.kind == "archived")
        self.filter = new
        if archived_changed:
            self.reload()
        else:
            self._show()

    def action_clear_filter(self) -> None:
        if self.filter != KpiFilter():
            self.set_filter(KpiFilter())

    @work(group="kpi-write")
    async def action_import_csv(self) -> None:
        if await import_flow(self):
            self.reload()
