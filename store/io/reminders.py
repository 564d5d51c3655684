"""``okrtui remind``: one message per person listing what they owe, delivered by the
machine's own mail program or written to a file per person.

Only key-result owners in the open period and KPI owners are written to, only at
``login@mail_domain`` (an address is built from a login, which is checked, never taken
from text anyone typed), and never to someone who opted out (the database's
``reminder_opt_out``, set by each person with ``okrtui remind --stop``).
"""

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from store.db.database import Database
from store.domain.validation import clean_line
from store.errors import DomainError
from store.model.rows import KrRow, PeriodRow
from store.read.inbox import InboxItem, kr_items
from store.read.tree import owned_key_results

_LOGIN = re.compile(r"[a-z_][a-z0-9_.-]{0,31}", re.ASCII)
MAIL_TIMEOUT = 30.0
"""Seconds one mail program may take per message before the run gives up on it."""


@dataclass(frozen=True)
class Reminder:
    """The message for one person."""

    username: str
    subject: str
    body: str


def reminders(
    db: Database, period: PeriodRow | None, today: date, stale_after: int
) -> list[Reminder]:
    """A message for each person who owes a check-in or has a stale key result."""
    if period is None:
        return []
    by_owner: dict[str, list[KrRow]] = {}
    for kr in owned_key_results(db, period.id):
        by_owner.setdefault(kr.owner, []).append(kr)
    owed = {user: kr_items(krs, period, today, stale_after) for user, krs in by_owner.items()}
    with db.plain_read() as fetch:
        stopped = {str(row[0]) for row in fetch("SELECT username FROM reminder_opt_out", {})}
    return [
        _message(user, items, period)
        for user, items in sorted(owed.items())
        if items and user not in stopped
    ]


def _message(user: str, items: Sequence[InboxItem], period: PeriodRow) -> Reminder:
    stale = [i for i in items if i.kind == "stale"]
    owed = [i for i in items if i.kind == "owed"]
    parts = []
    if owed:
        parts.append(f"{len(owed)} check-in{'s' if len(owed) != 1 else ''} owed")
    if stale:
        parts.append(f"{len(stale)} stale key result{'s' if len(stale) != 1 else ''}")
    name = clean_line(period.name)  # rows written outside okrtui may hold line breaks
    lines = [f"Hello {user},", "", f"In {name} you have {' and '.join(parts)}:", ""]
    for item in [*stale, *owed]:
        lines.append(f"  - {clean_line(item.title)}: {clean_line(item.detail)}")
    lines += [
        "",
        "Check in with `okrtui checkin KR VALUE`, or `okrtui checkin --weekly` for all of them.",
        "To stop these messages: okrtui remind --stop",
    ]
    return Reminder(user, f"okrtui: {', '.join(parts)} in {name}", "\n".join(lines))


def address(user: str, domain: str) -> str:
    """``user@domain`` for a login okrtui could have recorded; refused otherwise."""
    if not _LOGIN.fullmatch(user):
        raise DomainError(f"{user!r} is not a login name: no reminder is written to it")
    return f"{user}@{domain}"


def send(reminder: Reminder, command: Sequence[str], domain: str) -> None:
    """Hand the message to a sendmail-compatible ``command`` (no shell) on its input."""
    to = address(reminder.username, domain)
    message = (
        f"To: {to}\nSubject: {reminder.subject}\nContent-Type: text/plain; charset=utf-8\n"
        f"Auto-Submitted: auto-generated\n\n{reminder.body}\n"
    )
    try:
        done = subprocess.run(
            [*command], input=message.encode(), capture_output=True, timeout=MAIL_TIMEOUT,
            check=False, env={"PATH": "/usr/sbin:/usr/bin:/bin", "LANG": "C.UTF-8"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DomainError(f"{command[0]} could not send to {to}: {exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()[:200] or f"exit {done.returncode}"
        raise DomainError(f"{command[0]} refused the message to {to}: {why}")


def write_file(reminder: Reminder, folder: Path) -> Path:
    """Write the message to ``folder/login.txt``, replacing the last one, never through a
    link someone placed there."""
    address(reminder.username, "localhost")  # the login names the file: check it first
    target = folder / f"{reminder.username}.txt"
    temporary = folder / f".{reminder.username}.txt.new"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temporary, flags, 0o640)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"Subject: {reminder.subject}\n\n{reminder.body}\n")
        os.replace(temporary, target)
    except OSError as exc:
        raise DomainError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
