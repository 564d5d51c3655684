"""``okrtui kpi import FILE.csv [--dry-run]``: all or nothing, errors by line, a progress bar."""

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from screen_helpers import dump

from okrtui.cli.main import main

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def values(path: Path, name: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT observed_on, value, note FROM kpi_value WHERE kpi_id = "
            "(SELECT id FROM kpi WHERE name = ?) ORDER BY observed_on",
            (name,),
        ).fetchall()


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text("kpi,date,value,note\nMRR,2026-11-20,950000,restated\nNPS,2025-01-02,40,\n")
    return path


def test_dry_run_lists_the_changes_and_writes_nothing(demo_path: Path, good_csv: Path) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "kpi", "import", str(good_csv), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line 2: MRR 2026-11-20: $956K → $950K" in result.stdout
    assert result.stdout.rstrip().endswith(
        "dry run: would import 1 new and 1 replaced value(s) for 2 KPI(s); 0 unchanged; "
        "nothing was written"
    )
    assert dump(demo_path) == before


def test_import_writes_every_row(demo_path: Path, good_csv: Path) -> None:
    result = invoke("kpi", "import", str(good_csv), "--db", str(demo_path))
    assert result.exit_code == 0, result.output
    assert "imported 1 new and 1 replaced value(s) for 2 KPI(s)" in result.stdout
    assert values(demo_path, "MRR")[-1] == ("2026-11-20", 950000.0, "restated")
    assert values(demo_path, "NPS")[0] == ("2025-01-02", 40.0, "")


def test_bad_rows_are_all_reported_by_line_and_nothing_is_written(
    demo_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "kpi,date,value\n"
        "MRR,2025-01-01,1\n"  # good
        "MRR,2025-01-02,1,5\n"  # a decimal comma splits the value
        "Revenu,2025-01-02,3\n"  # unknown KPI, close to one
        "NPS,01/02/2025,3\n"  # not ISO
        "NPS,2025-01-03,1e309\n"  # infinite
    )
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "kpi", "import", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ", 2)[1] for line in lines[:4]] == [
        "line 3", "line 4, column kpi", "line 5, column date", "line 6, column value",
    ]  # fmt: skip
    assert lines[-1] == f"okrtui: 4 problem(s) on 4 line(s) of {path}; nothing was imported"
    assert result.stdout == ""
    assert dump(demo_path) == before


def test_hostile_text_in_the_file_never_reaches_the_terminal(demo_path: Path, tmp_path: Path):
    path = tmp_path / "hostile.csv"
    path.write_text("kpi,date,value\nEvil \x1b]52;c;aGk=\x07\u202eKPI,2025-01-01,1\n")
    result = invoke("--db", str(demo_path), "kpi", "import", str(path))
    assert result.exit_code == 1
    assert "column kpi: no KPI" in result.stderr
    assert not CONTROL.search(result.stderr.replace("\n", ""))


