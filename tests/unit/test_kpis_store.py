"""KPI writes (store/write/kpis.py), CSV parsing (store/io/kpi_csv.py), KPI reads (store/read).

Every refusal is checked against a dump of the whole database taken before it:
nothing may change. The dashboard's "only the last N values" promise is checked on
the query plans themselves (no statement may scan the value table).
"""

import json
import re
import sqlite3
from datetime import date, timedelta
from typing import Any

import backends
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert

from store.db.database import Database
from store.errors import DomainError, PermissionDenied, ValidationError
from store.identity import current_username
from store.io.kpi_csv import parse_kpi_csv
from store.io.kpi_import import import_kpi_values
from store.model.enums import Direction, Kind, KpiDirection, PeriodState, SourceKind
from store.model.tables import KpiValue, utcnow
from store.read.kpi_panels import kpi_panels
from store.read.kpis import (
    kpi_description,
    kpi_detail,
    kpi_links,
    last_values,
    objective_kpi_warnings,
    warning_for,
)
from store.write.key_results import create_key_result
from store.write.kpi_sources import record_pull
from store.write.kpis import (
    create_kpi,
    record_kpi_value,
    set_kpi_archived,
    set_kpi_parent,
    update_kpi,
)
from store.write.objectives import create_objective
from store.write.periods import create_period

ACTOR = current_username()  # owns the database file: an admin
STRANGER = "zz-not-a-member"  # owns nothing, in no group: may change no KPI
TODAY = date(2026, 11, 23)


def dump(db: Database) -> list[str]:
    return backends.dump(db)


def rows(db: Database, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return backends.query(db, sql, *params)


@pytest.fixture
def kpis(db: Database) -> dict[str, int]:
    """Two KPIs with a few values: MRR (higher is better) and Churn (lower)."""
    mrr = create_kpi(db, ACTOR, name="MRR", owner=ACTOR, unit="$", category="Revenue",
                     target=1000, green=900, red=500).id  # fmt: skip
    churn = create_kpi(db, ACTOR, name="Churn", owner=ACTOR, unit="%", direction="lower",
                       category="Customers").id  # fmt: skip
    for day, value in ((1, 800), (2, 850), (3, 820)):
        record_kpi_value(db, ACTOR, mrr, value, observed_on=date(2026, 11, day))
    record_kpi_value(db, ACTOR, churn, 2.5, observed_on=date(2026, 11, 1), note="first")
    return {"MRR": mrr, "Churn": churn}


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------- CSV parsing


def test_parse_reads_a_bom_header_any_column_order_and_quoted_multiline_notes() -> None:
    data = '\ufeffValue,KPI,date,note\n5,MRR,2026-11-01,"two\nlines"\n\n6,MRR,2026-11-02,\n'
    parsed = parse_kpi_csv(data.encode())
    assert parsed.errors == ()
    assert [(r.line, r.kpi, r.value, r.note) for r in parsed.rows] == [
        (2, "MRR", "5", "two\nlines"),
        (5, "MRR", "6", ""),
    ]


def test_parse_reports_structure_errors_by_line_and_column() -> None:
    parsed = parse_kpi_csv(csv("kpi,date,value", "MRR,2026-11-01", "MRR,2026-11-01,1,2", "NPS,,4"))
    assert [str(e) for e in parsed.errors] == [
        "line 2, column value: is empty",
        "line 3: has 4 fields, the header 3",
        "line 4, column date: is empty",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"kpi,day,value\n", "line 1, column day: unknown column 'day'"),
        (b"kpi,value\n", "line 1: the header lacks date"),
        (b'kpi,date,value\nMRR,2026-11-01,"5\nMRR,2026-11-02,6\n', "line 2: cannot be read as CSV"),
        (b"kpi,date,value\nMRR,2026-11-01,5\nM\x00RR,2026-11-02,6\n", "line 3: contains a NUL"),
        (b"kpi,date,value\nMRR,2026-11-01,5\n\xff\xfe,1,2\n", "line 3: is not UTF-8"),
    ],
)
def test_parse_refuses_broken_files_with_the_line(data: bytes, expected: str) -> None:
    parsed = parse_kpi_csv(data)
    assert parsed.rows == ()
    assert str(parsed.errors[0]).startswith(expected), parsed.errors


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parse_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    parsed = parse_kpi_csv(data)
    assert all(error.line >= 1 for error in parsed.errors)


