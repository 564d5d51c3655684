"""The modal form every okrtui form is made of: fields validated as you type, an error
line, Save and Cancel.

A form is pure input. It checks each field with the store's own pure validators (so it
never accepts what the store would refuse for its shape), and dismisses with a frozen
dataclass of what was entered, or None on cancel. The screen that opened it writes, off
the event loop; when the store refuses (a closed period, no right to change it) the
screen opens the form again with that entry and the refusal (``draft``, ``error``), so
nothing typed is lost.
"""

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from okrtui.modals.dialogs import FitsScreen
from store.errors import DomainError
from widgets.footer import KeyFooter
from widgets.text import plain

Check = Callable[[], object]
D = TypeVar("D")


class FormScreen(FitsScreen[D | None], Generic[D]):
    """A modal form: fields, an error line, Save/Cancel; ctrl+s or enter saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    AUTO_FOCUS = ""  # none: on_mount focuses the first field, and keys typed ahead wait for it
    heading = "Form"
    save_label = "Save"  # what the primary button says (e.g. "Preview" before an import)

    def __init__(self, *, draft: D | None = None, error: str = "") -> None:
        """``draft``: what was entered last time (the form opens with it); ``error``: why
        the store refused it, shown until the next edit."""
        super().__init__()
        self.draft = draft
        self.refusal = error
        self.errors: dict[str, str] = {}
        # Complaints wait until a field is edited or a save is tried: a fresh
        # form should not open by telling the user off.
        self.touched: set[str] = set()
        self.tried = False

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def checks(self) -> dict[str, Check]:
        """Field id → a function raising ValidationError/DomainError when the field is bad."""
        raise NotImplementedError

    def entered(self) -> D:
        """What was entered, once every check passed."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(plain(self.heading, style="bold"), id="heading")
            with VerticalScroll(classes="fields fits"):
                yield from self.fields()
            yield Static(id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query(".field").first().focus()
        self.revalidate()

    def value(self, field_id: str) -> str:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        raise TypeError(field_id)

    def revalidate(self) -> None:
        self.errors = {}
        for field_id, check in self.checks().items():
            try:
                check()
            except (DomainError, ValueError) as exc:
                self.errors[field_id] = str(exc)
        shown = {k: v for k, v in self.errors.items() if self.tried or k in self.touched}
        for widget in self.query(".field"):
            widget.set_class(widget.id in shown, "-invalid")
        message = next(iter(shown.values()), "")
        if not message and self.refusal:
            message = f"Not saved: {self.refusal}"
        self.query_one("#error", Static).update(plain(message))
        self.query_one("#save", Button).disabled = bool(self.errors)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self, event: Input.Changed | Select.Changed | TextArea.Changed) -> None:
        control = event.control
        if control is not None and control.id and control.has_focus_within:
            self.touched.add(control.id)
            self.refusal = ""  # edited since the refusal: the next save will tell
        if self.is_mounted:
            self.revalidate()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.tried = True
        self.revalidate()
        if self.errors:
            self.query_one(f"#{next(iter(self.errors))}").focus()
            return
        try:
            entry = self.entered()
        except (DomainError, ValueError) as exc:
            self.query_one("#error", Static).update(plain(f"Not saved: {exc}"))
            return
        self.dismiss(entry)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def field_label(text: str) -> Label:
    return Label(text, classes="field-label")


def input_row(*fields: tuple[str, str, str], classes: str = "row") -> ComposeResult:
    """Inputs side by side, each under its label: (label, value, field id) per column."""
    with Horizontal(classes=classes):
        for label, value, field_id in fields:
            with Vertical():
                yield field_label(label)
                yield Input(value, id=field_id, classes="field")


def number_text(value: float | None) -> str:
    """A number as a form field shows it ("" for none)."""
    return "" if value is None else f"{value:g}"
