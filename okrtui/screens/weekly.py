"""The guided weekly check-in: every KR of mine, one after another, then a summary.

The ritual has to take seconds: the value is prefilled and selected, so a KR
costs its new value plus ``enter`` (or just ``tab`` to skip it). KRs already
checked in this week come last. Each check-in is saved as it is entered, so
leaving half-way loses nothing; going back to a KR saved in this run corrects
that check-in instead of adding a second one. Every read and write runs in a thread
worker: moving on to the next KR never waits for its history.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from okrtui.modals.checkin import far_question
from okrtui.modals.checkin_panel import CheckInPanel
from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.base import OkrScreen
from okrtui.screens.checkin import write_check_in
from okrtui.screens.weekly_summary import (
    Change,
    Moved,
    WeeklySummary,
    band_changes,
    band_snapshot,
    kr_changes,
)
from store.errors import DatabaseError, DomainError, FarOutside
from store.model.enums import Band
from store.model.rows import CheckInRow, KrRow
from store.read.checkins import kr_history
from store.read.tree import load_tree, my_key_results
from store.write.corrections import last_check_in_times
from widgets.footer import KeyFooter
from widgets.text import plain, truncate
from widgets.title import TitleBar


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


@dataclass(frozen=True)
class RunStart:
    """What the run starts from, read in one go: my KRs, the bands before, this week's."""

    mine: list[tuple[str, KrRow]]
    bands_before: dict[int, Band]
    latest: dict[int, datetime]


