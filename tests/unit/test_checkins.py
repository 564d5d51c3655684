"""Check-ins on KPI-driven KRs, corrections and removals (store level)."""

from datetime import UTC, datetime, timedelta

import backends
import pytest

from store.db.database import Database
from store.errors import DomainError, PermissionDenied, ValidationError
from store.model.rows import CORRECTED, REMOVED
from store.read.checkins import kr_history
from store.read.tree import load_tree
from store.write import checkins, key_results, kpis, objectives, periods
from store.write.corrections import check_in_events, correct_check_in, remove_check_in

ME = "ana"
OTHER = "ben"


def dump(db: Database) -> list[str]:
    return backends.dump(db)


@pytest.fixture
def kr(db: Database, me: str) -> int:
    """A metric KR 0 → 100 in an active period, owned by ME, OTHER collaborating."""
    # The database creator (me) is admin; ME and OTHER get rights as owner/collaborator.
    period = periods.create_period(db, me, "2026-Q4", "2026-10-01", "2026-12-31", "active").id
    objective = objectives.create_objective(
        db, me, period_id=period, title="Grow", owner=ME, collaborators=[OTHER]
    ).id
    return key_results.create_key_result(
        db, me, objective_id=objective, title="Revenue", start=0, target=100
    ).id


def _at(days_ago: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days_ago)


def current(db: Database, kr_id: int) -> float | None:
    return backends.query(db, "SELECT current_value FROM key_result WHERE id = ?", kr_id)[0][0]


def test_correcting_the_latest_check_in_moves_the_current_value(db: Database, kr: int) -> None:
    checkins.check_in(db, ME, kr, 10, at=_at(7))
    latest = checkins.check_in(db, ME, kr, 40, at=_at(1)).check_in_id
    change = correct_check_in(db, ME, latest, value="45", note="typo: 45 not 40")
    assert (change.old_value, change.new_value) == (40, 45)
    assert current(db, kr) == 45
    [event] = check_in_events(db, kr)
    assert event.action == CORRECTED and event.check_in_id == latest
    assert event.detail["changes"]["value"] == [40, 45]
    assert event.detail["changes"]["note"] == ["", "typo: 45 not 40"]


def test_correcting_an_older_check_in_keeps_the_latest_current(db: Database, kr: int) -> None:
    first = checkins.check_in(db, ME, kr, 10, at=_at(7)).check_in_id
    checkins.check_in(db, ME, kr, 40, at=_at(1))
    correct_check_in(db, ME, first, value=12, confidence="at_risk")
    assert current(db, kr) == 40
    assert [(r.value, r.confidence and r.confidence.value) for r in kr_history(db, kr)] == [
        (12, "at_risk"),
        (40, None),
    ]


def test_removing_the_latest_falls_back_to_the_previous(db: Database, kr: int) -> None:
    checkins.check_in(db, ME, kr, 10, at=_at(7))
    latest = checkins.check_in(db, ME, kr, 40, at=_at(1)).check_in_id
    remove_check_in(db, ME, latest)
    assert current(db, kr) == 10
    [event] = check_in_events(db, kr)
    assert event.action == REMOVED and event.detail["value"] == 40


def test_removing_the_only_check_in_clears_the_score(db: Database, kr: int) -> None:
    only = checkins.check_in(db, ME, kr, 10).check_in_id
    remove_check_in(db, ME, only)
    assert current(db, kr) is None
    tree = load_tree(db, 1)
    row = tree.key_result(kr)
    assert row is not None and row.progress is None


def test_only_the_author_may_correct_or_remove(db: Database, kr: int) -> None:
    mine = checkins.check_in(db, ME, kr, 10).check_in_id
    before = dump(db)
    with pytest.raises(PermissionDenied, match="only its author"):
        correct_check_in(db, OTHER, mine, value=99)
    with pytest.raises(PermissionDenied, match="only its author"):
        remove_check_in(db, OTHER, mine)
    assert dump(db) == before


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", "", "1,5"])
def test_a_bad_corrected_value_changes_nothing(db: Database, kr: int, bad: str) -> None:
    mine = checkins.check_in(db, ME, kr, 10).check_in_id
    before = dump(db)
    with pytest.raises(ValidationError):
        correct_check_in(db, ME, mine, value=bad)
    assert dump(db) == before


def test_unknown_check_in_is_reported(db: Database, kr: int) -> None:
    with pytest.raises(DomainError, match="check-in 999 does not exist"):
        remove_check_in(db, ME, 999)


def test_kpi_driven_check_in_records_the_kpi_value(db: Database, me: str) -> None:
    period = periods.create_period(db, me, "2026-Q4", "2026-10-01", "2026-12-31", "active").id
    objective = objectives.create_objective(db, me, period_id=period, title="Grow", owner=ME).id
    kpi = kpis.create_kpi(db, me, name="MRR", owner=ME).id
    kr = key_results.create_key_result(
        db, me, objective_id=objective, title="MRR", start=0, target=100, kpi_id=kpi
    ).id
    with pytest.raises(DomainError, match="no value yet"):
        checkins.check_in(db, ME, kr, None, confidence="on_track")
    kpis.record_kpi_value(db, me, kpi, 55, observed_on="2026-11-20")
    kpis.record_kpi_value(db, me, kpi, 99, observed_on="2027-01-10")  # after the period
    result = checkins.check_in(db, ME, kr, None, confidence="at_risk", note="slow month")
    assert result.value == 55
    assert result.progress == pytest.approx(0.55)
    [row] = kr_history(db, kr)
    assert (row.value, row.confidence and row.confidence.value, row.note) == (
        55,
        "at_risk",
        "slow month",
    )
    with pytest.raises(PermissionDenied, match="follows a KPI"):
        correct_check_in(db, ME, row.id, value=60)
    correct_check_in(db, ME, row.id, note="slow month, fixed by Dec")
    assert kr_history(db, kr)[0].note == "slow month, fixed by Dec"
