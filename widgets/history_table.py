"""A key result's check-ins as a table: rows arrive as cells, already formatted.

Its keys act on the selected check-in through the screen (``screen.correct_check_in``…):
the table only knows which row is selected, never what it means to change one.
"""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

Cells = tuple[Text | str, ...]


class HistoryTable(DataTable[object]):
    """A KR's check-ins in the detail pane; its author corrects (e) or removes (d) one.

    | Key | Action |
    | --- | --- |
    | e | Correct the selected check-in |
    | d | Remove it |
    | enter | Read its note in full |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "screen.correct_check_in", "Correct check-in", id="correct_check_in"),
        Binding("d", "screen.remove_check_in", "Remove check-in", id="remove_check_in"),
        Binding("enter", "screen.view_note", "Read note", id="view_note"),
    ]
    COLUMNS = ("Date", "Value", "Confidence", "Note", "Author")

    def on_mount(self) -> None:
        self.add_columns(*self.COLUMNS)

    def show(self, rows: Iterable[tuple[str, Cells]]) -> None:
        """Replace the rows with ``(key, cells)`` pairs (a numeric key is a check-in id)."""
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self.display = self.row_count > 0

    def selected_check_in(self) -> int | None:
        """The check-in id under the cursor (None on a removed one, or when empty)."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key and key.isdigit() else None
