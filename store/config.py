"""The TOML configuration: locate, load, validate, write the defaults, save one key.

Layers, later winning key by key: built-in defaults, the system file (``/etc/okrtui``,
shared settings on a team server), the user's file. ``OKRTUI_DB`` beats every database
setting (see :meth:`Settings.database_target`).

Bad files are errors that name the file, the line (syntax) or the ``section.key`` (type)
and are never rewritten; unknown keys are only warnings so that an older okrtui can read
a newer file. Nothing here touches the disk at import time, and nothing imports Textual.
"""

import contextlib
import copy
import itertools
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tomli_w

from store.errors import ConfigError
from store.paths import config_file, default_db_path, system_config_file

__all__ = [
    "TEMPLATE",
    "ConfigError",
    "DatabaseSettings",
    "ScoringSettings",
    "Settings",
    "UiSettings",
    "UserSettings",
    "load_settings",
    "render_settings",
    "save_setting",
]

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
class Settings:
    """The effective configuration after merging every layer."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    user: UserSettings = field(default_factory=UserSettings)
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


# --- reading ---------------------------------------------------------------------------


def _read_text(path: Path) -> str | None:
    """The file's text, or None if it does not exist."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}", path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path} line {line}: not UTF-8 text", path, line) from exc


def _parse(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML text; an empty file is an error (a truncated write), not the defaults."""
    if not text.strip():
        raise ConfigError(f"{path} is empty; delete it to get the defaults back", path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _POSITION_RE.search(message)
        if match is None:
            raise ConfigError(f"{path}: {message}", path) from exc
        reason = message[: match.start()]
        if match.group(1):
            line, where = int(match.group(1)), f" (column {match.group(2)})"
        else:
            line, where = max(1, len(text.splitlines())), " (at the end of the file)"
        raise ConfigError(f"{path} line {line}: {reason}{where}", path, line) from exc
    except RecursionError as exc:
        raise ConfigError(f"{path}: values are nested too deeply", path) from exc


# --- validation ------------------------------------------------------------------------


def _describe(value: Any) -> str:
    """A value and its TOML type, for error messages (quoted and escaped by tomli-w)."""
    if isinstance(value, dict):
        return "a table"
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        ((date, datetime, time), "a date/time"),
    ]
    kind = next((name for cls, name in kinds if isinstance(value, cls)), type(value).__name__)
    shown = tomli_w.dumps({"v": value})[4:].strip()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({kind})"


def _fail(key: str, expected: str, value: Any, path: Path) -> ConfigError:
    return ConfigError(f"{path}: {key} must be {expected}, got {_describe(value)}", path)


def _is_unsafe(text: str) -> bool:
    """Control and invisible formatting characters (terminal escapes, bidi overrides)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _text(key: str, value: Any, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, "a non-empty string", value, path)
    if _is_unsafe(value):
        raise ConfigError(f"{path}: {key} contains control or invisible characters", path)
    return value


def _label(key: str, value: Any, path: Path) -> str:
    """A band's name: short text on one line (it sits in tables and trees)."""
    text = _text(key, value, path)
    if len(text.strip()) > 24 or "\n" in text:
        raise _fail(key, "a short name on one line (at most 24 characters)", value, path)
    return text.strip()


def _threshold(key: str, value: Any, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(key, "a number", value, path)
    if not math.isfinite(value):
        raise _fail(key, "a finite number", value, path)
    return float(value)


def _sparkline(key: str, value: Any, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, "an integer", value, path)
    if not SPARKLINE_MIN <= value <= SPARKLINE_MAX:
        raise _fail(key, f"between {SPARKLINE_MIN} and {SPARKLINE_MAX}", value, path)
    return value


def _db_path(key: str, value: Any, path: Path) -> Path | None:
    """Empty means unset (TOML has no null), so a user can clear a system-wide path."""
    if not isinstance(value, str):
        raise _fail(key, "a string (a file path)", value, path)
    if not value.strip():
        return None
    db = Path(value).expanduser()
    return db if db.is_absolute() else Path(os.path.abspath(path.parent.absolute() / db))


def _db_url(key: str, value: Any, path: Path) -> str | None:
    if not isinstance(value, str):
        raise _fail(key, "a string (an SQLAlchemy URL)", value, path)
    if not value.strip():
        return None
    if not _URL_RE.match(value):
        raise _fail(key, 'an SQLAlchemy URL such as "postgresql:///okrtui"', value, path)
    return value


def _optional_text(key: str, value: Any, path: Path) -> str | None:
    return None if value == "" else _text(key, value, path)


_Validator = Callable[[str, Any, Path], Any]
_SCHEMA: dict[str, dict[str, _Validator]] = {
    "database": {"path": _db_path, "url": _db_url},
    "scoring": {**dict.fromkeys(_THRESHOLDS, _threshold), "achieved_label": _label},
    "ui": {"theme": _text, "sparkline_length": _sparkline},
    "user": {"display_name": _optional_text},
}
_FREE_FORM = ("keymap", "team")


def _escaped(text: str) -> str:
    """Text safe to print: control and invisible characters shown as escapes."""
    if not _is_unsafe(text):
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if _is_unsafe(ch) else ch for ch in text
    )


def _unknown(kind: str, name: str, choices: list[str], path: Path) -> str:
    name = _escaped(name)  # a quoted TOML key may hold escapes; never echo them raw
    import difflib  # imported when needed: every command loads the config

    guess = difflib.get_close_matches(name, choices, n=1)
    hint = f" (did you mean {guess[0]}?)" if guess else ""
    return f"unknown {kind} {name} in {path}{hint}"


def _validate(doc: dict[str, Any], path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Check one file's types and normalise its values; returns (sections, warnings)."""
    out: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    for section, table in doc.items():
        if section not in _SCHEMA and section not in _FREE_FORM:
            names = [*_SCHEMA, *_FREE_FORM]
            warnings.append(_unknown("section", f"[{section}]", [f"[{n}]" for n in names], path))
            continue
        if not isinstance(table, dict):
            raise _fail(f"[{section}]", "a table", table, path)
        if section == "team":
            out[section] = dict(table)
            if out[section].pop("admins", None) is not None:
                warnings.append(
                    f"team.admins in {path} is ignored: team admins are kept in the database"
                )
            continue
        values: dict[str, Any] = {}
        for key, value in table.items():
            qualified = f"{section}.{key}"
            if section == "keymap":
                values[_text("keymap key", key, path)] = _text(qualified, value, path)
            elif key in _SCHEMA[section]:
                values[key] = _SCHEMA[section][key](qualified, value, path)
            else:
                known = [f"{section}.{k}" for k in _SCHEMA[section]]
                warnings.append(_unknown("key", qualified, known, path))
        out[section] = values
    return out, warnings


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_thresholds(scoring: ScoringSettings, files: tuple[Path, ...]) -> None:
    """Bands only make sense in order; a negative threshold would make off track impossible."""
    values = [(f"scoring.{name}", getattr(scoring, name)) for name in _THRESHOLDS]
    problem = next(
        (
            f"{high_key} = {high:g} is below {low_key} = {low:g}"
            for (high_key, high), (low_key, low) in itertools.pairwise(values)
            if high < low
        ),
        None,
    )
    if problem is None and values[-1][1] < 0:
        problem = f"{values[-1][0]} = {values[-1][1]:g} is negative"
    if problem is not None:
        where = files[-1] if files else Path("<defaults>")
        raise ConfigError(
            f"{', '.join(map(str, files)) or where}: scoring thresholds must satisfy "
            f"overperforming >= on_track >= at_risk >= 0, but {problem}",
            where,
        )


def _build(layers: list[tuple[Path, dict[str, Any]]], extra: list[str]) -> Settings:
    """Validate each file, merge them in order and check the merged result."""
    merged: dict[str, Any] = {}
    warnings = list(extra)
    for path, doc in layers:
        sections, found = _validate(doc, path)
        warnings += found
        merged = _merge(merged, sections)
    files = tuple(path for path, _ in layers)
    scoring = ScoringSettings(**merged.get("scoring", {}))
    _check_thresholds(scoring, files)
    database = DatabaseSettings(**merged.get("database", {}))
    if database.url and database.path is not None:
        warnings.append(f"database.path ({database.path}) is ignored: database.url is set")
    return Settings(
        database=database,
        scoring=scoring,
        ui=UiSettings(**merged.get("ui", {})),
        user=UserSettings(**merged.get("user", {})),
        keymap=dict(merged.get("keymap", {})),
        team=dict(merged.get("team", {})),
        source_files=files,
        warnings=tuple(warnings),
    )


def _system_layer(system: Path, user: Path) -> tuple[Path, dict[str, Any]] | None:
    """The system file's parsed content, or None if there is none (or it is the user's)."""
    try:
        if system.resolve() == user.resolve():
            return None
    except OSError:
        pass
    text = _read_text(system)
    return None if text is None else (system, _parse(text, system))


# --- writing ---------------------------------------------------------------------------


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temp file in the same folder, fsync, rename: readers (and a crash)
    see the old file or the new one, never half of one. An existing file keeps its
    mode; a new one is private (0600) since a database URL may hold a password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(handle.fileno(), path.stat().st_mode & 0o7777)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable; not possible everywhere
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _edit_in_place(
    text: str, section: str, key: str, value: Any, expected: dict[str, Any]
) -> str | None:
    """Change one line of the file so its comments survive; None if that is not simple.

    The edit is only accepted if the result parses to exactly ``expected``, so odd files
    (dotted keys, multi-line values...) fall back to a full rewrite instead of breaking.
    """
    new_line = tomli_w.dumps({key: value}).rstrip("\n")
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        candidate = f"{text}{sep}\n[{section}]\n{new_line}\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
            len(lines),
        )
        names = "|".join(re.escape(k) for k in (key, f'"{key}"', f"'{key}'"))
        active = re.compile(rf"^\s*(?:{names})\s*=")
        example = re.compile(rf"^\s*#\s*(?:{names})\s*=")
        body = range(start + 1, end)
        hit = next((i for i in body if active.match(lines[i])), None)
        if hit is None:
            hit = next((i for i in body if example.match(lines[i])), None)
        if hit is None:
            lines.insert(start + 1, new_line + "\n")
        else:
            ending = lines[hit][len(lines[hit].rstrip("\r\n")) :] or "\n"
            lines[hit] = new_line + ending
        candidate = "".join(lines)
    try:
        return candidate if tomllib.loads(candidate) == expected else None
    except tomllib.TOMLDecodeError:
        return None


# --- public API ------------------------------------------------------------------------


def load_settings(
    path: Path | None = None, *, system_path: Path | None = None, create: bool = True
) -> Settings:
    """Read the system file then the user's (written from :data:`TEMPLATE` on first run).

    Raises :class:`ConfigError` for a file that is unreadable, empty, not TOML, holds a
    value of the wrong type or thresholds out of order. Failing to write the defaults
    (read-only home) only adds a warning: okrtui still starts.
    """
    user = path if path is not None else config_file()
    system = system_path if system_path is not None else system_config_file()
    layers: list[tuple[Path, dict[str, Any]]] = []
    warnings: list[str] = []
    system_layer = _system_layer(system, user)
    if system_layer is not None:
        layers.append(system_layer)
    text = _read_text(user)
    if text is None and create:
        text = _template(system if system_layer else None)
        try:
            _atomic_write(Path(os.path.realpath(user)), text)  # through a symlink
        except OSError as exc:
            warnings.append(
                f"could not write the default config to {user} ({exc.strerror or exc}); "
                "using the built-in defaults"
            )
            text = None
    if text is not None:
        layers.append((user, _parse(text, user)))
    return _build(layers, warnings)


def save_setting(
    section: str,
    key: str,
    value: str | int | float | bool,
    path: Path | None = None,
    *,
    system_path: Path | None = None,
) -> None:
    """Set ``section.key`` in the user's file, keeping every other key.

    The value is validated as :func:`load_settings` would (including against the system
    file), so a saved file always loads. Comments survive when the key's line can simply be
    replaced or added; otherwise the file is rewritten with tomli-w, which drops comments.
    A missing file starts from the commented template; a malformed one raises
    :class:`ConfigError` and is left untouched. The write is atomic; a symlinked file
    (dotfile managers) is written through the link.
    """
    user = path if path is not None else config_file()
    qualified = f"{section}.{key}"
    if section not in _SCHEMA and section not in _FREE_FORM:
        raise ConfigError(f"{user}: unknown section [{section}]", user)
    if section in _SCHEMA and key not in _SCHEMA[section]:
        raise ConfigError(_unknown("key", qualified, [*_SCHEMA[section]], user), user)
    system = system_path if system_path is not None else system_config_file()
    system_layer = _system_layer(system, user)
    target = Path(os.path.realpath(user))
    text = _read_text(target)
    if text is None:
        text = _template(system if system_layer else None)
    doc = _parse(text, user)
    table = doc.get(section, {})
    if not isinstance(table, dict):
        raise _fail(f"[{section}]", "a table", table, user)
    expected = copy.deepcopy(doc)
    expected[section] = {**table, key: value}
    _build([*([system_layer] if system_layer else []), (user, expected)], [])
    new_text = _edit_in_place(text, section, key, value, expected)
    if new_text is None:
        new_text = _REWRITE_HEADER + tomli_w.dumps(expected)
    _atomic_write(target, new_text)


def render_settings(settings: Settings) -> str:
    """The effective settings as TOML (for ``okrtui config show``), headed by comments on
    where they came from. Unset values and empty tables are left out: TOML has no null."""
    optional: dict[str, dict[str, Any]] = {
        "database": {"path": settings.database.path, "url": settings.database.url},
        "user": {"display_name": settings.user.display_name},
    }
    doc: dict[str, Any] = {
        "database": {},
        "scoring": {name: getattr(settings.scoring, name) for name in _THRESHOLDS},
        "ui": {"theme": settings.ui.theme, "sparkline_length": settings.ui.sparkline_length},
        "user": {},
        "keymap": dict(settings.keymap),
        "team": dict(settings.team),
    }
    for section, table in optional.items():
        doc[section] = {k: str(v) for k, v in table.items() if v is not None}
    if settings.scoring.achieved_label != ScoringSettings.achieved_label:
        doc["scoring"]["achieved_label"] = settings.scoring.achieved_label
    doc = {name: table for name, table in doc.items() if table}
    sources = ", ".join(map(str, settings.source_files)) or "none (built-in defaults)"
    notes = [f"files read: {sources}", f"database in use: {settings.database_target()}"]
    notes += [f"warning: {w}" for w in settings.warnings]
    return "".join(f"# {_escaped(note)}\n" for note in notes) + "\n" + tomli_w.dumps(doc)
