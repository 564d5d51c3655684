"""The comment form: a text with ``@name`` mentions completed from the people okrtui knows.

Typing ``@an`` lists the known names that start so under the text; ctrl+o writes the
first one in. Like every form, it only returns what was entered (``CommentEntry``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TextArea

from okrtui.modals.form import Check, FormScreen, field_label
from store.domain.checks import check_comment
from store.domain.mentions import complete, partial_mention
from widgets.text import plain


@dataclass(frozen=True)
class CommentEntry:
    body: str


class CommentForm(FormScreen[CommentEntry]):
    """Write a comment on ``subject`` (``KR-12``); ``people`` may be @mentioned."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("ctrl+o", "complete", "Complete @name", id="complete_mention"),
    ]
    save_label = "Post"

    def __init__(
        self,
        subject: str,
        title: str,
        people: Iterable[str],
        *,
        body: str = "",
        draft: CommentEntry | None = None,
        error: str = "",
    ) -> None:
        super().__init__(draft=draft, error=error)
        self.heading = f"{'Edit comment' if body else 'Comment'} on {subject} “{title}”"
        self.people = sorted(set(people))
        self.initial = draft.body if draft is not None else body

    def fields(self) -> ComposeResult:
        yield field_label("Comment (@name mentions a person; ctrl+s posts)")
        yield TextArea(self.initial, id="body", classes="field note", soft_wrap=True)
        yield Static(id="mentions", classes="hint")

    def checks(self) -> dict[str, Check]:
        return {"body": lambda: check_comment(self.value("body"))}

    def entered(self) -> CommentEntry:
        return CommentEntry(self.value("body"))

    def _matches(self) -> list[str]:
        area = self.query_one("#body", TextArea)
        row, column = area.cursor_location
        typed = partial_mention(area.document.get_line(row)[:column])
        return [] if typed is None else complete(typed, self.people)

    @on(TextArea.Changed, "#body")
    @on(TextArea.SelectionChanged, "#body")
    def _show_matches(self) -> None:
        matches = self._matches()
        hint = "  ".join(f"@{name}" for name in matches)
        self.query_one("#mentions", Static).update(
            plain(f"{hint}   (ctrl+o: @{matches[0]})" if matches else "")
        )

    def action_complete(self) -> None:
        matches = self._matches()
        if not matches:
            return
        area = self.query_one("#body", TextArea)
        row, column = area.cursor_location
        typed = partial_mention(area.document.get_line(row)[:column]) or ""
        area.insert(matches[0][len(typed) :] + " ")
