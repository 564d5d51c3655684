"""Keys typed faster than a dialog opens go to the dialog (a mixin for screens).

A screen's dialogs open from workers (they read first, in a thread), which start after
the key that asked for them is handled: keys sent in a burst (``nps``) were handled by
the screen first, and opened New objective and then the period picker. From the key of
an action marked :func:`opens_dialog` until its dialog is up (or its worker ends
without one), keys are held, then replayed into whatever screen is on top.
"""

from collections.abc import Callable
from typing import Any

from textual import events
from textual.screen import Screen
from textual.worker import Worker

DIALOG_GROUP = "dialog"
"""The worker group of the actions marked :func:`opens_dialog`: keys are released when
one of them ends."""


def opens_dialog(action: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a worker action (``@work(group=DIALOG_GROUP)``) that pushes a dialog."""

    def start(self: "HoldsKeys", *args: Any, **kwargs: Any) -> Any:
        if not self._opening:  # (from the palette; a key already started holding)
            self.hold_keys()
        self._opening_for = ""  # this one runs; a second one waits for the dialog
        return action(self, *args, **kwargs)

    start.__name__, start.__doc__ = action.__name__, action.__doc__
    start.opens_dialog = True  # type: ignore[attr-defined]  # read by HoldsKeys.hold_for
    return start


class HoldsKeys(Screen[Any]):
    """A screen whose :func:`opens_dialog` actions receive the keys typed before their
    dialog is up. Call :meth:`hold_for` first thing in ``on_key``."""

    _opening = False  # a worker is about to push a dialog: keys are held
    _opening_for = ""  # the action whose key started holding (it still runs)
    _held: list[tuple[str, str | None]]

    def holding(self, action: str) -> bool:
        """Whether keys are held for a dialog on its way (``action`` excepted: its own key)."""
        return self._opening and action != self._opening_for

    def hold_keys(self) -> None:
        """From now until the dialog a worker pushes is up, keep keys for it."""
        self._opening = True
        self._held = []

    def hold_for(self, event: events.Key) -> bool:
        """Hold ``event`` if keys are held, or start holding if it opens a dialog; True
        when the screen must not handle it further."""
        if self._opening:
            self._held.append((event.key, event.character))
            event.stop()
            event.prevent_default()
            return True
        binding = self.active_bindings.get(event.key)
        action = binding.binding.action.removeprefix("screen.") if binding else ""
        method = getattr(type(self), f"action_{action}", None) if action else None
        if binding is not None and binding.enabled and getattr(method, "opens_dialog", False):
            self.hold_keys()
            self._opening_for = action
            return True
        return False

    def _release_keys(self) -> None:
        if not self._opening:
            return
        self._opening = False
        held, self._held = self._held, []
        self.refresh_bindings()
        if held:
            self.app.call_after_refresh(self._replay, held)

    def _replay(self, held: list[tuple[str, str | None]], tries: int = 50) -> None:
        """Send the held keys once the screen on top has its focus (a dialog focuses its
        first field when mounted: keys before that would reach no field)."""
        screen = self.app.screen
        if screen is not self and screen.focused is None and tries > 0:
            self.app.call_after_refresh(self._replay, held, tries - 1)
            return
        for key, character in held:
            self.app.post_message(events.Key(key, character))

    def on_screen_suspend(self) -> None:
        self._release_keys()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == DIALOG_GROUP and event.worker.is_finished:
            self._release_keys()
