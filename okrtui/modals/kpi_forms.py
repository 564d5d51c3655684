"""KPI forms: define or edit a KPI (with its cadence, range and source:
``okrtui.modals.kpi_source_fields``), record a value, pick a CSV file to import.

Pure input on :class:`~okrtui.modals.form.FormScreen`: each returns a frozen entry and
the dashboard writes it. The one read a form makes (is there already a value for the
day typed?) runs in a thread worker.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static, TextArea
from textual.worker import get_current_worker

from okrtui.modals.form import Check, FormScreen, field_label, input_row, number_text
from okrtui.modals.kpi_source_fields import (
    NO_CADENCE,
    SourceEntry,
    first_input,
    shape_fields,
    show_kind,
    source_fields,
)
from store.db.database import Database
from store.domain.checks import check_observed_on, check_username, thresholds_ok
from store.domain.validation import optional_number, optional_text, parse_number, require_text
from store.errors import DatabaseError, DomainError, ValidationError
from store.format import format_number
from store.io.userfiles import IMPORTS, ImportFile, folder, list_imports, read_import
from store.model.enums import Aggregation, KpiDirection
from store.model.rows import KpiPanel
from store.read.kpis import kpi_value_on
from widgets.text import plain

DIRECTION_OPTIONS = [
    ("Higher is better (revenue, NPS, uptime)", KpiDirection.HIGHER.value),
    ("Lower is better (churn, cost, response time)", KpiDirection.LOWER.value),
]


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


@dataclass(frozen=True)
class KpiEntry:
    """A KPI definition as entered (numbers as typed); the keyword arguments of
    ``create_kpi`` and ``update_kpi``."""

    name: str
    unit: str
    category: str
    owner: str
    team: str | None
    direction: str
    target: str
    green: str
    red: str
    parent_id: int | None
    description: str
    cadence: str | None = None
    aggregation: str = Aggregation.LEVEL.value
    range_low: str = ""
    range_high: str = ""


@dataclass(frozen=True)
class KpiDefinition:
    """What the KPI form returns: the KPI's fields and its source as entered."""

    kpi: KpiEntry
    source: SourceEntry


