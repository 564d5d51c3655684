"""What every ``okrtui`` subcommand module shares: exit codes, errors, the app context, --db.

Kept apart from ``okrtui/cli/main.py`` so the command modules (KPIs, periods, team) can
import it without importing each other; like them, it never imports Textual.
"""

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
