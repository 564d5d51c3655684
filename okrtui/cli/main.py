"""The ``okrtui`` command: the TUI by default, and quick subcommands for the shell.

This module must not import Textual (a test asserts it), and ``okrtui checkin``
imports neither SQLAlchemy nor SQLModel (store/write/checkins.py writes in plain
SQL; tests/test_cli.py asserts it). The TUI is imported only when it is opened.

Exit codes: 0 done; 1 refused (bad value, unknown KR, rule broken), nothing
written; 2 cannot run (usage, config or database problem).
"""

import atexit
import gc
import os
import re
from pathlib import Path
from typing import Any

import click

from okrtui import __version__
from okrtui.cli.common import EXIT_CANNOT_RUN, EXIT_REFUSED, db_option, fail
from okrtui.cli.common import app_context as _app
from okrtui.context import AppContext
from store.errors import ConfigError, DatabaseError, DomainError, IdentityError

# Interpreter shutdown collects the whole object graph: ≈170 ms after a command that
# imported the ORM (bench/README.md). By exit the database is closed (the command's
# context closes it), so freezing the heap skips that work and loses nothing.
atexit.register(gc.freeze)

CONFIDENCE = click.Choice(["on-track", "at-risk", "off-track"], case_sensitive=False)


class OkrGroup(click.Group):
    """Turns okrtui's errors into a message on stderr and a consistent exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            fail(str(exc), EXIT_REFUSED)
        except (ConfigError, DatabaseError, IdentityError) as exc:
            fail(str(exc), EXIT_CANNOT_RUN)
        except KeyboardInterrupt:
            fail("interrupted", 130)


_NEGATIVE_NUMBER = re.compile(r"-(?:\d|\.\d|inf|nan)", re.IGNORECASE)


class ValueCommand(click.Command):
    """A command whose VALUE may be negative: ``okrtui kpi record "Burn rate" -120000``.

    Click reads ``-120000`` as an unknown option (a usage error); a word that looks like
    a negative number, and is not the value of an option such as ``--note``, is passed
    as an argument instead. An explicit ``--`` turns this off.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            takes_value = {
                name
                for param in self.params
                if isinstance(param, click.Option) and not param.is_flag and not param.count
                for name in param.opts
            }
            keep: list[str] = []
            numbers: list[str] = []
            option_value = False
            for arg in args:
                if not option_value and _NEGATIVE_NUMBER.match(arg):
                    numbers.append(arg)
                    continue
                keep.append(arg)
                option_value = not option_value and arg in takes_value
            if numbers:
                args = [*keep, "--", *numbers]
        return super().parse_args(ctx, args)


@click.group(cls=OkrGroup, invoke_without_command=True)
@click.option(
    "--db",
    envvar="OKRTUI_DB",
    metavar="PATH|URL",
    help="Database file or SQLAlchemy URL (default: okrtui.db in your data folder).",
)
@click.version_option(__version__, prog_name="okrtui")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """OKRs and KPIs in the terminal. Without a command, opens the app."""
    # The demo leaves no trace: not even the config file a first run writes.
    app = AppContext(db_override=db, write_config=ctx.invoked_subcommand != "demo")
    ctx.obj = app
    ctx.call_on_close(app.close)
    if ctx.invoked_subcommand is None:
        _open_tui(app)


def _open_tui(app: AppContext, *, demo: bool = False, start: str | None = None) -> None:
    for warning in app.settings.warnings:
        click.echo(f"okrtui: warning: {warning}", err=True)
    db = app.database()
    if app.created is not None:  # stays on the terminal after the app has gone
        click.echo(f"okrtui: created a new database at {app.created}", err=True)
    from okrtui.app import run_app  # Textual is imported only here

    run_app(app, db, demo=demo, start=start)


@main.command()
@click.option(
    "--create-db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the demo database to this file and exit (the file must not exist).",
)
@click.pass_context
def demo(ctx: click.Context, create_db: Path | None) -> None:
    """Open the app on a throw-away copy of the demo data (your database is not touched)."""
    from store.demo import build_demo

    app = _app(ctx)
    me = app.user.username  # a config or identity problem stops us before any file is made
    if create_db is not None:
        if create_db.exists():
            fail(f"{create_db} already exists; choose a new file name", EXIT_REFUSED)
        db = _open_new(create_db)
        build_demo(db, me)
        db.close()
        click.echo(f"demo database written to {create_db}")
        return
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="okrtui-demo-"))
    try:
        db = _open_new(workdir / "demo.db")
        build_demo(db, me)
        db.close()
        demo_app = AppContext(db_override=str(workdir / "demo.db"), write_config=False)
        try:
            _open_tui(demo_app, demo=True)
        finally:
            demo_app.close()  # release the file before its folder is deleted
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _open_new(path: Path) -> Any:
    from store.db.database import open_database

    return open_database(path, create=True)


