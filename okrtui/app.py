"""OkrApp: the Textual application shell (screens, global keys, palette, theme)."""

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import PurePath
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.reactive import Reactive, reactive
from textual.screen import ModalScreen, Screen

from okrtui.context import AppContext
from store.config import save_setting
from store.db.database import Database
from store.domain.scoring import Thresholds
from store.errors import ConfigError, DatabaseError
from store.model.rows import PeriodRow
from store.read.periods import default_period, list_periods
from widgets.colours import ANSI_DARK, ANSI_LIGHT


def _okr_commands() -> type[Provider]:
    from okrtui.commands import OkrCommands

    return OkrCommands


def _tree_screen() -> Screen[None]:
    from okrtui.screens.tree import TreeScreen

    return TreeScreen()


def _warm_up_imports() -> None:
    """Import SQLAlchemy and the ORM in the background once the first frame is out, then
    freeze the start-up heap.

    The first frame reads through plain sqlite3 and does not need them (≈300 ms of
    imports, bench/README.md); the first write or check-in history does, and would
    otherwise pause for them then. Python's import locks keep a concurrent import safe.
    """
    import gc
    import importlib
    import threading

    def run() -> None:
        for name in (
            "store.write.objectives",
            "store.write.key_results",
            "store.write.corrections",
            "store.model.handles",
        ):
            importlib.import_module(name)
        # What is alive now (modules, classes, functions of Textual, Rich, SQLAlchemy:
        # ≈140,000 objects) lives as long as the process: frozen, it is left out of every
        # full collection, which took ≈80 ms each with them (bench/README.md).
        gc.freeze()
        gc.enable()  # off since the start (okrtui/cli/entry.py): the heap is frozen now

    threading.Thread(target=run, name="okrtui-warm-up", daemon=True).start()


class StoreThreads(ThreadPoolExecutor):
    """The event loop's default executor, which runs Textual's thread workers: one daemon
    thread per call.

    asyncio's own pool is joined when the loop closes and again at interpreter exit, so
    quitting while a store call waited on a stalled server waited for it too (up to the
    driver's time limit). A daemon thread is abandoned instead: an unfinished write is
    rolled back by the database (SQLite's journal, the server's closed session). A
    ``ThreadPoolExecutor`` only because asyncio accepts no other; its pool is never used.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever awaits the future
                future.set_exception(exc)

        threading.Thread(target=run, name="okrtui-store", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to join: the threads are daemons."""


def _kpi_screen() -> Screen[None]:
    from okrtui.screens.kpis import KpiScreen

    return KpiScreen()


def _overview_screen() -> Screen[None]:
    from okrtui.screens.overview import OverviewScreen

    return OverviewScreen()


