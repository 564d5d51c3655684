"""Counting check-ins: "one more deal closed" adds to a key result's current value.

Adding is a read-modify-write: read the current value, add, write a check-in. Done
as two steps (read, then ``check_in``) two people adding at once would both read
the same value and one addition would be lost. Here the read happens inside the
``BEGIN IMMEDIATE`` write transaction, which holds SQLite's write lock from its
first statement, so concurrent additions queue (within ``busy_timeout``) and every
one of them counts.
"""

from store.db.database import Database
from store.domain.checks import validate_check_in_value
from store.domain.validation import optional_text, parse_number
from store.errors import DomainError
from store.model.tables import CheckIn, KeyResult, utcnow
from store.write.checkins import MAX_NOTE
from store.write.common import get_row, log_activity, objective_for_write
from store.write.guards import require_key_result_edit


def add_to_key_result(
    db: Database, actor: str, kr_id: int, delta: float | str, *, note: str = ""
) -> float:
    """Check in the KR's current value plus ``delta`` (its start value, or 0, when it has
    none yet); returns the new value."""
    amount = parse_number(delta, "amount")
    note = optional_text(note, "note", max_length=MAX_NOTE, multiline=True)
    with db.write() as s:
        kr = get_row(s, KeyResult, kr_id, "key result KR-")
        objective_for_write(s, kr.objective_id)
        require_key_result_edit(s, actor, kr_id)
        if kr.kpi_id is not None:
            raise DomainError(f"KR-{kr_id} follows a KPI: add to the KPI's value instead")
        previous = kr.current_value
        base = previous if previous is not None else (kr.start_value or 0.0)
        number = validate_check_in_value(kr.kind, base + amount)
        when = utcnow()
        if kr.current_at is not None and when < kr.current_at:
            when = kr.current_at  # a back-dated "latest" must not outrank this addition
        entry = CheckIn(key_result_id=kr_id, value=number, note=note, author=actor, created_at=when)
        s.add(entry)
        kr.current_value, kr.current_at = number, when
        s.flush()
        log_activity(s, actor, "check_in", entry.id, "create", key_result_id=kr_id, value=number,
             previous=previous, added=amount)  # fmt: skip
        return number
