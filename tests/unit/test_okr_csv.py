"""Importing OKRs from a spreadsheet's CSV: dry run, errors by line, all or nothing."""

import contextlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrtui.cli.main import main
from store.db.database import Database
from store.errors import CsvImportError
from store.io.okr_csv import import_csv
from store.io.okr_csv_read import read_csv_text, read_rows
from store.model.enums import Direction, Kind
from store.read.tree import load_tree

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
    'Two readings,KR,ana,"1,500",3000,,\n'
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
        "line 9, column 'start': start '1,500': 1500 or 1.500? write 1500 or 1.500 "
        "(or give the file's convention: --decimal . or --decimal ,)",
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


SAYS = HEADER + (
    "Spend wisely,Keep burn rate under $3M,ana,,3000000,$,\n"
    "Spend wisely,Reduce DSO below 30 days,ana,,30,days,\n"
    "Spend wisely,Maintain 98% retention,ana,,98,%,\n"
    "Spend wisely,Hold NPS at least 40,ana,40,40,,\n"
    "Spend wisely,Sign 20 logos,ana,,20,logos,\n"
)


def test_directions_said_by_the_title_are_read_and_shown(demo_db: Database, me: str) -> None:
    """Finding 3: no direction column, no start: the title's reduce/keep/under is read
    (never a silent increase) and the dry run's table shows it per row."""
    result = import_csv(demo_db, me, Q4, SAYS, dry_run=True)
    table = "\n".join(result.table)
    header = "objective key result kind direction start target unit owner"
    assert result.table[0].split() == header.split()
    assert "stay-below (title: “keep … under”)" in table
    assert "decrease (title: “reduce”)" in table
    assert "stay-above (title: “maintain”)" in table
    assert "stay-above (title: “hold”)" in table
    sign = next(line for line in result.table if "Sign 20 logos" in line)
    assert sign.split()[5:10] == ["metric", "increase", "—", "20", "logos"]
    import_csv(demo_db, me, Q4, SAYS)
    spend = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "Spend wisely")
    assert [k.direction for k in spend.key_results] == [
        Direction.STAY_BELOW, Direction.DECREASE, Direction.STAY_ABOVE, Direction.STAY_ABOVE,
        Direction.INCREASE]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("O,Grow revenue and cut costs,ana,,10,,", "the title says grow and cut: add a "
         "'direction' column"),
        ("O,Reduce churn,ana,2,5,%,", "the title says “reduce” but the target 5 is above the "
         "start 2: add a 'direction' column"),
        ("O,Retention,ana,98,98,%,", "nothing to move. A level to keep is a 'stay-above' or "
         "'stay-below' key result: add a 'direction' column"),
    ],
)  # fmt: skip
def test_a_direction_that_cannot_be_read_names_the_column_to_add(
    demo_db: Database, me: str, row: str, message: str
) -> None:
    """Finding 3/5: refused, never imported as an increase."""
    with pytest.raises(CsvImportError) as caught:
        import_csv(demo_db, me, Q4, HEADER + row + "\n")
    assert message in caught.value.errors[0]


def test_an_explicit_direction_column_wins_over_the_title(demo_db: Database, me: str) -> None:
    text = HEADER.replace("\n", ",direction\n") + "O,Reduce nothing,ana,0,10,,,increase\n"
    import_csv(demo_db, me, Q4, text)
    o = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "O")
    assert o.key_results[0].direction == Direction.INCREASE


def test_a_semicolon_file_reads_thousands_and_decimal_commas(demo_db: Database, me: str) -> None:
    """Finding 1/4: 800.000 in a ;-file is 800000 (not 800) and 2,5 is 2.5."""
    text = (
        HEADER.replace(",", ";")
        + "Grow;Raise ARR;ana;800.000;1.040.000,50;€;\nGrow;NPS;ana;2,5;4;;\n"
    )
    result = import_csv(demo_db, me, Q4, text, dry_run=True)
    assert result.numbers == "numbers: decimal comma (the file is ;-separated)"
    import_csv(demo_db, me, Q4, text)
    grow = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "Grow")
    assert [(k.start, k.target) for k in grow.key_results] == [(800_000, 1_040_000.5), (2.5, 4)]


