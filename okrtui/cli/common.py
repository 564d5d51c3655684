"""What every ``okrtui`` subcommand module shares: exit codes, errors, the app context, --db.

Kept apart from ``okrtui/cli/main.py`` so the command modules (KPIs, periods, team) can
import it without importing each other; like them, it never imports Textual.
"""

import re
import sys
from typing import NoReturn

import click

from okrtui.context import AppContext

EXIT_REFUSED = 1
"""A bad value, an unknown reference, a rule broken: nothing written."""
EXIT_CANNOT_RUN = 2
"""Usage, config or database problem."""


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"okrtui: {message}", err=True)
    sys.exit(code)


def app_context(ctx: click.Context) -> AppContext:
    """The command's AppContext (made by the main group, or fresh when run on its own)."""
    return ctx.find_object(AppContext) or AppContext()


def _subcommand_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(AppContext).db_override = value


# The global --db is also accepted after the subcommand, so the commands okrtui suggests
# in its own messages (`okrtui init --db PATH`) work as printed.
db_option = click.option(
    "--db",
    metavar="PATH|URL",
    expose_value=False,
    is_eager=True,
    callback=_subcommand_db,
    help="Database file or SQLAlchemy URL (same as the global --db).",
)


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


def open_tui(app: AppContext, *, demo: bool = False, start: str | None = None) -> None:
    for warning in app.settings.warnings:
        click.echo(f"okrtui: warning: {warning}", err=True)
    db = app.database()
    if app.created is not None:  # stays on the terminal after the app has gone
        click.echo(f"okrtui: created a new database at {app.created}", err=True)
    from okrtui.app import run_app  # Textual is imported only here

    run_app(app, db, demo=demo, start=start)


def exit_code_of(command: click.Command, argv: list[str]) -> int:
    """Run ``command`` in this process as the shell would; return its exit code."""
    try:
        command.main(args=argv, prog_name="okrtui", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
