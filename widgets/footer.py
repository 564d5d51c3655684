"""The key footer: one widget that draws the screen's keys as one line.

Textual's ``Footer`` mounts a widget per key and recomposes them all whenever a
screen's bindings change: ≈30 ms for the tree screen's fifteen keys, paid on every
screen switch and on every cursor move that enables or disables a key. This
footer renders the same information (the screen's ``active_bindings``: shown
keys, enabled or dimmed, the command palette key on the right) as a single line,
so a change costs one repaint. A click on a key presses it, as in Textual's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.widget import Widget

DIM = Style(dim=True)


@dataclass(frozen=True)
class FooterItem:
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str = ""
    palette: bool = False
    action: str = ""


ESSENTIAL = frozenset({"help", "app.help"})
"""Actions kept on a narrow footer whatever else is dropped: help lists every key. A
screen adds its own with a ``FOOTER_ESSENTIAL`` class attribute (a set of actions)."""


def fitting(
    items: list[FooterItem],
    room: int,
    width: Callable[[FooterItem], int],
    essential: frozenset[str] = ESSENTIAL,
) -> list[FooterItem]:
    """The keys to draw in ``room`` cells, whole keys only (a key cut in half could not be
    read or clicked). When not all fit, disabled keys are left out, the others are kept in
    order while they fit, and the essential keys (help) always stay, in their place."""
    if sum(width(item) for item in items) <= room:
        return items
    kept_always = [item for item in items if item.action in essential]
    left = room - sum(width(item) for item in kept_always)
    kept: set[int] = {id(item) for item in kept_always}
    for item in items:
        if item.action in essential or not item.enabled:
            continue
        if width(item) > left:
            break
        kept.add(id(item))
        left -= width(item)
    return [item for item in items if id(item) in kept and width(item) <= room]


class KeyFooter(Widget, can_focus=False):
    """The focused screen's keys, in one line docked at the bottom."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
    }
    KeyFooter > .key-footer--separator {
        color: $foreground 20%;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--separator",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, FooterItem]] = []
        self._shown: list[FooterItem] | None = None  # as last read: drawn from these

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        items = self.items()
        if items != self._shown:  # a focus change often leaves the keys as they were
            self._shown = items
            self.refresh()

    def items(self) -> list[FooterItem]:
        """The keys shown now: one per action (its first key), the palette key last."""
        app = self.app
        seen: set[str] = set()
        shown: list[FooterItem] = []
        palette: FooterItem | None = None
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                display = app.get_key_display(binding)
                palette = FooterItem(binding.key, display, binding.description, enabled,
                                     tooltip, palette=True, action=binding.action)  # fmt: skip
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            shown.append(FooterItem(binding.key, app.get_key_display(binding),
                                    binding.description, enabled, tooltip,
                                    action=binding.action))  # fmt: skip
        return shown + ([palette] if palette else [])

    def render(self) -> RenderResult:
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        text_style = self.get_component_rich_style("key-footer--description", partial=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, FooterItem]] = []
        if self._shown is None:  # drawn before the screen first told of its bindings
            self._shown = self.items()
        items = list(self._shown)
        palette = items.pop() if items and items[-1].palette else None

        def key_text(item: FooterItem) -> Text:
            dim = Style() if item.enabled else DIM
            text = Text.assemble((item.display, key_style + dim))
            if item.description:
                text.append(" " + item.description, text_style + dim)
            return text

        tail = Text()
        if palette is not None:
            tail = Text.assemble(
                ("▏", self.get_component_rich_style("key-footer--separator", partial=True)),
                key_text(palette),
                " ",
            )
        width = self.size.width or 10_000
        room = max(width - tail.cell_len, 0)
        essential = ESSENTIAL | getattr(self.screen, "FOOTER_ESSENTIAL", frozenset())
        for item in fitting(items, room, lambda item: key_text(item).cell_len + 1, essential):
            text = key_text(item)
            spans.append((line.cell_len, line.cell_len + text.cell_len, item))
            line.append_text(text)
            line.append(" ")
        if palette is not None:
            line.truncate(room)
            line.pad_right(room - line.cell_len)
            spans.insert(0, (line.cell_len + 1, line.cell_len + tail.cell_len - 1, palette))
            line.append_text(tail)
        self._spans = spans
        return line

    def item_at(self, x: int) -> FooterItem | None:
        """The key drawn at column ``x`` (as last rendered; keys that did not fit are not
        drawn and cannot be clicked)."""
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        self.tooltip = (item.tooltip or None) if item is not None else None