@main.command()
@db_option
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create an empty database (with the current quarter as its period)."""
    app = _app(ctx)
    target = app.target
    if target.path is not None and target.path.exists():
        fail(f"{target.path} already exists; nothing to do", EXIT_REFUSED)
    app.database(create=True)
    click.echo(f"created {target.path or target.url}")


@main.command(cls=ValueCommand)
@click.argument("key_result", required=False)
@click.argument("value", required=False)
@click.option("--confidence", "-c", type=CONFIDENCE, help="How confident you are now.")
@click.option("--note", "-n", default="", help="What happened since the last check-in.")
@click.option("--list", "list_", is_flag=True, help="List my key results and exit.")
@click.option("--weekly", is_flag=True, help="Open the app in the guided weekly check-in.")
@click.option("--yes", "-y", is_flag=True, help="Record a value far outside the KR's range.")
@db_option
@click.pass_context
def checkin(
    ctx: click.Context,
    key_result: str | None,
    value: str | None,
    confidence: str | None,
    note: str,
    list_: bool,
    weekly: bool,
    yes: bool,
) -> None:
    """Record a key result's new VALUE: okrtui checkin KR-12 42 --note "…".

    A KR driven by a KPI takes no VALUE (its value is the KPI's): give
    --confidence and --note only. A value more than 10x the KR's range beyond its
    start or target, or of the opposite sign, needs --yes (a typo is likelier).
    """
    app = _app(ctx)
    if list_:
        _print_my_krs(app)
        return
    if weekly:
        if key_result is not None:
            raise click.UsageError("--weekly walks through all your key results: give none")
        _open_tui(app, start="weekly")
        return
    if key_result is None:
        raise click.UsageError("give a key result and a value, e.g. okrtui checkin KR-12 42")
    db = app.database()
    from okrtui.cli.output import checkin_line
    from store.errors import FarOutside, NotFoundError
    from store.queries import kpi_driven, resolve_key_result
    from store.write.checkins import check_in

    try:
        kr_id = resolve_key_result(db, key_result)
    except NotFoundError as exc:
        if exc.suggestions:
            raise
        fail(f"{exc}; `okrtui checkin --list` shows your key results", EXIT_REFUSED)
    if value is None and not kpi_driven(db, kr_id):
        raise click.UsageError(f"give KR-{kr_id} a value, e.g. okrtui checkin KR-{kr_id} 42")
    try:
        result = check_in(
            db, app.user.username, kr_id, value, confidence=confidence, note=note,
            thresholds=app.thresholds, confirmed=yes,
        )  # fmt: skip
    except FarOutside as exc:
        fail(f"KR-{kr_id}: {exc.reason}; nothing was recorded. If it is right, run it again "
             "with --yes", EXIT_REFUSED)  # fmt: skip
    click.echo(checkin_line(result))


def _print_my_krs(app: AppContext) -> None:
    from datetime import UTC, date, datetime

    from okrtui.cli.output import safe
    from store.format import kr_value
    from store.queries import default_period, my_key_results

    period = default_period(app.database())
    if period is None:
        fail("there is no period yet", EXIT_REFUSED)
    rows = my_key_results(app.database(), app.user.username, period.id, app.thresholds)
    if not rows:
        click.echo(f"you ({app.user.username}) have no key results in {safe(period.name)}")
    for objective, kr in rows:
        when = kr.current_at
        if isinstance(when, datetime):
            days = (datetime.now(UTC) - when).days
        elif isinstance(when, date):
            days = (date.today() - when).days
        else:
            days = None
        ago = "never checked in" if days is None else f"{days} d ago"
        click.echo(
            f"{kr.ref:<8} {safe(kr.title, 40):<40} {safe(kr_value(kr), 24):>24}  "
            f"{ago:<17} {safe(objective, 30)}"
        )


@main.group()
def kpi() -> None:
    """KPI values from the shell."""


@kpi.command("record", cls=ValueCommand)
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
    from store.domain.validation import parse_date
    from store.format import format_number
    from store.io.kpi_import import check_observed_on
    from store.queries import resolve_kpi
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
    from store.queries import kpi_panels

    return kpi_panels(app.database(), last=2, include_archived=True)


@main.command()
@click.option("--period", "-p", help="Period name (default: the active one).")
@click.option("--mine", is_flag=True, help="Only objectives I own or collaborate on.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_option
@click.pass_context
def status(ctx: click.Context, period: str | None, mine: bool, as_json: bool) -> None:
    """The alignment tree with scores, as an indented table (or JSON)."""
    app = _app(ctx)
    from okrtui.cli.output import status_lines
    from store.queries import load_tree, resolve_period

    found = resolve_period(app.database(), period)
    tree = load_tree(app.database(), found.id, app.thresholds)
    only = None
    if mine:
        only = {o.id for o in tree.objectives.values() if o.involves(app.user.username)}
        only |= {kr.objective_id for o in tree.objectives.values() for kr in o.key_results
                 if kr.owner == app.user.username}  # fmt: skip
    if as_json:
        import sys

        _write_tree_json(tree, only, sys.stdout)
    else:
        click.echo("\n".join(status_lines(tree, only)))


def _write_tree_json(tree: Any, only: set[int] | None, out: Any) -> None:
    """``status --json``, written as the tree is walked: one objective per line.

    Each line is made by json's C encoder (indenting falls back to the pure-Python one)
    from the row's fields read directly (``dataclasses.asdict`` deep-copies every value):
    on the large organisation this took the command from ≈5 s to the time of reading and
    scoring the rows (bench/README.md). Escaped for the terminal as ``json_text`` does.
    """
    import json
    from dataclasses import fields

    from okrtui.cli.output import _JSON_ESCAPE

    def escape(match: Any) -> str:
        return f"\\u{ord(match.group()):04x}"

    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
    row_fields: list[str] | None = None
    kr_fields: list[str] | None = None
    plain = False
    out.write('{\n  "period": ')
    period = {f.name: getattr(tree.period, f.name) for f in fields(tree.period)}
    out.write(_JSON_ESCAPE.sub(escape, encode(period)))
    out.write(',\n  "objectives": [')
    chunk: list[str] = []
    first = True
    for depth, row in tree.walk():
        if only is not None and row.id not in only:
            continue
        if row_fields is None:
            skip = {"children", "key_results"}
            row_fields = [f.name for f in fields(row) if f.name not in skip]
        data: dict[str, Any] = {"depth": depth}
        for name in row_fields:
            data[name] = getattr(row, name)
        data["ref"] = row.ref
        krs = []
        for kr in row.key_results:
            if kr_fields is None:
                kr_fields = [f.name for f in fields(kr)]
                plain = list(vars(kr)) == kr_fields  # then its __dict__ is its fields
            record = {"ref": kr.ref}
            if plain:
                record.update(kr.__dict__)
            else:
                record.update({name: getattr(kr, name) for name in kr_fields})
            krs.append(record)
        data["key_results"] = krs
        chunk.append(("\n    " if first else ",\n    ") + encode(data))
        first = False
        if len(chunk) >= 256:
            out.write(_JSON_ESCAPE.sub(escape, "".join(chunk)))
            chunk.clear()
    out.write(_JSON_ESCAPE.sub(escape, "".join(chunk)))
    out.write("\n  ]\n}\n" if not first else "]\n}\n")


@main.command("export")
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
        from okrtui.cli.period import export_okrs_toml

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


@main.command("import")
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
    from store.io.transfer import import_document, read_document

    app = _app(ctx)
    if file.suffix.lower() in (".toml", ".csv"):
        from okrtui.cli.period import import_okr_file

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


@main.group()
def config() -> None:
    """Where the config is, and what is in effect."""


@config.command("path")
def config_path() -> None:
    """Print the config file's path."""
    from store.paths import config_file

    click.echo(str(config_file()))


@config.command("show")
@db_option
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the settings in effect (defaults, system file and yours merged)."""
    from okrtui.cli.output import safe
    from store.config import render_settings

    app = _app(ctx)
    # render_settings already lists the warnings and the database it would use, but it
    # cannot know about --db: put the database actually in use in that line.
    in_use = f"# database in use: {safe(str(app.target.path or app.target.url))}"
    text = "".join(
        f"{in_use}\n" if line.startswith("# database in use:") else line
        for line in render_settings(app.settings).splitlines(keepends=True)
    )
    click.echo(text, nl=False)


from okrtui.cli.period import period, report  # noqa: E402  (registered after main exists)

main.add_command(report)
main.add_command(period)

from okrtui.cli.ssh import ssh_command  # noqa: E402
from okrtui.cli.team import team  # noqa: E402

main.add_command(team)
main.add_command(ssh_command)

from okrtui.cli.kpi import kpi_import  # noqa: E402

kpi.add_command(kpi_import)

from okrtui.cli.db import db_group  # noqa: E402

main.add_command(db_group)

# One-line summaries for `okrtui --help`: click cut the docstrings' first sentences
# mid-way ("Record a key result's new VALUE: okrtui checkin KR-12 42..."). Each says
# what the command does in full; `okrtui COMMAND --help` has the details.
SHORT_HELP = {
    "checkin": "Record a key result's new value (or list yours with --list).",
    "config": "Where the config is, and what is in effect.",
    "db": "Database administration: schema upgrades and copies.",
    "demo": "Open the app on a throw-away copy of the demo data.",
    "export": "Export the whole database as JSON, or a period's OKRs as TOML.",
    "import": "Import a JSON export, or apply OKRs from a TOML or CSV file.",
    "init": "Create an empty database with the current quarter.",
    "kpi": "KPI values from the shell.",
    "period": "List, create, activate and close periods.",
    "report": "A period's report: the tree, this week's changes, the KPIs.",
    "status": "The alignment tree with scores (or JSON).",
    "team": "A shared team database: set up, check permissions, manage admins.",
}
for _name, _summary in SHORT_HELP.items():
    if _name in main.commands:
        main.commands[_name].short_help = _summary


def run(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (for tests)."""
    try:
        main.main(args=argv, prog_name="okrtui", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
