"""Config files on disk: reading the layers (system, user), writing a new file's
defaults atomically, and saving one key in place (comments and layout kept)."""

import contextlib
import copy
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from store.config.settings import _REWRITE_HEADER, _THRESHOLDS, ScoringSettings, Settings, _template
from store.config.validate import _FREE_FORM, _SCHEMA, _build, _escaped, _fail, _parse, _unknown
from store.errors import ConfigError
from store.paths import config_file, system_config_file

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


# --- validation ------------------------------------------------------------------------


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
