"""Turning what a person types (``KR-12``, a title, a KPI name) into an id, with close
matches suggested when nothing fits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from store.db.database import Database
from store.domain.validation import clean_line, parse_reference
from store.errors import NotFoundError


def _suggest(rows: Iterable[tuple[Any, ...]], prefix: str, wanted: str) -> tuple[str, ...]:
    """Close matches for a mistyped reference among (id, label) rows, as "REF (title)"."""
    import difflib

    labels = {label: f"{prefix}-{key}" for key, label in rows}
    lowered = {label.lower(): label for label in labels}
    key = clean_line(wanted).lower()
    hits = difflib.get_close_matches(key, list(lowered), n=5, cutoff=0.4)
    hits += [low for low in lowered if key and key in low and low not in hits]
    return tuple(f"{labels[lowered[h]]} ({lowered[h]})" for h in hits[:5])


def _same_name(rows: Iterable[tuple[Any, ...]], text: str) -> list[int]:
    """Ids of (id, label) rows whose label equals ``text`` ignoring case, in id order.

    Compared in Python: SQLite's lower() folds ASCII only ("ÄRGER" != "ärger").
    """
    wanted = clean_line(text).casefold()
    if not wanted:
        return []
    return sorted(key for key, label in rows if clean_line(label).casefold() == wanted)


def resolve_key_result(db: Database, text: str) -> int:
    """A KR id from ``KR-12``/``12`` or a unique title; else NotFoundError with suggestions.

    Plain SQL (``plain_read``): ``okrtui checkin`` resolves its KR without SQLAlchemy.
    """
    with db.plain_read() as fetch:
        kr_id = parse_reference(text, "KR")
        if kr_id is not None and fetch("SELECT id FROM key_result WHERE id = :id", {"id": kr_id}):
            return kr_id
        pool = fetch("SELECT id, title FROM key_result", {})
    matches = _same_name(pool, text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        refs = tuple(f"KR-{m}" for m in matches[:5])
        raise NotFoundError(f"{clean_line(text)!r} names {len(matches)} key results", refs)
    raise NotFoundError(f"no key result {clean_line(text)!r}", _suggest(pool, "KR", text))


def kpi_driven(db: Database, kr_id: int) -> bool:
    """Whether the KR follows a KPI (its check-in then takes no value)."""
    with db.plain_read() as fetch:
        rows = fetch("SELECT kpi_id FROM key_result WHERE id = :id", {"id": kr_id})
    return bool(rows) and rows[0][0] is not None


def resolve_kpi(db: Database, text: str) -> int:
    """A KPI id from ``KPI-3``/``3`` or its name (any case); else NotFoundError with suggestions."""
    from sqlalchemy import select

    from store.model.handles import K

    with db.read() as conn:
        kpi_id = parse_reference(text, "KPI")
        if kpi_id is not None and conn.execute(select(K.id).where(K.id == kpi_id)).first():
            return kpi_id
        pool = [tuple(row) for row in conn.execute(select(K.id, K.name))]
    matches = _same_name(pool, text)
    if matches:
        return matches[0]
    raise NotFoundError(f"no KPI {clean_line(text)!r}", _suggest(pool, "KPI", text))