names = st.sampled_from(["MRR", "Churn", "a;b", 'say "hi"', "Ünïcode"])
values = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
notes = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(names, values, notes), min_size=1, max_size=15), st.booleans())
def test_parse_round_trips_what_a_csv_writer_wrote(items, semicolon: bool) -> None:
    import csv as csv_module
    import io

    out = io.StringIO()
    writer = csv_module.writer(out, delimiter=";" if semicolon else ",")
    writer.writerow(["kpi", "date", "value", "note"])
    for name, value, note in items:
        writer.writerow([name, "2026-11-01", repr(value), note])
    parsed = parse_kpi_csv(out.getvalue().encode())
    assert parsed.errors == ()
    assert [(r.kpi, float(r.value), r.note) for r in parsed.rows] == [
        (name, value, note.replace("\r\n", "\n").replace("\r", "\n")) for name, value, note in items
    ]


# --------------------------------------------------------------------------- CSV import


def test_import_dry_run_reports_without_writing(db: Database, kpis: dict[str, int]) -> None:
    before = dump(db)
    data = csv(
        "kpi,date,value,note",
        "MRR,2026-11-03,830,",
        "mrr,2026-11-04,840,",
        "KPI-2,2026-11-01,2.5,first",
    )
    report = import_kpi_values(db, ACTOR, data, dry_run=True, today=TODAY)
    assert report.errors == () and not report.written
    assert [(p.line, p.action) for p in report.planned] == [(2, "replace"), (3, "add"), (4, "same")]
    assert report.replaced[0].old_value == 820
    assert (
        report.summary() == "would import 1 new and 1 replaced value(s) for 1 KPI(s); 1 unchanged"
    )
    assert dump(db) == before


def test_import_writes_all_rows_and_keeps_replaced_values_in_activity(
    db: Database, kpis: dict[str, int]
) -> None:
    data = csv("kpi,date,value,note", "MRR,2026-11-03,830,fixed", "MRR,2026-11-04,840,")
    report = import_kpi_values(db, ACTOR, data, today=TODAY, source="sheet.csv")
    assert report.written and report.count("add") == 1 and report.count("replace") == 1
    assert rows(db, "SELECT observed_on, value, note FROM kpi_value WHERE kpi_id = ? "
                    "ORDER BY observed_on", kpis["MRR"])[-2:] == [
        ("2026-11-03", 830.0, "fixed"), ("2026-11-04", 840.0, ""),
    ]  # fmt: skip
    replaced = rows(db, "SELECT detail FROM activity WHERE entity = 'kpi_value' "
                        "AND action = 'replace'")  # fmt: skip
    assert [json.loads(r[0])["old_value"] for r in replaced] == [820]
    imported = rows(db, "SELECT entity_id, detail FROM activity WHERE action = 'import'")
    assert imported[0][0] == kpis["MRR"] and json.loads(imported[0][1])["added"] == 1


def test_an_imported_value_replacing_a_pulled_one_is_no_longer_shown_as_pulled(
    db: Database, kpis: dict[str, int]
) -> None:
    """A value a source's pull wrote, then replaced by a person's CSV, is the person's:
    its source goes back to "" (typed or imported), and the activity keeps the old one."""
    record_pull(db, ACTOR, kpis["MRR"], SourceKind.SQL,
                [(date(2026, 11, 3), 821.0), (date(2026, 11, 4), 840.0)])  # fmt: skip
    data = csv("kpi,date,value,note", "MRR,2026-11-03,830,from the ledger", "MRR,2026-11-04,840,")
    report = import_kpi_values(db, ACTOR, data, today=TODAY)
    assert [p.action for p in report.planned] == ["replace", "same"]
    assert rows(db, "SELECT observed_on, value, source FROM kpi_value WHERE kpi_id = ? "
                    "AND observed_on >= '2026-11-03' ORDER BY observed_on", kpis["MRR"]) == [
        ("2026-11-03", 830.0, ""), ("2026-11-04", 840.0, "sql"),  # an unchanged value stays
    ]  # fmt: skip
    history = {v.observed_on: v.source for v in kpi_detail(db, kpis["MRR"]).history}
    assert history[date(2026, 11, 3)] == ""
    replaced = rows(db, "SELECT detail FROM activity WHERE entity = 'kpi_value' "
                        "AND action = 'replace' ORDER BY id")  # fmt: skip
    assert json.loads(replaced[-1][0])["old_source"] == "sql"