class KpiForm(FormScreen[KpiDefinition]):
    """Define a new KPI, or edit ``existing`` (its values are kept) and its source."""

    def __init__(
        self,
        *,
        username: str,
        panels: list[KpiPanel],
        existing: KpiPanel | None = None,
        description: str = "",
        source: SourceEntry | None = None,
        draft: KpiDefinition | None = None,
        error: str = "",
    ) -> None:
        super().__init__(draft=draft, error=error)
        self.username = username
        self.panels = panels
        self.existing = existing
        self.description = description
        self.source = source or SourceEntry()
        self.heading = f"Edit KPI-{existing.id} {existing.name}" if existing else "New KPI"

    def _parent_options(self) -> list[tuple[Text, str]]:
        excluded = rolls_up_into(self.existing.id, self.panels) if self.existing else set()
        return [(plain(p.name), str(p.id)) for p in self.panels if p.id not in excluded]

    def initial(self) -> KpiDefinition:
        """What the fields start with: the last entry, else the KPI, else defaults."""
        if self.draft is not None:
            return self.draft
        kpi = self.existing
        if kpi is None:
            return KpiDefinition(KpiEntry("", "", "", self.username, None,
                                          KpiDirection.HIGHER.value, "", "", "", None, ""),
                                 self.source)  # fmt: skip
        entry = KpiEntry(kpi.name, kpi.unit, kpi.category, kpi.owner, kpi.team,
                         kpi.direction.value, number_text(kpi.target), number_text(kpi.green),
                         number_text(kpi.red), kpi.parent_id, self.description,
                         kpi.cadence.value if kpi.cadence else None, kpi.aggregation.value,
                         number_text(kpi.range_low), number_text(kpi.range_high))  # fmt: skip
        return KpiDefinition(entry, self.source)

    def fields(self) -> ComposeResult:
        start, source = self.initial().kpi, self.initial().source
        yield field_label("Name (unique, typed on the command line: okrtui kpi record NAME VALUE)")
        yield Input(start.name, id="name", classes="field")
        yield from input_row(("Unit ($, %, hours…)", start.unit, "unit"),
                             ("Category", start.category, "category"))  # fmt: skip
        yield from input_row(("Owner", start.owner, "owner"), ("Team", start.team or "", "team"))
        yield field_label("Direction")
        yield Select(DIRECTION_OPTIONS, value=start.direction, allow_blank=False,
                     id="direction", classes="field")  # fmt: skip
        yield from input_row(
            ("Target", start.target, "target"),
            ("Green at", start.green, "green"),
            ("Red at", start.red, "red"),
        )
        yield from shape_fields(start.cadence or NO_CADENCE, start.aggregation, start.range_low,
                                start.range_high)  # fmt: skip
        yield from source_fields(source)
        yield field_label("Rolls up into (parent KPI)")
        yield Select(self._parent_options(),
                     value=str(start.parent_id) if start.parent_id else Select.NULL,
                     prompt="— none: a top-level KPI —", id="parent", classes="field")  # fmt: skip
        yield field_label("Description")
        yield TextArea(start.description, id="description", classes="field")

    def on_mount(self) -> None:
        super().on_mount()
        show_kind(self, self.value("source-kind"))

    @on(Select.Changed, "#source-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        show_kind(self, str(event.value))

    def _range(self) -> None:
        low = optional_number(self.value("range-low"), "range low")
        high = optional_number(self.value("range-high"), "range high")
        if low is not None and high is not None and low > high:
            raise ValidationError(f"range: the low end {low:g} is above the high end {high:g}")

    def source_entry(self) -> SourceEntry:
        return SourceEntry(
            self.value("source-kind"), self.value("source-expression"),
            self.value("source-url"), self.value("source-query"), self.value("source-argv"),
            self.value("source-path"), self.value("source-field"),
            self.source.kept if self.value("source-kind") == self.source.kind else {},
        )  # fmt: skip

    def _source(self) -> None:
        entry = self.source_entry()
        if entry.defined:
            entry.spec()

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
            "range-low": lambda: optional_number(self.value("range-low"), "range low"),
            "range-high": self._range,
            first_input(self.value("source-kind")): self._source,
        }  # fmt: skip

    def entered(self) -> KpiDefinition:
        parent = self.value("parent")
        cadence = self.value("cadence")
        kpi = KpiEntry(
            name=self.value("name"),
            unit=self.value("unit"),
            category=self.value("category"),
            owner=self.value("owner"),
            team=self.value("team") or None,
            direction=self.value("direction"),
            target=self.value("target"),
            green=self.value("green"),
            red=self.value("red"),
            parent_id=int(parent) if parent else None,
            description=self.value("description"),
            cadence=None if cadence == NO_CADENCE else cadence,
            aggregation=self.value("aggregation"),
            range_low=self.value("range-low"),
            range_high=self.value("range-high"),
        )
        return KpiDefinition(kpi, self.source_entry())


@dataclass(frozen=True)
class KpiValueEntry:
    """A value to record for a KPI, as typed (``record_kpi_value`` parses it)."""

    value: str
    observed_on: str
    note: str


