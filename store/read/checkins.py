"""A key result's check-in history, oldest first, with what okrtui cannot read left out."""

from __future__ import annotations

from store.db.database import Database
from store.db.sql import readable_number, readable_time
from store.model.enums import Confidence
from store.model.rows import (
    CheckInRow,
)

KR_HISTORY = (
    "SELECT id, key_result_id, value, confidence, note, author, created_at FROM check_in "
    "WHERE key_result_id = :kr ORDER BY created_at DESC, id DESC"
)


_CONFIDENCES = {c.value: c for c in Confidence}


def kr_history(db: Database, kr_id: int, limit: int | None = None) -> list[CheckInRow]:
    """A KR's check-ins, oldest first (the last ``limit`` when given).

    Read raw and checked row by row: a row okrtui did not write (a time that is not one,
    a value that is not a number: someone with direct access to the database) is left
    out rather than failing the read; an unknown confidence reads as none.
    """
    sql = KR_HISTORY if limit is None else f"{KR_HISTORY} LIMIT {max(0, int(limit))}"
    with db.plain_read() as fetch:
        rows = fetch(sql, {"kr": kr_id})
    out = []
    for row_id, kr, value, confidence, note, author, created_at in rows:
        when = readable_time(created_at)
        number = readable_number(value)
        if when is None or number is None or not isinstance(row_id, int):
            continue
        out.append(
            CheckInRow(
                row_id, kr, number, _CONFIDENCES.get(confidence) if confidence else None,
                note if isinstance(note, str) else "", str(author), when,
            )
        )  # fmt: skip
    return out[::-1]
