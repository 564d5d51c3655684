"""The check-in panel: value, confidence and note for one key result, and the score the
value would give. It reads what was entered and never writes.

The modal check-in form (``okrtui.modals.checkin``) and the guided weekly check-in
(``okrtui.screens.weekly``) both show it, so both behave alike: the value is prefilled
with the last one and selected (typing replaces it), ``enter`` saves, ``down`` (or
``tab`` in the modal) moves to the confidence (``g``/``a``/``r`` or left/right) and on
to the note (``n`` from the confidence jumps there), and what the score and band will
become is shown as you type.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Sparkline, Static, TextArea

from store.domain.checks import validate_check_in_value
from store.domain.scoring import Thresholds, band, far_outside, kr_progress
from store.errors import DomainError
from store.format import current_value, format_number, format_percent, hold_text
from store.model.enums import Confidence, Direction, Kind
from store.model.rows import CheckInRow, KrRow
from widgets.history_text import CONFIDENCE_TEXT, local_time
from widgets.text import band_text, plain, styled

CONFIDENCE_KEYS = {"g": Confidence.ON_TRACK, "a": Confidence.AT_RISK, "r": Confidence.OFF_TRACK}


@dataclass(frozen=True)
class Entry:
    """What the user entered: a value (None for a KPI-driven KR), a confidence, a note;
    ``confirmed`` once the user said a value far outside the KR's range is right."""

    value: float | None
    confidence: Confidence | None
    note: str
    confirmed: bool = False


class ValueInput(Input):
    """The number field: every key typed here is text, so ``abc`` reads "not a number"
    (letters used to act as confidence keys here: ``abc`` set "at risk" and left ``bc``, and
    the ``n`` of ``nan`` jumped into the note). The confidence has its own field, next on tab.
    Its ``enter`` saves (the panel hears the submit), and the footer says so.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Save", key_display="⏎"),
    ]


class NoteArea(TextArea):
    """The note: ``enter`` starts a new line here, so the footer offers ``ctrl+s`` to save
    (it offered ``⏎ Save`` from the panel, and enter added a line instead)."""

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return key == "enter" or super().check_consume_key(key, character)


class ConfidenceField(Static, can_focus=True):
    """The confidence, chosen with g/a/r (the panel's keys) or left/right; enter saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right", "step(1)", "Next", show=False),
    ]

    def action_step(self, step: int) -> None:
        panel = next(a for a in self.ancestors if isinstance(a, CheckInPanel))
        order = list(CONFIDENCE_KEYS.values())
        index = order.index(panel.confidence) + step if panel.confidence in order else 0
        panel.confidence = order[index % len(order)]
        panel.show_confidence()


class ToggleField(Static, can_focus=True):
    """A milestone's done / not done, flipped with space or d."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,d", "flip", "Done/not done"),
    ]  # enter bubbles to the panel, which saves

    def __init__(self, done: bool, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.done = done

    def on_mount(self) -> None:
        self._show()

    class Toggled(Message):
        """The milestone was flipped (the panel updates its preview)."""

    def set_done(self, done: bool) -> None:
        self.done = done
        self._show()
        self.post_message(self.Toggled())

    def action_flip(self) -> None:
        self.set_done(not self.done)

    def _show(self) -> None:
        mark = ("☑ done", "bold green") if self.done else ("☐ not done", "bold")
        self.update(Text.assemble(mark, ("   space toggles", "dim")))


class FixedField(Static, can_focus=True):
    """A KPI-driven KR's value: shown, not typed; enter (bubbling to the panel) still saves."""