class RecordValueForm(FormScreen[KpiValueEntry]):
    """Record a KPI value; the date defaults to today and a same-day value is replaced.

    ``db`` is only read, in a worker: to say which value the day typed already has.
    """

    def __init__(
        self,
        panel: KpiPanel,
        *,
        db: Database,
        today: date,
        draft: KpiValueEntry | None = None,
        error: str = "",
    ) -> None:
        super().__init__(draft=draft, error=error)
        self.panel = panel
        self.db = db
        self.today = today
        self.heading = f"Record a value for {panel.name}" + (f" ({panel.unit})" if panel.unit
                                                              else "")  # fmt: skip

    def fields(self) -> ComposeResult:
        latest = self.panel.latest
        start = self.draft or KpiValueEntry("", self.today.isoformat(), "")
        info = (
            f"latest {format_number(latest[1], self.panel.unit)} on {latest[0]}"
            if latest
            else "no values yet"
        )
        if self.panel.target is not None:
            info += f" · target {format_number(self.panel.target, self.panel.unit)}"
        yield Static(plain(info, style="dim"), id="record-info")  # the unit is user text
        with Horizontal(classes="row"):
            with Vertical():
                yield field_label("Value")
                yield Input(start.value, id="value", classes="field",
                            placeholder=f"{latest[1]:g}" if latest else "42")  # fmt: skip
            with Vertical():
                yield field_label("Date (YYYY-MM-DD)")
                yield Input(start.observed_on, id="date", classes="field")
        yield field_label("Note (optional)")
        yield Input(start.note, id="note", classes="field")
        yield Static(id="replaces", classes="hint")

    def checks(self) -> dict[str, Check]:
        return {
            "value": lambda: parse_number(self.value("value"), "value"),
            "date": lambda: check_observed_on(self.value("date"), self.today),
            "note": lambda: optional_text(self.value("note"), "note", max_length=10_000),
        }

    def revalidate(self) -> None:
        super().revalidate()
        try:
            day: date | None = check_observed_on(self.value("date"), self.today)
        except ValidationError:
            day = None
        self.query_one("#replaces", Static).display = False
        if day is not None:
            self._look_up(day)

    @work(thread=True, exclusive=True, group="replaces")
    def _look_up(self, day: date) -> None:
        try:
            with self.db.read() as conn:
                old = kpi_value_on(conn, self.panel.id, day)
        except (DatabaseError, DomainError):
            return  # only a hint: the write itself says what happened
        if old is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_replaced, day, old)

    def _show_replaced(self, day: date, old: tuple[float, str]) -> None:
        if not self.is_attached:
            return
        value, author = old
        hint = self.query_one("#replaces", Static)
        hint.display = True
        hint.update(Text.assemble(
            plain(f"replaces {format_number(value, self.panel.unit)} recorded for {day} by "
                  f"{author} (kept in the activity log)", style="yellow"),
        ))  # fmt: skip

    def entered(self) -> KpiValueEntry:
        return KpiValueEntry(self.value("value"), self.value("date"), self.value("note"))


@dataclass(frozen=True)
class ImportSource:
    """CSV bytes to import and what to call them (a file name, or "pasted text")."""

    name: str
    data: bytes


class ImportFileForm(FormScreen[ImportSource]):
    """Choose a CSV file from the imports folder, or paste CSV text; never a typed path.

    On a team server a typed path would let a member read any file the account can
    (store/io/userfiles.py): files are picked from ``<documents>/okrtui/imports`` only.
    """

    heading = "Import KPI values from CSV (columns kpi,date,value[,note])"
    save_label = "Preview"  # nothing is written until the dry run's report is confirmed

    def __init__(self) -> None:
        super().__init__()
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
        yield field_label(hint)
        yield Select(
            [(plain(f"{f.name} ({f.size:,} bytes)"), f.name) for f in self.files],  # not markup
            prompt="choose a file…",
            allow_blank=True,
            id="file",
            classes="field",
        )
        yield field_label("Or paste CSV text")
        yield TextArea("", id="pasted", classes="field")

    def checks(self) -> dict[str, Check]:
        return {"file": self._choice}

    def _choice(self) -> None:
        chosen, pasted = self.value("file"), self.value("pasted").strip()
        if chosen and pasted:
            raise ValidationError("choose a file or paste text, not both")
        if not chosen and not pasted:
            raise ValidationError("choose a file from the imports folder, or paste CSV text")

    def entered(self) -> ImportSource:
        """The file's bytes (read here: a file of the user's own folder, not the database)."""
        chosen = self.value("file")
        if chosen:
            return ImportSource(chosen, read_import(chosen))
        return ImportSource("pasted text", self.value("pasted").encode("utf-8"))
