"""Importing OKRs from a spreadsheet's CSV: dry run, errors by line, all or nothing."""

import contextlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrtui.cli import main
from store.db import Database
from store.enums import Direction, Kind
from store.okr_csv import CsvImportError, import_csv, read_rows
from store.queries import load_tree

Q4 = 2
HEADER = "objective,key result,owner,start,target,unit,parent\n"
GOOD = HEADER + (
    "Win the mid-market,,ben,,,,O-6\n"
    "Win the mid-market,Sign 20 mid-market logos,hugo,0,20,logos,\n"
    "Win the mid-market,Cut the sales cycle,hugo,60,40,days,\n"
    "Fix onboarding,Reduce time to value,dev,10,5,days,Win the mid-market\n"
)


def dump(db: Database) -> list[str]:
    assert db.path is not None
    with sqlite3.connect(db.path) as conn:
        return list(conn.iterdump())


def test_import_creates_objectives_aligned_with_their_key_results(
    demo_db: Database, me: str
) -> None:
    result = import_csv(demo_db, me, Q4, GOOD)
    assert (result.period, result.objectives, result.key_results) == ("2026-Q4", 2, 3)
    tree = load_tree(demo_db, Q4)
    mid = next(o for o in tree.objectives.values() if o.title == "Win the mid-market")
    fix = next(o for o in tree.objectives.values() if o.title == "Fix onboarding")
    assert (mid.parent_id, mid.owner, mid.level.value) == (6, "ben", "team")
    assert (fix.parent_id, fix.owner, fix.level.value) == (mid.id, "dev", "personal")
    sign, cut = mid.key_results
    assert (sign.title, sign.owner, sign.start, sign.target, sign.unit) == (
        "Sign 20 mid-market logos", "hugo", 0, 20, "logos")  # fmt: skip
    assert (sign.kind, sign.direction) == (Kind.METRIC, Direction.INCREASE)
    assert cut.direction == Direction.DECREASE  # target below start
    assert fix.key_results[0].owner == "dev"


def test_dry_run_lists_what_it_would_create_and_writes_nothing(demo_db: Database, me: str):
    before = dump(demo_db)
    result = import_csv(demo_db, me, Q4, GOOD, dry_run=True)
    assert result.dry_run and result.lines[0] == (
        "create objective “Win the mid-market” @ben under O-6 with 2 key result(s)"
    )
    assert "create objective “Fix onboarding” @dev under “Win the mid-market”" in result.lines[3]
    assert dump(demo_db) == before


def test_a_spreadsheet_export_with_bom_semicolons_and_optional_columns(
    demo_db: Database, me: str
) -> None:
    text = (
        "\ufeffObjective;Key_Result;Owner;Start;Target;Unit;Parent;Kind\n"
        "Ship v2;Launch;dev;;;;;milestone\n"
        'Ship v2;"Docs; complete";dev;0;100;%;;percent\n'
    )
    import_csv(demo_db, me, Q4, text)
    ship = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "Ship v2")
    assert [(k.title, k.kind) for k in ship.key_results] == [
        ("Launch", Kind.MILESTONE), ("Docs; complete", Kind.PERCENT)]  # fmt: skip


MALFORMED = HEADER + (
    "Good objective,Good KR,ana,0,10,,\n"
    "Bad numbers,Grow,ana,1,5,abc,\n"  # fine: the unit is text
    "Bad numbers,Shrink,ana,1,nan,,\n"
    ",Orphan KR,ana,0,1,,\n"
    "Bad owner,KR,two words,0,1,,\n"
    "Bad parent,KR,ana,0,1,,O-999\n"
    "Become the No. 1 standalone goal management product,Dup,ana,0,1,,\n"
    'Decimal comma,KR,ana,"1,5",3,,\n'
    "No target,KR,ana,0,,,\n"
)


def test_a_malformed_import_reports_every_line_and_leaves_the_database_unchanged(
    demo_db: Database, me: str
) -> None:
    before = dump(demo_db)
    with pytest.raises(CsvImportError) as caught:
        import_csv(demo_db, me, Q4, MALFORMED)
    errors = caught.value.errors
    assert errors == [
        "line 4, column 'target': target 'nan' is not a number: type digits such as 42 or 3.5",
        "line 5, column 'objective': every row needs the objective it belongs to",
        "line 6, column 'owner': owner 'two words' is not a user name (no spaces, no leading '-')",
        "line 7, column 'parent': 'O-999' is neither an objective of 2026-Q4 nor one in this file",
        "line 8, column 'objective': 'Become the No. 1 standalone goal management product' "
        "already exists in 2026-Q4 as O-6: the CSV import only creates new objectives",
        "line 9, column 'start': start '1,5' uses a comma: write decimals with a dot (1.5)",
        "line 10, column 'target': a metric key result needs a target value",
    ]
    assert str(caught.value).startswith("7 problem(s), nothing was imported:\nline 4, ")
    assert dump(demo_db) == before


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "the file is empty"),
        (HEADER, "a header but no rows"),
        ("objective,key result,owner,start,target\n", "missing column(s): unit, parent"),
        (HEADER.replace("unit", "units"), "line 1, column 6: unknown column 'units'"),
        (HEADER + "A,B,ana,0,\x001,,\n", "line 2: contains a NUL byte"),
        (HEADER + 'A,"unterminated,ana,0,1,,\nB,C,ana,0,1,,\n', "unexpected end of data"),
        (HEADER + "A,B,ana,0\n", "line 2: 4 cells where the header has 7"),
        (HEADER + "A,,ana,0,,,\n", "line 2, column 'start': a row without a key result"),
    ],
)
def test_unreadable_files_are_refused_by_line(
    demo_db: Database, me: str, text: str, expected: str
) -> None:
    before = dump(demo_db)
    with pytest.raises(CsvImportError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        import_csv(demo_db, me, Q4, text)
    assert dump(demo_db) == before


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from([*'ab,;"\n\r\x00 0.1O-', "\ufeff"]), max_size=80))
def test_any_text_either_imports_or_is_refused_cleanly(demo_db: Database, me: str, body: str):
    """Whatever the bytes, read_rows never raises and an import never half-writes."""
    rows, errors = read_rows(HEADER + body)
    assert isinstance(rows, list) and isinstance(errors, list)
    before = dump(demo_db)
    with contextlib.suppress(CsvImportError):
        import_csv(demo_db, me, Q4, HEADER + body, dry_run=True)
    assert dump(demo_db) == before


def test_cli_import_csv(demo_path: Path, tmp_path: Path) -> None:
    good, bad = tmp_path / "okrs.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(MALFORMED, encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(main, ["--db", str(demo_path), "import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 objective(s) and 3 key result(s) to create; dry run, nothing was changed" in (
        dry.output
    )
    refused = runner.invoke(main, ["--db", str(demo_path), "import", str(bad)])
    assert refused.exit_code == 1 and "line 9, column 'start'" in refused.output
    assert "nothing was imported" in refused.output
    done = runner.invoke(main, ["--db", str(demo_path), "import", str(good), "-p", "2026-Q4"])
    assert done.exit_code == 0 and "2 objective(s) and 3 key result(s) created" in done.output
