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
            self.watch(owner, "title", self._retitle, init=False)
            self.watch(owner, "sub_title", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    def on_unmount(self) -> None:
        """Forget the watches on the app. Textual drops a detached widget's watch only when
        the value next changes, and the app's title rarely does: every screen opened with
        a title bar would otherwise stay in memory through it."""
        watchers = getattr(self.app, "__watchers", {})  # where DOMNode.watch keeps them
        for name in ("title", "sub_title"):
            if name in watchers:
                watchers[name] = [entry for entry in watchers[name] if entry[0] is not self]

    def _titles(self) -> tuple[str, str]:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return title, sub_title

    def render(self) -> RenderResult:
        width = self.size.width
        middle = max(width - self.ICON_WIDTH - self.RIGHT_WIDTH, 0)
        title = self.app.format_title(*self._titles()).truncate(middle, ellipsis=True)
        icon = Content(f" {self.ICON if self.app.ENABLE_COMMAND_PALETTE else ' '}")
        icon = icon.pad_right(self.ICON_WIDTH - icon.cell_length)
        left = (middle - title.cell_length) // 2
        title = title.pad(left, middle - title.cell_length - left)
        return Content.assemble(icon, title, " " * self.RIGHT_WIDTH)

    def on_click(self, event: events.Click) -> None:
        if event.x < self.ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            self.app.action_command_palette()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        on_icon = event.x < self.ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE
        self.tooltip = "Open the command palette" if on_icon else None