class CheckInPanel(Vertical):
    """Value, confidence and note for one KR, with the score it would give."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Save", key_display="⏎"),
        Binding("g", "confidence('g')", "On track", show=False),  # not typed in the value
        Binding("a", "confidence('a')", "At risk", show=False),
        Binding("r", "confidence('r')", "Off track", show=False),
        Binding("n", "note", "Note"),
        Binding("down", "move(1)", "Next field", show=False),  # value → confidence → note
        Binding("up", "move(-1)", "Previous field", show=False),
        # shown where enter does not save (the note): the footer lists an action once
        Binding("ctrl+s", "submit", "Save"),
    ]

    class Submit(Message):
        """The user asked to save (enter, ctrl+s, or the Save button)."""

    def __init__(self, thresholds: Thresholds, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.thresholds = thresholds
        self.kr: KrRow | None = None
        self.confidence: Confidence | None = None
        self.tried = False  # a save was tried: an empty value is now an error, not a hint

    def compose(self) -> ComposeResult:
        yield Static(id="ci-heading")
        yield Static(id="ci-facts")
        yield Sparkline([], id="ci-spark")
        yield Label("New value", id="ci-value-label", classes="field-label")
        yield ValueInput(id="ci-value", classes="field")
        yield ToggleField(False, id="ci-toggle", classes="field")
        yield FixedField(id="ci-fixed", classes="field")
        yield Static(id="ci-preview")
        yield ConfidenceField(id="ci-confidence", classes="field")
        yield Label("Note  (n)", classes="field-label")
        yield NoteArea(id="ci-note", classes="field", soft_wrap=True, show_line_numbers=False)

    def load(
        self,
        kr: KrRow,
        objective: str,
        history: list[CheckInRow],
        sparkline_length: int,
        existing: CheckInRow | None = None,
        draft: Entry | None = None,
    ) -> None:
        """Show ``kr``; prefill from ``draft`` (an entry the store refused), else
        ``existing`` (a correction), else the last check-in."""
        self.kr = kr
        self.tried = False
        last = history[-1] if history else None
        source = existing or last
        self.confidence = source.confidence if source else None
        if draft is not None:
            self.confidence = draft.confidence
        verb = "Correct the check-in of" if existing else "Check in"
        self.query_one("#ci-heading", Static).update(
            Text.assemble(
                (f"{verb} {kr.ref}  ", "bold"),
                plain(kr.title, style="bold"),
                ("\nof ", "dim"),
                plain(objective, style="dim"),
            )
        )
        self.query_one("#ci-facts", Static).update(self._facts(kr, last))
        spark = self.query_one("#ci-spark", Sparkline)
        spark.data = [r.value for r in history][-sparkline_length:]
        spark.display = len(history) > 1
        value_input = self.query_one("#ci-value", ValueInput)
        toggle = self.query_one("#ci-toggle", ToggleField)
        fixed = self.query_one("#ci-fixed", FixedField)
        value_input.display = kr.kind != Kind.MILESTONE and kr.kpi_id is None
        toggle.display = kr.kind == Kind.MILESTONE and kr.kpi_id is None
        fixed.display = kr.kpi_id is not None
        label = self.query_one("#ci-value-label", Label)
        if kr.kpi_id is not None:
            label.update("Value (from the KPI)")
            fixed.update(
                Text.assemble(
                    (format_number(kr.current, kr.unit), "bold"),
                    (f"  latest value of the KPI {kr.kpi_name!r}", "dim"),
                    ("\nrecord KPI values on the KPI screen; here: confidence and note", "dim"),
                )
            )
        elif kr.kind == Kind.MILESTONE:
            label.update("Milestone")
            current = source.value if source else current_value(kr)
            toggle.set_done(bool(draft.value if draft is not None else current))
        else:
            unit = f" ({kr.unit})" if kr.unit else ""
            label.update("New value" + (" 0–100 %" if kr.kind == Kind.PERCENT else unit))
            prefill = source.value if source else current_value(kr)
            if draft is not None:
                prefill = draft.value
            value_input.value = "" if prefill is None else f"{prefill:g}"
        note = draft.note if draft is not None else existing.note if existing else ""
        self.query_one("#ci-note", TextArea).text = note
        self.show_confidence()
        self.refresh_preview()

    def focus_value(self) -> None:
        for field_id in ("#ci-value", "#ci-toggle", "#ci-fixed"):
            widget = self.query_one(field_id)
            if widget.display:
                widget.focus()
                if isinstance(widget, Input):
                    widget.select_all()
                return

    def _facts(self, kr: KrRow, last: CheckInRow | None) -> Text:
        facts = Text()
        if last is not None:
            facts.append(f"last {format_number(last.value, kr.unit)}", "bold")
            facts.append(f" on {local_time(last.created_at)} by ")
            facts.append_text(plain(last.author))
        else:
            facts.append("no check-in yet", "dim")
            start = current_value(kr)
            if start is not None and kr.kind != Kind.MILESTONE and kr.kpi_id is None:
                facts.append(f" · current {format_number(start, kr.unit)} (its start)", "dim")
        facts.append("\n")
        # A range has no start to show: its start is its low end (a line shows both).
        hold = hold_text(kr.kind, kr.direction, kr.start, kr.target, kr.unit)
        if hold is not None and kr.direction == Direction.STAY_BETWEEN and kr.start is not None:
            facts.append(f"{hold} · ")
        elif kr.kind == Kind.METRIC:
            facts.append(f"start {format_number(kr.start, kr.unit)} · ")
            facts.append(f"target {format_number(kr.target, kr.unit)} · ")
        facts.append("score ")
        facts.append_text(Text(format_percent(kr.progress), "bold"))
        facts.append(" ")
        facts.append_text(band_text(kr.band, kr.progress, kr.kind, kr.direction))
        return facts

    # --- reading what was entered ---------------------------------------------

    def entry(self) -> Entry:
        """What was entered; raises ValidationError with the reason when the value is bad."""
        kr = self.kr
        assert kr is not None
        note = self.query_one("#ci-note", TextArea).text
        if kr.kpi_id is not None:
            return Entry(None, self.confidence, note)
        if kr.kind == Kind.MILESTONE:
            return Entry(
                float(self.query_one("#ci-toggle", ToggleField).done), self.confidence, note
            )
        raw = self.query_one("#ci-value", ValueInput).value
        return Entry(validate_check_in_value(kr.kind, raw, kr.unit), self.confidence, note)

    def refresh_preview(self) -> None:
        """Show the score and band the value would give, or why it cannot be saved."""
        kr = self.kr
        preview = self.query_one("#ci-preview", Static)
        if kr is None:
            return
        try:
            entry = self.entry()
        except (DomainError, ValueError) as exc:
            if not self.tried and not self.query_one("#ci-value", ValueInput).value.strip():
                # nothing typed yet: a hint, not a complaint
                preview.update(Text("→ type the new value", "dim"))
                self.set_class(False, "-invalid")
                return
            preview.update(styled(f"✗ {exc}", "bold red"))
            self.set_class(True, "-invalid")
            return
        self.set_class(False, "-invalid")
        value = kr.current if entry.value is None else entry.value
        progress = kr_progress(kr.kind, kr.direction, kr.start, kr.target, value)
        new_band = band(progress, self.thresholds)
        text = Text("→ score ")
        text.append(format_percent(kr.progress), "dim")
        text.append(" → ")
        text.append(format_percent(progress), "bold")
        text.append("  ")
        text.append_text(band_text(new_band, progress, kr.kind, kr.direction))
        far = self.far(entry)
        if far is not None:
            text.append(f"\n⚠ {far}: saving asks to confirm", "bold yellow")
        preview.update(text)

    def submitted(self) -> Entry:
        """The entry on a save: from now on an empty value is an error, not a hint. Raises
        ValidationError (or ValueError) with the reason, as the preview shows it."""
        self.tried = True
        self.refresh_preview()
        return self.entry()

    def far(self, entry: Entry) -> str | None:
        """Why ``entry``'s value is far outside the KR's range (saving asks first), or None."""
        kr = self.kr
        if kr is None or entry.value is None:
            return None
        return far_outside(kr.kind, kr.direction, kr.start, kr.target, entry.value)

    # --- keys -----------------------------------------------------------------

    @on(Input.Changed)
    @on(ToggleField.Toggled)
    def _value_changed(self, event: Message) -> None:
        event.stop()
        self.refresh_preview()

    @on(Input.Submitted, "#ci-value")
    def _value_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submit())

    def action_submit(self) -> None:
        self.post_message(self.Submit())

    def action_confidence(self, key: str) -> None:
        self.confidence = CONFIDENCE_KEYS[key]
        self.show_confidence()

    def action_move(self, step: int) -> None:
        """Up/down between value, confidence and note: the weekly run's tab skips the KR,
        so these are how the confidence is reached there (the note's own arrows stay its)."""
        order = [w for w in self.query(".field") if w.display]
        focused = self.screen.focused
        index = order.index(focused) if focused in order else 0
        order[max(0, min(len(order) - 1, index + step))].focus()

    def action_note(self) -> None:
        self.query_one("#ci-note", TextArea).focus()

    def show_confidence(self) -> None:
        line = Text("Confidence  ", "dim")
        for key, value in CONFIDENCE_KEYS.items():
            label = CONFIDENCE_TEXT[value]
            style = f"reverse {label.style}" if value == self.confidence else str(label.style)
            line.append(f" {key} ", "bold")
            line.append(f" {label.plain} ", style)
            line.append("  ")
        if self.confidence is None:
            line.append("(none chosen)", "dim")
        self.query_one("#ci-confidence", Static).update(line)
