"""``okrtui ssh-command``: what sshd's ``ForceCommand`` runs for every team member.

On a team server with a SQLite file the database is group-writable, so any shell (or
any file written where a member chooses) is full access to everyone's data. This
command is the only thing a member runs, and it offers no way out:

* ``SSH_ORIGINAL_COMMAND`` is split with :mod:`shlex` (no shell ever sees it) and
  parsed by okrtui's own click parser, exactly as it would run: the command path must
  be in :data:`ALLOWED`, and no parameter naming a file or a database (any
  ``click.Path``/``click.File``, ``--db``) may be given, whatever its spelling
  (``-o/x``, ``-ox``, ``--output=x``, repeated options). ``export`` and ``report``
  therefore print to the member's terminal only.
* The interpreter runs isolated (``python -I``) with an environment rebuilt from a
  short allow-list before anything reads it: no ``PYTHON*`` (``PYTHONINSPECT`` would
  leave a Python prompt at exit), ``TEXTUAL*`` (devtools socket), ``OKRTUI_*`` (another
  database or config), editor, pager, shell or loader variables, whatever sshd's
  ``AcceptEnv`` or PAM's ``~/.pam_environment`` let through. Started without ``-I``
  the command re-executes itself that way first.
* The app itself needs a terminal (``okrtui.cli.hangup``, from ``run_app``) and exits when it goes
  away.
"""

import os
import pwd
import shlex
import sys
from collections.abc import Mapping, Sequence

import click
from click.core import ParameterSource

from okrtui.cli.common import exit_code_of

EXIT_CANNOT_RUN = 2

# Subcommand paths that may run over SSH ("" → the app itself). Not here on purpose:
# `team check` (reveals which server paths exist and are readable: local, for admins),
# `config path`/`config show` (server paths and the database's location, and a member
# has no way to edit a config over SSH anyway), and everything that reads or writes a
# file (import, kpi import, demo, init, team init, db upgrade/copy).
ALLOWED: frozenset[tuple[str, ...]] = frozenset(
    {
        ("checkin",),
        ("comment",),
        ("inbox",),
        ("remind",),
        ("kpi", "record"),
        ("status",),
        ("export",),
        ("report",),
        ("period", "list"),
        ("period", "new"),
        ("period", "activate"),
        ("period", "close"),
        ("team", "admin", "list"),
        ("team", "admin", "add"),
        ("team", "admin", "remove"),
    }
)
# Parameters naming a database or config whatever their type.
REFUSED_NAMES = frozenset({"db", "config", "config_path", "system_config", "create_db"})
GIVEN = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT)

# The environment the app runs with: these names (and LC_*) from the caller, nothing else.
KEPT_ENV = frozenset(
    {
        "TERM",
        "COLORTERM",
        "NO_COLOR",
        "LANG",
        "LANGUAGE",
        "COLUMNS",
        "LINES",
        "SSH_CONNECTION",
        "SSH_CLIENT",
        "SSH_TTY",
        "SSH_ORIGINAL_COMMAND",
    }
)
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"


class Refused(Exception):
    """The requested command may not run over SSH; the message says what may."""


