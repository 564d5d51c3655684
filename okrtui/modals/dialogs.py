"""Generic modal dialogs: confirm, and pick one item from a searchable list."""

from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from widgets.footer import KeyFooter
from widgets.text import plain

SHORT_HEIGHT = 32
"""Below this many lines a dialog drops its padding and spacing (the ``-short`` class)."""


def fit_dialog(screen: Screen[Any]) -> None:
    """Cap the dialog's scrolling part (``.fits``) so the dialog, its buttons and the footer
    all fit on the screen.

    A dialog is ``height: auto``: a part taller than the screen pushed the buttons off the
    bottom (the check-in form at 80×24 ended after the score preview). What the part may
    take is what the screen leaves after the footer, the dialog's border and padding and
    the dialog's other children; focus moving into the part scrolls it into view.
    """
    screen.set_class(screen.size.height < SHORT_HEIGHT, "-short")
    for part in screen.query(".fits"):
        dialog = part.parent
        if not isinstance(dialog, Widget):
            continue
        others = sum(
            child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
            for child in dialog.children
            if child is not part and child.display
        )
        footers = sum(w.outer_size.height for w in screen.query(KeyFooter) if w.display)
        chrome = dialog.styles.gutter.height + dialog.styles.margin.height
        height = screen.size.height - footers
        if not screen.has_class("-short"):  # a tall screen: the dialog's max-height of 90%
            height = height * 9 // 10
        room = height - chrome - others
        part.styles.max_height = max(3, room - part.styles.margin.height)


T = TypeVar("T")


class FitsScreen(ModalScreen[T]):
    """A modal whose dialog keeps its buttons on screen at any terminal height (see
    :func:`fit_dialog`); the part that may scroll has the ``fits`` class.

    Tab and shift+tab move the focus as the key arrives (priority bindings): as ordinary
    bindings they ran only after the keys typed behind them had gone to the old field
    (``Tab Tab ana`` typed fast put ``ana`` into the title).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def on_resize(self) -> None:
        self.call_after_refresh(fit_dialog, self)

    def on_show(self) -> None:
        fit_dialog(self)
        self.call_after_refresh(fit_dialog, self)


class ConfirmDialog(FitsScreen[bool]):
    """Ask before something that cannot be undone: y confirms; n or escape cancels.

    Cancel has the focus, so a stray enter never deletes anything.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, question: str, verb: str = "OK") -> None:
        super().__init__()
        self.question = question
        self.verb = verb

    def compose(self) -> ComposeResult:
        # The whole question, wrapped: it often ends with what else the action does
        # ("its 2 aligned objectives become top-level"); a long one scrolls.
        with Vertical(classes="dialog confirm"):
            with VerticalScroll(classes="question fits"):
                yield Static(plain(self.question, multiline=True), id="question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.verb} (y)", variant="error", id="confirm")
                yield Button("Cancel (n)", id="cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PickDialog(ModalScreen[Any]):
    """Choose one of ``choices`` ((value, label) pairs); type to narrow the list.

    Dismisses with the chosen value, or :attr:`CANCELLED` on escape (``None``
    can be a real choice, such as "no parent").
    """

    CANCELLED: ClassVar[object] = object()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "focus_list", "List", show=False),
    ]

    def __init__(self, title: str, choices: list[tuple[Any, str]], current: Any = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label(plain(self.title_text, style="bold"))
            yield Input(placeholder="type to search", id="search")
            yield OptionList(id="options")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, needle: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        words = needle.lower().split()
        shown = [
            (i, label) for i, (_, label) in enumerate(self.choices)
            if all(w in label.lower() for w in words)
        ]  # fmt: skip
        options.add_options(Option(plain(label), id=str(i)) for i, label in shown)
        for index, (i, _) in enumerate(shown):
            if self.choices[i][0] == self.current:
                options.highlighted = index
                break
        else:
            options.highlighted = 0 if shown else None

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#search")
    def _submit_search(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is not None:
            self.dismiss(self.choices[int(option_id)][0])

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(self.CANCELLED)


class NoteViewer(FitsScreen[None]):
    """A note in full, as plain text (markup shown literally), scrolling when long.

    The history table shows a note's first characters; before this the only way to read
    one whole was to open the correction form.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.title_text = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-viewer"):
            yield Label(plain(self.title_text, style="bold"))
            with VerticalScroll(classes="fits", id="note-scroll"):
                text = self.note or "(no note)"
                yield Static(plain(text, multiline=True), id="note")
            with Horizontal(classes="buttons"):
                yield Button("Close (esc)", id="close")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#note-scroll").focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
