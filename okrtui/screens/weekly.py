"""The guided weekly check-in: every KR of mine, one after another, then a summary.

The ritual has to take seconds: the value is prefilled and selected, so a KR
costs its new value plus ``enter`` (or just ``tab`` to skip it). KRs already
checked in this week come last. Each check-in is saved as it is entered, so
leaving half-way loses nothing; going back to a KR saved in this run corrects
that check-in instead of adding a second one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from okrtui.screens.checkin import CheckInPanel
from okrtui.screens.dialogs import ConfirmDialog
from store.errors import DatabaseError, DomainError, FarOutside
from store.format import format_percent
from store.model.enums import Band
from store.queries import kr_history, load_tree, my_key_results
from store.rows import KrRow, TreeModel
from store.write.corrections import last_check_in_times
from widgets.footer import KeyFooter
from widgets.text import band_text, plain, truncate
from widgets.title import TitleBar

if TYPE_CHECKING:
    from okrtui.app import OkrApp


@dataclass
class Item:
    """One KR in the run, and what happened to it."""

    kr: KrRow
    objective: str
    done_this_week: bool
    saved: int | None = None  # the check-in id saved in this run
    skipped: bool = False


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week, in ``now``'s time zone."""
    monday = now - timedelta(days=now.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def order_items(items: list[Item]) -> list[Item]:
    """KRs not yet checked in this week first; the rest keep their tree order."""
    return sorted(items, key=lambda item: item.done_this_week)


class WeeklyScreen(Screen[None]):
    """Walk through the current user's KRs of the period on show."""

    GUIDED = True  # the app hides screen switches until the run is finished

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "skip", "Skip", id="weekly_skip"),
        Binding("shift+tab", "back", "Back", id="weekly_back"),
        Binding("escape", "finish", "Finish", id="weekly_finish"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []
        self.index = 0
        self.bands_before: dict[int, Band] = {}

    @property
    def okr(self) -> "OkrApp":
        return cast("OkrApp", self.app)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="wk-progress")
        with Horizontal(id="wk-main"):
            with VerticalScroll(id="wk-form"):
                yield CheckInPanel(self.okr.thresholds, id="panel")
                yield Static(id="wk-error", classes="error")
            yield Static(id="wk-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        period = self.okr.period
        if period is None:
            self._nothing("There is no period yet: nothing to check in.")
            return
        db, user = self.okr.db, self.okr.username
        mine = my_key_results(db, user, period.id, self.okr.thresholds)
        before = load_tree(db, period.id, self.okr.thresholds)
        self.bands_before = band_snapshot(before, {kr.objective_id for _, kr in mine})
        since = week_start(datetime.combine(self.okr.today(), datetime.min.time()).astimezone())
        latest = last_check_in_times(db, [kr.id for _, kr in mine])
        self.items = order_items(
            [Item(kr, title, kr.id in latest and latest[kr.id] >= since) for title, kr in mine]
        )
        if not self.items:
            self._nothing(
                f"You ({user}) own or collaborate on no key results in {period.name}. "
                "Press escape to go back."
            )
            return
        self._show()

    def _nothing(self, message: str) -> None:
        self.query_one("#panel", CheckInPanel).display = False
        self.query_one("#wk-progress", Static).update(plain(message))

    # --- moving through the run ----------------------------------------------------

    def _show(self) -> None:
        item = self.items[self.index]
        db = self.okr.db
        history = kr_history(db, item.kr.id)
        existing = next((r for r in history if r.id == item.saved), None)
        panel = self.query_one("#panel", CheckInPanel)
        panel.load(item.kr, item.objective, history, self.okr.sparkline_length, existing)
        panel.focus_value()
        self.query_one("#wk-error", Static).update("")
        self._show_progress()

    def _show_progress(self) -> None:
        saved = sum(1 for i in self.items if i.saved is not None)
        skipped = sum(1 for i in self.items if i.skipped and i.saved is None)
        line = Text.assemble(
            ("Weekly check-in  ", "bold"),
            (f"{self.index + 1} of {len(self.items)}", "bold reverse"),
            f"   ✓ {saved} saved · ↷ {skipped} skipped",
            ("   ⏎ save and next · tab skip · shift+tab back · esc finish", "dim"),
        )
        self.query_one("#wk-progress", Static).update(line)
        listing = Text()
        for n, item in enumerate(self.items):
            mark = "✓" if item.saved is not None else "↷" if item.skipped else "·"
            style = "bold reverse" if n == self.index else "dim" if item.done_this_week else ""
            listing.append(f"{mark} {item.kr.ref:<6} ", style)
            listing.append_text(plain(truncate(item.kr.title, 26), style=style))
            if item.done_this_week and item.saved is None:
                listing.append("  done this week", "dim italic")
            listing.append("\n")
        self.query_one("#wk-list", Static).update(listing)

    def _advance(self) -> None:
        if self.index + 1 >= len(self.items):
            self.action_finish()
            return
        self.index += 1
        self._show()

    def action_skip(self) -> None:
        if not self.items:
            return
        item = self.items[self.index]
        item.skipped = item.saved is None
        self._advance()

    def action_back(self) -> None:
        if self.items and self.index > 0:
            self.index -= 1
            self._show()

    @on(CheckInPanel.Submit)
    def save(self) -> None:
        self._save(confirmed=False)

    def _save(self, *, confirmed: bool) -> None:
        """Save this KR's check-in; a value far outside its range asks first, as the
        check-in form does."""
        if not self.items:
            return
        item = self.items[self.index]
        panel = self.query_one("#panel", CheckInPanel)
        okr = self.okr
        try:
            item.saved = panel.save(okr.db, okr.username, okr.thresholds, item.saved, confirmed)
        except FarOutside as exc:
            question = f"{exc.reason}.\n\nIs that right, or a typo? Record it anyway?"
            self.app.push_screen(ConfirmDialog(question, "Record"), self._far_answered)
            return
        except (DomainError, DatabaseError, ValueError) as exc:
            self.query_one("#wk-error", Static).update(plain(f"Not saved: {exc}"))
            panel.focus_value()
            return
        item.skipped = False
        self._advance()

    def _far_answered(self, record: bool | None) -> None:
        if record:
            self._save(confirmed=True)
            return
        self.query_one("#wk-error", Static).update("Not saved: check the value")
        self.query_one("#panel", CheckInPanel).focus_value()

    def action_finish(self) -> None:
        period = self.okr.period
        if period is None or not any(i.saved is not None for i in self.items):
            self.dismiss(None)
            return
        after = load_tree(self.okr.db, period.id, self.okr.thresholds)
        summary = WeeklySummary(self.items, self.bands_before, after)
        self.app.push_screen(summary, self._summary_closed)

    def _summary_closed(self, _: object) -> None:
        self.dismiss(None)  # not returned: a callback's awaitable would be awaited


@dataclass(frozen=True)
class Change:
    ref: str
    title: str
    old: float | None
    new: float | None
    band: Band


def kr_changes(items: list[Item], after: TreeModel) -> list[Change]:
    """Old → new score of every KR checked in during the run.

    The old score is the one read when the run started (``item.kr``).
    """
    changes = []
    for item in items:
        if item.saved is None:
            continue
        new = after.key_result(item.kr.id)
        changes.append(
            Change(
                item.kr.ref,
                item.kr.title,
                item.kr.progress,
                new.progress if new else None,
                new.band if new else Band.NO_DATA,
            )
        )
    return changes


def band_snapshot(model: TreeModel, objective_ids: set[int]) -> dict[int, Band]:
    """The bands of these objectives and of every objective above them, read now.

    Only these can change band when their KRs are checked in. The read model
    scores objectives on first use, so reading them here, before any write, is
    what makes them "before".
    """
    bands: dict[int, Band] = {}
    for oid in objective_ids:
        current: int | None = oid
        while current is not None and current not in bands:
            row = model.objectives.get(current)
            if row is None:
                break
            bands[current] = row.band
            current = row.parent_id
    return bands


def band_changes(before: dict[int, Band], after: TreeModel) -> list[tuple[str, str, Band, Band]]:
    """Objectives whose band moved: (ref, title, old band, new band), in tree order."""
    moved = []
    for _, row in after.walk():
        old = before.get(row.id)
        if old is not None and old != row.band:
            moved.append((row.ref, row.title, old, row.band))
    return moved


class WeeklySummary(Screen[None]):
    """What this week's check-ins changed: KR scores, and objectives that changed band."""

    GUIDED = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Done", id="weekly_done"),
    ]

    def __init__(self, items: list[Item], before: dict[int, Band], after: TreeModel) -> None:
        super().__init__()
        self.changes = kr_changes(items, after)
        self.moved = band_changes(before, after)
        self.skipped = [i.kr.ref for i in items if i.saved is None]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="wk-summary"):
            yield Static(id="wk-summary-head")
            table: DataTable[object] = DataTable(
                id="wk-krs", cursor_type="none", zebra_stripes=True
            )
            table.can_focus = False  # enter and escape close the summary
            yield table
            yield Static(id="wk-moved")
        yield KeyFooter()

    def on_mount(self) -> None:
        head = Text.assemble(
            ("Weekly check-in done", "bold"),
            f"  · {len(self.changes)} key result(s) checked in",
            f" · {len(self.skipped)} skipped" if self.skipped else "",
        )
        self.query_one("#wk-summary-head", Static).update(head)
        table = self.query_one("#wk-krs", DataTable)
        table.add_columns("KR", "Title", "Score before", "Score now", "Band")
        for change in self.changes:
            table.add_row(
                change.ref,
                plain(truncate(change.title, 50)),
                format_percent(change.old),
                Text(format_percent(change.new), "bold"),
                band_text(change.band),
            )
        moved = Text("\nObjectives whose status changed\n", "bold")
        if not self.moved:
            moved.append("none: every objective kept its band\n", "dim")
        for ref, title, old, new in self.moved:
            moved.append(f"{ref}  ")
            moved.append_text(plain(truncate(title, 50)))
            moved.append("  ")
            moved.append_text(band_text(old))
            moved.append(" → ")
            moved.append_text(band_text(new))
            moved.append("\n")
        self.query_one("#wk-moved", Static).update(moved)

    def action_close(self) -> None:
        self.dismiss(None)
