"""The KPI form's part about keeping a KPI current (issue 18): cadence, level or flow,
range, and the source with the settings of its kind.

Pure input, like every form: :class:`SourceEntry` keeps the fields as typed (a refused
save reopens the form with them) and :meth:`SourceEntry.settings` turns them into the
settings ``store.write.kpi_sources.define_source`` takes — the function ``okrtui kpi
define`` uses, which checks the rights. Settings the form does not show (a timeout, a
token reference, a CSV date column) are kept from the stored definition, so saving the
form unchanged never changes a definition, nor voids its approval.

The form only defines a source: this app never runs a sql, command or http source (the
server owner's ``okrtui kpi pull`` does, once they approved it).
"""

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from okrtui.modals.form import field_label, input_row
from store.domain.kpi_sources import validate_spec
from store.errors import ValidationError
from store.model.enums import EXTERNAL_SOURCES, Aggregation, Cadence, SourceKind
from widgets.text import plain

NO_CADENCE = "none"
NO_SOURCE = "none"
CADENCE_OPTIONS = [("none: never overdue", NO_CADENCE)] + [(c.value, c.value) for c in Cadence]
AGGREGATION_OPTIONS = [
    ("level: latest counts", Aggregation.LEVEL.value),
    ("flow: summed per period", Aggregation.FLOW.value),
]
SOURCE_OPTIONS = [
    ("none: values are typed or imported", NO_SOURCE),
    ("formula: computed from other KPIs", SourceKind.FORMULA.value),
    ("sql: a query on a database", SourceKind.SQL.value),
    ("command: a program's output", SourceKind.COMMAND.value),
    ("file: a CSV column or JSON path", SourceKind.FILE.value),
    ("http: a JSON value from a URL", SourceKind.HTTP.value),
]
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    # kind: (field id, label) shown for it
    SourceKind.FORMULA.value: (("source-expression", 'Formula: + - * / ( ) and KPI names, e.g. '
                                                     'LTV / CAC or "New MRR" / CAC'),),
    SourceKind.SQL.value: (
        ("source-url", "Database URL without password (sqlite:////srv/w.db), or env:NAME / "
                       "file:/path naming one"),
        ("source-query", "Query: one number, or rows of date, value"),
    ),
    SourceKind.COMMAND.value: (
        ("source-argv", "Program (absolute path) and arguments, as shell words; no shell runs it"),
    ),
    SourceKind.FILE.value: (
        ("source-path", "File of yours (absolute path, .csv or .json)"),
        ("source-field", "CSV column (default: value) or JSON path (data.total)"),
    ),
    SourceKind.HTTP.value: (
        ("source-url", "URL (http or https; a token only as env:NAME or file:/path)"),
        ("source-field", "JSON path of the number, e.g. data.result[0].value[1]"),
    ),
}  # fmt: skip
INPUT_IDS = ("source-expression", "source-url", "source-query", "source-argv", "source-path",
             "source-field")  # fmt: skip
RUNS_WHERE = (
    "sql, command and http sources run only from okrtui kpi pull run by the server's owner, "
    "once they approve the definition (okrtui kpi source approve); this app never runs them."
)


@dataclass(frozen=True)
class SourceEntry:
    """A source as entered: its kind ("none" for no source) and the fields as typed;
    ``kept`` holds the stored definition's settings the form does not show."""

    kind: str = NO_SOURCE
    expression: str = ""
    url: str = ""
    query: str = ""
    argv: str = ""
    path: str = ""
    locator: str = ""  # a CSV column or a JSON path
    kept: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, kind: SourceKind, spec: Mapping[str, Any]) -> "SourceEntry":
        """The fields showing a stored definition (checked by ``read_spec``)."""
        shown = {"expression", "url", "query", "argv", "path", "json_path", "column"}
        kept = {k: v for k, v in spec.items() if k not in shown and k != "format"}
        return cls(
            kind.value, str(spec.get("expression", "")), str(spec.get("url", "")),
            str(spec.get("query", "")), shlex.join(spec.get("argv", [])),
            str(spec.get("path", "")), str(spec.get("json_path") or spec.get("column") or ""),
            kept,
        )  # fmt: skip

    @property
    def defined(self) -> bool:
        return self.kind != NO_SOURCE

    def settings(self) -> dict[str, Any]:
        """The settings ``define_source`` takes; a ValidationError for words that do not
        split (an unclosed quote)."""
        kind = self.kind
        out: dict[str, Any] = dict(self.kept)
        if kind == SourceKind.FORMULA:
            return {"expression": self.expression}
        if kind == SourceKind.SQL:
            out |= {"url": self.url, "query": self.query}
        elif kind == SourceKind.COMMAND:
            try:
                out["argv"] = shlex.split(self.argv)
            except ValueError as exc:
                raise ValidationError(f"source: the program and arguments: {exc}") from None
        elif kind == SourceKind.FILE:
            out["path"] = self.path
            key = "json_path" if self.path.strip().lower().endswith(".json") else "column"
            out.pop("column" if key == "json_path" else "json_path", None)
            if self.locator.strip():
                out[key] = self.locator
        elif kind == SourceKind.HTTP:
            out |= {"url": self.url, "json_path": self.locator}
        return out

    def spec(self) -> dict[str, Any]:
        """The settings checked as the store checks them (pure: no database)."""
        return validate_spec(self.kind, self.settings())


def shape_fields(cadence: str, aggregation: str, low: str, high: str) -> ComposeResult:
    """Cadence and level/flow side by side, then the range's two ends."""
    from textual.containers import Horizontal, Vertical

    with Horizontal(classes="row"):
        with Vertical():
            yield field_label("Cadence (a value is due every…)")
            yield Select(CADENCE_OPTIONS, value=cadence, allow_blank=False, id="cadence",
                         classes="field")  # fmt: skip
        with Vertical():
            yield field_label("Values are a")
            yield Select(AGGREGATION_OPTIONS, value=aggregation, allow_blank=False,
                         id="aggregation", classes="field")  # fmt: skip
    yield from input_row(("Stay between: low", low, "range-low"), ("and high", high, "range-high"))


def source_fields(start: SourceEntry) -> ComposeResult:
    """The kind, then an input per setting (only the kind's are shown: :func:`show_kind`)."""
    yield field_label("Source (where its values come from)")
    yield Select(SOURCE_OPTIONS, value=start.kind, allow_blank=False, id="source-kind",
                 classes="field")  # fmt: skip
    values = {"source-expression": start.expression, "source-url": start.url,
              "source-query": start.query, "source-argv": start.argv,
              "source-path": start.path, "source-field": start.locator}  # fmt: skip
    for input_id in INPUT_IDS:
        yield Label("", id=f"{input_id}-label", classes="field-label")
        yield Input(values[input_id], id=input_id, classes="field")
    yield Static(plain(RUNS_WHERE, style="dim"), id="source-runs-where", classes="hint")


def show_kind(screen: Any, kind: str) -> None:
    """Show the inputs of ``kind`` with its labels; hide the others."""
    labels = dict(FIELDS.get(kind, ()))
    for input_id in INPUT_IDS:
        shown = input_id in labels
        label = screen.query_one(f"#{input_id}-label", Label)
        label.update(plain(labels.get(input_id, "")))
        label.display = shown
        screen.query_one(f"#{input_id}").display = shown
    external = kind in {k.value for k in EXTERNAL_SOURCES}
    screen.query_one("#source-runs-where").display = external


def first_input(kind: str) -> str:
    """The id of the field a source's problem is shown on."""
    return FIELDS[kind][0][0] if kind in FIELDS else "source-kind"
