"""Modal forms for objectives and key results, validated as you type.

Validation uses the same functions as the store's writes (store/write/), so the form never
accepts what the store would refuse; a refusal at save time (say, a cycle or a
closed period) is shown in the form and the typed text is kept.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from okrtui.screens.dialogs import FitsScreen
from store.domain.validation import optional_number, optional_text, require_text
from store.errors import DatabaseError, DomainError
from store.model.enums import Direction, Kind, Level
from store.queries import kpi_panels
from store.rows import KrRow, ObjectiveRow
from store.write.common import check_username
from store.write.key_results import (
    check_kr_values,
    check_weight,
    create_key_result,
    update_key_result,
)
from store.write.objectives import create_objective, update_objective
from widgets.footer import KeyFooter
from widgets.text import plain

if TYPE_CHECKING:
    from okrtui.app import OkrApp

Check = Callable[[], object]


class FormScreen(FitsScreen[int | None]):
    """A modal form: fields, an error line, Save/Cancel; ctrl+s or enter saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    heading = "Form"
    save_label = "Save"  # what the primary button says (e.g. "Preview" before an import)

    def __init__(self, app: "OkrApp") -> None:
        super().__init__()
        self.okr = app
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

    def save(self) -> int:
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
        self.query_one("#error", Static).update(plain(message))
        self.query_one("#save", Button).disabled = bool(self.errors)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self, event: Input.Changed | Select.Changed | TextArea.Changed) -> None:
        control = event.control
        if control is not None and control.id and control.has_focus_within:
            self.touched.add(control.id)
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
            saved = self.save()
        except (DomainError, DatabaseError, ValueError) as exc:
            self.query_one("#error", Static).update(plain(f"Not saved: {exc}"))
            return
        self.dismiss(saved)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _label(text: str) -> Label:
    return Label(text, classes="field-label")


def input_row(*fields: tuple[str, str, str], classes: str = "row") -> ComposeResult:
    """Inputs side by side, each under its label: (label, value, field id) per column."""
    with Horizontal(classes=classes):
        for label, value, field_id in fields:
            with Vertical():
                yield _label(label)
                yield Input(value, id=field_id, classes="field")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


LEVEL_OPTIONS = [(level.value.capitalize(), level.value) for level in Level]


class ObjectiveForm(FormScreen):
    """Create an objective (under ``parent``) or edit ``existing``."""

    def __init__(
        self,
        app: "OkrApp",
        *,
        period_id: int,
        parent: ObjectiveRow | None = None,
        existing: ObjectiveRow | None = None,
        holds: bool = True,
    ) -> None:
        """``holds``: the user may change who holds ``existing`` (store.domain.rights: its owner,
        an owner above it, an admin); a collaborator sees owner and collaborators fixed."""
        super().__init__(app)
        self.period_id = period_id
        self.parent_row = parent
        self.existing = existing
        self.holds = holds or existing is None
        if existing:
            self.heading = f"Edit {existing.ref}"
        elif parent:
            self.heading = f"New objective aligned under {parent.ref} {parent.title}"
        else:
            self.heading = "New top-level objective"

    def fields(self) -> ComposeResult:
        row, parent = self.existing, self.parent_row
        level = row.level if row else (
            Level.COMPANY if parent is None
            else Level.TEAM if parent.level == Level.COMPANY else Level.PERSONAL
        )  # fmt: skip
        yield _label("Title (an ambitious, qualitative goal)")
        yield Input(row.title if row else "", id="title", classes="field")
        fixed = "" if self.holds else " — set by its owner or the owners above it"
        yield _label(f"Owner{fixed}")
        yield Input(row.owner if row else self.okr.username, id="owner", classes="field",
                    disabled=not self.holds)  # fmt: skip
        yield _label(f"Collaborators (user names, comma separated){fixed}")
        yield Input(", ".join(row.collaborators) if row else "", id="collaborators",
                    classes="field", disabled=not self.holds)  # fmt: skip
        yield _label("Level")
        yield Select(LEVEL_OPTIONS, value=level.value, allow_blank=False, id="level",
                     classes="field")  # fmt: skip
        yield _label("Team")
        team = row.team if row else (parent.team if parent else None)
        yield Input(team or "", id="team", classes="field")
        yield _label("Description")
        yield TextArea(row.description if row else "", id="description", classes="field")

    def checks(self) -> dict[str, Check]:
        return {
            "title": lambda: require_text(self.value("title"), "title", max_length=300),
            "owner": lambda: check_username(self.value("owner")),
            "collaborators": lambda: [check_username(n, "collaborator")
                                      for n in _csv(self.value("collaborators"))],
            "team": lambda: optional_text(self.value("team"), "team", max_length=64),
            "description": lambda: optional_text(self.value("description"), "description",
                                                 max_length=10_000, multiline=True),
        }  # fmt: skip

    def save(self) -> int:
        values: dict[str, Any] = {
            "title": self.value("title"),
            "owner": self.value("owner"),
            "team": self.value("team") or None,
            "level": self.value("level"),
            "description": self.value("description"),
            "collaborators": _csv(self.value("collaborators")),
        }
        db, user = self.okr.db, self.okr.username
        if self.existing:
            return update_objective(db, user, self.existing.id, **values).id
        saved = create_objective(
            db, user, period_id=self.period_id,
            parent_id=self.parent_row.id if self.parent_row else None, **values,
        )  # fmt: skip
        return saved.id


