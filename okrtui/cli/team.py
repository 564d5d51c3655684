"""``okrtui team …``: prepare a shared database for a Unix group, check it, manage admins.

Registered on the main group by ``okrtui/cli/main.py``; imports no Textual. Refusals raise
``DomainError`` (exit 1 with nothing written), set-up problems exit 2.
"""

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import click

from okrtui.cli.common import EXIT_CANNOT_RUN, EXIT_REFUSED
from okrtui.cli.common import app_context as _app
from okrtui.cli.output import safe
from store.errors import DomainError

if TYPE_CHECKING:  # the team folder's checks are imported by the commands that run them
    from store.db.team_folder import Problem


def _fail(message: str, code: int) -> None:
    click.echo(f"okrtui: {message}", err=True)
    raise SystemExit(code)


@click.group()
def team() -> None:
    """A shared team database: set it up, check its permissions, manage admins."""


@team.command("init", short_help="Prepare a shared directory for a Unix group.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--group", required=True, help="The Unix group whose members share the database.")
@click.option(
    "--admin", "admins", multiple=True, metavar="USER", help="Record USER as a team admin."
)
@click.option(
    "--system-config",
    is_flag=True,
    help="Also point the system-wide config (/etc/okrtui/config.toml) at the database.",
)
@click.pass_context
def init_team(
    ctx: click.Context, directory: Path, group: str, admins: tuple[str, ...], system_config: bool
) -> None:
    """Prepare DIRECTORY for GROUP: directory 3770 (setgid, sticky), okrtui.db 0660."""
    from store.db.database import open_database
    from store.db.team_folder import (
        DB_NAME,
        check_shared,
        prepare_database_file,
        prepare_directory,
    )
    from store.errors import TeamSetupError
    from store.write.admins import add_admin, list_admins, record_first_admin
    from store.write.periods import ensure_period

    me = _app(ctx).user.username
    directory = directory.expanduser().absolute()
    db_path = directory / DB_NAME
    os.umask(0o007)  # anything made below is for the group, never for others
    try:
        done = prepare_directory(directory, group)
        done += prepare_database_file(db_path, group)
    except (TeamSetupError, OSError) as exc:
        _fail(str(exc), EXIT_CANNOT_RUN)
    db = open_database(db_path, create=True)
    try:
        with db.read() as conn:
            # Touch the file so -wal and -shm exist now and are checked below.
            conn.exec_driver_sql("SELECT count(*) FROM period").scalar_one()
        try:
            if ensure_period(db, me) is not None:
                done.append("added the current quarter as the active period")
        except DomainError as exc:
            click.echo(f"okrtui: no period added: {exc}", err=True)
        # The one running team init is the first admin, by the admin table: owning the
        # file gives nothing (store/domain/rights.py).
        if record_first_admin(db, me):
            done.append(f"recorded {me} as the first team admin")
        for name in admins:
            if add_admin(db, me, name):
                done.append(f"recorded {name} as a team admin")
        admin_names = [f"{a.username} ({a.reason})" for a in list_admins(db)]
    finally:
        db.close()
    for line in done or ["nothing to change: the directory and database were already set up"]:
        click.echo(f"- {safe(line)}")
    click.echo(f"admins: {safe(', '.join(admin_names))}")
    if system_config:
        click.echo(_write_system_config(db_path))
    else:
        click.echo(
            f'next: put `[database]` `path = "{db_path}"` in /etc/okrtui/config.toml '
            "(or rerun with --system-config) so every member opens it"
        )
    problems = check_shared(db_path, group)
    _report(problems)
    if any(p.serious for p in problems):
        raise SystemExit(EXIT_CANNOT_RUN)


def _write_system_config(db_path: Path) -> str:
    """Create the system config naming the database (an existing one is never rewritten)."""
    from store.config import load_settings
    from store.errors import ConfigError
    from store.paths import system_config_file

    target = system_config_file()
    if target.exists():
        try:
            settings = load_settings(target)
        except ConfigError as exc:
            return f"{target} exists but cannot be read ({exc}); add the database path by hand"
        if settings.database_target({}) == str(db_path):
            return f"{target} already points at {db_path}"
        return f'{target} exists: add `path = "{db_path}"` under [database] by hand'
    target.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# okrtui system-wide settings, read before each user's own config.\n"
        "[database]\n"
        f"path = {json.dumps(str(db_path))}\n"
    )
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(target, 0o644)  # every member must read it, whatever the umask
    return f"- wrote {target} pointing every user at {db_path}"


