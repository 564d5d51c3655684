"""KPI source definitions: what each kind needs, checked before anything is stored.

A definition is a kind (:class:`SourceKind`) and a few settings, stored as JSON in
``kpi_source.spec``. Settings hold no secret: a database URL with a password, or an
HTTP token, is named as ``env:NAME`` (an environment variable of the pull) or
``file:/absolute/path`` (a file only its owner can read), and read only when the pull
runs (store/io/secrets.py). A URL that carries a password itself is refused, so it never
reaches the database or an export.

============  =====================================================================
kind          settings
============  =====================================================================
``sql``       ``url`` (SQLAlchemy URL without password, or a secret reference),
              ``query`` (one number, or rows of date, value), ``timeout`` seconds
``command``   ``argv`` (absolute program path and arguments; no shell), ``timeout``
``file``      ``path`` (absolute), ``format`` csv/json (from the suffix), ``column``
              and optional ``date_column`` (csv) or ``json_path`` (json)
``http``      ``url`` (http or https), ``json_path``, ``timeout``, optional ``token``
              (a secret reference, sent as ``Authorization: Bearer``)
``formula``   ``expression`` (store/domain/formula.py)
============  =====================================================================
"""

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from store.domain import formula
from store.domain.validation import has_unsafe_characters
from store.errors import ValidationError
from store.model.enums import SourceKind

MAX_SPEC = 10_000
MAX_TIMEOUT = 300
DEFAULT_TIMEOUT = {SourceKind.SQL: 30, SourceKind.COMMAND: 30, SourceKind.HTTP: 10}
MAX_OUTPUT = 1_000_000
"""Most bytes a command may print or an HTTP response or a file may hold."""

_SECRET = re.compile(r"(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:/.+)", re.ASCII)
_SECRET_WORDS = ("password", "passwd", "pwd", "token", "secret", "apikey", "api_key", "key")
_JSON_PATH = re.compile(r"[A-Za-z0-9_\-]+|\[\d+\]", re.ASCII)
_KEYS: dict[SourceKind, tuple[frozenset[str], frozenset[str]]] = {
    # kind: (required, optional)
    SourceKind.SQL: (frozenset({"url", "query"}), frozenset({"timeout"})),
    SourceKind.COMMAND: (frozenset({"argv"}), frozenset({"timeout"})),
    SourceKind.FILE: (
        frozenset({"path"}),
        frozenset({"format", "column", "date_column", "json_path"}),
    ),
    SourceKind.HTTP: (frozenset({"url", "json_path"}), frozenset({"timeout", "token"})),
    SourceKind.FORMULA: (frozenset({"expression"}), frozenset()),
}


def is_secret_reference(text: str) -> bool:
    """``env:NAME`` or ``file:/absolute/path``."""
    return _SECRET.fullmatch(text) is not None


def _text(settings: Mapping[str, Any], key: str, *, limit: int = 2_000) -> str:
    value = settings.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"source: {key} must be non-empty text")
    if len(value) > limit:
        raise ValidationError(f"source: {key} is longer than {limit} characters")
    if has_unsafe_characters(value, multiline=key == "query"):
        raise ValidationError(f"source: {key} holds control or invisible characters")
    return value.strip()


def _timeout(kind: SourceKind, settings: Mapping[str, Any]) -> int:
    value = settings.get("timeout", DEFAULT_TIMEOUT[kind])
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if type(value) is not int or not 1 <= value <= MAX_TIMEOUT:
        raise ValidationError(f"source: timeout must be whole seconds from 1 to {MAX_TIMEOUT}")
    return value


