"""Periods in the store: the next quarter, the period list, closing with grades and roll-over."""

from datetime import date

import backends
import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.db.database import Database
from store.errors import DomainError, PermissionDenied, ValidationError
from store.model.enums import ObjectiveState, PeriodState
from store.read.periods import list_periods, period_summaries
from store.read.tree import load_tree
from store.write.checkins import check_in
from store.write.close_period import (
    ObjectiveReview,
    close_period,
    default_grade,
    is_unfinished,
    parse_grade,
    roll_target,
)
from store.write.key_results import create_key_result
from store.write.objectives import create_objective
from store.write.periods import (
    create_next_period,
    create_period,
    quarter_after,
    suggest_next_period,
)

Q4 = 2  # the demo's active period (2026-Q4); 1 is the closed 2026-Q3


def dump(db: Database) -> list[str]:
    return backends.dump(db)


def rows(db: Database, sql: str, *args: object) -> list[tuple]:
    return backends.query(db, sql, *args)


# --- the next period ----------------------------------------------------------------------


def test_quarter_after_wraps_the_year() -> None:
    assert quarter_after(date(2026, 11, 23)) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
    assert quarter_after(date(2027, 1, 1)) == ("2027-Q2", date(2027, 4, 1), date(2027, 6, 30))


def test_next_period_is_the_quarter_after_the_latest(demo_db: Database) -> None:
    assert suggest_next_period(demo_db) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))


def test_next_period_on_an_empty_database_is_the_current_quarter(db: Database) -> None:
    assert suggest_next_period(db, date(2026, 5, 2)) == (
        "2026-Q2",
        date(2026, 4, 1),
        date(2026, 6, 30),
    )


def test_a_taken_name_moves_the_suggestion_on(demo_db: Database, me: str) -> None:
    create_period(demo_db, me, "2027-q1", "2025-01-01", "2025-03-31")  # odd dates, same name
    name, start, _end = suggest_next_period(demo_db)
    assert name == "2027-Q2" and start == date(2027, 4, 1)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-12-15", "2027-03-31"),  # starts inside 2026-Q4
        ("2026-09-01", "2026-10-15"),  # ends inside it (and covers Q3's end)
        ("2026-11-01", "2026-11-30"),  # inside it
        ("2026-01-01", "2027-12-31"),  # around every period
    ],
)
def test_a_period_overlapping_another_is_refused_naming_it(
    demo_db: Database, me: str, start: str, end: str
) -> None:
    before = list_periods(demo_db)
    with pytest.raises(ValidationError, match=r"overlaps 2026-Q[34] \(2026-"):
        create_period(demo_db, me, "Overlap", start, end)
    assert list_periods(demo_db) == before


def test_a_period_right_after_the_last_one_is_fine(demo_db: Database, me: str) -> None:
    create_period(demo_db, me, "Next", "2027-01-01", "2027-03-31")
    assert "Next" in {p.name for p in list_periods(demo_db)}


def test_create_next_period_uses_the_suggestion_and_can_activate(demo_db: Database, me: str):
    saved = create_next_period(demo_db, me, activate=True)
    period = next(p for p in list_periods(demo_db) if p.id == saved.id)
    assert (period.name, period.starts_on, period.ends_on) == (
        "2027-Q1",
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert period.state == PeriodState.ACTIVE
    states = {p.name: p.state for p in list_periods(demo_db)}
    assert states["2026-Q4"] == PeriodState.PLANNING  # only one period is active


def test_summaries_count_objectives_and_average_grades_once_closed(demo_db: Database) -> None:
    summaries = {s.name: s for s in period_summaries(demo_db)}
    assert [s.name for s in period_summaries(demo_db)] == ["2026-Q4", "2026-Q3"]
    q4 = load_tree(demo_db, Q4)
    scores = [o.score for o in q4.objectives.values() if o.score is not None]
    assert summaries["2026-Q4"].objectives == len(q4.objectives) == 13
    assert summaries["2026-Q4"].average == pytest.approx(sum(scores) / len(scores))
    grades = [g for (g,) in rows(demo_db, "SELECT grade FROM objective WHERE period_id = 1")]
    assert summaries["2026-Q3"].average == pytest.approx(sum(grades) / len(grades))


# --- grades -------------------------------------------------------------------------------


@given(st.floats(min_value=0.0, max_value=1.0))
def test_every_grade_from_zero_to_one_is_accepted(value: float) -> None:
    assert parse_grade(repr(value)) == value


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not 0.0 <= v <= 1.0))
def test_grades_outside_zero_to_one_are_refused(value: float) -> None:
    with pytest.raises(ValidationError):
        parse_grade(value)


