"""``okrtui export`` and ``okrtui import``: the whole database as JSON, a period's OKRs as
TOML, and OKRs from a TOML or CSV file (all or nothing, with ``--dry-run``)."""

import os
from pathlib import Path

import click

from okrtui.cli.common import EXIT_CANNOT_RUN, EXIT_REFUSED, db_option, fail
from okrtui.cli.common import app_context as _app
from okrtui.context import AppContext


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "toml"]), default="json",
              show_default=True, help="json: everything; toml: a period's OKRs.")  # fmt: skip
@click.option("--period", "-p", help="toml: the period to export (default: the active one).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")  # fmt: skip
@db_option
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, period: str | None, output: Path | None) -> None:
    """Export the whole database as JSON (lossless), or a period's OKRs as TOML."""
    from store.io.transfer import dumps, export_document

    if fmt == "toml":
        _write_output(export_okrs_toml(_app(ctx), period), output)
        return
    if period is not None:
        raise click.UsageError("--period goes with --format toml (JSON exports everything)")
    text = dumps(export_document(_app(ctx).database()))
    _write_output(text, output)


def _write_output(text: str, output: Path | None) -> None:
    """Print, or write a new file: never over an existing file or through a symlink
    (created exclusively, so nothing can slip in between the check and the write).
    Over SSH ``-o`` never gets here: okrtui/cli/ssh.py refuses every path option."""
    if output is None:
        click.echo(text, nl=False)
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(output, flags, 0o666)
    except FileExistsError:
        fail(f"{output} already exists; choose a new file name", EXIT_REFUSED)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", EXIT_CANNOT_RUN)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote {output}", err=True)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", "-p", help="CSV: the period to add the OKRs to (default: active).")
@click.option("--dry-run", is_flag=True, help="TOML/CSV: list the changes, write nothing.")
@click.option("--delete-missing", is_flag=True,
              help="TOML: delete the period's objectives and KRs the file leaves out.")  # fmt: skip
@click.option("--decimal", type=click.Choice([".", ","]), metavar=". | ,",
              help="CSV: the file's decimal separator (default: from the file).")  # fmt: skip
@db_option
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, period: str | None, dry_run: bool,
               delete_missing: bool, decimal: str | None) -> None:  # fmt: skip
    """Import a JSON export into an empty database, or apply OKRs from a .toml or .csv file."""
    from store.errors import TransferError
    from store.io.transfer_import import import_document, read_document

    app = _app(ctx)
    if file.suffix.lower() in (".toml", ".csv"):
        import_okr_file(app, file, period=period, dry_run=dry_run,
                        delete_missing=delete_missing, decimal=decimal)  # fmt: skip
        return
    if period is not None or dry_run or delete_missing or decimal is not None:
        raise click.UsageError("--period, --dry-run and --delete-missing are for .toml/.csv files")
    try:
        document = read_document(file)
        counts = import_document(app.database(create=True, seed=False), document)
    except TransferError as exc:
        fail(f"{file}: {exc}; nothing was imported", EXIT_REFUSED)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    click.echo(f"imported {summary or 'nothing'}")


def export_okrs_toml(app: AppContext, period: str | None) -> str:
    """The TOML text ``okrtui export --format toml`` writes."""
    from store.io.okr_toml import export_toml
    from store.read.periods import resolve_period

    db = app.database()
    return export_toml(db, resolve_period(db, period).id)


def import_okr_file(
    app: AppContext,
    file: Path,
    *,
    period: str | None,
    dry_run: bool,
    delete_missing: bool,
    decimal: str | None = None,
) -> None:
    """``okrtui import FILE.toml|FILE.csv``: apply or add OKRs; a dry run writes nothing.

    ``decimal`` ("." or ",", from ``--decimal``) is a CSV file's decimal separator; the
    dry run of a CSV prints a table of the key results with their direction and how
    the numbers were read.
    """
    from okrtui.cli.output import safe
    from store.domain.numbers import convention_option

    db = app.database()
    user = app.user.username
    verb = "to " if dry_run else ""
    if file.suffix.lower() == ".toml":
        from store.io.okr_toml import apply_toml, read_toml

        if period is not None:
            raise click.UsageError("a TOML file names its own period; leave out --period")
        result = apply_toml(
            db, user, read_toml(file), delete_missing=delete_missing, dry_run=dry_run
        )
        name, lines = result.period, [change.text for change in result.changes]
        summary = ", ".join(
            f"{result.count(action)} {verb}{action}" for action in ("create", "update", "delete")
        )
    else:
        from store.io.okr_csv import import_csv
        from store.io.okr_csv_read import read_csv_text
        from store.read.periods import resolve_period

        if delete_missing:
            raise click.UsageError("--delete-missing applies to TOML files only")
        target = resolve_period(db, period)
        created = import_csv(db, user, target.id, read_csv_text(file), dry_run=dry_run,
                             decimal=convention_option(decimal))  # fmt: skip
        name, lines = created.period, list(created.lines)
        if dry_run and created.table:
            for row in created.table:
                click.echo(safe(row, 240))
            click.echo(safe(created.numbers, 200))
        summary = f"{created.objectives} objective(s) and {created.key_results} key result(s) " + (
            "to create" if dry_run else "created"
        )
    for line in lines:
        indent = "  " if line.startswith("  ") else ""
        click.echo(indent + safe(line, 200))
    tail = "; dry run, nothing was changed" if dry_run else ""
    click.echo(f"{safe(name)}: {summary}{tail}" if lines else f"{safe(name)}: nothing to change")
