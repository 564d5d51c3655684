"""The periods screen: every period with its numbers; create, activate, review, export.

| Key | Does |
| --- | --- |
| up/down | Choose a period |
| enter | Show the chosen period in the tree |
| n | Create the next period (a form prefilled with the quarter after the latest) |
| a | Make the chosen period the active one |
| r | Review and close the chosen period (guided, one objective at a time) |
| x | The chosen period's report: read, copy, or save to your exports folder |
| escape | Back |
"""

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from okrtui.modals.period_form import NewPeriodForm, PeriodEntry
from okrtui.screens.base import STYLES, OkrScreen, edit_until_saved
from okrtui.screens.report_view import ReportScreen
from store.domain.pace import expected_progress
from store.domain.scoring import band
from store.errors import DatabaseError, DomainError
from store.format import counted, format_percent
from store.model.enums import PeriodState
from store.model.rows import PeriodRow
from store.read.periods import PeriodSummary, list_periods, period_summaries
from store.write.periods import create_next_period, suggest_next_period
from widgets.footer import KeyFooter
from widgets.text import BAND_STYLE, plain, truncate
from widgets.title import TitleBar

STATE_STYLE = {
    PeriodState.ACTIVE: "bold green",
    PeriodState.PLANNING: "blue",
    PeriodState.CLOSED: "dim",
}


