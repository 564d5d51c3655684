"""Comment threads: what the detail pane, ``okrtui comment --list`` and the report show.

Plain SQL through ``Database.plain_read`` (no ORM): one query per thread, one for a
week's comments, whatever their number.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from store.db.database import Database
from store.db.sql import EPOCH, readable_time
from store.model.rows import CommentRow

_SUBJECT = (
    "CASE WHEN c.objective_id IS NOT NULL THEN 'O-' || c.objective_id "
    "WHEN c.key_result_id IS NOT NULL THEN 'KR-' || c.key_result_id "
    "ELSE 'CI-' || c.check_in_id END"
)
_COLUMNS = f"c.id, {_SUBJECT}, c.author, c.body, c.created_at, c.edited_at"


def _rows(found: Iterable[tuple[object, ...]]) -> list[CommentRow]:
    """Rows as written by okrtui; a time nobody could have written reads as the epoch."""
    return [
        CommentRow(
            int(str(cid)), str(subject), str(author), str(body),
            readable_time(created) or EPOCH, readable_time(edited),
        )
        for cid, subject, author, body, created, edited in found
    ]  # fmt: skip


def thread(db: Database, kind: str, subject_id: int) -> list[CommentRow]:
    """The comments on an objective, key result (with its check-ins') or check-in, oldest
    first (newest last)."""
    column = {"objective": "objective_id", "key_result": "key_result_id"}.get(kind, "check_in_id")
    where = f"c.{column} = :id"
    if kind == "key_result":  # a key result's thread holds its check-ins' comments too
        where += " OR c.check_in_id IN (SELECT id FROM check_in WHERE key_result_id = :id)"
    with db.plain_read() as fetch:
        found = fetch(
            f"SELECT {_COLUMNS} FROM comment c WHERE {where} ORDER BY c.created_at, c.id",
            {"id": subject_id},
        )
    return _rows(found)


def comments_since(db: Database, since: datetime, period_id: int) -> list[CommentRow]:
    """The comments written at or after ``since`` on a period's objectives, key results
    and check-ins (the report's week), oldest first: one query."""
    naive = since.astimezone(UTC).replace(tzinfo=None)
    moment: object = naive.isoformat(" ", "microseconds") if db.target.is_sqlite else naive
    with db.plain_read() as fetch:
        found = fetch(
            f"SELECT {_COLUMNS} FROM comment c "
            "LEFT JOIN check_in ci ON ci.id = c.check_in_id "
            "LEFT JOIN key_result k ON k.id = COALESCE(c.key_result_id, ci.key_result_id) "
            "LEFT JOIN objective o ON o.id = COALESCE(c.objective_id, k.objective_id) "
            "WHERE c.created_at >= :since AND o.period_id = :period "
            "ORDER BY c.created_at, c.id",
            {"since": moment, "period": period_id},
        )
    return _rows(found)


PEOPLE = (
    "SELECT owner FROM objective UNION SELECT owner FROM key_result UNION "
    "SELECT owner FROM kpi UNION SELECT username FROM collaborator UNION "
    "SELECT author FROM check_in UNION SELECT author FROM comment UNION "
    "SELECT username FROM admin"
)


def known_people(db: Database) -> set[str]:
    """Everyone the database knows by name (who an ``@mention`` may name): one query."""
    with db.plain_read() as fetch:
        return {str(row[0]) for row in fetch(PEOPLE, {})}