class AlreadyDone(Exception):
    """Parsing already answered (``--help``, ``--version``) with this exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _usage() -> str:
    examples = "okrtui checkin KR-12 42 --note '…', okrtui status, okrtui kpi record MRR 1040000"
    return f"over SSH only okrtui's own commands run, e.g. ssh HOST {examples}"


def parse(original: str, root: click.Group) -> list[str]:
    """The okrtui arguments for ``SSH_ORIGINAL_COMMAND`` (empty: open the app).

    Raises :class:`Refused` unless click's parse of the words is an allowed command
    with no file, path or database parameter given. ``root`` is the ``okrtui`` group
    (passed in, so this module and okrtui/cli/main.py do not import each other).
    """
    try:
        words = shlex.split(original)
    except ValueError as exc:
        raise Refused(f"cannot read the command ({exc}); {_usage()}") from None
    if words and words[0] in ("okrtui", "okr"):
        words = words[1:]
    if words:
        check(words, root)
    return words


def _refuse_file_params(ctx: click.Context, command: click.Command) -> None:
    for param in command.get_params(ctx):
        if param.name is None or ctx.get_parameter_source(param.name) not in GIVEN:
            continue
        names_file = isinstance(param.type, click.Path | click.File)
        if names_file or param.name in REFUSED_NAMES or "--db" in param.opts:
            shown = "/".join(param.opts) or param.name
            raise Refused(
                f"{shown} names a file or database on the server and is not allowed over SSH "
                "(export and report print to your terminal: redirect on your side)"
            )


def check(words: Sequence[str], main: click.Group) -> tuple[str, ...]:
    """Parse ``words`` as ``okrtui`` (``main``) would; return the command path, or raise
    Refused."""
    path: list[str] = []
    try:
        ctx = main.make_context("okrtui", list(words), resilient_parsing=False)
        _refuse_file_params(ctx, main)
        command: click.Command = main
        while isinstance(command, click.Group):
            rest = [*ctx._protected_args, *ctx.args]
            if not rest:
                break  # the app itself (or a group's help)
            try:
                name, sub, rest = command.resolve_command(ctx, rest)
            except click.UsageError:
                raise Refused(f"{rest[0]!r} is not allowed here; {_usage()}") from None
            assert name is not None and sub is not None
            path.append(name)
            if not any(allowed[: len(path)] == tuple(path) for allowed in ALLOWED):
                raise Refused(f"{' '.join(path)!r} is not allowed here; {_usage()}")
            # Checked before the subcommand parses: its types (a Path with exists=True)
            # would otherwise report on server paths.
            ctx = sub.make_context(name, rest, parent=ctx)
            _refuse_file_params(ctx, sub)
            command = sub
    except click.exceptions.Exit as exc:  # --help or --version: printed already
        raise AlreadyDone(exc.exit_code) from None
    except click.UsageError as exc:
        raise Refused(f"{exc.format_message()}; {_usage()}") from None
    if path and tuple(path) not in ALLOWED:
        raise Refused(f"{' '.join(path)!r} is not allowed here; {_usage()}")
    return tuple(path)


def clean_environment(
    environ: Mapping[str, str], system_config: str | None = None
) -> dict[str, str]:
    """The environment the app runs with: an allow-list, never the caller's extras.

    HOME, USER and LOGNAME come from the password database (PAM could set them), PATH
    is fixed, and ``system_config`` (from the server's ForceCommand line, never from
    the client) is the only ``OKRTUI_*`` variable.
    """
    env = {k: v for k, v in environ.items() if k in KEPT_ENV or k.startswith("LC_")}
    entry = pwd.getpwuid(os.getuid())
    env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name, PATH=SAFE_PATH)
    if system_config:
        env["OKRTUI_SYSTEM_CONFIG"] = system_config
    return env


def harden_environment(system_config: str | None = None) -> None:
    """Replace this process's environment by :func:`clean_environment`'s."""
    env = clean_environment(os.environ, system_config)
    os.environ.clear()
    os.environ.update(env)


def isolated_argv(system_config: str | None) -> list[str]:
    """How the command re-executes itself: isolated interpreter, same arguments."""
    extra = ["--system-config", system_config] if system_config else []
    return [sys.executable, "-I", "-m", "okrtui", "ssh-command", *extra]


def needs_reexec() -> bool:
    """Whether this interpreter was started without ``-I``: then PYTHONINSPECT (a prompt
    at exit), PYTHONPATH, a startup file… may act, so the command starts over isolated.

    Started with ``-I`` (as deploy/sshd_config does) the interpreter ignores them and
    :func:`harden_environment` cleans the rest in-process, before Textual or the app
    reads any of it: no second interpreter start for every check-in.
    """
    return not sys.flags.isolated


def run(
    original: str | None,
    root: click.Group,
    argv_prefix: Sequence[str] = (),
    system_config: str | None = None,
) -> int:
    """Run the forced command in this process (environment cleaned); returns the exit code."""
    harden_environment(system_config)
    try:
        args = parse(original or "", root)
    except AlreadyDone as exc:
        return exc.code
    except Refused as exc:
        click.echo(f"okrtui: {exc}", err=True)
        return EXIT_CANNOT_RUN
    return exit_code_of(root, [*argv_prefix, *args])


@click.command("ssh-command", hidden=True)
@click.option(
    "--system-config",
    metavar="PATH",
    hidden=True,
    help="The system config to use (server side, in ForceCommand; default /etc/okrtui).",
)
@click.pass_context
def ssh_command(ctx: click.Context, system_config: str | None) -> None:
    """Run SSH_ORIGINAL_COMMAND if it is an okrtui command (sshd ForceCommand)."""
    if needs_reexec():
        env = clean_environment(os.environ, system_config)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, isolated_argv(system_config), env)
    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    original = os.environ.get("SSH_ORIGINAL_COMMAND")
    sys.exit(run(original, root, system_config=system_config))
