"""The check-in form: the check-in panel on any key result, as a modal.

It returns what was entered (:class:`Entry`), and never writes: the screen that opened
it saves the check-in (a new one, or a correction of ``existing``) off the event loop.
A value far outside the KR's range asks first; the answer travels in
``Entry.confirmed``.
"""

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from okrtui.modals.checkin_panel import CheckInPanel, Entry
from okrtui.modals.dialogs import ConfirmDialog, FitsScreen
from store.domain.scoring import Thresholds
from store.errors import DomainError
from store.model.rows import CheckInRow, KrRow
from widgets.footer import KeyFooter
from widgets.text import plain

__all__ = ["CheckInForm", "Entry", "far_question"]


def far_question(reason: str) -> str:
    """What to ask before recording a value far outside its KR's range."""
    return f"{reason}.\n\nIs that right, or a typo? Record it anyway?"


class CheckInForm(FitsScreen[Entry | None]):
    """Check in one KR, or correct one of its check-ins (``existing``); escape: None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = ""  # none: on_mount focuses the value, and keys typed ahead wait for it

    def __init__(
        self,
        kr: KrRow,
        objective: str,
        history: list[CheckInRow],
        *,
        thresholds: Thresholds,
        sparkline_length: int,
        existing: CheckInRow | None = None,
        draft: Entry | None = None,
        error: str = "",
    ) -> None:
        """``draft`` and ``error``: an entry the store refused, and why (the form opens
        again with it)."""
        super().__init__()
        self.kr = kr
        self.objective = objective
        self.history = history
        self.thresholds = thresholds
        self.sparkline_length = sparkline_length
        self.existing = existing
        self.draft = draft
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog checkin"):
            with VerticalScroll(classes="fits", id="ci-scroll"):
                yield CheckInPanel(self.thresholds, id="panel")
                yield Static(plain(self.error and f"Not saved: {self.error}"), id="ci-error",
                             classes="error")  # fmt: skip
            with Horizontal(classes="buttons"):
                yield Button("Save (⏎)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        panel = self.query_one(CheckInPanel)
        panel.load(self.kr, self.objective, self.history, self.sparkline_length, self.existing,
                   self.draft)  # fmt: skip
        panel.focus_value()

    @on(CheckInPanel.Submit)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        self._submit()

    @work(exclusive=True, group="check-in-form")
    async def _submit(self) -> None:
        """Return the entry; a value far outside the KR's range asks first."""
        panel = self.query_one(CheckInPanel)
        error = self.query_one("#ci-error", Static)
        try:
            entry = panel.submitted()
        except (DomainError, ValueError) as exc:
            error.update(plain(f"Not saved: {exc}"))
            panel.focus_value()
            return
        far = panel.far(entry)
        if far is not None:
            if not await self.app.push_screen_wait(ConfirmDialog(far_question(far), "Record")):
                error.update("Not saved: check the value")
                panel.focus_value()
                return
            entry = Entry(entry.value, entry.confidence, entry.note, confirmed=True)
        self.dismiss(entry)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