def test_a_comma_file_reads_grouped_numbers_in_the_convention_it_proves(
    demo_db: Database, me: str
) -> None:
    """Finding 1/2: "$1,200" with unit $ is 1200 once "4.5" proves a decimal point;
    with --decimal . too; alone it is refused with both readings."""
    ambiguous = HEADER + 'O,Revenue,ana,"$1,200","$3,000",$,\n'
    with pytest.raises(CsvImportError, match=r"1200 or 1\.200"):
        import_csv(demo_db, me, Q4, ambiguous)
    assert import_csv(demo_db, me, Q4, ambiguous, dry_run=True, decimal=".").key_results == 1
    proven = ambiguous + "O,Conversion,ana,4.5%,6,%,\n"
    result = import_csv(demo_db, me, Q4, proven, dry_run=True)
    assert "detected from the start/target columns: '4.5%'" in result.numbers
    assert "1200" in result.table[1] and "3000" in result.table[1]
    with pytest.raises(CsvImportError, match=r"remove the '\$' \(the unit here is 'days'\)"):
        import_csv(demo_db, me, Q4, HEADER + "O,Cycle,ana,$5,3,days,\n")


def test_cli_dry_run_prints_the_table_and_the_number_convention(
    demo_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "says.csv"
    path.write_text(SAYS, encoding="utf-8")
    dry = CliRunner().invoke(main, ["--db", str(demo_path), "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "decrease (title: “reduce”)" in dry.output
    assert "numbers: convention unknown" in dry.output


DATA = Path(__file__).parents[1] / "data"


def test_data_a_template_in_another_tools_column_style(demo_db: Database, me: str) -> None:
    """tests/data: a Betterworks/Peoplebox-style upload (Title Case headers, "Start Value",
    "KR Type" = Number/Currency/Binary/Percentage) imports with the directions its titles say."""
    text = (DATA / "okr_template_betterworks_style.csv").read_text(encoding="utf-8")
    result = import_csv(demo_db, me, Q4, text, dry_run=True)
    assert (result.objectives, result.key_results) == (1, 6)
    assert "detected from the start/target columns: '3,000,000.00'" in result.numbers
    rows = {line.split("  ")[1].strip(): line for line in result.table[1:]}
    assert "decrease (title: “reduce”)" in rows["Reduce sales cycle below 40 days"]
    assert "stay-below (title: “keep … under”)" in rows["Keep burn rate under $3M"]
    assert "3000000" in rows["Keep burn rate under $3M"]
    assert "stay-above (title: “maintain”)" in rows["Maintain 98% gross retention"]
    import_csv(demo_db, me, Q4, text)
    win = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "Win mid-market")
    assert win.parent_id == 6 and win.owner == "ben"
    assert [(k.kind, k.direction, k.target) for k in win.key_results] == [
        (Kind.METRIC, Direction.INCREASE, 25),
        (Kind.METRIC, Direction.DECREASE, 40),
        (Kind.METRIC, Direction.STAY_BELOW, 3_000_000),
        (Kind.METRIC, Direction.STAY_ABOVE, 98),
        (Kind.MILESTONE, Direction.INCREASE, 1),
        (Kind.PERCENT, Direction.INCREASE, 100),
    ]


def test_data_a_bom_and_crlf_file(demo_db: Database, me: str) -> None:
    """tests/data: Excel's "CSV UTF-8" (a byte-order mark) with Windows line ends."""
    raw = (DATA / "okr_bom_crlf.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    import_csv(demo_db, me, Q4, read_csv_text(DATA / "okr_bom_crlf.csv"))
    ship = next(o for o in load_tree(demo_db, Q4).objectives.values() if o.title == "Ship v3")
    assert [(k.title, k.direction, k.start, k.target) for k in ship.key_results] == [
        ("Cut p95 latency", Direction.DECREASE, 800, 300),
        ("Docs, complete", Direction.INCREASE, 0, 100),
    ]
