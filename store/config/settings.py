"""The settings okrtui runs with, their defaults and the commented template of a new file."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.paths import default_db_path

SPARKLINE_MIN = 2


SPARKLINE_MAX = 500


@dataclass(frozen=True)
class ScoringSettings:
    """Score thresholds of the status bands (a score at or above a threshold earns it)."""

    overperforming: float = 1.0
    """Score from which a key result or objective counts as overperforming."""
    on_track: float = 0.7
    """Score from which it is on track."""
    at_risk: float = 0.3
    """Score from which it is at risk; below this it is off track."""
    achieved_label: str = "achieved"
    """How a score of exactly 1.0 (the target reached, not overperforming) reads."""


@dataclass(frozen=True)
class UiSettings:
    """Look of the TUI."""

    theme: str = "textual-dark"
    """Name of a Textual theme (the app falls back to the default if it does not exist)."""
    sparkline_length: int = 26
    """How many of the latest values a sparkline shows."""


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the data lives; both unset means the per-user default database."""

    path: Path | None = None
    """SQLite file, absolute (a relative path in the file is taken from the file's folder)."""
    url: str | None = None
    """SQLAlchemy URL (e.g. PostgreSQL on a team server); wins over ``path``."""


@dataclass(frozen=True)
class UserSettings:
    """Cosmetic per-user settings; identity itself always comes from the Unix account."""

    display_name: str | None = None
    """Name shown instead of the login name, where a friendlier name helps."""


@dataclass(frozen=True)
class ReminderSettings:
    """Stale marks, the start-up summary and ``okrtui remind`` ([reminders])."""

    stale_after_days: int = 7
    """A key result is stale after this many days without a check-in (the team's cadence)."""
    summary_at_start: bool = True
    """Show "what needs you" when the app starts and something is owed."""
    mail_command: tuple[str, ...] = ("/usr/sbin/sendmail", "-t", "-oi")
    """A sendmail-compatible program (no shell) reading the message on its input."""
    mail_domain: str | None = None
    """Reminders go to login@mail_domain, never to any other address."""
    to_folder: Path | None = None
    """Write one file per user here instead of mailing (login.txt)."""


@dataclass(frozen=True)
class Settings:
    """The effective configuration after merging every layer."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    user: UserSettings = field(default_factory=UserSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys, handed to ``App.set_keymap``."""
    team: dict[str, Any] = field(default_factory=dict)
    """Free-form team settings (e.g. ``name``); admins are kept in the database, not here."""
    source_files: tuple[Path, ...] = ()
    """Files that were read, system file first."""
    warnings: tuple[str, ...] = ()
    """Problems worth showing but not worth refusing to start for (unknown keys...)."""

    def database_target(self, env: Mapping[str, str] | None = None) -> str:
        """The database to open, as a path or SQLAlchemy URL.

        Precedence: ``OKRTUI_DB`` > ``database.url`` > ``database.path`` > the default.
        """
        override = (os.environ if env is None else env).get("OKRTUI_DB", "").strip()
        if override:
            return override if _URL_RE.match(override) else os.path.expanduser(override)
        if self.database.url:
            return self.database.url
        if self.database.path is not None:
            return str(self.database.path)
        return str(default_db_path())


TEMPLATE = """\
# okrtui configuration (TOML). Delete this file to get the defaults back.
# `okrtui config show` prints the settings in effect.

[database]
# SQLite database file. A relative path is taken from this file's folder; ~ works.
# The default is okrtui.db in your data folder. The OKRTUI_DB variable beats both keys.
# path = "~/okrs/okrtui.db"
# SQLAlchemy URL instead of a file (wins over path), e.g. a team's PostgreSQL:
# url = "postgresql+psycopg:///okrtui"

[scoring]
# Status bands: a score at or above a threshold earns the band.
# Keep overperforming >= on_track >= at_risk >= 0.
# Score from which a key result or objective is overperforming.
overperforming = 1.0
# Score from which it is on track.
on_track = 0.7
# Score from which it is at risk; below this it is off track.
at_risk = 0.3
# How a score of exactly 1.0 reads: the target reached (above 1.0 is overperforming;
# a done milestone reads "done", a held stay-above/below line "held").
# achieved_label = "achieved"

[ui]
# Textual theme name; ctrl+p -> "Change theme" lists them.
theme = "textual-dark"
# How many of the latest values a sparkline shows (2 to 500).
sparkline_length = 26

[user]
# Name shown instead of your login name (your identity is still your Unix account).
# display_name = "Ada Lovelace"

[reminders]
# A key result is stale after this many days without a check-in (1 to 365).
# stale_after_days = 7
# Show "what needs you" when the app starts and something is owed.
# summary_at_start = true
# `okrtui remind` (the server's cron): a sendmail-compatible program, run without a shell,
# and the only domain it writes to (login@domain); or a folder for one file per user.
# mail_command = ["/usr/sbin/sendmail", "-t", "-oi"]
# mail_domain = "example.com"
# to_folder = "/var/lib/okrtui/reminders"

[keymap]
# Rebind a key: binding id = "keys" (several keys separated by commas).
# The help screen (?) lists the binding ids.
# new_objective = "N"
"""


_SHADOWED_NOTE = """\
# The values below are commented out so that the system-wide settings in
# {system} apply; uncomment a line to override it for yourself.
"""


_REWRITE_HEADER = """\
# okrtui configuration (TOML), rewritten by okrtui when a setting changed;
# comments could not be kept. Delete this file to get the commented defaults back.

"""


_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


_POSITION_RE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


_THRESHOLDS = ("overperforming", "on_track", "at_risk")


def _template(system_file: Path | None) -> str:
    """The defaults file; with a system file, every value is commented out so as not to
    shadow the team's settings with copies of the built-in defaults."""
    if system_file is None:
        return TEMPLATE
    body = re.sub(r"(?m)^(?=[a-z_]+ = )", "# ", TEMPLATE)
    head, _, rest = body.partition("\n\n")
    return f"{head}\n{_SHADOWED_NOTE.format(system=system_file)}\n{rest}"
