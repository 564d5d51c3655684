""" "What needs you": the one screen shown when the app starts (an SSH login) and
something is owed: check-ins, stale key results, mentions. Any key dismisses it;
``i`` opens the inbox instead.
"""

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from okrtui.modals.dialogs import FitsScreen
from store.read.inbox import InboxItem
from widgets.text import plain

SHOWN = 8
"""Items listed; the rest are counted (the inbox has them all)."""


class NeedsYou(FitsScreen[bool]):
    """Dismissed with True when the user asked for the inbox (``i``), else False."""

    def __init__(self, items: Sequence[InboxItem]) -> None:
        super().__init__()
        self.items = list(items)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog needs-you"):
            yield Label(plain("What needs you", style="bold"), id="heading")
            body = Text()
            for item in self.items[:SHOWN]:
                body.append("• ", style="yellow" if item.kind in ("owed", "stale") else "cyan")
                body.append(item.title)
                if item.detail:
                    body.append(f"\n  {item.detail.splitlines()[0]}", style="dim")
                body.append("\n")
            more = len(self.items) - SHOWN
            if more > 0:
                body.append(f"… and {more} more in the inbox\n", style="dim")
            body.rstrip()
            yield Static(body, classes="fits")
            yield Static(plain("Any key to continue · i opens the inbox"), classes="hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(event.key == "i")