def test_a_typed_value_replacing_a_pulled_one_logs_the_source_it_replaced(
    db: Database, kpis: dict[str, int]
) -> None:
    record_pull(db, ACTOR, kpis["MRR"], SourceKind.SQL, [(date(2026, 11, 3), 821.0)])
    record_kpi_value(db, ACTOR, kpis["MRR"], "830", observed_on=date(2026, 11, 3))
    replaced = rows(db, "SELECT detail FROM activity WHERE entity = 'kpi_value' "
                        "AND action = 'replace' ORDER BY id")  # fmt: skip
    detail = json.loads(replaced[-1][0])
    assert (detail["old_value"], detail["old_source"], detail["new_value"]) == (821, "sql", 830)


def test_import_with_one_bad_row_writes_nothing_and_names_every_bad_line(
    db: Database, kpis: dict[str, int]
) -> None:
    before = dump(db)
    data = csv(
        "kpi,date,value",
        "MRR,2026-11-05,900",  # good
        "MRR,2026-11-06,1,5",  # a decimal comma in a comma file: 4 fields
        "Nope,2026-11-06,3",  # unknown KPI
        "MRR,2026-11-31,3",  # not a date
        "MRR,2026-11-24,3",  # after today
        "Churn,2026-11-06,nan",  # not a number
        "MRR,2026-11-05,901",  # same KPI and date as line 2
    )
    report = import_kpi_values(db, ACTOR, data, today=TODAY)
    assert not report.written
    assert [(e.line, e.column) for e in report.errors] == [
        (3, None), (4, "kpi"), (5, "date"), (6, "date"), (7, "value"), (8, None),
    ]  # fmt: skip
    assert "also on line 2" in str(report.errors[-1])
    assert dump(db) == before


def test_import_reads_decimal_commas_in_a_semicolon_file(
    db: Database, kpis: dict[str, int]
) -> None:
    """Finding 1/4: a ;-file's 956.000 is 956000 (not 956), 2,25 is 2.25; a dotted 1.5
    cannot be read there and is refused, not guessed."""
    data = b"kpi;date;value\nChurn;2026-11-02;2,25\nChurn;2026-11-03;1.5\n"
    report = import_kpi_values(db, ACTOR, data, today=TODAY)
    assert [(e.line, e.column) for e in report.errors] == [(3, "value")]
    assert "write 1,5" in str(report.errors[0])
    data = b"kpi;date;value\nChurn;2026-11-02;2,25\nMRR;2026-11-03;956.000\n"
    report = import_kpi_values(db, ACTOR, data, today=TODAY)
    assert report.written and report.decimal_comma
    assert report.numbers() == "numbers: decimal comma (the file is ;-separated)"
    assert rows(db, "SELECT value FROM kpi_value WHERE observed_on = '2026-11-02' AND kpi_id = ?",
                kpis["Churn"]) == [(2.25,)]  # fmt: skip
    assert rows(db, "SELECT value FROM kpi_value WHERE observed_on = '2026-11-03' AND kpi_id = ?",
                kpis["MRR"]) == [(956000.0,)]  # fmt: skip


def test_import_reads_a_comma_file_by_its_column_or_refuses_both_readings(
    db: Database, kpis: dict[str, int]
) -> None:
    """Finding 1: "1,500" in a ,-file is 1500 once the column proves a decimal point, and
    refused with both readings when nothing does; --decimal settles it."""
    ambiguous = b'kpi,date,value\nMRR,2026-11-02,"1,500"\n'
    report = import_kpi_values(db, ACTOR, ambiguous, today=TODAY, dry_run=True)
    assert "'1,500': 1500 or 1.500? write 1500 or 1.500" in str(report.errors[0])
    assert "--decimal" in str(report.errors[0])
    report = import_kpi_values(db, ACTOR, ambiguous, today=TODAY, dry_run=True, decimal=".")
    assert [p.value for p in report.planned] == [1500.0]
    proven = b'kpi,date,value\nMRR,2026-11-02,"1,500"\nMRR,2026-11-03,"1,612.5"\n'
    report = import_kpi_values(db, ACTOR, proven, today=TODAY, dry_run=True)
    assert [p.value for p in report.planned] == [1500.0, 1612.5]
    assert report.numbers() == "numbers: decimal point (detected from the value column: '1,612.5')"


