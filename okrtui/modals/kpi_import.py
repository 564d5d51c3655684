"""The KPI import's report: the dry run's findings, shown before anything is written.

Every bad row with its line (nothing can be written then), or what would be added and
replaced; ``y`` answers True (import), ``n``/escape False. The dashboard runs the dry
run and the import itself, off the event loop (okrtui.screens.kpis).
"""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from okrtui.modals.dialogs import FitsScreen
from store.format import format_number
from store.io.kpi_import import ImportReport
from widgets.footer import KeyFooter
from widgets.text import plain, styled

SHOWN_LINES = 100


def report_lines(report: ImportReport, limit: int = SHOWN_LINES) -> list[str]:
    """The report as lines of plain text: the errors, else every row and what it does."""
    if report.errors:
        lines = [str(error) for error in report.errors[:limit]]
        if len(report.errors) > limit:
            lines.append(f"… and {len(report.errors) - limit} more")
        return lines
    lines = []
    for p in report.planned[:limit]:
        new = format_number(p.value, p.unit)
        head = f"line {p.line}: {p.kpi_name} {p.observed_on}:"
        if p.action == "replace":
            lines.append(f"{head} {format_number(p.old_value, p.unit)} → {new}")
        elif p.action == "add":
            lines.append(f"{head} {new} (new)")
        else:
            lines.append(f"{head} {new} (already there: unchanged)")
    if len(report.planned) > limit:
        lines.append(f"… and {len(report.planned) - limit} more rows")
    return lines


class ImportReportDialog(FitsScreen[bool]):
    """The dry run's findings; y imports (only when there are no errors), n/escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Import"),
        Binding("n,escape", "cancel", "Close"),
    ]

    def __init__(self, source: str, report: ImportReport) -> None:
        super().__init__()
        self.source = source
        self.report = report

    def compose(self) -> ComposeResult:
        report = self.report
        with Vertical(classes="dialog import-report"):
            yield Label(plain(f"Import {self.source}", style="bold"))
            if report.errors:
                head = (f"{len(report.errors)} problem(s) on {report.problem_lines} line(s). "
                        "Nothing was written: fix the file and import it again.")  # fmt: skip
                yield Static(styled(head, "red"), id="import-head")
            else:
                head = f"{report.summary()}.\n{report.numbers()}."
                yield Static(Text(head), id="import-head")
            with VerticalScroll(id="import-lines", classes="fits"):
                yield Static(plain("\n".join(report_lines(report)), multiline=True))
            with Horizontal(classes="buttons"):
                if not report.errors and (report.count("add") or report.count("replace")):
                    yield Button("Import (y)", variant="primary", id="confirm")
                yield Button("Close (n)" if report.errors else "Cancel (n)", id="cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def _can_import(self) -> bool:
        return not self.report.errors and bool(self.query("#confirm"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``y Import`` is offered only when there is something to import."""
        if action == "confirm":
            return self._can_import() if self.is_mounted else True
        return True

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self._can_import():
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