class PeriodsScreen(OkrScreen[None]):
    """Periods newest first: name, dates, state, objectives and average score."""

    CSS_PATH = STYLES / "periods.tcss"
    LISTS_PERIODS = True  # okrtui.app._periods_open asks this, without importing it
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="periods_back"),
        Binding("n", "new_period", "New period", id="new_period"),
        Binding("a", "activate", "Make active", id="activate_period"),
        Binding("r", "review", "Review & close", id="review_period"),
        Binding("x", "export", "Report", id="export_report"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[PeriodSummary] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="periods-intro")
        yield DataTable(id="periods-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="periods-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#periods-table", DataTable)
        table.add_columns("Period", "Dates", "State", "Objectives", "Average")
        self.query_one("#periods-intro", Static).update(
            plain(
                "enter shows a period in the tree · a closed period is read-only: its "
                "grades and notes are final",
                style="dim",
            )
        )
        self.reload()
        table.focus()

    # --- data -------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Re-read the periods (someone may have closed one), off the loop; the cursor stays
        on the period it was on (or moves to ``select``)."""
        keep = select if select is not None else self._selected_id()
        app = self.okr_app
        self.load(lambda: period_summaries(app.db, app.thresholds),
                  lambda summaries: self._read(summaries, keep))  # fmt: skip

    def _read(self, summaries: list[PeriodSummary], keep: int | None) -> None:
        self.summaries = summaries
        self._fill(keep)
        self._sync_app_period()
        self._show_detail()
        self.refresh_bindings()

    def _fill(self, keep: int | None) -> None:
        """Draw the table from the periods read last (no database)."""
        table = self.query_one("#periods-table", DataTable)
        table.clear()
        name_width = self._name_width()
        for s in self.summaries:
            p = s.period
            average = Text(format_percent(s.average), justify="right")
            table.add_row(
                plain(truncate(p.name, name_width)),
                f"{p.starts_on} → {p.ends_on}",
                Text(p.state.value, STATE_STYLE[p.state]),
                Text(str(s.objectives), justify="right"),
                average,
                key=str(p.id),
            )
        ids = [s.period.id for s in self.summaries]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))

    # Every column but the name at its widest: dates, "planning", "Objectives", "Average",
    # each with a cell padding of 1 on both sides, plus the table's margins and scrollbar.
    OTHER_COLUMNS = 23 + 8 + 10 + 7 + 2 * 5 + 2 + 2

    def _name_width(self) -> int:
        """What a period's name may take so every column fits the screen (a 64-character
        name pushed State and the numbers off an 80-column terminal)."""
        return max(7, self.size.width - self.OTHER_COLUMNS)

    def on_resize(self) -> None:
        if self.is_mounted and self.summaries:
            self._fill(self._selected_id())

    def _sync_app_period(self) -> None:
        """The app's period row must reflect a state changed here (closed, activated)."""
        current = self.okr_app.period
        fresh = {s.period.id: s.period for s in self.summaries}
        if current is not None and current.id in fresh and fresh[current.id] != current:
            self.okr_app.period = fresh[current.id]
        elif current is None and self.summaries:
            self.okr_app.period = self.summaries[0].period

    def _selected(self) -> PeriodSummary | None:
        table = self.query_one("#periods-table", DataTable)
        if not self.summaries or table.cursor_row is None:
            return None
        index = table.cursor_row
        return self.summaries[index] if 0 <= index < len(self.summaries) else None

    def _selected_id(self) -> int | None:
        chosen = self._selected()
        return chosen.period.id if chosen else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        chosen = self._selected()
        detail = self.query_one("#periods-detail", Static)
        if chosen is None:
            detail.update(plain("No periods yet: press n to create the first one."))
            return
        p = chosen.period
        elapsed = expected_progress(p.starts_on, p.ends_on, self.okr_app.today())
        what = {
            PeriodState.ACTIVE: "the active period: check-ins go here",
            PeriodState.PLANNING: "planning: prepare its OKRs, press a to make it active",
            PeriodState.CLOSED: "closed: read-only, graded and reviewed",
        }[p.state]
        label = "average final grade" if p.state == PeriodState.CLOSED else "average score"
        th = self.okr_app.thresholds
        detail.update(
            Text.assemble(
                plain(p.name, style="bold"),
                f" · {what} · {format_percent(elapsed)} of its time elapsed · "
                f"{chosen.objectives} objectives · {label} ",
                (format_percent(chosen.average), BAND_STYLE[band(chosen.average, th)]),
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Disable (not hide) what the chosen period's state does not allow."""
        if action not in ("activate", "review", "export"):
            return True
        chosen = self._selected() if self.is_mounted else None
        state = chosen.period.state if chosen is not None else None
        allowed = {
            "activate": state == PeriodState.PLANNING,
            "review": state in (PeriodState.PLANNING, PeriodState.ACTIVE),
            "export": state is not None,
        }[action]
        return True if allowed else None

    # --- actions ----------------------------------------------------------------------

    def _refused(self, what: str, exc: Exception) -> None:
        self.notify(str(exc), title=f"{what} refused", severity="error", timeout=8)

    @work(group="periods-new")
    async def action_new_period(self) -> None:
        app = self.okr_app
        try:
            suggestion = await self.store(lambda: suggest_next_period(app.db, app.today()))
        except DatabaseError as exc:
            self._refused("New period", exc)
            return

        def write(entry: PeriodEntry) -> PeriodRow:
            saved = create_next_period(app.db, app.username, name=entry.name,
                                       starts_on=entry.starts_on, ends_on=entry.ends_on,
                                       activate=entry.activate)  # fmt: skip
            return next(p for p in list_periods(app.db) if p.id == saved.id)

        created = await edit_until_saved(
            self, lambda draft, error: NewPeriodForm(suggestion, draft=draft, error=error), write
        )
        if created is not None:
            self.reload(created.id)
            self.notify(f"created {created.name}")

    @work(group="periods-write")
    async def action_activate(self) -> None:
        from store.write.periods import activate_period

        chosen = self._selected()
        if chosen is None:
            return
        app, period_id = self.okr_app, chosen.period.id

        def write() -> PeriodRow:
            activate_period(app.db, app.username, period_id)
            return next(p for p in list_periods(app.db) if p.id == period_id)

        try:
            app.period = await self.store(write)
        except (DomainError, DatabaseError) as exc:
            self._refused("Activate", exc)
            return
        self.reload()
        self.notify(f"{chosen.period.name} is now the active period")

    @work(group="periods-review")
    async def action_review(self) -> None:
        from okrtui.screens.review import ReviewScreen

        chosen = self._selected()
        if chosen is None or chosen.period.state == PeriodState.CLOSED:
            return
        summary = await self.app.push_screen_wait(ReviewScreen(chosen.period))
        if summary is None:
            return
        self.reload(summary.period_id)
        app, target = self.okr_app, summary.target_period_id
        if summary.activated and target is not None:
            try:
                app.period = await self.store(
                    lambda: next(p for p in list_periods(app.db) if p.id == target)
                )
            except DatabaseError as exc:
                self.notify(str(exc), severity="error")
        text = f"closed {summary.period_name}: {counted(summary.graded, 'objective')} graded"
        if summary.rolled:
            text += f", {len(summary.rolled)} rolled over into {summary.target_period_name}"
        if summary.activated:
            text += f"; {summary.target_period_name} is now the active period"
        self.notify(text, title="Period closed", timeout=8)

    def action_export(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self.app.push_screen(ReportScreen(chosen.period))

    @on(DataTable.RowSelected)
    def _show_in_tree(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self.okr_app.period = chosen.period
            self._leave(to_tree=True)

    def action_back(self) -> None:
        self._leave(to_tree=False)

    def _leave(self, *, to_tree: bool) -> None:
        """Back to where the user came from (or the tree), which re-reads the database."""
        app = self.okr_app
        app.pop_screen()
        if to_tree and app.current_mode != "tree":
            app.action_switch_to("tree")  # re-reads the tree
            return
        app.reload_screen()
