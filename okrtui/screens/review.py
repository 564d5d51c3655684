"""The guided close-period review: one objective at a time, then a summary, then close.

For each objective: a final grade (0.0–1.0, proposed from its score), a
retrospective note, and for an unfinished objective the choice to roll it over
into the next period or leave it closed. Nothing is written until the summary
is confirmed; then :func:`store.write.periods.close_period` writes it all in one
transaction (or nothing, if anything is refused). The screen dismisses with the
:class:`~store.write.periods.CloseSummary`, or None when the review is abandoned.

| Key | Does |
| --- | --- |
| enter | Next field; on the note, the next objective |
| pagedown / pageup | Next / previous objective |
| ctrl+r | Roll the objective over (or not), when it is unfinished |
| ctrl+s | Go to the summary; on the summary, close the period |
| escape | Leave the review (after a confirmation); nothing is written |
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Checkbox,
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    Static,
)

from okrtui.modals.dialogs import ConfirmDialog
from okrtui.screens.base import STYLES, OkrScreen
from okrtui.screens.review_parts import ReviewItem, RollCheckbox, about, kr_table, review_items
from store.domain.scoring import grade_of
from store.errors import DatabaseError, DomainError
from store.format import counted, format_percent
from store.model.rows import PeriodRow
from store.read.tree import load_tree
from store.write.close_period import (
    CloseSummary,
    ObjectiveReview,
    RollTarget,
    close_period,
    is_unfinished,
    parse_grade,
    roll_target,
)
from widgets.footer import KeyFooter
from widgets.text import BAND_STYLE, plain, styled, truncate
from widgets.title import TitleBar


@dataclass
class Draft:
    """What the reviewer has typed for one objective so far."""

    grade: str
    note: str = ""
    roll: bool = False


class ReviewScreen(OkrScreen[CloseSummary | None]):
    """Walk through a period's objectives, then close it."""

    GUIDED = True  # the app hides screen switches until the review is finished or left

    CSS_PATH = STYLES / "periods.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: an Input would otherwise take page up/down for scrolling
        Binding("pagedown", "next", "Next", key_display="PgDn", id="review_next", priority=True),
        Binding(
            "pageup",
            "previous",
            "Previous",
            key_display="PgUp",
            id="review_previous",
            priority=True,
        ),
        Binding("ctrl+r", "toggle_roll", "Roll over", id="review_roll"),
        Binding("ctrl+s", "finish", "Summary / close", id="review_finish"),
        Binding("escape", "cancel", "Leave review", id="review_cancel"),
    ]

    def __init__(self, period: PeriodRow) -> None:
        super().__init__()
        self.period = period
        self.items: list[ReviewItem] = []
        self.drafts: list[Draft] = []
        self.index = 0
        self.on_summary = False
        self.target: RollTarget | None = None
        self.ready = False  # the objectives are read (in a worker, after the first frame)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="review-step")
        with ContentSwitcher(initial="review-page", id="review-switcher"):
            with Horizontal(id="review-page"):
                with VerticalScroll(id="review-objective"):
                    yield Static(id="review-about")
                    yield Static(id="review-krs")
                with Vertical(id="review-form"):
                    yield Label("Final grade, 0.0 to 1.0", classes="field-label")
                    yield Input(id="review-grade", classes="field")
                    yield Static(id="review-error", classes="error")  # right under the grade
                    yield Static(id="review-grade-hint", classes="hint")
                    yield Label("Retrospective note: what did we learn?", classes="field-label")
                    yield Input(id="review-note", classes="field")
                    yield RollCheckbox("Roll over", id="review-roll")
                    yield Static(id="review-roll-hint", classes="hint")
            with Vertical(id="review-summary"):
                yield Static(id="review-summary-head")
                yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="review-summary-error", classes="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#review-step", Static).update(
            plain(f"Review {self.period.name} · reading its objectives…", style="bold")
        )
        self.query_one("#review-table", DataTable).add_columns(
            "Objective", "Score", "Grade", "Decision", "Note"
        )
        app, period_id = self.okr_app, self.period.id

        def read() -> tuple[list[ReviewItem], RollTarget]:
            items = review_items(load_tree(app.db, period_id, app.thresholds))
            return items, roll_target(app.db, period_id)

        self.load(read, self._start, failed=self._not_read)

    def _not_read(self, exc: Exception) -> None:
        self.notify(str(exc), severity="error")
        self.dismiss(None)

    def _start(self, read: tuple[list[ReviewItem], RollTarget]) -> None:
        self.items, self.target = read
        self.ready = True
        self.drafts = [Draft(f"{grade_of(item.score):.2f}") for item in self.items]
        if self.items:
            self._show(0)
        else:
            self._show_summary()

    # --- one objective ----------------------------------------------------------------

    def _target_name(self) -> str:
        return self.target.name if self.target else "the next period"

    def _target_text(self) -> str:
        target = self.target
        if target is None:
            return "the next period"
        return target.name if target.exists else f"{target.name} (created on close)"

    def _show(self, index: int) -> None:
        self.index, self.on_summary = index, False
        self.query_one(ContentSwitcher).current = "review-page"
        item = self.items[index]
        draft = self.drafts[index]
        self._update_step()
        self.query_one("#review-about", Static).update(about(item))
        self.query_one("#review-krs", Static).update(kr_table(item.krs))
        grade = self.query_one("#review-grade", Input)
        grade.value = draft.grade
        self.query_one("#review-grade-hint", Static).update(
            plain(f"proposed from its score: {grade_of(item.score):.2f}", style="dim")
        )
        self.query_one("#review-note", Input).value = draft.note
        unfinished = is_unfinished(item.score)
        roll = self.query_one("#review-roll", RollCheckbox)
        roll.value = draft.roll and unfinished
        roll.show(self._target_name())
        roll.disabled = not unfinished
        created = "" if self.target is None or self.target.exists else " (created on close)"
        hint = (
            f"a copy with its key results and collaborators starts in {self._target_name()}"
            f"{created} from today's values, linked back to this one; its check-ins stay here"
            if unfinished
            else "finished: it reached its targets and closes as it is"
        )
        self.query_one("#review-roll-hint", Static).update(plain(hint, style="dim"))
        self.query_one("#review-error", Static).update("")
        grade.focus()
        self.refresh_bindings()

    def _update_step(self) -> None:
        rolled = sum(1 for d in self.drafts if d.roll)
        where = f" · {rolled} to roll over into {self._target_text()}" if rolled else ""
        if self.on_summary:
            step = f"Review {self.period.name} · summary{where}"
        else:
            step = f"Review {self.period.name} · objective {self.index + 1} of {len(self.items)}"
            step += where
        self.query_one("#review-step", Static).update(plain(step, style="bold"))

    def _store(self) -> bool:
        """Keep what was typed for the objective on show; False (with a message) if invalid."""
        if self.on_summary or not self.items:
            return True
        draft = self.drafts[self.index]
        text = self.query_one("#review-grade", Input).value
        try:
            parse_grade(text)
        except DomainError as exc:
            self.query_one("#review-error", Static).update(plain(str(exc)))
            self.query_one("#review-grade", Input).focus()
            return False
        draft.grade = text.strip()
        draft.note = self.query_one("#review-note", Input).value
        roll = self.query_one("#review-roll", Checkbox)
        draft.roll = roll.value and not roll.disabled
        return True

    @on(Input.Changed, "#review-grade")
    def _grade_typed(self, event: Input.Changed) -> None:
        try:
            parse_grade(event.value)
            message = ""
        except DomainError as exc:
            message = str(exc)
        self.query_one("#review-error", Static).update(plain(message))
        event.input.set_class(bool(message), "-invalid")

    @on(Input.Submitted, "#review-grade")
    def _grade_done(self) -> None:
        self.query_one("#review-note", Input).focus()

    @on(Input.Submitted, "#review-note")
    def _note_done(self) -> None:
        self.action_next()

    @on(Checkbox.Changed, "#review-roll")
    def _roll_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#review-roll", RollCheckbox).show(self._target_name())
        if self.items and not self.on_summary:
            self.drafts[self.index].roll = event.value and not event.checkbox.disabled
            self._update_step()

    # --- navigation -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready and action in ("toggle_roll", "previous", "next", "finish"):
            return None
        if action == "toggle_roll":
            if self.on_summary or not self.items:
                return None
            return True if is_unfinished(self.items[self.index].score) else None
        if action == "previous":
            return True if (self.on_summary and self.items) or self.index > 0 else None
        if action == "next":
            return None if self.on_summary else True
        return True

    def action_next(self) -> None:
        if self.on_summary or not self._store():
            return
        if self.index + 1 < len(self.items):
            self._show(self.index + 1)
        else:
            self._show_summary()

    def action_previous(self) -> None:
        if self.on_summary:
            if self.items:
                self._show(len(self.items) - 1)
            return
        if self.index > 0 and self._store():
            self._show(self.index - 1)

    def action_toggle_roll(self) -> None:
        roll = self.query_one("#review-roll", Checkbox)
        if not self.on_summary and not roll.disabled:
            roll.toggle()

    # --- summary and close ------------------------------------------------------------

    def _show_summary(self) -> None:
        self.on_summary = True
        self.query_one(ContentSwitcher).current = "review-summary"
        self._update_step()
        table = self.query_one("#review-table", DataTable)
        table.clear()
        for item, draft in zip(self.items, self.drafts, strict=True):
            row = item.row
            if draft.roll:
                decision = styled(f"roll over → {self._target_name()}", "bold blue")
            elif is_unfinished(item.score):
                decision = Text("leave closed", "dim")
            else:
                decision = styled("finished", "green")
            table.add_row(
                Text.assemble(
                    "  " * item.depth, (f"{row.ref} ", "bold"), plain(truncate(row.title, 40))
                ),
                styled(format_percent(item.score), BAND_STYLE[item.band]),
                draft.grade,
                decision,
                plain(truncate(draft.note, 40)),
            )
        rolled = self._rolled_text()
        head = (
            f"Closing {self.period.name} gives its {counted(len(self.items), 'objective')} "
            "these final grades and makes the period read-only"
            + (f"; {rolled} into {self._target_text()}." if rolled else ".")
            + "\nctrl+s closes it (you confirm once more) · PgUp goes back · escape leaves "
            "without writing anything"
        )
        self.query_one("#review-summary-head", Static).update(plain(head, multiline=True))
        self.query_one("#review-summary-error", Static).update("")
        table.focus()
        self.refresh_bindings()

    def _rolled_text(self) -> str:
        """ "2 objectives roll over" ("1 objective rolls over"), or "" when none do."""
        rolled = sum(1 for d in self.drafts if d.roll)
        if not rolled:
            return ""
        return f"{counted(rolled, 'objective')} {'rolls' if rolled == 1 else 'roll'} over"

    @work
    async def action_finish(self) -> None:
        if not self.on_summary:
            if self._store():
                self._show_summary()
            return
        rolled = self._rolled_text()
        question = (
            f"Close {self.period.name}? Grades and notes become final and the period "
            "read-only" + (f"; {rolled}." if rolled else ".")
        )
        if not await self.app.push_screen_wait(ConfirmDialog(question, "Close period")):
            return
        reviews = [
            ObjectiveReview(item.row.id, float(draft.grade), draft.note, draft.roll)
            for item, draft in zip(self.items, self.drafts, strict=True)
        ]
        app, period_id = self.okr_app, self.period.id
        try:
            summary = await self.store(lambda: close_period(
                app.db, app.username, period_id, reviews, thresholds=app.thresholds))  # fmt: skip
        except (DomainError, DatabaseError) as exc:
            self.query_one("#review-summary-error", Static).update(plain(f"Not closed: {exc}"))
            self.notify(str(exc), title="Close refused", severity="error", timeout=8)
            return
        self.dismiss(summary)

    def typed(self) -> list[str]:
        """What leaving would throw away: grades changed from the proposal, notes, roll-overs."""
        if not self.on_summary and self.items:
            draft = self.drafts[self.index]  # what is on screen, even if not stored yet
            draft.note = self.query_one("#review-note", Input).value
            grade = self.query_one("#review-grade", Input).value.strip()
            if grade:
                draft.grade = grade
        proposed = [f"{grade_of(item.score):.2f}" for item in self.items]
        grades = sum(1 for d, p in zip(self.drafts, proposed, strict=True) if d.grade != p)
        notes = sum(1 for d in self.drafts if d.note.strip())
        rolls = sum(1 for d in self.drafts if d.roll)
        parts = [counted(n, word) for n, word in ((grades, "changed grade"),
                 (notes, "note"), (rolls, "roll-over choice")) if n]  # fmt: skip
        return parts

    @work
    async def action_cancel(self) -> None:
        """Leave; when something was typed, ask first and say what would be lost."""
        lost = self.typed()
        if not lost:
            self.dismiss(None)
            return
        question = (
            f"Leave the review of {self.period.name}? Your {', '.join(lost)} will be "
            "thrown away; nothing has been written."
        )
        if await self.app.push_screen_wait(ConfirmDialog(question, "Leave")):
            self.dismiss(None)