@pytest.mark.parametrize("text", ["", "abc", "0,7", "nan", "1e309", "70%"])
def test_grade_text_that_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_grade(text)


def test_default_grade_and_unfinished() -> None:
    assert default_grade(None) == 0.0
    assert default_grade(0.6149) == 0.61
    assert default_grade(1.7) == 1.0
    assert is_unfinished(None) and is_unfinished(0.99) and not is_unfinished(1.0)


# --- closing with a roll-over -------------------------------------------------------------


def test_close_grades_every_objective_and_rolls_chosen_ones_over(demo_db: Database, me: str):
    before = load_tree(demo_db, Q4)
    assert roll_target(demo_db, Q4).exists is False  # 2027-Q1 does not exist yet
    reviews = [
        ObjectiveReview(6, 0.65, "Great push on MRR", roll_over=True),
        ObjectiveReview(8, None, "", roll_over=True),  # child of O-6: re-aligned under the copy
        ObjectiveReview(12, 0.4, "Health score slipped", roll_over=True),  # parent O-7 stays
    ]
    summary = close_period(demo_db, me, Q4, reviews)

    assert summary.graded == 13 and summary.target_created and summary.activated
    assert summary.target_period_name == "2027-Q1"
    periods = {p.name: p for p in list_periods(demo_db)}
    assert periods["2026-Q4"].state == PeriodState.CLOSED
    assert periods["2027-Q1"].state == PeriodState.ACTIVE

    graded = {
        oid: (grade, note, state)
        for oid, grade, note, state in rows(
            demo_db, "SELECT id, grade, retro_note, state FROM objective WHERE period_id = ?", Q4
        )
    }
    assert graded[6] == (0.65, "Great push on MRR", "closed")
    assert graded[8] == (default_grade(before.objectives[8].score), None, "closed")
    assert graded[13] == (default_grade(before.objectives[13].score), None, "closed")

    copies = dict(summary.rolled)
    assert set(copies) == {6, 8, 12}
    new = load_tree(demo_db, periods["2027-Q1"].id)
    assert set(new.objectives) == set(copies.values())
    for old_id, new_id in copies.items():
        old, copy = before.objectives[old_id], new.objectives[new_id]
        assert (
            copy.title,
            copy.owner,
            copy.level,
            copy.team,
            copy.description,
            copy.collaborators,
        ) == (old.title, old.owner, old.level, old.team, old.description, old.collaborators)
        assert rows(demo_db, "SELECT rolled_from_id FROM objective WHERE id = ?", new_id) == [
            (old_id,)
        ]
        assert [k.title for k in copy.key_results] == [k.title for k in old.key_results]
        assert [k.target for k in copy.key_results] == [k.target for k in old.key_results]
    assert new.objectives[copies[8]].parent_id == copies[6]
    assert new.objectives[copies[12]].parent_id is None  # O-7 was not rolled over
    assert summary.key_results_copied == sum(len(before.objectives[o].key_results) for o in copies)
    new_kr_ids = [k.id for o in new.objectives.values() for k in o.key_results]
    marks = ",".join("?" * len(new_kr_ids))
    assert rows(
        demo_db, f"SELECT count(*) FROM check_in WHERE key_result_id IN ({marks})", *new_kr_ids
    ) == [(0,)]


