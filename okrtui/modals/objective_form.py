"""The objective form: create one (aligned under a parent or top-level) or edit one.

Returns an :class:`ObjectiveEntry` (what was typed, checked with the store's own
validators); the screen writes it.
"""

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from okrtui.modals.form import Check, FormScreen, field_label
from store.domain.checks import check_username
from store.domain.validation import optional_text, require_text
from store.model.enums import Level
from store.model.rows import ObjectiveRow

LEVEL_OPTIONS = [(level.value.capitalize(), level.value) for level in Level]


@dataclass(frozen=True)
class ObjectiveEntry:
    """An objective as entered; the keyword arguments of ``store.write.service``'s
    ``create_objective`` and ``update_objective``."""

    title: str
    owner: str
    collaborators: tuple[str, ...]
    level: str
    team: str | None
    description: str


def names(text: str) -> tuple[str, ...]:
    """User names typed comma separated."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


class ObjectiveForm(FormScreen[ObjectiveEntry]):
    """Create an objective (under ``parent``) or edit ``existing``."""

    def __init__(
        self,
        *,
        username: str,
        parent: ObjectiveRow | None = None,
        existing: ObjectiveRow | None = None,
        holds: bool = True,
        draft: ObjectiveEntry | None = None,
        error: str = "",
    ) -> None:
        """``holds``: the user may change who holds ``existing`` (store.domain.rights: its owner,
        an owner above it, an admin); a collaborator sees owner and collaborators fixed."""
        super().__init__(draft=draft, error=error)
        self.username = username
        self.parent_row = parent
        self.existing = existing
        self.holds = holds or existing is None
        if existing:
            self.heading = f"Edit {existing.ref}"
        elif parent:
            self.heading = f"New objective aligned under {parent.ref} {parent.title}"
        else:
            self.heading = "New top-level objective"

    def initial(self) -> ObjectiveEntry:
        """What the fields start with: the last entry, else the objective, else defaults."""
        if self.draft is not None:
            return self.draft
        row, parent = self.existing, self.parent_row
        if row is not None:
            return ObjectiveEntry(row.title, row.owner, tuple(row.collaborators),
                                  row.level.value, row.team, row.description)  # fmt: skip
        level = (
            Level.COMPANY if parent is None
            else Level.TEAM if parent.level == Level.COMPANY else Level.PERSONAL
        )  # fmt: skip
        return ObjectiveEntry("", self.username, (), level.value,
                              parent.team if parent else None, "")  # fmt: skip

    def fields(self) -> ComposeResult:
        start = self.initial()
        yield field_label("Title (an ambitious, qualitative goal)")
        yield Input(start.title, id="title", classes="field")
        fixed = "" if self.holds else " — set by its owner or the owners above it"
        yield field_label(f"Owner{fixed}")
        yield Input(start.owner, id="owner", classes="field", disabled=not self.holds)
        yield field_label(f"Collaborators (user names, comma separated){fixed}")
        yield Input(", ".join(start.collaborators), id="collaborators", classes="field",
                    disabled=not self.holds)  # fmt: skip
        yield field_label("Level")
        yield Select(LEVEL_OPTIONS, value=start.level, allow_blank=False, id="level",
                     classes="field")  # fmt: skip
        yield field_label("Team")
        yield Input(start.team or "", id="team", classes="field")
        yield field_label("Description")
        yield TextArea(start.description, id="description", classes="field")

    def checks(self) -> dict[str, Check]:
        return {
            "title": lambda: require_text(self.value("title"), "title", max_length=300),
            "owner": lambda: check_username(self.value("owner")),
            "collaborators": lambda: [check_username(n, "collaborator")
                                      for n in names(self.value("collaborators"))],
            "team": lambda: optional_text(self.value("team"), "team", max_length=64),
            "description": lambda: optional_text(self.value("description"), "description",
                                                 max_length=10_000, multiline=True),
        }  # fmt: skip

    def entered(self) -> ObjectiveEntry:
        return ObjectiveEntry(
            title=self.value("title"),
            owner=self.value("owner"),
            collaborators=names(self.value("collaborators")),
            level=self.value("level"),
            team=self.value("team") or None,
            description=self.value("description"),
        )
