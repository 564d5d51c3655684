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
    KpiDefinition,
    KpiForm,
    KpiValueEntry,
    RecordValueForm,
)
from okrtui.modals.kpi_import import ImportReportDialog
from okrtui.modals.kpi_source_fields import SourceEntry
from okrtui.screens.base import edit_until_saved, off_loop
from store.db.database import Database
from store.domain.kpi_sources import read_spec
from store.errors import DatabaseError, DomainError, ValidationError
from store.format import format_number
from store.io.kpi_import import ImportReport, import_kpi_values
from store.model.rows import KpiPanel
from store.read.kpi_sources import SourceRow
from store.write.kpi_sources import define_source, remove_source
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
    source: SourceRow | None = None,
) -> int | None:
    """Define a KPI and its source, or edit ``existing`` (whose source is ``source``); its
    id once saved, None when cancelled.

    The KPI and its source are two writes, as in ``okrtui kpi define``: a source the form
    can check is checked before anything is written, and one the store refuses (the
    rights, a formula's unknown name or cycle) reopens the form with the refusal; a new
    KPI written before that refusal is then edited, not created twice."""
    app = cast("OkrApp", node.app)
    created: list[int] = []
    stored = stored_entry(source)

    def write(entry: KpiDefinition) -> int:
        kpi_id = existing.id if existing else (created[0] if created else None)
        if entry.source.defined:
            entry.source.spec()  # a bad source leaves no KPI behind
        fields = asdict(entry.kpi)
        if kpi_id is None:
            kpi_id = create_kpi(app.db, app.username, **fields).id
            created.append(kpi_id)
        else:
            update_kpi(app.db, app.username, kpi_id, **fields)
        try:
            notes = save_source(app.db, app.username, kpi_id, entry.source, stored)
        except DomainError as exc:
            if created:
                raise DomainError(f"KPI-{kpi_id} is saved, its source is not: {exc}") from None
            raise
        for note in notes:
            app.call_from_thread(app.notify, note, severity="warning", timeout=10)
        return kpi_id

    return await edit_until_saved(
        node,
        lambda draft, error: KpiForm(
            username=app.username,
            panels=panels,
            existing=existing,
            description=description,
            source=stored,
            draft=draft,
            error=error,
        ),
        write,
    )


def stored_entry(source: SourceRow | None) -> SourceEntry:
    """The form's fields for a stored source (none when it has none, or one okrtui can no
    longer read: the form then shows none, the detail says why it is unusable, and
    defining a source in the form replaces it)."""
    if source is None:
        return SourceEntry()
    try:
        return SourceEntry.from_spec(source.kind, read_spec(source.kind, source.spec))
    except ValidationError:
        return SourceEntry()


def save_source(
    db: Database, actor: str, kpi_id: int, entry: SourceEntry, stored: SourceEntry
) -> tuple[str, ...]:
    """Define, change or remove the KPI's source through the store's own functions (they
    check the rights); an unchanged definition is left alone, keeping its approval.
    Returns what the user should know (an approval the source now waits for)."""
    if not entry.defined:
        if stored.defined:
            remove_source(db, actor, kpi_id)
        return ()
    if stored.defined and entry.kind == stored.kind and entry.spec() == stored.spec():
        return ()
    return define_source(db, actor, kpi_id, entry.kind, entry.settings()).warnings


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
