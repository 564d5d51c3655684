"""A correction is held to the same far-outside check as a new check-in (issue 14 finding
10): an extra zero typed while correcting wrecked the score as surely as a new one."""

import pytest

from store.db.database import Database
from store.errors import FarOutside
from store.write import checkins, key_results, objectives, periods
from store.write.corrections import correct_check_in

ME = "ana"


def _kr(db: Database, me: str) -> tuple[int, int]:
    period = periods.create_period(db, me, "Q", "2026-10-01", "2026-12-31", "active").id
    objective = objectives.create_objective(db, me, period_id=period, title="O", owner=ME).id
    kr = key_results.create_key_result(db, ME, objective_id=objective, title="K", target=10).id
    return kr, checkins.check_in(db, ME, kr, 5).check_in_id


def _value(db: Database, check_in_id: int) -> float:
    with db.read() as conn:
        row = conn.exec_driver_sql("SELECT value FROM check_in WHERE id = ?", (check_in_id,))
        return float(row.scalar_one())


def test_a_far_out_correction_needs_a_confirmation(db: Database, me: str) -> None:
    _kr_id, entry = _kr(db, me)
    with pytest.raises(FarOutside, match="more than 10×"):
        correct_check_in(db, ME, entry, value="1000")
    assert _value(db, entry) == 5.0
    correct_check_in(db, ME, entry, value="1000", confirmed=True)
    assert _value(db, entry) == 1000.0


def test_a_plausible_correction_or_a_note_alone_needs_none(db: Database, me: str) -> None:
    _kr_id, entry = _kr(db, me)
    correct_check_in(db, ME, entry, value="7")
    assert _value(db, entry) == 7.0
    correct_check_in(db, ME, entry, value="1000", confirmed=True)
    correct_check_in(db, ME, entry, note="typo? no: a real spike")  # the value stays
    assert _value(db, entry) == 1000.0