def test_a_long_file_gets_a_progress_bar(demo_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    start = date(2019, 1, 1)
    rows = "".join(f"Uptime,{start + timedelta(days=i)},99.9\n" for i in range(2500))
    path.write_text("kpi,date,value\n" + rows)
    result = invoke("--db", str(demo_path), "kpi", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "importing" in result.stderr  # click draws the bar on a terminal, the label here
    assert "imported 2500 new and 0 replaced value(s) for 1 KPI(s)" in result.stdout
    assert len(values(demo_path, "Uptime")) == 2500 + 26


def test_a_short_file_has_no_progress_bar(demo_path: Path, good_csv: Path) -> None:
    result = invoke("--db", str(demo_path), "kpi", "import", str(good_csv))
    assert result.exit_code == 0 and result.stderr == ""


def test_a_missing_file_is_a_usage_error(demo_path: Path, tmp_path: Path) -> None:
    result = invoke("--db", str(demo_path), "kpi", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_decimal_and_date_format_options_and_the_dry_run_says_how(
    demo_path: Path, tmp_path: Path
) -> None:
    """Finding 1/2: the import reads "$1,500"/01/31/2025 only with a known convention."""
    path = tmp_path / "us.csv"
    path.write_text('kpi,date,value\nMRR,01/31/2025,"1,500"\n')
    result = invoke("--db", str(demo_path), "kpi", "import", "--dry-run", str(path))
    assert result.exit_code == 1
    assert "1500 or 1.500?" in result.stderr
    assert "write 2025-01-31, or give --date-format %m/%d/%Y" in result.stderr
    result = invoke("--db", str(demo_path), "kpi", "import", "--dry-run", "--decimal", ".",
                    "--date-format", "MM/DD/YYYY", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "numbers: decimal point (--decimal)" in result.stdout
    result = invoke("--db", str(demo_path), "kpi", "import", "--decimal", ";", str(path))
    assert result.exit_code == 2 and "give . (decimal point) or ," in result.stderr


DATA = Path(__file__).parents[1] / "data"


def value_on(path: Path, name: str, day: str) -> float:
    return next(v for d, v, _ in values(path, name) if d == day)


def test_data_a_european_semicolon_export(demo_path: Path) -> None:
    """tests/data: 1.040.000,50 and 956.000 (thousands) and 2,5 (a decimal comma) in a ;-file."""
    file = DATA / "kpi_export_european.csv"
    dry = invoke("--db", str(demo_path), "kpi", "import", "--dry-run", str(file))
    assert dry.exit_code == 0, dry.output
    assert "numbers: decimal comma (the file is ;-separated)" in dry.stdout
    result = invoke("--db", str(demo_path), "kpi", "import", str(file))
    assert result.exit_code == 0, result.output
    assert value_on(demo_path, "MRR", "2026-11-02") == 1_040_000.5
    assert value_on(demo_path, "MRR", "2026-11-01") == 956_000.0
    assert value_on(demo_path, "Churn rate", "2026-11-02") == 2.5
    assert value_on(demo_path, "NPS", "2026-11-02") == 41.0


def test_data_a_us_export_with_symbols_groupings_and_us_dates(demo_path: Path) -> None:
    """tests/data: "$1,200", 4.5% and 11/02/2026: the dates need --date-format, the numbers
    are read as the column's $1,250.75 and 4.5% prove (a decimal point)."""
    file = DATA / "kpi_export_us.csv"
    before = dump(demo_path)
    refused = invoke("--db", str(demo_path), "kpi", "import", str(file))
    assert refused.exit_code == 1
    assert "'11/02/2026' is not a date: use YYYY-MM-DD (2026-11-02 or 2026-02-11?" in (
        refused.stderr
    )
    assert "4 problem(s) on 4 line(s)" in refused.stderr
    assert dump(demo_path) == before
    result = invoke("--db", str(demo_path), "kpi", "import", "--date-format", "%m/%d/%Y",
                    str(file))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "numbers: decimal point (detected from the value column: '$1,250.75')" in result.stdout
    assert value_on(demo_path, "MRR", "2026-11-02") == 1200.0
    assert value_on(demo_path, "MRR", "2026-11-03") == 1250.75
    assert value_on(demo_path, "Churn rate", "2026-11-02") == 4.5
    assert value_on(demo_path, "Site traffic", "2026-11-02") == 12_400.0


def test_kpi_record_reads_the_kpis_own_unit_symbol(demo_path: Path) -> None:
    """Finding 2: "$1,200.50" for the $ KPI MRR is 1200.5; a "$" for NPS (no unit) names what
    to remove; "1,200" alone reads two ways and is refused with both."""
    ok = invoke("--db", str(demo_path), "kpi", "record", "MRR", "$1,200.50", "--date", "2026-11-04")
    assert ok.exit_code == 0, ok.output
    assert value_on(demo_path, "MRR", "2026-11-04") == 1200.5
    bad = invoke("--db", str(demo_path), "kpi", "record", "NPS", "$5")
    assert bad.exit_code == 1 and "remove the '$'" in bad.stderr
    two = invoke("--db", str(demo_path), "kpi", "record", "MRR", "1,200")
    assert two.exit_code == 1 and "1200 or 1.200? write 1200 or 1.200" in two.stderr
