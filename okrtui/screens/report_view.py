"""A period's report on screen: read it, switch format, copy it, or save it.

The report is never written at a path the user types (on a team server that
would be a way round the app, see store/io/userfiles.py): ``c`` copies it through
the terminal (OSC 52, so it lands on the user's own machine even over SSH) and
``s`` saves it under the user's exports folder with a generated name. The report
is built in a thread worker so a big period does not freeze the screen.

| Key | Does |
| --- | --- |
| f | Next format (Markdown, CSV, JSON, HTML) |
| c | Copy the report to your clipboard (through the terminal) |
| s | Save it to your exports folder (the path is shown) |
| escape | Back |
"""

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TextArea

from okrtui.screens.base import OkrScreen
from store.domain.burnup import BurnUp
from store.domain.validation import clean_multiline
from store.errors import DomainError
from store.io.report import FORMATS, Report, build_report
from store.io.report_html import render_html, report_charts
from store.io.report_render import render
from store.io.userfiles import save_export
from store.model.rows import PeriodRow
from widgets.footer import KeyFooter
from widgets.text import plain
from widgets.title import TitleBar

FORMAT_NAMES = {"md": "Markdown", "csv": "CSV", "json": "JSON", "html": "HTML"}
SHOWN_FORMATS = (*FORMATS, "html")
"""HTML is one self-contained file with charts (store/io/report_html.py): saved with s and
opened in a browser, or sent to people without a terminal."""


class ReportScreen(OkrScreen[None]):
    """One period's report as read-only text, in the format the user picks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="report_back"),
        Binding("f", "next_format", "Format", id="report_format"),
        Binding("c", "copy", "Copy", id="report_copy"),
        Binding("s", "save", "Save", id="report_save"),
    ]
    DEFAULT_CSS = """
    ReportScreen #report-head { height: auto; padding: 0 1; }
    ReportScreen #report-text { height: 1fr; }
    """

    def __init__(self, period: PeriodRow) -> None:
        super().__init__()
        self.period = period
        self.fmt = "md"
        self.report: Report | None = None
        self.charts: dict[int, BurnUp] | None = None  # read when HTML is first shown
        self.saved: str | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(plain(f"{self.period.name} report: building…"), id="report-head")
        yield TextArea("", id="report-text", read_only=True, soft_wrap=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#report-text", TextArea).focus()
        app, period_id, today = self.okr_app, self.period.id, self.okr_app.today()
        self.load(lambda: build_report(app.db, period_id, today, app.thresholds), self._built,
                  failed=self._failed)  # fmt: skip

    def _failed(self, exc: Exception) -> None:
        self.query_one("#report-head", Static).update(
            plain(f"{self.period.name} report: {exc}", style="red")
        )

    def _built(self, report: Report) -> None:
        self.report = report
        self._show()

    def text(self) -> str:
        """The report in the chosen format, as shown (control characters removed)."""
        if self.report is None:
            return ""
        if self.fmt == "html":
            if self.charts is None:
                return ""
            app = self.okr_app
            cadence = app.ctx.settings.reminders.stale_after_days
            return render_html(self.report, self.charts, app.thresholds, cadence)
        return clean_multiline(render(self.report, self.fmt))

    def _show(self) -> None:
        head = (
            f"{self.period.name} report, {FORMAT_NAMES[self.fmt]} · f next format · "
            "c copy to your clipboard · s save to your exports folder"
        )
        if self.fmt == "html":
            head += "\none self-contained file with charts: save it (s) and open it in a browser"
            if self.charts is None:
                head += " · reading the charts…"
        if self.saved:
            head += f"\nsaved to {self.saved}"
        self.query_one("#report-head", Static).update(plain(head, multiline=True))
        area = self.query_one("#report-text", TextArea)
        area.load_text(self.text())

    def action_next_format(self) -> None:
        self.fmt = SHOWN_FORMATS[(SHOWN_FORMATS.index(self.fmt) + 1) % len(SHOWN_FORMATS)]
        self.saved = None
        self._show()
        if self.fmt == "html" and self.charts is None and self.report is not None:
            app, report = self.okr_app, self.report
            self.load(lambda: report_charts(app.db, report), self._charts_read,
                      group="report-charts", failed=self._failed)  # fmt: skip

    def _charts_read(self, charts: dict[int, BurnUp]) -> None:
        self.charts = charts
        self._show()

    def action_copy(self) -> None:
        if not self.text():
            return
        self.app.copy_to_clipboard(self.text())
        self.notify(
            "copied through the terminal (OSC 52); if nothing arrives, your terminal "
            "does not allow it: save with s instead",
            title="Report copied",
        )

    def action_save(self) -> None:
        if not self.text():
            return
        stem = f"report-{self.period.name}-{self.okr_app.today().isoformat()}"
        try:
            path = save_export(stem, self.fmt, self.text())
        except DomainError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        self.saved = str(path)
        self._show()
        self.notify(str(path), title="Report saved", timeout=10)

    def action_back(self) -> None:
        self.dismiss(None)