KIND_OPTIONS = [
    ("Metric: a number from start to target", Kind.METRIC.value),
    ("Percent complete (0–100)", Kind.PERCENT.value),
    ("Milestone: done / not done", Kind.MILESTONE.value),
]
DIRECTION_OPTIONS = [
    ("Increase to target (higher is better)", Direction.INCREASE.value),
    ("Decrease to target (lower is better)", Direction.DECREASE.value),
    ("Stay at or above the target", Direction.STAY_ABOVE.value),
    ("Stay at or below the target", Direction.STAY_BELOW.value),
]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class KeyResultForm(FormScreen):
    """Add a KR to ``objective`` or edit ``existing``."""

    def __init__(
        self, app: "OkrApp", *, objective: ObjectiveRow, existing: KrRow | None = None
    ) -> None:
        super().__init__(app)
        self.objective = objective
        self.existing = existing
        self.heading = (
            f"Edit {existing.ref}"
            if existing
            else f"New key result for {objective.ref} {objective.title}"
        )

    def fields(self) -> ComposeResult:
        kr = self.existing
        # Names are other people's text: plain, never markup (a "[@click=…]" name ran actions).
        kpis = [(plain(p.name), str(p.id)) for p in kpi_panels(self.okr.db, last=1)]
        yield _label("Title (a measurable outcome)")
        yield Input(kr.title if kr else "", id="title", classes="field")
        yield _label("Kind")
        yield Select(KIND_OPTIONS, value=(kr.kind if kr else Kind.METRIC).value,
                     allow_blank=False, id="kind", classes="field")  # fmt: skip
        yield Label("Direction", classes="field-label metric-only")  # hidden with its field
        yield Select(DIRECTION_OPTIONS, value=(kr.direction if kr else Direction.INCREASE).value,
                     allow_blank=False, id="direction", classes="field metric-only")  # fmt: skip
        yield from input_row(
            ("Start", _num(kr.start) if kr else "", "start"),
            ("Target", _num(kr.target) if kr else "", "target"),
            ("Unit", kr.unit if kr else "", "unit"),
            classes="row metric-only",
        )
        yield from input_row(
            ("Owner", kr.owner if kr else self.objective.owner, "owner"),
            ("Weight", _num(kr.weight) if kr else "1", "weight"),
        )
        yield _label("Driven by KPI (its latest value becomes the current value)")
        yield Select(kpis, value=str(kr.kpi_id) if kr and kr.kpi_id else Select.NULL,
                     prompt="— none: check in by hand —", id="kpi", classes="field")  # fmt: skip

    def on_mount(self) -> None:
        self._show_kind_fields()
        super().on_mount()

    @on(Select.Changed, "#kind")
    def _show_kind_fields(self) -> None:
        metric = self.value("kind") == Kind.METRIC.value
        for widget in self.query(".metric-only"):
            widget.display = metric

    def _numbers(self) -> tuple[float | None, float | None]:
        kind = Kind(self.value("kind"))
        if kind != Kind.METRIC:
            return check_kr_values(kind, Direction.INCREASE, None, None)
        start = optional_number(self.value("start"), "start")
        target = optional_number(self.value("target"), "target")
        return check_kr_values(kind, Direction(self.value("direction")), start, target)

    def checks(self) -> dict[str, Check]:
        return {
            "title": lambda: require_text(self.value("title"), "title", max_length=300),
            "start": lambda: optional_number(self.value("start"), "start"),
            "target": self._numbers,
            "unit": lambda: optional_text(self.value("unit"), "unit", max_length=32),
            "owner": lambda: check_username(self.value("owner")),
            "weight": lambda: check_weight(self.value("weight")),
        }

    def save(self) -> int:
        kind = self.value("kind")
        metric = kind == Kind.METRIC.value
        kpi = self.value("kpi")
        values: dict[str, Any] = {
            "title": self.value("title"),
            "kind": kind,
            "direction": self.value("direction") if metric else Direction.INCREASE,
            "start": self.value("start") if metric else None,
            "target": self.value("target") if metric else None,
            "unit": self.value("unit") if metric else "",
            "owner": self.value("owner"),
            "weight": self.value("weight"),
            "kpi_id": int(kpi) if kpi else None,
        }
        db, user = self.okr.db, self.okr.username
        if self.existing:
            return update_key_result(db, user, self.existing.id, **values).id
        saved = create_key_result(db, user, objective_id=self.objective.id, **values)
        for warning in saved.warnings:
            self.okr.notify(warning, severity="warning")
        return saved.id