def test_import_counts_problems_and_the_lines_they_are_on(
    db: Database, kpis: dict[str, int]
) -> None:
    """Finding 13: five problems on four lines are counted as such (one line has two)."""
    data = csv("kpi,date,value", "Nope,2026-13-01,1", "MRR,2026-11-02,x", "MRR,x,1",
               "MRR,2026-11-04,1e309")  # fmt: skip
    report = import_kpi_values(db, ACTOR, data, today=TODAY)
    assert len(report.errors) == 5 and report.problem_lines == 4


def test_import_reads_other_date_formats_only_when_told(db: Database, kpis: dict[str, int]) -> None:
    data = csv("kpi,date,value", "MRR,11/02/2026,1")
    report = import_kpi_values(db, ACTOR, data, today=TODAY, dry_run=True)
    assert "2026-11-02 or 2026-02-11?" in str(report.errors[0])
    report = import_kpi_values(db, ACTOR, data, today=TODAY, dry_run=True, date_format="%m/%d/%Y")
    assert [p.observed_on for p in report.planned] == [date(2026, 11, 2)]


def test_import_refuses_archived_kpis_and_kpis_the_actor_may_not_change(
    db: Database, kpis: dict[str, int]
) -> None:
    set_kpi_archived(db, ACTOR, kpis["Churn"], True)
    before = dump(db)
    report = import_kpi_values(db, ACTOR, csv("kpi,date,value", "Churn,2026-11-02,2"), today=TODAY)
    assert "archived" in str(report.errors[0]) and not report.written
    for dry_run in (True, False):
        report = import_kpi_values(db, STRANGER, csv("kpi,date,value", "MRR,2026-11-09,2"),
                                   dry_run=dry_run, today=TODAY)  # fmt: skip
        assert [(e.line, e.column) for e in report.errors] == [(2, "kpi")]
        assert "may not change" in str(report.errors[0])
    assert dump(db) == before


def test_import_reports_progress_for_checking_and_writing(
    db: Database, kpis: dict[str, int]
) -> None:
    lines = ["kpi,date,value"] + [
        f"MRR,{date(2020, 1, 1) + timedelta(days=i)},{i}" for i in range(1200)
    ]
    steps: list[int] = []
    report = import_kpi_values(db, ACTOR, csv(*lines), today=TODAY, progress=steps.append)
    assert report.written and report.count("add") == 1200
    assert sum(steps) == 2 * 1200  # every row checked once and written once
    assert rows(db, "SELECT count(*) FROM kpi_value WHERE kpi_id = ?", kpis["MRR"]) == [(1203,)]


def test_an_empty_file_or_header_only_is_an_error(db: Database, kpis: dict[str, int]) -> None:
    assert import_kpi_values(db, ACTOR, b"kpi,date,value\n", today=TODAY).errors
    assert import_kpi_values(db, ACTOR, b"", today=TODAY).errors


# --------------------------------------------------------------------------- definition


def test_update_kpi_changes_only_what_is_given_and_logs_it(
    db: Database, kpis: dict[str, int]
) -> None:
    update_kpi(db, ACTOR, kpis["MRR"], target=1200, description="Monthly recurring revenue")
    assert rows(db, "SELECT name, target, green_threshold, description FROM kpi WHERE id = ?",
                kpis["MRR"]) == [("MRR", 1200.0, 900.0, "Monthly recurring revenue")]  # fmt: skip
    assert kpi_description(db, kpis["MRR"]) == "Monthly recurring revenue"
    (detail,) = rows(db, "SELECT detail FROM activity WHERE entity = 'kpi' AND action = 'update'")
    assert json.loads(detail[0])["changes"]["target"] == [1000.0, 1200.0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "churn"}, "already exists"),
        ({"name": "  "}, "must not be empty"),
        ({"green": 400}, "green (400) must be above red (500)"),
        ({"direction": "lower"}, "green (900) must be below red (500)"),
        ({"target": "1,5"}, "uses a comma"),
        ({"owner": "two words"}, "not a user name"),
        ({"parent_id": 999}, "does not exist"),
    ],
)
def test_update_kpi_refusals_change_nothing(
    db: Database, kpis: dict[str, int], changes: dict[str, Any], message: str
) -> None:
    before = dump(db)
    with pytest.raises(DomainError, match=re.escape(message)):
        update_kpi(db, ACTOR, kpis["MRR"], **changes)
    assert dump(db) == before


