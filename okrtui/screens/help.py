"""The help screen: every key of every screen, with the ids used by ``[keymap]``."""

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "okrtui: objectives and key results aligned company → team → personal, "
    "KPIs beside them. Everything works from the keyboard; the footer shows the keys "
    "that apply where you are, ctrl+p opens the command palette."
)


def _sections(everywhere: list[BindingType]) -> list[tuple[str, list[BindingType]]]:
    from okrtui.modals.checkin import CheckInForm
    from okrtui.modals.checkin_panel import CheckInPanel, ToggleField
    from okrtui.modals.dialogs import ConfirmDialog, PickDialog
    from okrtui.modals.form import FormScreen
    from okrtui.modals.kpi_import import ImportReportDialog
    from okrtui.screens.inbox import InboxScreen
    from okrtui.screens.kpi_detail import KpiDetailScreen
    from okrtui.screens.kpis import KpiScreen
    from okrtui.screens.overview import OverviewScreen
    from okrtui.screens.periods import PeriodsScreen
    from okrtui.screens.review import ReviewScreen
    from okrtui.screens.tree import HistoryTable, OkrTree, TreeScreen
    from okrtui.screens.weekly import WeeklyScreen
    from okrtui.screens.weekly_summary import WeeklySummary
    from widgets.kpi_panel import KpiGrid

    return [
        ("Everywhere", everywhere),
        ("Alignment tree", list(TreeScreen.BINDINGS) + list(OkrTree.BINDINGS)),
        ("Check-in history", list(HistoryTable.BINDINGS)),
        (
            "Check-in",
            list(CheckInPanel.BINDINGS) + list(ToggleField.BINDINGS) + list(CheckInForm.BINDINGS),
        ),
        ("Weekly check-in", list(WeeklyScreen.BINDINGS) + list(WeeklySummary.BINDINGS)),
        ("Overview", list(OverviewScreen.BINDINGS)),
        ("Periods", list(PeriodsScreen.BINDINGS)),
        ("Period review", list(ReviewScreen.BINDINGS)),
        ("KPI dashboard", list(KpiScreen.BINDINGS) + list(KpiGrid.BINDINGS)),
        ("KPI detail", list(KpiDetailScreen.BINDINGS)),
        ("Inbox", list(InboxScreen.BINDINGS)),
        ("KPI import report", list(ImportReportDialog.BINDINGS)),
        ("Forms", list(FormScreen.BINDINGS)),
        ("Dialogs", list(ConfirmDialog.BINDINGS) + list(PickDialog.BINDINGS)),
    ]


def bindings_table(everywhere: list[BindingType]) -> Table:
    """All bindings as a table: screen, keys, what they do, keymap id."""
    table = Table(expand=True, show_edge=False, pad_edge=False)
    for column in ("Where", "Keys", "Does", "Keymap id"):
        table.add_column(column)
    for where, bindings in _sections(everywhere):
        for index, binding in enumerate(bindings):
            if not isinstance(binding, Binding) or binding.action == "noop":
                continue
            keys = binding.key_display or binding.key.replace("slash", "/")
            table.add_row(
                Text(where if index == 0 else "", "bold"),
                Text(keys.replace(",", ", ")),
                Text(binding.description or binding.action.replace("_", " ")),
                Text(binding.id or "", "dim"),
            )
        table.add_section()
    table.add_row(Text("Palette", "bold"), Text("ctrl+p"), Text("Commands, jump to, theme"),
                  Text(""))  # fmt: skip
    return table


class HelpScreen(ModalScreen[None]):
    """Every binding; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("Help", "bold"))
            yield Static(Text(INTRO))
            yield Static(bindings_table(list(self.app.BINDINGS)))
            yield Static(Text(
                "Remap a key in config.toml: [keymap] new_objective = \"N\". "
                "Scores: ≥ 1.0 overperforming, ≥ 0.7 on track, ≥ 0.3 at risk, else off track "
                "(thresholds in [scoring]).", "dim"))  # fmt: skip

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
