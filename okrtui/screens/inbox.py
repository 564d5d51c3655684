"""The inbox (``i`` from any screen): what needs me, and a jump to each thing's place.

Mentions and replies, check-ins owed this week, my stale key results and my KPIs
trending the wrong way (store.read.inbox, read in a worker). Enter jumps to the key
result or objective in the tree (or the KPI dashboard) and marks the item read; ``r``
marks the selected item read, ``R`` every item.
"""

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from okrtui.screens.base import OkrScreen
from store.read.inbox import InboxItem
from widgets.footer import KeyFooter
from widgets.text import plain
from widgets.title import TitleBar

KIND_LABEL = {
    "mention": "@ mention",
    "reply": "↩ reply",
    "owed": "◷ owed",
    "stale": "⧗ stale",
    "kpi": "↘ KPI",
}


class InboxScreen(OkrScreen[None]):
    """What needs the user, newest first within each kind."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="inbox_back"),
        Binding("enter", "jump", "Go to", id="inbox_jump"),
        Binding("r", "mark_read", "Read", id="inbox_read"),
        Binding("R", "mark_all_read", "All read", id="inbox_read_all"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[InboxItem] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="inbox"):
            yield Static(plain("Reading your inbox…"), id="inbox-summary")
            yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="inbox-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "kind", "what", "detail")
        self.reload()

    def reload(self) -> None:
        from store.read.inbox import inbox
        from store.read.periods import default_period

        app = self.okr_app
        cadence = app.ctx.settings.reminders.stale_after_days
        today: date = app.today()

        def read() -> list[InboxItem]:
            period = app.period or default_period(app.db, today)
            return inbox(app.db, app.username, period, today, cadence=cadence,
                         thresholds=app.thresholds)  # fmt: skip

        self.load(read, self._show, group="inbox")

    def _show(self, items: list[InboxItem]) -> None:
        self.items = items
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for item in items:
            style = "bold" if item.unread else "dim"
            table.add_row(
                Text("•" if item.unread else " ", style=style),
                Text(KIND_LABEL[item.kind], style=style),
                Text(item.title, style=style, no_wrap=True, overflow="ellipsis"),
                Text(item.detail.replace("\n", " "), no_wrap=True, overflow="ellipsis"),
            )
        unread = sum(i.unread for i in items)
        summary = (
            "Nothing needs you." if not items
            else f"{unread} unread of {len(items)} · enter goes there · r marks read"
        )  # fmt: skip
        self.query_one("#inbox-summary", Static).update(plain(summary))
        if items:
            table.move_cursor(row=min(row, len(items) - 1))
            table.focus()
        self._detail()

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def on_data_table_row_selected(self) -> None:
        """Enter on a row (the table's own enter): go there."""
        self.action_jump()

    def _selected(self) -> InboxItem | None:
        row = self.query_one(DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def _detail(self) -> None:
        item = self._selected()
        text = Text()
        if item is not None:
            text.append(item.title + "\n", style="bold")
            text.append(item.detail)
        self.query_one("#inbox-detail", Static).update(text)

    def _mark(self, items: list[InboxItem]) -> None:
        from store.write.comments import mark_read

        keys = [i.key for i in items if i.unread]
        if not keys:
            return
        app = self.okr_app
        self.load(lambda: mark_read(app.db, app.username, keys), lambda _: self.reload(),
                  group="inbox-mark")  # fmt: skip

    def action_mark_read(self) -> None:
        item = self._selected()
        if item is not None:
            self._mark([item])

    def action_mark_all_read(self) -> None:
        self._mark(self.items)

    def action_jump(self) -> None:
        from okrtui.screens.tree import TreeScreen
        from widgets.okr_tree import NodeRef

        item = self._selected()
        if item is None:
            return
        self._mark([item])
        app = self.okr_app
        self.dismiss()
        if item.kind == "kpi":
            app.action_switch_to("kpis")
            return
        kind, _, number = item.ref.partition("-")
        app.action_switch_to("tree")
        screen = app.screen
        if isinstance(screen, TreeScreen) and number.isdigit():
            screen.show_item(NodeRef("kr" if kind == "KR" else "objective", int(number)))

    def action_back(self) -> None:
        self.dismiss()