class OkrApp(App[None]):
    """okrtui's app: one shared database, the current user, the period on show.

    The main screens are modes (tree, KPIs, …): switching keeps each one's state and
    never stacks a second copy; a screen shown again re-reads the database.
    """

    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "tree": _tree_screen,
        "kpis": _kpi_screen,
        "overview": _overview_screen,
    }

    COMMANDS = App.COMMANDS | {_okr_commands}
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/okrtui.tcss", "styles/kpis.tcss"]
    TITLE = "okrtui"
    # status colours (ANSI green/yellow/red/blue in widgets) readable on dark and light themes
    ansi_theme_dark = Reactive(ANSI_DARK, init=False)
    ansi_theme_light = Reactive(ANSI_LIGHT, init=False)
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", show=False, id="quit"),  # in help; the footer is full
        Binding("question_mark,f1", "help", "Help", key_display="?", id="help"),
        Binding("w", "weekly", "Weekly", id="weekly"),
        Binding("t", "switch_to('tree')", "Tree", id="tree"),
        # K, not k: k is the tree's vim "up" key.
        Binding("K", "switch_to('kpis')", "KPIs", id="kpis"),
        Binding("P", "periods", "Periods", id="periods"),
        Binding("i", "inbox", "Inbox", id="inbox"),
        # In help and the palette; the footer is full.
        Binding("o", "switch_to('overview')", "Overview", show=False, id="overview"),
        Binding("ctrl+z", "noop", show=False, priority=True),
    ]

    period: reactive[PeriodRow | None] = reactive(None, init=False)
    database_lost: reactive[bool] = reactive(False, init=False)
    """Set by the live updates while the database does not answer: the title bar says so
    until it answers again (a notification alone fades while the outage lasts)."""

    def __init__(
        self,
        ctx: AppContext,
        db: Database,
        *,
        demo: bool = False,
        today: Callable[[], date] = date.today,
        start: str | None = None,
        summary: bool = False,
    ) -> None:
        super().__init__()
        self.start = start  # "weekly": open straight into the weekly check-in
        self.summary = summary  # "what needs you" once the period is read, if anything does
        self.ctx = ctx
        self.db = db
        self.demo = demo
        self.today = today  # injectable so tests and snapshots see a fixed date
        self.username = ctx.user.username
        self.thresholds: Thresholds = ctx.thresholds
        self.sparkline_length = ctx.settings.ui.sparkline_length
        self._theme_ready = False
        self._warming = False
        self._needs_for: tuple[PeriodRow | None] | None = None  # the summary, once drawn
        self.period_known = False
        """Whether :attr:`period` was read (at start it is None until it was)."""

    def on_mount(self) -> None:
        asyncio.get_running_loop().set_default_executor(StoreThreads())
        theme = self.ctx.settings.ui.theme
        if theme in self.available_themes:
            self.theme = theme
        self._theme_ready = True
        if self.ctx.settings.keymap:
            self.set_keymap(self.ctx.settings.keymap)
        self.update_subtitle()  # "…" for the period until it is read
        self._read_period()  # in a worker: the first frame never waits on the database
        for warning in self.ctx.settings.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=8)
        if self.db.read_only:
            self.notify(self.db.read_only, title="Read-only", severity="warning", timeout=10)
        if self.ctx.created is not None:
            self.notify(
                f"your OKRs and KPIs are kept in {self.ctx.created}", title="New database",
                timeout=10,
            )  # fmt: skip
        self.switch_mode("tree")
        from okrtui.live import LiveUpdates  # others' commits show within about a second

        self.live = LiveUpdates(self, self.db)
        # The tree calls warm_up once its first rows are drawn; this is the fallback.
        self.set_timer(3.0, self.warm_up)

    @work(thread=True, exclusive=True, group="okrtui-period", exit_on_error=False)
    def _read_period(self) -> None:
        """The period to show first (store.read.periods.default_period), read off the event
        loop; a database that does not answer is tried again every second."""
        try:
            period = default_period(self.db, self.today())
        except DatabaseError as exc:
            self.call_from_thread(self._period_unreadable, str(exc))
            return
        self.call_from_thread(self._period_read, period)

    def _period_read(self, period: PeriodRow | None) -> None:
        self.period_known = True
        self.period = period
        self.update_subtitle()
        if period is None:  # nothing changed for the screens watching it: tell them
            self.reload_screen()
        if self.start == "weekly":
            self.start = None
            self.action_weekly()
        elif self.summary:
            self.summary = False
            self._needs_for = (period,)
            if self._warming:  # the tree has drawn its rows already
                self._start_needs()

    @work(thread=True, group="okrtui-needs", exit_on_error=False)
    def _read_needs(self, period: PeriodRow | None) -> None:
        """What the start-up summary lists: unread owed and stale check-ins and mentions."""
        from store.read.inbox import inbox

        cadence = self.ctx.settings.reminders.stale_after_days
        try:
            items = inbox(self.db, self.username, period, self.today(), cadence=cadence,
                          thresholds=self.thresholds)  # fmt: skip
        except DatabaseError:
            return  # the tree says the database is unavailable; no summary then
        wanted = [i for i in items if i.unread and i.kind in ("owed", "stale", "mention")]
        if wanted:
            self.call_from_thread(self._show_needs, wanted)

    def _show_needs(self, items: list[Any]) -> None:
        from okrtui.modals.needs_you import NeedsYou

        def done(inbox: bool | None) -> None:
            if inbox:
                self.action_inbox()

        if not self._busy():
            self.push_screen(NeedsYou(items), done)

    def _period_unreadable(self, reason: str) -> None:
        self.notify(reason, title="Database unavailable", severity="error", timeout=5)
        self.set_timer(1.0, self._read_period)

    def warm_up(self) -> None:
        """Start the background imports, once: after the tree's first frame with data (from
        on_mount they ran while the tree's first read did, and delayed it)."""
        if not self._warming:
            self._warming = True
            self.call_after_refresh(_warm_up_imports)
            self._start_needs()

    def _start_needs(self) -> None:
        """The start-up summary's read, once both the period is known and the tree has drawn
        its rows: run beside the tree's first read, it slowed the first frame of a large
        organisation (it reads every KR and KPI of the user)."""
        if self._needs_for is not None:
            (period,), self._needs_for = self._needs_for, None
            self._read_needs(period)

    def on_unmount(self) -> None:
        if getattr(self, "live", None) is not None:
            self.live.stop()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry user text (titles quoted in refusals, names, paths, values
        from files): never parsed as markup, whatever the caller asks. "[/]" in a title
        crashed the app, "[@click=…]" made a link (Widget.notify passes markup=True)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """No screenshots: the action writes a file wherever its arguments say, and any
        markup link that slipped into user text could name the shared database."""
        self.notify("screenshots are off in okrtui", severity="warning")

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit, in plain text (Textual's own says it in markup)."""
        self.notify("Press q (or ctrl+q) to quit okrtui", title="Do you want to quit?")

    def reread_soon(self) -> None:
        """A screen's re-read failed: have the live updates ask again within a second."""
        if getattr(self, "live", None) is not None:
            self.live.again()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Screen switches are hidden on the screen itself and while a dialog or a guided
        task (the weekly check-in, a period review) is open: it is finished or left first."""
        if action == "switch_to":
            on_it = parameters[0] == self.current_mode and len(self.screen_stack) == 1
            return not self._busy() and not on_it
        if action == "periods":
            return not self._busy() and not self._periods_open()
        if action == "weekly":
            return not self._busy()
        return True

    def _periods_open(self) -> bool:
        # A class attribute, not isinstance: importing the periods screen here would load
        # its store modules (the ORM, ≈400 ms) before the tree's first frame.
        return any(getattr(screen, "LISTS_PERIODS", False) for screen in self.screen_stack)

    def _busy(self) -> bool:
        return isinstance(self.screen, ModalScreen) or getattr(self.screen, "GUIDED", False)

    def action_switch_to(self, mode: str) -> None:
        """Show a main screen; one shown again re-reads the database (others may have written)."""
        if self._busy():
            return
        while len(self.screen_stack) > 1:  # leave a screen shown over the mode (periods)
            self.pop_screen()
        if mode != self.current_mode:
            self.switch_mode(mode)
        if self.screen.is_mounted:
            self.reload_screen()

    def reload_screen(self, _result: object = None) -> None:
        """Have the screen on show re-read the database (after something over it wrote).

        Usable as a push_screen callback; screens without a ``reload`` are left alone.
        """
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()

    def watch_period(self, period: PeriodRow | None) -> None:
        self.update_subtitle()

    def watch_database_lost(self, lost: bool) -> None:
        self.update_subtitle()

    def update_subtitle(self) -> None:
        name = self.period.name if self.period else "no period" if self.period_known else "…"
        who = self.ctx.user.display_name
        user = who if who == self.username else f"{who} ({self.username})"
        self.sub_title = f"{name} · {user}" + (" · demo data" if self.demo else "")
        if self.database_lost:
            self.sub_title += " · DATABASE UNAVAILABLE, retrying"

    def watch_theme(self, theme: str) -> None:
        """Remember a theme chosen in the app (the user's other settings are kept)."""
        if not self._theme_ready or self.demo:
            return
        try:
            save_setting("ui", "theme", theme, self.ctx.config_path)
        except (ConfigError, OSError) as exc:
            self.notify(f"theme not saved: {exc}", severity="warning")

    def periods(self) -> list[PeriodRow]:
        return list_periods(self.db)

    def action_periods(self) -> None:
        """The periods screen (create, activate, review and close, export the report)."""
        from okrtui.screens.periods import PeriodsScreen

        if not self._periods_open() and not self._busy():
            self.push_screen(PeriodsScreen())

    def action_inbox(self) -> None:
        """What needs me: mentions, replies, owed and stale check-ins, KPI warnings."""
        from okrtui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen) and not self._busy():
            self.push_screen(InboxScreen(), self.reload_screen)

    def action_help(self) -> None:
        from okrtui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_weekly(self) -> None:
        """The guided weekly check-in; the screen below re-reads what it changed."""
        from okrtui.screens.weekly import WeeklyScreen

        if self._busy():
            return
        self.push_screen(WeeklyScreen(), self.reload_screen)

    def action_noop(self) -> None:
        """Swallow keys that would leave the app (suspend): no way out to a shell."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title.lower().startswith(("screenshot", "save screenshot")):
                continue  # writes files wherever asked: not on a shared server
            yield command
        yield SystemCommand("Help", "Every key of every screen", self.action_help)
        yield SystemCommand("KPIs", "The KPI dashboard", lambda: self.action_switch_to("kpis"))
        yield SystemCommand("Tree", "The alignment tree", lambda: self.action_switch_to("tree"))
        yield SystemCommand(
            "Overview", "The period by band, movers, at risk and stale",
            lambda: self.action_switch_to("overview"),
        )  # fmt: skip


def run_app(ctx: AppContext, db: Database, *, demo: bool = False, start: str | None = None) -> None:
    """Open the TUI (called by the CLI after the database is ready)."""
    from okrtui.cli.hangup import guard_terminal  # no terminal: exit 2; terminal gone: exit

    guard_terminal()
    summary = start is None and ctx.settings.reminders.summary_at_start
    app = OkrApp(ctx, db, demo=demo, start=start, summary=summary)
    app.run()
    if app.return_code:  # an unhandled error (Textual printed it): say so to the shell
        raise SystemExit(app.return_code)