def test_copied_key_results_start_at_the_current_value(demo_db: Database, me: str) -> None:
    old = load_tree(demo_db, Q4).objectives
    summary = close_period(
        demo_db, me, Q4, [ObjectiveReview(o, roll_over=True) for o in (6, 8, 12)]
    )
    copies = dict(summary.rolled)
    new = load_tree(demo_db, summary.target_period_id or 0).objectives

    def pair(old_id: int, position: int):  # type: ignore[no-untyped-def]
        return old[old_id].key_results[position], new[copies[old_id]].key_results[position]

    mrr_old, mrr_new = pair(6, 0)  # KR-12 follows the MRR KPI
    assert mrr_old.kpi_id is not None and mrr_new.kpi_id == mrr_old.kpi_id
    assert mrr_new.start == mrr_old.current  # the KPI's value at the period's end
    mql_old, mql_new = pair(6, 1)  # KR-13: checked in by hand
    assert mql_new.start == mql_old.current and mql_new.current is None
    logos_old, logos_new = pair(8, 0)  # KR-18 reached its target: start kept
    assert logos_old.current == logos_old.target and logos_new.start == logos_old.start
    hold_old, hold_new = pair(8, 2)  # KR-20 stays above a line: nothing to move
    assert hold_new.direction == hold_old.direction and hold_new.start == hold_old.start
    health_old, health_new = pair(12, 3)  # KR-33 never checked in: start kept
    assert health_old.current is None and health_new.start == health_old.start


def test_roll_over_into_an_existing_planning_period(demo_db: Database, me: str) -> None:
    planned = create_next_period(demo_db, me).id
    target = roll_target(demo_db, Q4)
    assert target.exists and target.period_id == planned
    summary = close_period(demo_db, me, Q4, [ObjectiveReview(13, roll_over=True)])
    assert not summary.target_created and summary.target_period_id == planned
    assert [p.name for p in list_periods(demo_db)] == ["2027-Q1", "2026-Q4", "2026-Q3"]
    assert len(load_tree(demo_db, planned).objectives) == 1


def test_closing_without_roll_over_creates_no_period(demo_db: Database, me: str) -> None:
    summary = close_period(demo_db, me, Q4)
    assert summary.rolled == () and summary.target_period_id is None and not summary.activated
    assert [p.state for p in list_periods(demo_db)] == [PeriodState.CLOSED, PeriodState.CLOSED]
    states = {state for (state,) in rows(demo_db, "SELECT state FROM objective")}
    assert states == {ObjectiveState.CLOSED.value}


# --- read-only and refusals ---------------------------------------------------------------


def test_a_closed_period_refuses_every_write(demo_db: Database, me: str) -> None:
    close_period(demo_db, me, Q4)
    snapshot = dump(demo_db)
    with pytest.raises(DomainError, match="closed"):
        create_objective(demo_db, me, period_id=Q4, title="Late idea", owner=me)
    with pytest.raises(DomainError, match="closed"):
        create_key_result(demo_db, me, objective_id=6, title="More", target=3)
    with pytest.raises(DomainError, match="closed"):
        check_in(demo_db, me, 13, 1400)
    with pytest.raises(DomainError, match="already closed"):
        close_period(demo_db, me, Q4)
    assert dump(demo_db) == snapshot


@pytest.mark.parametrize(
    "reviews, message",
    [
        ([ObjectiveReview(6, 1.5)], "between 0.0 and 1.0"),
        ([ObjectiveReview(6, 0.5), ObjectiveReview(6, 0.6)], "reviewed twice"),
        ([ObjectiveReview(1, 0.5)], "not an objective of 2026-Q4"),  # O-1 is in 2026-Q3
    ],
)
def test_a_refused_close_writes_nothing(
    demo_db: Database, me: str, reviews: list[ObjectiveReview], message: str
) -> None:
    snapshot = dump(demo_db)
    with pytest.raises(DomainError, match=message):
        close_period(demo_db, me, Q4, reviews)
    assert dump(demo_db) == snapshot


def test_only_an_admin_may_close_a_period(demo_db: Database) -> None:
    snapshot = dump(demo_db)
    with pytest.raises(PermissionDenied):
        close_period(demo_db, "mallory", Q4, [ObjectiveReview(6, roll_over=True)])
    assert dump(demo_db) == snapshot


def test_roll_target_skips_closed_later_periods(db: Database, me: str) -> None:
    first = create_period(db, me, "2026-Q1", "2026-01-01", "2026-03-31", "active").id
    later = create_period(db, me, "2026-Q2", "2026-04-01", "2026-06-30").id
    close_period(db, me, later)
    target = roll_target(db, first)
    assert not target.exists and target.name == "2026-Q3"