def _report(problems: "list[Problem]") -> None:
    if not problems:
        click.echo(
            "permissions: ok (group read-write, setgid and sticky directory, nothing "
            "world-writable, nothing foreign)"
        )
        return
    for problem in problems:
        label = "problem" if problem.serious else "warning"
        click.echo(f"{label}: {safe(str(problem))}", err=True)


@team.command("check", short_help="Report permissions that let others in or lock out.")
@click.argument("database", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group", help="The team's group (default: the directory's group).")
@click.pass_context
def check_team(ctx: click.Context, database: Path | None, group: str | None) -> None:
    """Report permissions that let non-members in or lock members out, with the fix.

    Local and for admins (or root) only: it tells which server paths exist and who owns
    them, so the SSH forced command refuses it, and a member gets a refusal here.
    """
    path = database or _app(ctx).target.path
    if path is None:
        _fail("a server database (URL) has no file permissions to check", EXIT_CANNOT_RUN)
        return
    path = path.expanduser().absolute()
    try:
        _check_team(ctx, path, group)
    except OSError as exc:  # e.g. another user's ~/.ssh: say so, no traceback
        where = exc.filename or path
        _fail(f"cannot check {where}: {exc.strerror or exc}", EXIT_CANNOT_RUN)


def _check_team(ctx: click.Context, path: Path, group: str | None) -> None:
    from store.db.team_folder import check_shared, recorded_admins, user_name
    from store.errors import TeamSetupError

    me = _app(ctx).user.username
    admins: list[str] | None = None
    if path.exists():
        recorded = recorded_admins(path)
        if recorded is None:
            _fail(f"cannot read the admin list of {path}: is it an okrtui database?", 2)
        admins = recorded or [user_name(path.stat().st_uid)]  # none recorded: the owner
        if os.getuid() != 0 and me not in admins:
            _fail(
                f"only an admin of {path} may check it ({', '.join(sorted(admins))}) or root",
                EXIT_REFUSED,
            )
    parent_mode = path.parent.stat().st_mode if path.parent.exists() else 0
    if group is None and not parent_mode & stat.S_ISGID:
        click.echo(
            f"{path.parent} is not a team directory (no setgid bit): a personal database. "
            f"Share one with `okrtui team init DIR --group GROUP`."
        )
        if path.exists() and path.stat().st_mode & (stat.S_IWOTH | stat.S_IROTH):
            click.echo(f"warning: {path} can be read or written by other users: chmod 600 {path}")
        return
    try:
        problems = check_shared(path, group, admins)
    except TeamSetupError as exc:
        _fail(str(exc), EXIT_CANNOT_RUN)
        return
    _report(problems)
    if any(p.serious for p in problems):
        raise SystemExit(EXIT_REFUSED)


@team.group("admin", short_help="List, add and remove team admins.")
def admin() -> None:
    """Team admins (kept in the database): they may change every objective, KPI and period."""


@admin.command("list")
@click.pass_context
def admin_list(ctx: click.Context) -> None:
    """Everyone with admin rights, and why."""
    from store.write.admins import list_admins

    rows = list_admins(_app(ctx).database())
    if not rows:
        click.echo("no admins (a server database: add one with `okrtui team admin add USER`)")
    for row in rows:
        click.echo(f"{safe(row.username)}\t{safe(row.reason)}")


@admin.command("add")
@click.argument("user")
@click.pass_context
def admin_add(ctx: click.Context, user: str) -> None:
    """Make USER an admin (allowed to admins)."""
    from store.write.admins import add_admin

    app = _app(ctx)
    if add_admin(app.database(), app.user.username, user):
        click.echo(f"{safe(user)} is now a team admin")
    else:
        click.echo(f"{safe(user)} was already an admin")


@admin.command("remove")
@click.argument("user")
@click.pass_context
def admin_remove(ctx: click.Context, user: str) -> None:
    """Take USER off the admin list."""
    from store.write.admins import remove_admin

    app = _app(ctx)
    remove_admin(app.database(), app.user.username, user)
    click.echo(f"{safe(user)} is no longer a team admin")