def test_roll_up_cycles_are_refused(db: Database, kpis: dict[str, int]) -> None:
    new = create_kpi(db, ACTOR, name="New MRR", owner=ACTOR, parent_id=kpis["MRR"]).id
    grand = create_kpi(db, ACTOR, name="New MRR EU", owner=ACTOR, parent_id=new).id
    before = dump(db)
    with pytest.raises(ValidationError, match="itself"):
        set_kpi_parent(db, ACTOR, kpis["MRR"], kpis["MRR"])
    with pytest.raises(ValidationError, match="'New MRR EU', which rolls up into it"):
        set_kpi_parent(db, ACTOR, kpis["MRR"], grand)
    assert dump(db) == before
    set_kpi_parent(db, ACTOR, grand, kpis["MRR"])  # re-parenting within the tree is fine
    children = {c.name for c in kpi_detail(db, kpis["MRR"]).children}
    assert children == {"New MRR", "New MRR EU"}


def test_a_stranger_may_not_edit_or_archive(db: Database, kpis: dict[str, int]) -> None:
    before = dump(db)
    with pytest.raises(PermissionDenied):
        update_kpi(db, STRANGER, kpis["MRR"], target=5)
    with pytest.raises(PermissionDenied):
        set_kpi_archived(db, STRANGER, kpis["MRR"], True)
    assert dump(db) == before


def test_archive_hides_the_kpi_blocks_values_and_names_what_follows_it(
    db: Database, kpis: dict[str, int]
) -> None:
    period = create_period(db, ACTOR, "2026-Q4", "2026-10-01", "2026-12-31", PeriodState.ACTIVE)
    objective = create_objective(db, ACTOR, period_id=period.id, title="Grow", owner=ACTOR).id
    kr = create_key_result(db, ACTOR, objective_id=objective, title="MRR to 1000", target=1000,
                           kpi_id=kpis["MRR"]).id  # fmt: skip
    saved = set_kpi_archived(db, ACTOR, kpis["MRR"], True)
    assert saved.warnings == (f"KR-{kr} still follow it and keep its last value",)
    assert [p.name for p in kpi_panels(db)] == ["Churn"]
    with pytest.raises(DomainError, match="archived"):
        record_kpi_value(db, ACTOR, kpis["MRR"], 1)
    with pytest.raises(DomainError, match="already archived"):
        set_kpi_archived(db, ACTOR, kpis["MRR"], True)
    set_kpi_archived(db, ACTOR, kpis["MRR"], False)
    assert {p.name for p in kpi_panels(db)} == {"Churn", "MRR"}


# --------------------------------------------------------------------------- reads


@pytest.fixture
def linked(db: Database, kpis: dict[str, int]) -> dict[str, int]:
    """An active period with a KR following MRR (owned by ACTOR) and a closed one."""
    active = create_period(db, ACTOR, "2026-Q4", "2026-10-01", "2026-11-02", PeriodState.ACTIVE)
    objective = create_objective(db, ACTOR, period_id=active.id, title="Grow", owner="ana").id
    kr = create_key_result(db, ACTOR, objective_id=objective, title="MRR", kind=Kind.METRIC,
                           direction=Direction.INCREASE, start=700, target=1000, owner=ACTOR,
                           kpi_id=kpis["MRR"]).id  # fmt: skip
    return {**kpis, "objective": objective, "kr": kr, "period": active.id}


def test_kpi_links_know_mine_and_the_krs(db: Database, linked: dict[str, int]) -> None:
    links = kpi_links(db, ACTOR)
    assert links.krs == {linked["MRR"]: (f"KR-{linked['kr']}",)}
    assert links.mine == {linked["MRR"]}
    assert kpi_links(db, "ana").mine == {linked["MRR"]}  # owns the objective
    assert kpi_links(db, "bob").mine == frozenset()