def _no_password(url: str, what: str) -> None:
    """Refuse a URL that carries a password, in its user part or its query string."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError as exc:
        raise ValidationError(f"source: {what} is not a URL: {exc}") from None
    named = [k for k, _ in parse_qsl(parts.query) if k.lower().replace("-", "_") in _SECRET_WORDS]
    if password is not None or named:
        raise ValidationError(
            f"source: the {what} holds a password or token, and okrtui never stores one: put "
            "the whole URL in an environment variable or a file only you can read, and give "
            "env:NAME or file:/path instead"
        )


def _json_path(settings: Mapping[str, Any]) -> str:
    path = _text(settings, "json_path", limit=500)
    if "".join(_JSON_PATH.findall(path.replace(".", ""))) != path.replace(".", ""):
        raise ValidationError(
            "source: json_path is keys and [indexes] separated by dots, "
            "e.g. data.result[0].value[1]"
        )
    return path


def _sql(settings: Mapping[str, Any]) -> dict[str, Any]:
    url = _text(settings, "url")
    if not is_secret_reference(url):
        _no_password(url, "database URL")
        if "://" not in url:
            raise ValidationError(
                "source: url must be a SQLAlchemy URL (sqlite:////path/x.db, postgresql://…) "
                "or env:NAME / file:/path naming one"
            )
    query = _text(settings, "query", limit=5_000)
    return {"url": url, "query": query, "timeout": _timeout(SourceKind.SQL, settings)}


def _command(settings: Mapping[str, Any]) -> dict[str, Any]:
    argv = settings.get("argv")
    if isinstance(argv, str):
        raise ValidationError("source: argv is a list of words (no shell ever splits it)")
    if not isinstance(argv, list) or not argv or len(argv) > 100:
        raise ValidationError("source: argv must be a list of 1 to 100 words")
    words = []
    for word in argv:
        if not isinstance(word, str) or len(word) > 1_000 or "\x00" in word:
            raise ValidationError("source: each word of argv must be text without NUL")
        if has_unsafe_characters(word):
            raise ValidationError("source: argv holds control or invisible characters")
        words.append(word)
    if not words[0].startswith("/"):
        raise ValidationError(
            "source: the program (argv's first word) must be an absolute path, e.g. "
            "/usr/local/bin/mrr-report: a scheduled pull's PATH is not yours"
        )
    return {"argv": words, "timeout": _timeout(SourceKind.COMMAND, settings)}


def _file(settings: Mapping[str, Any]) -> dict[str, Any]:
    path = _text(settings, "path", limit=1_000)
    if not path.startswith("/"):
        raise ValidationError("source: path must be absolute")
    fmt = settings.get("format") or ("json" if path.lower().endswith(".json") else "csv")
    if fmt not in ("csv", "json"):
        raise ValidationError("source: format is csv or json")
    out: dict[str, Any] = {"path": path, "format": fmt}
    if fmt == "json":
        out["json_path"] = _json_path(settings)
        return out
    out["column"] = _text(settings, "column", limit=200) if settings.get("column") else "value"
    if settings.get("date_column"):
        out["date_column"] = _text(settings, "date_column", limit=200)
    return out


def _http(settings: Mapping[str, Any]) -> dict[str, Any]:
    url = _text(settings, "url")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(
            f"source: an http source's URL is http:// or https://, not {scheme or url!r}"
        )
    _no_password(url, "URL")
    out: dict[str, Any] = {
        "url": url,
        "json_path": _json_path(settings),
        "timeout": _timeout(SourceKind.HTTP, settings),
    }
    token = settings.get("token")
    if token:
        if not isinstance(token, str) or not is_secret_reference(token):
            raise ValidationError(
                "source: token is a reference, env:NAME or file:/path, never the token itself"
            )
        out["token"] = token
    return out


def _formula(settings: Mapping[str, Any]) -> dict[str, Any]:
    expression = _text(settings, "expression", limit=formula.MAX_FORMULA)
    formula.parse(expression)
    return {"expression": expression}


_CHECKS = {
    SourceKind.SQL: _sql,
    SourceKind.COMMAND: _command,
    SourceKind.FILE: _file,
    SourceKind.HTTP: _http,
    SourceKind.FORMULA: _formula,
}


def validate_spec(kind: SourceKind | str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a ``kind`` source, checked and normalised (defaults filled in)."""
    try:
        kind = SourceKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in SourceKind)
        raise ValidationError(f"source: unknown kind {kind!r} (one of {kinds})") from None
    if not isinstance(settings, Mapping):
        raise ValidationError("source: settings must be a table of keys and values")
    required, optional = _KEYS[kind]
    unknown = sorted(set(settings) - required - optional)
    if unknown:
        raise ValidationError(f"source: a {kind.value} source has no setting {unknown[0]!r}")
    missing = sorted(required - set(settings))
    if missing:
        raise ValidationError(f"source: a {kind.value} source needs {missing[0]!r}")
    spec = _CHECKS[kind](settings)
    if len(spec_json(spec)) > MAX_SPEC:
        raise ValidationError(f"source: settings longer than {MAX_SPEC} characters")
    return spec


def spec_json(spec: Mapping[str, Any]) -> str:
    """The stored form: compact JSON with sorted keys (what the approval seals)."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_spec(kind: str, text: str) -> dict[str, Any]:
    """A stored definition, checked again (the database may have been edited by hand)."""
    try:
        settings = json.loads(text)
    except ValueError:
        raise ValidationError("source: the stored settings are not JSON") from None
    return validate_spec(kind, settings)


def describe(kind: SourceKind, spec: Mapping[str, Any]) -> str:
    """One line saying where the values come from (no secret is ever in a spec)."""
    if kind == SourceKind.SQL:
        return f"sql {spec['url']}: {' '.join(str(spec['query']).split())}"
    if kind == SourceKind.COMMAND:
        return "command " + " ".join(spec["argv"])
    if kind == SourceKind.FILE:
        where = spec.get("json_path") or spec.get("column")
        return f"file {spec['path']} ({spec['format']}: {where})"
    if kind == SourceKind.HTTP:
        return f"http {spec['url']} ({spec['json_path']})"
    return f"formula {spec['expression']}"
