"""The ``okrtui`` command: the TUI by default, and quick subcommands for the shell.

This module must not import Textual (a test asserts it), and ``okrtui checkin``
imports neither SQLAlchemy nor SQLModel (store/write/checkins.py writes in plain
SQL; tests/cli/test_cli.py asserts it). The TUI is imported only when it is opened.

Exit codes: 0 done; 1 refused (bad value, unknown KR, rule broken), nothing
written; 2 cannot run (usage, config or database problem).
"""

import atexit
import gc
from pathlib import Path
from typing import Any

import click

from okrtui import __version__
from okrtui.cli.checkin import checkin
from okrtui.cli.common import EXIT_CANNOT_RUN, EXIT_REFUSED, db_option, exit_code_of, fail, open_tui
from okrtui.cli.common import app_context as _app
from okrtui.cli.db import db_group
from okrtui.cli.kpi import kpi
from okrtui.cli.period import period
from okrtui.cli.report import report, status
from okrtui.cli.ssh import ssh_command
from okrtui.cli.talk import comment, inbox, remind
from okrtui.cli.team import team
from okrtui.cli.transfer import export_cmd, import_cmd
from okrtui.context import AppContext
from store.errors import ConfigError, DatabaseError, DomainError, IdentityError

# Interpreter shutdown collects the whole object graph: ≈170 ms after a command that
# imported the ORM (bench/README.md). By exit the database is closed (the command's
# context closes it), so freezing the heap skips that work and loses nothing.
atexit.register(gc.freeze)


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
    if ctx.invoked_subcommand is not None:
        gc.enable()  # off while okrtui started (okrtui/cli/entry.py); the TUI turns it on
    # The demo leaves no trace: not even the config file a first run writes.
    app = AppContext(db_override=db, write_config=ctx.invoked_subcommand != "demo")
    ctx.obj = app
    ctx.call_on_close(app.close)
    if ctx.invoked_subcommand is None:
        open_tui(app)


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
        from store.demo.warehouse import traffic_path, warehouse_path

        click.echo(f"demo database written to {create_db}")
        click.echo(
            f"its KPI sources read {warehouse_path(create_db)} and {traffic_path(create_db)}: "
            f"okrtui --db {create_db} kpi pull fetches from them"
        )
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
            open_tui(demo_app, demo=True)
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


@main.group()
def config() -> None:
    """Where the config is, and what is in effect."""


@config.command("path")
def config_path() -> None:
    """Print the config file's path."""
    from store.paths import config_file

    click.echo(str(config_file()))


@config.command("show", short_help="Print the settings in effect.")
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


for _command in (checkin, status, report, export_cmd, import_cmd, kpi, period, team, db_group,
                 comment, inbox, remind):  # fmt: skip
    main.add_command(_command)
main.add_command(ssh_command)  # hidden: the SSH entry point (ForceCommand), never typed

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
    return exit_code_of(main, list(argv or []))
