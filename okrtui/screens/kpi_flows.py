"""KPI writes from the dashboard and the detail: a form, then the write off the event loop.

Each flow opens a pure form (``okrtui.modals.kpi_forms``), writes what it returns in a
thread worker, and opens the form again with the store's refusal. The CSV import runs
its dry run first and shows the report (``okrtui.modals.kpi_import``) before writing.
Call them from an async worker of the screen (they await modals).
"""

from dataclasses import asdict
from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from okrtui.modals.kpi_forms import (
    ImportFileForm,
    KpiEntry,
    KpiForm,
    KpiValueEntry,
    RecordValueForm,
)
from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.screens.base import edit_until_saved, off_loop
from store.errors import DatabaseError, DomainError
from store.format import format_number
from store.io.kpi_import import ImportReport, import_kpi_values
from store.model.rows import KpiPanel
from store.write.kpis import create_kpi, record_kpi_value, update_kpi

if TYPE_CHECKING:
    from okrtui.app import OkrApp


async def record_value_flow(node: DOMNode, panel: KpiPanel) -> bool:
    """Record a value for ``panel``'s KPI; True once written (and the user told so)."""
    app = cast("OkrApp", node.app)

    def write(entry: KpiValueEntry) -> tuple[float | None, float]:
        return record_kpi_value(app.db, app.username, panel.id, entry.value,
                                observed_on=entry.observed_on, note=entry.note)  # fmt: skip

    saved = await edit_until_saved(
        node,
        lambda draft, error: RecordValueForm(
            panel, db=app.db, today=app.today(), draft=draft, error=error
        ),
        write,
    )
    if saved is None:
        return False
    replaced, number = saved
    text = f"{panel.name}: {format_number(number, panel.unit)}"
    if replaced is not None:
        text += f" (replaced {format_number(replaced, panel.unit)})"
    app.notify(text)
    return True


async def kpi_form_flow(
    node: DOMNode,
    panels: list[KpiPanel],
    existing: KpiPanel | None = None,
    description: str = "",
) -> int | None:
    """Define a KPI, or edit ``existing``; its id once saved, None when cancelled."""
    app = cast("OkrApp", node.app)

    def write(entry: KpiEntry) -> int:
        if existing is not None:
            return update_kpi(app.db, app.username, existing.id, **asdict(entry)).id
        return create_kpi(app.db, app.username, **asdict(entry)).id

    return await edit_until_saved(
        node,
        lambda draft, error: KpiForm(
            username=app.username,
            panels=panels,
            existing=existing,
            description=description,
            draft=draft,
            error=error,
        ),
        write,
    )


async def import_flow(node: DOMNode) -> bool:
    """Ask for a file, show the dry run, import on confirmation. True when values were written."""
    app = cast("OkrApp", node.app)
    source = await app.push_screen_wait(ImportFileForm())
    if source is None:
        return False
    today = app.today()

    def check(dry_run: bool) -> ImportReport:
        return import_kpi_values(app.db, app.username, source.data, dry_run=dry_run,
                                 today=today, source=source.name)  # fmt: skip

    try:
        report = await off_loop(node, lambda: check(True), group="kpi-import")
        if not await app.push_screen_wait(ImportReportDialog(source.name, report)):
            return False
        report = await off_loop(node, lambda: check(False), group="kpi-import")
    except (DomainError, DatabaseError) as exc:
        app.notify(str(exc), title="Import refused", severity="error", timeout=8)
        return False
    if report.errors:
        await app.push_screen_wait(ImportReportDialog(source.name, report))
        return False
    app.notify(report.summary())
    return True
