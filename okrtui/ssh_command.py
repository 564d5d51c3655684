"""``okrtui ssh-command``: what sshd's ``ForceCommand`` runs for every team member.

``ssh server`` (no command) opens the app; ``ssh server okrtui checkin KR-12 42``
arrives as ``SSH_ORIGINAL_COMMAND``, which is split with :mod:`shlex` and run only
when it is one of okrtui's own read or write commands. Anything else (a shell, scp,
sftp, port forwards are refused by sshd_config) gets a message and exit code 2.

Commands that write or read files at a path the client names (``export -o``,
``import``, ``demo``, ``init``, ``--db``) are refused too: a file written where the
user says (say ``~/.bashrc``, which bash reads for ssh sessions) would be a way out
to a shell. Textual's devtools and the editor/pager variables are dropped from the
environment, and the app swallows ctrl+z, so the TUI offers no way out either.
"""

import os
import shlex
import sys
from collections.abc import Sequence

import click

EXIT_CANNOT_RUN = 2

# Subcommand paths that may run over SSH ("" → the app itself).
ALLOWED: frozenset[tuple[str, ...]] = frozenset(
    {
        ("checkin",),
        ("kpi", "record"),
        ("status",),
        ("export",),
        ("report",),
        ("period", "list"),
        ("period", "new"),
        ("period", "activate"),
        ("period", "close"),
        ("team", "check"),
        ("team", "admin", "list"),
        ("team", "admin", "add"),
        ("team", "admin", "remove"),
        ("config", "path"),
        ("config", "show"),
    }
)
# Options naming a file or database on the server.
REFUSED_OPTIONS = ("--db", "--output", "-o", "--create-db", "--config")
# Environment that could reach out of the app (devtools socket, editors, pagers, shells)
# or point okrtui at another database than the team's.
DROPPED_ENV = ("TEXTUAL", "EDITOR", "VISUAL", "PAGER", "OKRTUI_DB", "OKRTUI_CONFIG")


class Refused(Exception):
    """The requested command may not run over SSH; the message says what may."""


def _usage() -> str:
    examples = "okrtui checkin KR-12 42 --note '…', okrtui status, okrtui kpi record MRR 1040000"
    return f"over SSH only okrtui's own commands run, e.g. ssh HOST {examples}"


def parse(original: str) -> list[str]:
    """The okrtui arguments for ``SSH_ORIGINAL_COMMAND`` (empty: open the app)."""
    try:
        words = shlex.split(original)
    except ValueError as exc:
        raise Refused(f"cannot read the command ({exc}); {_usage()}") from None
    if words and words[0] in ("okrtui", "okr"):
        words = words[1:]
    if not words:
        return []
    from okrtui.cli import main

    path: list[str] = []
    group: click.Command = main
    for word in words:
        if not isinstance(group, click.Group) or word.startswith("-"):
            break
        sub = group.commands.get(word)
        if sub is None:
            break
        path.append(word)
        group = sub
    if tuple(path) not in ALLOWED:
        shown = " ".join(words[: max(len(path), 1)])
        raise Refused(f"{shown!r} is not allowed here; {_usage()}")
    for word in words[len(path) :]:
        name = word.split("=", 1)[0]
        if name in REFUSED_OPTIONS:
            raise Refused(
                f"{name} names a file on the server and is not allowed over SSH "
                "(export and report print to your terminal: redirect on your side)"
            )
    return words


def harden_environment() -> None:
    """Remove what could open a way out of the app (or to another database)."""
    for name in DROPPED_ENV:
        os.environ.pop(name, None)


def run(original: str | None, argv_prefix: Sequence[str] = ()) -> int:
    """Run the forced command; returns the exit code."""
    harden_environment()
    try:
        args = parse(original or "")
    except Refused as exc:
        click.echo(f"okrtui: {exc}", err=True)
        return EXIT_CANNOT_RUN
    if not args and not (sys.stdin.isatty() and sys.stdout.isatty()):
        click.echo(
            "okrtui: the app needs a terminal: use `ssh -t HOST`, or run one command, "
            f"e.g. {_usage()}",
            err=True,
        )
        return EXIT_CANNOT_RUN
    from okrtui.cli import run as run_cli

    return run_cli([*argv_prefix, *args])


@click.command("ssh-command", hidden=True)
def ssh_command() -> None:
    """Run SSH_ORIGINAL_COMMAND if it is an okrtui command (sshd ForceCommand)."""
    sys.exit(run(os.environ.get("SSH_ORIGINAL_COMMAND")))