class WeeklyScreen(OkrScreen[None]):
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
        self.history: list[CheckInRow] = []  # of the KR on show, once read
        # While a check-in is being written, a second enter is not a second check-in, and
        # tab / shift+tab / escape wait for it: "save, back" means back from the next KR.
        self._saving = False
        self._after_save: list[Callable[[], object]] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(plain("Weekly check-in: reading your key results…"), id="wk-progress")
        with Horizontal(id="wk-main"):
            with VerticalScroll(id="wk-form"):
                yield CheckInPanel(self.okr_app.thresholds, id="panel")
                yield Static(id="wk-error", classes="error")
            yield Static(id="wk-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#panel", CheckInPanel).display = False  # until the first KR is read
        period = self.okr_app.period
        if period is None:
            self._nothing("There is no period yet: nothing to check in.")
            return
        app, user = self.okr_app, self.okr_app.username

        def read() -> RunStart:
            mine = my_key_results(app.db, user, period.id, app.thresholds)
            before = load_tree(app.db, period.id, app.thresholds)
            bands = band_snapshot(before, {kr.objective_id for _, kr in mine})
            return RunStart(mine, bands, last_check_in_times(app.db, [kr.id for _, kr in mine]))

        self.load(read, self._start, failed=self._not_read)

    def _not_read(self, exc: Exception) -> None:
        self._nothing(f"Your key results could not be read: {exc}. Press escape to go back.")

    def _start(self, start: RunStart) -> None:
        period = self.okr_app.period
        self.bands_before = start.bands_before
        since = week_start(datetime.combine(self.okr_app.today(), datetime.min.time()).astimezone())
        latest = start.latest
        self.items = order_items(
            [Item(kr, title, kr.id in latest and latest[kr.id] >= since)
             for title, kr in start.mine]
        )  # fmt: skip
        if not self.items:
            self._nothing(
                f"You ({self.okr_app.username}) own or collaborate on no key results in "
                f"{period.name if period else 'this period'}. Press escape to go back."
            )
            return
        self._show()

    def _nothing(self, message: str) -> None:
        self.query_one("#panel", CheckInPanel).display = False
        self.query_one("#wk-progress", Static).update(plain(message))

    # --- moving through the run ----------------------------------------------------

    def _show(self) -> None:
        """Show where the run is now; the KR's history is read off the loop, then shown."""
        item = self.items[self.index]
        db = self.okr_app.db
        self.history = []
        self.query_one("#wk-error", Static).update("")
        self._show_progress()
        self.load(lambda: kr_history(db, item.kr.id), lambda rows: self._fill(item, rows),
                  group="weekly-history")  # fmt: skip

    def _fill(self, item: Item, history: list[CheckInRow]) -> None:
        if not self.items or self.items[self.index] is not item:
            return  # moved on meanwhile
        self.history = history
        existing = next((r for r in history if r.id == item.saved), None)
        panel = self.query_one("#panel", CheckInPanel)
        panel.display = True
        panel.load(item.kr, item.objective, history, self.okr_app.sparkline_length, existing)
        panel.focus_value()

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

    def _later(self, action: Callable[[], object]) -> bool:
        """Keep ``action`` for when the check-in being written is saved; True if kept."""
        if self._saving:
            self._after_save.append(action)
        return self._saving

    def action_skip(self) -> None:
        if self._later(self.action_skip) or not self.items:
            return
        item = self.items[self.index]
        item.skipped = item.saved is None
        self._advance()

    def action_back(self) -> None:
        if self._later(self.action_back):
            return
        if self.items and self.index > 0:
            self.index -= 1
            self._show()

    @on(CheckInPanel.Submit)
    def save(self) -> None:
        """Save the KR on show, once its panel is filled (not a KR still being read)."""
        if self._saving:
            return  # the same check-in is already on its way
        if self.items and self.query_one("#panel", CheckInPanel).kr is self.items[self.index].kr:
            self._saving = True
            self._save(self.items[self.index])

    @work(exclusive=True, group="weekly-save")
    async def _save(self, item: Item) -> None:
        """Save ``item``'s check-in off the loop (a correction when saved before in this run);
        a value far outside its range asks first, as the check-in form does. The keys that
        waited for it (back, skip, finish) run after."""
        try:
            await self._write(item)
        finally:
            self._saving = False
            waiting, self._after_save = self._after_save, []
            for action in waiting:
                action()

    async def _write(self, item: Item) -> None:
        panel = self.query_one("#panel", CheckInPanel)
        try:
            entry = panel.submitted()
        except (DomainError, ValueError) as exc:
            self._not_saved(str(exc))
            return
        far = panel.far(entry)
        app = self.okr_app
        while True:
            if far is not None:
                if not await self.app.push_screen_wait(ConfirmDialog(far_question(far), "Record")):
                    self._not_saved("check the value")
                    return
                entry = replace(entry, confirmed=True)
            write = partial(write_check_in, app.db, app.username, app.thresholds, item.kr.id,
                            entry, item.saved)  # fmt: skip
            try:
                item.saved = await self.store(write)
                break
            except FarOutside as exc:  # the store knows a newer range than was shown
                far = exc.reason
            except (DomainError, DatabaseError, ValueError) as exc:
                self._not_saved(str(exc))
                return
        item.skipped = False
        if self.items[self.index] is item:  # not moved on while it was written
            self._advance()
        else:
            self._show_progress()

    def _not_saved(self, reason: str) -> None:
        self.query_one("#wk-error", Static).update(plain(f"Not saved: {reason}"))
        self.query_one("#panel", CheckInPanel).focus_value()

    @work(exclusive=True, group="weekly-finish")
    async def action_finish(self) -> None:
        """Leave; after check-ins, first the summary of what they changed (read off the loop)."""
        if self._later(self.action_finish):
            return
        period = self.okr_app.period
        if period is None or not any(i.saved is not None for i in self.items):
            self.dismiss(None)
            return
        app, items, before = self.okr_app, list(self.items), self.bands_before

        def read() -> tuple[list[Change], list[Moved]]:
            after = load_tree(app.db, period.id, app.thresholds)
            return kr_changes(items, after), band_changes(before, after)

        try:
            changes, moved = await self.store(read)
        except (DomainError, DatabaseError) as exc:
            self.notify(f"the summary could not be read: {exc}", severity="error")
            self.dismiss(None)
            return
        skipped = [i.kr.ref for i in items if i.saved is None]
        self.app.push_screen(WeeklySummary(changes, moved, skipped), self._summary_closed)

    def _summary_closed(self, _: object) -> None:
        self.dismiss(None)  # not returned: a callback's awaitable would be awaited
