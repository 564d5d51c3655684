"""The title bar: one widget that draws what Textual's ``Header`` shows.

Textual's ``Header`` is four widgets (header, icon, title, clock space), and every
frame composes every widget on screen, so on the tree screen a cursor move paid for
three extra renders (bench/README.md). This bar draws the same line itself: the
palette icon on the left (a click opens the command palette), and the screen's (or
the app's) title and subtitle, centred, as ``App.format_title`` formats them.
"""

from textual import events
from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget


class TitleBar(Widget):
    """The screen's title line, docked at the top."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    ICON = "⭘"
    ICON_WIDTH = 8  # as Textual's header: the icon, padded
    RIGHT_WIDTH = 10  # the room Textual's header keeps for its clock, so titles sit alike

    def on_mount(self) -> None:
        for owner in (self.app, self.screen):
            self.watch(owner, "title", self.refresh, init=False)
            self.watch(owner, "sub_title", self.refresh, init=False)

    def _titles(self) -> tuple[str, str]:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return title, sub_title

    def render(self) -> RenderResult:
        width = self.size.width
        middle = max(width - self.ICON_WIDTH - self.RIGHT_WIDTH, 0)
        title = self.app.format_title(*self._titles()).truncate(middle, ellipsis=True)
        icon = Content(f" {self.ICON}").pad_right(self.ICON_WIDTH - 2)
        left = (middle - title.cell_length) // 2
        title = title.pad(left, middle - title.cell_length - left)
        return Content.assemble(icon, title, " " * self.RIGHT_WIDTH)

    def on_click(self, event: events.Click) -> None:
        if event.x < self.ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            self.run_action("app.command_palette")

    def on_mouse_move(self, event: events.MouseMove) -> None:
        on_icon = event.x < self.ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE
        self.tooltip = "Open the command palette" if on_icon else None
