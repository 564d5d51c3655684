"""``okrtui kpi record`` and ``okrtui kpi import FILE.csv [--dry-run]``: KPI values from the shell.

The import reads a spreadsheet export. Imports no Textual, and the
store only inside the command. Every bad row is printed with its line and the
exit code is 1 with nothing written; a long file gets a progress bar on stderr.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from okrtui.cli.common import EXIT_REFUSED, ValueCommand, db_option
from okrtui.cli.common import app_context as _app
from okrtui.cli.kpi_sources import COMMANDS
from okrtui.context import AppContext

PROGRESS_FROM = 2_000
"""Rows from which the import shows a progress bar (shorter files finish at once)."""


@contextmanager
def _progress(rows: int, steps: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over ``rows × steps`` on stderr for long files, else nothing."""
    if rows < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=rows * steps, label=label, file=sys.stderr) as bar:
        yield bar.update


@click.command("import", short_help="Import KPI values from a CSV file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check every row and list the changes; write nothing."
)
@click.option(
    "--decimal",
    metavar=". | ,",
    help="The file's decimal separator (default: , for a ;-separated file, else read from "
    "the value column; a value that reads two ways is refused).",
)
@click.option(
    "--date-format",
    metavar="FORMAT",
    help="For dates that are not YYYY-MM-DD, e.g. DD/MM/YYYY or %m/%d/%Y.",
)
@db_option
@click.pass_context
def kpi_import(
    ctx: click.Context, file: Path, dry_run: bool, decimal: str | None, date_format: str | None
) -> None:
    """Import KPI values from FILE.csv (columns kpi,date,value[,note], a header row).

    All rows or none: every bad row is reported with its line number and nothing is
    written unless all are good. A value for a date that already has one replaces it
    (the old value stays in the activity log). KPIs are named by name or KPI-3.
    """
    from okrtui.cli.output import safe
    from store.domain.numbers import convention_option, date_format_option
    from store.errors import ValidationError
    from store.format import format_number
    from store.io.kpi_import import import_kpi_values

    try:
        decimal, date_format = convention_option(decimal), date_format_option(date_format)
    except ValidationError as exc:
        raise click.UsageError(str(exc)) from None
    app = _app(ctx)
    db = app.database()
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"okrtui: cannot read {file}: {exc.strerror}", err=True)
        sys.exit(EXIT_REFUSED)
    rows = data.count(b"\n")
    label = "checking" if dry_run else "importing"
    with _progress(rows, 1 if dry_run else 2, label) as progress:
        report = import_kpi_values(db, app.user.username, data, dry_run=dry_run,
                                   source=str(file), progress=progress, decimal=decimal,
                                   date_format=date_format)  # fmt: skip
    if report.errors:
        for error in report.errors:
            click.echo(f"{safe(str(file))}: {safe(str(error))}", err=True)
        click.echo(f"okrtui: {len(report.errors)} problem(s) on {report.problem_lines} "
                   f"line(s) of {safe(str(file))}; nothing was imported", err=True)  # fmt: skip
        sys.exit(EXIT_REFUSED)
    for p in report.replaced:
        old, new = format_number(p.old_value, p.unit), format_number(p.value, p.unit)
        click.echo(f"line {p.line}: {safe(p.kpi_name)} {p.observed_on}: {old} → {new}")
    text = report.summary()
    if dry_run or report.decimal_why:
        click.echo(report.numbers())
    if dry_run:
        text = f"dry run: {text}; nothing was written"
    click.echo(text)


@click.group()
def kpi() -> None:
    """KPI values from the shell."""


@kpi.command("record", cls=ValueCommand, short_help="Record a KPI's value for a day.")
@click.argument("kpi_ref", metavar="KPI")
@click.argument("value")
@click.option("--date", "observed_on", metavar="YYYY-MM-DD", help="Date of the value (today).")
@click.option("--note", "-n", default="", help="A note kept with the value.")
@db_option
@click.pass_context
def kpi_record(ctx: click.Context, kpi_ref: str, value: str, observed_on: str | None,
               note: str) -> None:  # fmt: skip
    """Record a KPI VALUE for a date; a second value for the same date replaces the first."""
    from datetime import date

    from okrtui.cli.output import safe
    from store.domain.checks import check_observed_on
    from store.domain.validation import parse_date
    from store.format import format_number
    from store.read.refs import resolve_kpi
    from store.write.kpis import record_kpi_value

    app = _app(ctx)
    db = app.database()
    kpi_id = resolve_kpi(db, kpi_ref)
    # The day is fixed here so the confirmation names the day that was written (the
    # KPI's latest value may be a later one when --date is in the past).
    day = parse_date(observed_on, "date") if observed_on is not None else date.today()
    # A future value would stay the KPI's latest until that day (the form and CSV import
    # refuse it too).
    check_observed_on(day, date.today(), "--date")
    replaced, number = record_kpi_value(
        db, app.user.username, kpi_id, value, observed_on=day, note=note
    )
    panel = next(p for p in _panels(app) if p.id == kpi_id)
    text = f"KPI-{kpi_id} {safe(panel.name)}: {format_number(number, panel.unit)} on {day}"
    if replaced is not None:
        text += f" (replaced {format_number(replaced, panel.unit)})"
    click.echo(text)


def _panels(app: AppContext) -> list[Any]:
    from store.read.kpi_panels import kpi_panels

    return kpi_panels(app.database(), last=2, include_archived=True)


kpi.add_command(kpi_import)
for _command in COMMANDS:
    kpi.add_command(_command)
