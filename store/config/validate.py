"""Checking a parsed config file: each ``section.key`` typed and bounded, unknown keys
warned about (an older okrtui can read a newer file), layers merged key by key.
"""

import itertools
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import tomli_w

from store.config.settings import (
    _POSITION_RE,
    _THRESHOLDS,
    _URL_RE,
    SPARKLINE_MAX,
    SPARKLINE_MIN,
    DatabaseSettings,
    ReminderSettings,
    ScoringSettings,
    Settings,
    UiSettings,
    UserSettings,
)
from store.errors import ConfigError


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


def _stale_days(key: str, value: Any, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, "an integer", value, path)
    if not 1 <= value <= 365:
        raise _fail(key, "between 1 and 365", value, path)
    return value


def _flag(key: str, value: Any, path: Path) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "true or false", value, path)
    return value


def _command(key: str, value: Any, path: Path) -> tuple[str, ...]:
    """A program and its arguments, never a shell line: the program an absolute path."""
    if not isinstance(value, list) or not value:
        raise _fail(key, 'a list such as ["/usr/sbin/sendmail", "-t", "-oi"]', value, path)
    words = tuple(_text(key, word, path) for word in value)
    if not os.path.isabs(words[0]):
        raise _fail(key, "a list starting with an absolute program path", value, path)
    return words


_DOMAIN = re.compile(r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.ASCII)


def _domain(key: str, value: Any, path: Path) -> str | None:
    if value == "":
        return None
    text = _text(key, value, path).strip().lower()
    if not _DOMAIN.fullmatch(text):
        raise _fail(key, 'a domain name such as "example.com"', value, path)
    return text


def _folder(key: str, value: Any, path: Path) -> Path | None:
    return _db_path(key, value, path)


_Validator = Callable[[str, Any, Path], Any]


_SCHEMA: dict[str, dict[str, _Validator]] = {
    "database": {"path": _db_path, "url": _db_url},
    "scoring": {**dict.fromkeys(_THRESHOLDS, _threshold), "achieved_label": _label},
    "ui": {"theme": _text, "sparkline_length": _sparkline},
    "user": {"display_name": _optional_text},
    "reminders": {
        "stale_after_days": _stale_days,
        "summary_at_start": _flag,
        "mail_command": _command,
        "mail_domain": _domain,
        "to_folder": _folder,
    },
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
        reminders=ReminderSettings(**merged.get("reminders", {})),
        keymap=dict(merged.get("keymap", {})),
        team=dict(merged.get("team", {})),
        source_files=files,
        warnings=tuple(warnings),
    )
