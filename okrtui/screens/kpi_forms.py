"""KPI forms: define or edit a KPI, record a value, pick a CSV file to import.

They reuse :class:`FormScreen` (validation as you type with the store's own
checks, typed text kept when a save is refused) and call ``store`` for writes.
"""

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static, TextArea

from okrtui.screens.forms import Check, FormScreen, input_row
from store.domain.validation import optional_number, optional_text, parse_number, require_text
from store.errors import DomainError, ValidationError
from store.format import format_number
from store.io.kpi_import import check_observed_on
from store.io.userfiles import IMPORTS, ImportFile, folder, list_imports, read_import
from store.model.enums import KpiDirection
from store.rows import KpiPanel
from store.write.common import check_username
from store.write.kpis import create_kpi, kpi_value_on, record_kpi_value, thresholds_ok, update_kpi
from widgets.text import plain

if TYPE_CHECKING:
    from okrtui.app import OkrApp

DIRECTION_OPTIONS = [
    ("Higher is better (revenue, NPS, uptime)", KpiDirection.HIGHER.value),
    ("Lower is better (churn, cost, response time)", KpiDirection.LOWER.value),
]


def _label(text: str) -> Label:
    return Label(text, classes="field-label")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def rolls_up_into(kpi_id: int, panels: Iterable[KpiPanel]) -> set[int]:
    """``kpi_id`` and every KPI rolling up into it (they cannot become its parent)."""
    children: dict[int | None, list[int]] = {}
    for p in panels:
        children.setdefault(p.parent_id, []).append(p.id)
    found, stack = {kpi_id}, [kpi_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class KpiForm(FormScreen):
    """Define a new KPI, or edit ``existing`` (its values are kept)."""

    def __init__(
        self,
        app: "OkrApp",
        *,
        panels: list[KpiPanel],
        existing: KpiPanel | None = None,
        description: str = "",
    ) -> None:
        super().__init__(app)
        self.panels = panels
        self.existing = existing
        self.description = description
        self.heading = f"Edit KPI-{existing.id} {existing.name}" if existing else "New KPI"

    def _parent_options(self) -> list[tuple[Text, str]]:
        excluded = rolls_up_into(self.existing.id, self.panels) if self.existing else set()
        return [(plain(p.name), str(p.id)) for p in self.panels if p.id not in excluded]

    def fields(self) -> ComposeResult:
        kpi = self.existing
        yield _label("Name (unique, typed on the command line: okrtui kpi record NAME VALUE)")
        yield Input(kpi.name if kpi else "", id="name", classes="field")
        yield from input_row(
            ("Unit ($, %, hours…)", kpi.unit if kpi else "", "unit"),
            ("Category", kpi.category if kpi else "", "category"),
        )
        yield from input_row(
            ("Owner", kpi.owner if kpi else self.okr.username, "owner"),
            ("Team", (kpi.team or "") if kpi else "", "team"),
        )
        yield _label("Direction")
        yield Select(DIRECTION_OPTIONS, value=(kpi.direction if kpi else KpiDirection.HIGHER).value,
                     allow_blank=False, id="direction", classes="field")  # fmt: skip
        yield from input_row(
            ("Target", _num(kpi.target) if kpi else "", "target"),
            ("Green at", _num(kpi.green) if kpi else "", "green"),
            ("Red at", _num(kpi.red) if kpi else "", "red"),
        )
        yield _label("Rolls up into (parent KPI)")
        yield Select(self._parent_options(),
                     value=str(kpi.parent_id) if kpi and kpi.parent_id else Select.NULL,
                     prompt="— none: a top-level KPI —", id="parent", classes="field")  # fmt: skip
        yield _label("Description")
        yield TextArea(self.description, id="description", classes="field")

    def _thresholds(self) -> None:
        direction = KpiDirection(self.value("direction"))
        green = optional_number(self.value("green"), "green threshold")
        red = optional_number(self.value("red"), "red threshold")
        thresholds_ok(direction, green, red)

    def checks(self) -> dict[str, Check]:
        return {
            "name": lambda: require_text(self.value("name"), "name", max_length=120),
            "unit": lambda: optional_text(self.value("unit"), "unit", max_length=32),
            "category": lambda: optional_text(self.value("category"), "category", max_length=64),
            "owner": lambda: check_username(self.value("owner")),
            "team": lambda: optional_text(self.value("team"), "team", max_length=64),
            "target": lambda: optional_number(self.value("target"), "target"),
            "green": lambda: optional_number(self.value("green"), "green threshold"),
            "red": self._thresholds,
            "description": lambda: optional_text(self.value("description"), "description",
                                                 max_length=10_000, multiline=True),
        }  # fmt: skip

    def save(self) -> int:
        parent = self.value("parent")
        values: dict[str, Any] = {
            "name": self.value("name"),
            "unit": self.value("unit"),
            "category": self.value("category"),
            "owner": self.value("owner"),
            "team": self.value("team") or None,
            "direction": self.value("direction"),
            "target": self.value("target"),
            "green": self.value("green"),
            "red": self.value("red"),
            "parent_id": int(parent) if parent else None,
            "description": self.value("description"),
        }
        db, user = self.okr.db, self.okr.username
        if self.existing:
            return update_kpi(db, user, self.existing.id, **values).id
        return create_kpi(db, user, **values).id


class RecordValueForm(FormScreen):
    """Record a KPI value; the date defaults to today and a same-day value is replaced."""

    def __init__(self, app: "OkrApp", panel: KpiPanel) -> None:
        super().__init__(app)
        self.panel = panel
        self.heading = f"Record a value for {panel.name}" + (f" ({panel.unit})" if panel.unit
                                                              else "")  # fmt: skip

    def fields(self) -> ComposeResult:
        latest = self.panel.latest
        info = (
            f"latest {format_number(latest[1], self.panel.unit)} on {latest[0]}"
            if latest
            else "no values yet"
        )
        if self.panel.target is not None:
            info += f" · target {format_number(self.panel.target, self.panel.unit)}"
        yield Static(Text(info, "dim"), id="record-info")
        with Horizontal(classes="row"):
            with Vertical():
                yield _label("Value")
                yield Input("", id="value", classes="field",
                            placeholder=f"{latest[1]:g}" if latest else "42")  # fmt: skip
            with Vertical():
                yield _label("Date (YYYY-MM-DD)")
                yield Input(self.okr.today().isoformat(), id="date", classes="field")
        yield _label("Note (optional)")
        yield Input("", id="note", classes="field")
        yield Static(id="replaces", classes="hint")

    def checks(self) -> dict[str, Check]:
        return {
            "value": lambda: parse_number(self.value("value"), "value"),
            "date": lambda: check_observed_on(self.value("date"), self.okr.today()),
            "note": lambda: optional_text(self.value("note"), "note", max_length=10_000),
        }

    def revalidate(self) -> None:
        super().revalidate()
        self._show_replaced()

    def _day(self) -> date | None:
        try:
            return check_observed_on(self.value("date"), self.okr.today())
        except ValidationError:
            return None

    def _show_replaced(self) -> None:
        day = self._day()
        hint = self.query_one("#replaces", Static)
        old = None
        if day is not None:
            with self.okr.db.read() as conn:
                old = kpi_value_on(conn, self.panel.id, day)
        hint.display = old is not None
        if old is None:
            return
        value, author = old
        hint.update(Text(f"replaces {format_number(value, self.panel.unit)} recorded for {day} "
                         f"by {author} (kept in the activity log)", "#ffaf00"))  # fmt: skip

    def save(self) -> int:
        replaced, number = record_kpi_value(
            self.okr.db, self.okr.username, self.panel.id, self.value("value"),
            observed_on=self.value("date"), note=self.value("note"),
        )  # fmt: skip
        text = f"{self.panel.name}: {format_number(number, self.panel.unit)}"
        if replaced is not None:
            text += f" (replaced {format_number(replaced, self.panel.unit)})"
        self.okr.notify(plain(text).plain)
        return self.panel.id


class ImportFileForm(FormScreen):
    """Choose a CSV file from the imports folder, or paste CSV text; never a typed path.

    On a team server a typed path would let a member read any file the account can
    (store/io/userfiles.py): files are picked from ``<documents>/okrtui/imports`` only.
    Dismisses with 1 and keeps :attr:`source` (what to call it) and :attr:`data`.
    """

    heading = "Import KPI values from CSV (columns kpi,date,value[,note])"
    save_label = "Preview"  # nothing is written until the dry run's report is confirmed

    def __init__(self, app: "OkrApp") -> None:
        super().__init__(app)
        self.source = ""
        self.data = b""
        self.files: list[ImportFile] = []
        self.listing_error = ""
        try:
            self.files = list_imports()
        except (DomainError, OSError) as exc:
            self.listing_error = str(exc)

    def fields(self) -> ComposeResult:
        where = folder(IMPORTS)
        if self.listing_error:
            hint = f"Cannot list the imports folder: {self.listing_error}. Paste CSV below."
        elif self.files:
            hint = f"A file from {where}, or paste CSV below (a dry run comes first)"
        else:
            hint = f"No CSV file in {where} yet: put one there, or paste CSV below"
        yield _label(hint)
        yield Select(
            [(plain(f"{f.name} ({f.size:,} bytes)"), f.name) for f in self.files],  # not markup
            prompt="choose a file…",
            allow_blank=True,
            id="file",
            classes="field",
        )
        yield _label("Or paste CSV text")
        yield TextArea("", id="pasted", classes="field")

    def checks(self) -> dict[str, Check]:
        return {"file": self._choice}

    def _choice(self) -> None:
        chosen, pasted = self.value("file"), self.value("pasted").strip()
        if chosen and pasted:
            raise ValidationError("choose a file or paste text, not both")
        if not chosen and not pasted:
            raise ValidationError("choose a file from the imports folder, or paste CSV text")

    def save(self) -> int:
        chosen = self.value("file")
        if chosen:
            self.data = read_import(chosen)
            self.source = chosen
        else:
            self.data = self.value("pasted").encode("utf-8")
            self.source = "pasted text"
        return 1
