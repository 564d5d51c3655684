"""Key results that stay between two values (issue 18): scored held or not, read right
everywhere they are shown, entered and imported; the low end is kept as the start and
the high end as the target."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.db.database import Database
from store.domain.checks import check_kr_values
from store.domain.explain import explain_kr
from store.domain.scoring import band, far_outside, kr_progress
from store.errors import CsvImportError, DomainError, ValidationError
from store.format import kr_value, range_text, status_label
from store.io.okr_csv import import_csv
from store.io.okr_toml import apply_toml, export_toml, parse_toml
from store.model.enums import Band, Direction, Kind
from store.read.periods import list_periods
from store.read.tree import load_tree
from store.write import checkins, key_results, objectives, periods
from store.write.close_period import ObjectiveReview, close_period

BETWEEN = Direction.STAY_BETWEEN
M = Kind.METRIC


def progress(current: float | None, low: float | None = 30, high: float | None = 50):
    return kr_progress(M, BETWEEN, low, high, current)


# --- scoring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [(30, 1.0), (42, 1.0), (50, 1.0), (29.999, 0.0), (50.001, 0.0), (0, 0.0), (-40, 0.0),
     (1e300, 0.0)],
)  # fmt: skip
def test_a_range_is_held_inside_both_ends_included(current: float, expected: float) -> None:
    assert progress(current) == expected


def test_no_value_or_no_low_end_is_no_score_not_zero() -> None:
    assert progress(None) is None
    assert progress(40, low=None) is None
    assert progress(40, high=None) is None


def test_ends_written_the_wrong_way_round_are_the_same_range() -> None:
    """check_kr_values refuses them, but a row changed with psql must not score upside down."""
    assert progress(40, low=50, high=30) == 1.0
    assert progress(20, low=50, high=30) == 0.0


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(allow_nan=True, allow_infinity=True))
def test_held_exactly_when_between(a: float, b: float, c: float) -> None:
    low, high = min(a, b), max(a, b)
    assert kr_progress(M, BETWEEN, a, b, c) == (1.0 if low <= c <= high else 0.0)


def test_held_reads_held_and_not_held_is_off_track() -> None:
    assert band(progress(42)) == Band.ACHIEVED
    assert status_label(band(1.0), 1.0, M, BETWEEN) == "held"
    assert band(progress(60)) == Band.OFF_TRACK
    assert status_label(band(0.0), 0.0, M, BETWEEN) == "off track"


def test_the_explanation_names_the_range_and_the_side_left() -> None:
    inside = explain_kr(M, BETWEEN, 30, 50, 42)
    assert inside.formula == "1 if low ≤ current ≤ high else 0"
    assert inside.substituted == "30 ≤ 42 ≤ 50 → 1"
    assert inside.notes[0] == (
        "A range to hold: 1.0 while the latest value is between the low and the high end "
        "(both included), else 0.0."
    )
    assert inside.value == 1.0
    assert explain_kr(M, BETWEEN, 30, 50, 25).substituted == "25 < 30 → 0"
    assert explain_kr(M, BETWEEN, 30, 50, 55).substituted == "55 > 50 → 0"
    assert explain_kr(M, BETWEEN, -5, 5, -7).substituted == "(−7) < (−5) → 0"
    none = explain_kr(M, BETWEEN, None, 50, 42)
    assert none.value is None and none.substituted == "no low end set"
    assert none.notes == ("A range needs its low end (the start) before it can be scored.",)
    assert explain_kr(M, BETWEEN, 30, None, 42).substituted == "no target set"
    assert explain_kr(M, BETWEEN, 30, 50, None).formula == "1 if low ≤ current ≤ high else 0"


def test_a_far_value_names_the_ends_of_the_range() -> None:
    assert (
        far_outside(M, BETWEEN, 30, 50, -3)
        == "−3 has the opposite sign of low end 30 and high end 50"
    )
    assert far_outside(M, BETWEEN, 30, 50, 400) == (
        "400 is more than 10× the key result's range (30–50) away from it"
    )
    assert far_outside(M, BETWEEN, 30, 50, 240) is None


# --- checks --------------------------------------------------------------------------------


def test_both_ends_are_needed_the_low_one_below_the_high_one() -> None:
    assert check_kr_values(M, BETWEEN, 30, 50) == (30, 50)
    with pytest.raises(ValidationError, match="needs both ends: the low end as start"):
        check_kr_values(M, BETWEEN, None, 50)
    with pytest.raises(ValidationError, match="needs both ends"):
        check_kr_values(M, BETWEEN, 30, None)
    with pytest.raises(ValidationError, match=r"^the low end 50 must be below the high end 30$"):
        check_kr_values(M, BETWEEN, 50, 30)
    with pytest.raises(ValidationError, match="a single value to keep is a 'stay above'"):
        check_kr_values(M, BETWEEN, 40, 40)


# --- words ---------------------------------------------------------------------------------


def test_the_range_is_written_with_its_unit_once() -> None:
    assert range_text(30, 50, "min") == "30–50 min"
    assert range_text(1200, 2000, "$") == "$1.2K–$2K"
    assert range_text(95, 99.5, "%") == "95–99.5%"


# --- the store, on both backends -----------------------------------------------------------


@pytest.fixture
def kr_id(db: Database, me: str) -> int:
    period = periods.ensure_period(db, me, today=date(2026, 11, 2))
    assert period is not None
    objective = objectives.create_objective(db, me, period_id=period, title="Support", owner=me)
    return key_results.create_key_result(
        db, me, objective_id=objective.id, title="First response", direction="stay-between",
        start="30", target="50", unit="min",
    ).id  # fmt: skip


def _kr(db: Database, kr_id: int):  # type: ignore[no-untyped-def]
    period = list_periods(db)[0].id
    tree = load_tree(db, period)
    return next(kr for o in tree.objectives.values() for kr in o.key_results if kr.id == kr_id)


def test_a_check_in_inside_holds_outside_does_not(db: Database, me: str, kr_id: int) -> None:
    kr = _kr(db, kr_id)
    assert (kr.direction, kr.start, kr.target, kr.progress) == (BETWEEN, 30, 50, None)
    checkins.check_in(db, me, kr_id, "42")
    kr = _kr(db, kr_id)
    assert (kr.progress, kr.band) == (1.0, Band.ACHIEVED)
    assert kr_value(kr) == "42 min (hold 30–50 min)"
    checkins.check_in(db, me, kr_id, "55")
    kr = _kr(db, kr_id)
    assert (kr.progress, kr.band) == (0.0, Band.OFF_TRACK)
    assert kr_value(kr) == "55 min (hold 30–50 min)"


def test_reversed_ends_are_refused_and_nothing_changes(db: Database, me: str, kr_id: int) -> None:
    with pytest.raises(DomainError, match="the low end 60 must be below the high end 50"):
        key_results.update_key_result(db, me, kr_id, start="60")
    assert _kr(db, kr_id).start == 30
    key_results.update_key_result(db, me, kr_id, start="20", target="40")
    kr = _kr(db, kr_id)
    assert (kr.start, kr.target) == (20, 40)
    with pytest.raises(DomainError, match="needs both ends"):
        key_results.update_key_result(db, me, kr_id, start=None)
    assert _kr(db, kr_id).start == 20


def test_a_rolled_over_range_keeps_both_ends(db: Database, me: str, kr_id: int) -> None:
    checkins.check_in(db, me, kr_id, "45")
    period = list_periods(db)[0].id
    objective = _kr(db, kr_id).objective_id
    summary = close_period(db, me, period, [ObjectiveReview(objective, roll_over=True)])
    assert summary.target_period_id is not None
    tree = load_tree(db, summary.target_period_id)
    (rolled,) = [kr for o in tree.objectives.values() for kr in o.key_results]
    assert (rolled.direction, rolled.start, rolled.target) == (BETWEEN, 30, 50)


# --- files ---------------------------------------------------------------------------------

Q4 = 2
CSV = "objective,key result,owner,start,target,unit,parent\n"


def test_a_csv_title_that_keeps_a_value_between_two_is_a_range(demo_db: Database, me: str) -> None:
    """It was read as "stay above" the target: 60 minutes scored held."""
    text = CSV + "Delight support,Keep first response between 30 and 50 minutes,dev,30,50,min,\n"
    result = import_csv(demo_db, me, Q4, text, dry_run=True)
    assert "stay-between (title: “keep … between”)" in result.table[1]
    import_csv(demo_db, me, Q4, text)
    tree = load_tree(demo_db, Q4)
    (kr,) = [kr for o in tree.objectives.values() for kr in o.key_results
             if kr.title.startswith("Keep first response")]  # fmt: skip
    assert (kr.direction, kr.start, kr.target) == (BETWEEN, 30, 50)


def test_a_csv_range_without_its_low_end_is_refused_naming_start(
    demo_db: Database, me: str
) -> None:
    text = CSV + "Delight support,Keep first response between 30 and 50 minutes,dev,,50,min,\n"
    with pytest.raises(CsvImportError) as info:
        import_csv(demo_db, me, Q4, text)
    assert (
        "line 2, column 'start': the title says “keep … between”: a range needs its low end in "
        "'start' and its high end in 'target'" in str(info.value)
    )


def test_a_csv_direction_column_says_stay_between(demo_db: Database, me: str) -> None:
    text = ("objective,key result,owner,start,target,unit,direction,parent\n"
            "Delight support,First response time,dev,50,30,min,stay-between,\n")  # fmt: skip
    with pytest.raises(CsvImportError, match="the low end 50 must be below the high end 30"):
        import_csv(demo_db, me, Q4, text)
    import_csv(demo_db, me, Q4, text.replace("50,30", "30,50"))
    tree = load_tree(demo_db, Q4)
    assert any(kr.direction == BETWEEN for o in tree.objectives.values() for kr in o.key_results)


def test_a_range_goes_through_a_toml_round_trip(demo_db: Database, me: str) -> None:
    tree = load_tree(demo_db, Q4)
    objective = min(tree.objectives)
    new = key_results.create_key_result(
        demo_db, me, objective_id=objective, title="Keep p95 latency in band",
        direction=BETWEEN, start=120, target=180, unit="ms",
    ).id  # fmt: skip
    text = export_toml(demo_db, Q4)
    assert 'direction = "stay_between"' in text
    assert "# a range to hold: start is its low end, target its high end" in text
    assert apply_toml(demo_db, me, parse_toml(text), dry_run=True).changes == ()
    edited = text.replace("start = 120", "start = 190")
    with pytest.raises(DomainError, match="the low end 190 must be below the high end 180"):
        apply_toml(demo_db, me, parse_toml(edited))
    assert _kr(demo_db, new).start == 120


def test_the_shell_check_in_says_the_range_held_or_not(demo_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from okrtui.cli.main import main

    def checkin(value: str) -> str:
        result = CliRunner().invoke(main, ["--db", str(demo_path), "checkin", "KR-28", value])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    first = checkin("1050000")
    assert first.startswith("KR-28 Keep monthly burn between $800K and $1M: $")
    assert first.endswith(" → $1.05M (hold $800K–$1M) score 0% off track")
    assert checkin("950000").endswith("$1.05M → $950K (hold $800K–$1M) score 100% held")
    status = CliRunner().invoke(main, ["--db", str(demo_path), "status"]).output
    assert "$950K (hold $800K–$1M)" in status