def test_detail_scores_driven_krs_from_the_value_at_their_period_end(
    db: Database, linked: dict[str, int]
) -> None:
    detail = kpi_detail(db, linked["MRR"])
    assert [v.value for v in detail.history] == [800, 850, 820]
    (kr,) = detail.krs
    assert kr.current == 850  # the period ends on 2026-11-02: the 11-03 value is later
    assert kr.progress == pytest.approx((850 - 700) / (1000 - 700))
    assert detail.total_values == 3 and detail.latest is not None and detail.latest.value == 820


def test_early_warning_needs_a_linked_kpi_moving_the_wrong_way_three_times(
    db: Database, linked: dict[str, int]
) -> None:
    assert kpi_detail(db, linked["MRR"]).warning is None  # 800 → 850 → 820: not a run
    record_kpi_value(db, ACTOR, linked["MRR"], 810, observed_on=date(2026, 11, 4))
    detail = kpi_detail(db, linked["MRR"])
    assert detail.warning is not None
    assert detail.warning.reason == (
        "MRR fell over its last 3 values ($850 → $820 → $810); higher is better"
    )
    warnings = objective_kpi_warnings(db, linked["period"])
    assert list(warnings) == [linked["objective"]]
    # Churn also moves the wrong way, but no KR follows it: no warning.
    for day, value in ((2, 2.6), (3, 2.7)):
        record_kpi_value(db, ACTOR, linked["Churn"], value, observed_on=date(2026, 11, day))
    assert kpi_detail(db, linked["Churn"]).warning is None


def test_warning_for_words_the_direction() -> None:
    rising = warning_for(1, "Response time", "hours", KpiDirection.LOWER, [6.9, 7.4, 7.9])
    assert rising is not None and "rose" in rising.reason and "lower is better" in rising.reason
    assert warning_for(1, "X", "", KpiDirection.LOWER, [7.9, 7.4, 6.9]) is None
    assert warning_for(1, "X", "", KpiDirection.HIGHER, [3, 2]) is None


def test_demo_flags_the_customers_objective(demo_db: Database) -> None:
    from store.read.periods import default_period

    period = default_period(demo_db, date(2026, 11, 23))
    assert period is not None
    warnings = objective_kpi_warnings(demo_db, period.id)
    assert [w.name for ws in warnings.values() for w in ws] == ["Support response time"]


def test_closed_periods_raise_no_warnings(db: Database, linked: dict[str, int]) -> None:
    record_kpi_value(db, ACTOR, linked["MRR"], 810, observed_on=date(2026, 11, 4))
    assert objective_kpi_warnings(db, linked["period"])
    with db.write() as s:
        s.connection().exec_driver_sql("UPDATE period SET state = 'closed'")
    assert objective_kpi_warnings(db, linked["period"]) == {}
    assert kpi_links(db, ACTOR).krs == {}


def _fill_history(db: Database, kpi_ids: list[int], days: int) -> None:
    """``days`` daily values per KPI with one Core executemany (fast, like an import)."""
    start = date(2021, 1, 1)
    values = [
        {"kpi_id": k, "observed_on": start + timedelta(days=d), "value": float(d), "note": "",
         "author": ACTOR, "created_at": utcnow()}
        for k in kpi_ids for d in range(days)
    ]  # fmt: skip
    with db.write() as s:
        s.connection().execute(insert(KpiValue.__table__), values)  # type: ignore[attr-defined]


@pytest.mark.sqlite_only
def test_the_dashboard_reads_only_the_last_values_and_never_scans_the_history(
    db: Database,
) -> None:
    ids = [create_kpi(db, ACTOR, name=f"K{i}", owner=ACTOR).id for i in range(8)]
    _fill_history(db, ids, 1500)
    statements: list[tuple[str, Any]] = []
    listener = lambda conn, cur, sql, params, ctx, many: statements.append((sql, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        panels = kpi_panels(db, last=26)
        kpi_links(db, ACTOR)
        with db.read() as conn:
            tail = last_values(conn, ids, 3)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert all(len(p.values) == 26 for p in panels)
    assert panels[0].values[-1][1] == 1499.0
    assert tail[ids[0]] == [1497.0, 1498.0, 1499.0]
    selects = [(sql, params) for sql, params in statements if sql.lstrip().startswith("SELECT")]
    assert len(selects) <= 2 * len(ids) + 3
    assert db.path is not None
    with sqlite3.connect(db.path) as conn:
        for sql, params in selects:
            plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "SCAN kpi_value" not in plan, (sql, plan)
