"""OkrApp: the Textual application shell (screens, global keys, palette, theme)."""

from collections.abc import Callable, Iterable
from datetime import date
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from okrtui.context import AppContext
from store.config import ConfigError, save_setting
from store.db import Database
from store.queries import PeriodRow, default_period, list_periods
from store.scoring import Thresholds


class OkrApp(App[None]):
    """okrtui's app: one shared database, the current user, the period on show."""

    CSS_PATH = "okrtui.tcss"
    TITLE = "okrtui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="help"),
        Binding("ctrl+z", "noop", show=False, priority=True),
    ]

    period: reactive[PeriodRow | None] = reactive(None, init=False)

    def __init__(
        self,
        ctx: AppContext,
        db: Database,
        *,
        demo: bool = False,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = db
        self.demo = demo
        self.today = today  # injectable so tests and snapshots see a fixed date
        self.username = ctx.user.username
        self.thresholds: Thresholds = ctx.thresholds
        self.sparkline_length = ctx.settings.ui.sparkline_length
        self._theme_ready = False

    def on_mount(self) -> None:
        theme = self.ctx.settings.ui.theme
        if theme in self.available_themes:
            self.theme = theme
        self._theme_ready = True
        if self.ctx.settings.keymap:
            self.set_keymap(self.ctx.settings.keymap)
        self.period = default_period(self.db, self.today())
        for warning in self.ctx.settings.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=8)
        from okrtui.screens.tree import TreeScreen

        self.push_screen(TreeScreen())

    def watch_period(self, period: PeriodRow | None) -> None:
        self.update_subtitle()

    def update_subtitle(self) -> None:
        name = self.period.name if self.period else "no period"
        who = self.ctx.user.display_name
        user = who if who == self.username else f"{who} ({self.username})"
        self.sub_title = f"{name} · {user}" + (" · demo data" if self.demo else "")

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

    def action_help(self) -> None:
        from okrtui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_noop(self) -> None:
        """Swallow keys that would leave the app (suspend): no way out to a shell."""

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title.lower().startswith(("screenshot", "save screenshot")):
                continue  # writes files wherever asked: not on a shared server
            yield command
        yield SystemCommand("Help", "Every key of every screen", self.action_help)


def run_app(ctx: AppContext, db: Database, *, demo: bool = False) -> None:
    """Open the TUI (called by the CLI after the database is ready)."""
    OkrApp(ctx, db, demo=demo).run()
