"""The ``okrtui`` command line: subcommands, --db/OKRTUI_DB, exit codes 0/1/2, no Textual.

Most tests drive ``okrtui.cli.main.main`` through click's CliRunner (with
``catch_exceptions=False``, so a traceback can never pass for exit code 1); a few run
the real console script and ``python -m okrtui`` in a subprocess. The autouse
``isolated_home`` fixture points HOME and the XDG folders at tmp_path, and the
subprocesses inherit that environment.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import okrtui.app
from okrtui.cli.main import main, run
from store.db.database import Database, open_database
from store.db.schema import HEAD
from store.domain.quarters import quarter_bounds
from store.format import format_number, format_percent
from store.format import kr_value as kr_value_text
from store.model.enums import BAND_LABEL
from store.paths import config_file, default_db_path
from store.read.periods import default_period
from store.read.tree import load_tree, my_key_results

DATA = Path(__file__).parents[1] / "data"
# Terminal control: C0 (except newline), DEL, C1, bidi and zero-width characters.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "Evil \x1b[2J\x1b]52;c;aGk=\x07 \x9b31m \u202etitle"
OBJECTIVE_REF = re.compile(r"\bO-\d+\b")
KR_REF = re.compile(r"\bKR-\d+\b")


# --- helpers ---------------------------------------------------------------------------


def invoke(*args: str, env: dict[str, str] | None = None, color: bool = False) -> Result:
    """Run ``okrtui ARGS`` in-process. ``color=True`` stops click stripping ANSI codes,
    so the tests see exactly what a terminal would get."""
    return CliRunner().invoke(main, list(args), env=env, color=color, catch_exceptions=False)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (WAL included): compared before/after to prove no write."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
    finally:
        conn.close()


def query(path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def execute(path: Path, sql: str, *args: Any) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def metric_kr(path: Path) -> int:
    """A metric KR of the active period that takes check-ins (not KPI-driven)."""
    rows = query(
        path,
        "SELECT k.id FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'active' AND k.kind = 'metric' "
        "AND k.kpi_id IS NULL AND k.target_value IS NOT NULL ORDER BY k.id",
    )
    return rows[0][0]


def kpi_driven_kr(path: Path) -> tuple[int, int]:
    rows = query(
        path,
        "SELECT k.id, k.kpi_id FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'active' AND k.kpi_id IS NOT NULL "
        "ORDER BY k.id",
    )
    return rows[0]


def closed_kr(path: Path) -> int:
    rows = query(
        path,
        "SELECT k.id FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'closed' AND k.kpi_id IS NULL "
        "ORDER BY k.id",
    )
    return rows[0][0]


def kpi_id(path: Path, name: str) -> int:
    return query(path, "SELECT id FROM kpi WHERE name = ?", name)[0][0]


def objective_refs(text: str) -> set[str]:
    return set(OBJECTIVE_REF.findall(text))


def make_db(path: Path) -> Path:
    """An empty, migrated database file with its WAL folded back in (safe to compare bytes)."""
    open_database(path, create=True).close()
    return path


def default_db() -> Path:
    return default_db_path()


# --- checkin ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["KR-{}", "kr-{}", "{}", "kr{}", " KR-{} "])
def test_checkin_by_reference(demo_db: Database, demo_path: Path, me: str, style: str) -> None:
    kr = metric_kr(demo_path)
    (target, unit, before) = query(
        demo_path, "SELECT target_value, unit, current_value FROM key_result WHERE id = ?", kr
    )[0]
    value = target * 0.8

    result = invoke(
        "--db", str(demo_path), "checkin", style.format(kr), repr(value),
        "--confidence", "at-risk", "--note", "Shipped [bold]x[/]\nline two",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    line = lines[0]
    tree = load_tree(demo_db, default_period(demo_db).id)  # type: ignore[union-attr]
    row = tree.key_result(kr)
    assert row is not None
    assert line.startswith(f"KR-{kr} ")
    assert format_number(value, unit) in line
    assert format_number(before, unit) in line
    assert f"score {format_percent(row.progress)}" in line
    assert line.endswith(BAND_LABEL[row.band])
    stored = query(
        demo_path,
        "SELECT value, confidence, note, author FROM check_in WHERE key_result_id = ? "
        "ORDER BY id DESC LIMIT 1",
        kr,
    )[0]
    assert stored == (value, "at_risk", "Shipped [bold]x[/]\nline two", me)
    assert query(demo_path, "SELECT current_value FROM key_result WHERE id = ?", kr) == [(value,)]


def test_checkin_without_options_stores_no_confidence_and_empty_note(demo_path: Path) -> None:
    kr = metric_kr(demo_path)
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "42")
    assert result.exit_code == 0, result.output
    stored = query(
        demo_path,
        "SELECT value, confidence, note FROM check_in WHERE key_result_id = ? "
        "ORDER BY id DESC LIMIT 1",
        kr,
    )
    assert stored == [(42.0, None, "")]


def test_checkin_output_and_note_carry_no_terminal_control(demo_path: Path) -> None:
    kr = metric_kr(demo_path)
    execute(demo_path, "UPDATE key_result SET title = ? WHERE id = ?", HOSTILE, kr)
    note = "[bold]x[/] \x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07 \x9b2J \u202eevil"

    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "5", "--note", note, color=True)

    assert result.exit_code == 0, result.output
    assert not CONTROL.search(result.output), repr(result.output)
    assert "Evil" in result.output
    (stored,) = query(
        demo_path, "SELECT note FROM check_in WHERE key_result_id = ? ORDER BY id DESC", kr
    )[0]
    assert not CONTROL.search(stored)
    assert "[bold]x[/]" in stored  # markup is kept literally, not interpreted


@pytest.mark.parametrize("value", ["abc", "nan", "NaN", "inf", "-inf", "1e999", "1,5", "", "١٢٣"])
def test_checkin_bad_value_is_refused_and_writes_nothing(demo_path: Path, value: str) -> None:
    kr = metric_kr(demo_path)
    before = dump(demo_path)

    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", value)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("okrtui: value")
    assert "Traceback" not in result.output
    assert dump(demo_path) == before


@pytest.mark.parametrize(
    ("args", "value", "note"),
    [
        (["{kr}", "-5"], -5.0, ""),
        (["{kr}", "-2.5", "--note", "-3"], -2.5, "-3"),
        (["-c", "off-track", "{kr}", "-.5"], -0.5, ""),
        (["{kr}", "--note=-1", "-1e3"], -1000.0, "-1"),
        (["{kr}", "-n", "-7", "-4"], -4.0, "-7"),
        (["{kr}", "--", "-6"], -6.0, ""),
    ],
)
def test_checkin_negative_value(demo_path: Path, args: list[str], value: float, note: str) -> None:
    """A negative VALUE used to be read as an unknown option (usage error, exit 2).

    (--yes: a negative value for a KR from 900 to 1500 needs the confirmation.)"""
    kr = metric_kr(demo_path)
    argv = [a.format(kr=f"KR-{kr}") for a in args]
    result = invoke("--db", str(demo_path), "checkin", "--yes", *argv)
    assert result.exit_code == 0, result.output
    stored = query(
        demo_path,
        "SELECT value, note FROM check_in WHERE key_result_id = ? ORDER BY id DESC LIMIT 1",
        kr,
    )
    assert stored == [(value, note)]


def test_checkin_decimal_comma_suggests_the_dot(demo_path: Path) -> None:
    result = invoke("--db", str(demo_path), "checkin", f"KR-{metric_kr(demo_path)}", "1,5")
    assert result.exit_code == 1
    assert "1.5" in result.stderr


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "16000"])
def test_checkin_far_outside_the_range_needs_yes(demo_path: Path, value: str) -> None:
    """Finding 10: 1e20 (or a stray minus) for a KR from 900 to 1500 is not stored silently."""
    kr = metric_kr(demo_path)
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", value)
    assert result.exit_code == 1
    assert "nothing was recorded. If it is right, run it again with --yes" in result.stderr
    assert dump(demo_path) == before
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", value, "--yes")
    assert result.exit_code == 0, result.output
    assert query(demo_path, "SELECT current_value FROM key_result WHERE id = ?", kr) == [
        (float(value),)
    ]


def test_checkin_plausible_values_and_unit_symbols_need_no_yes(demo_path: Path) -> None:
    """1000 for 900→1500 is fine; "1,200.50" is read, "1,200" is refused with both readings,
    a "$" for a KR counted in MQLs names what to remove (finding 1/2)."""
    kr = metric_kr(demo_path)
    (unit,) = query(demo_path, "SELECT unit FROM key_result WHERE id = ?", kr)[0]
    assert invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "1 000").exit_code == 0
    ambiguous = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "1,200")
    assert ambiguous.exit_code == 1 and "1200 or 1.200? write 1200 or 1.200" in ambiguous.stderr
    assert unit == "MQLs"
    symbol = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "$1,200.50")
    assert symbol.exit_code == 1 and "remove the '$' (the unit here is 'MQLs')" in symbol.stderr
    assert invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "1,200.50").exit_code == 0


def test_checkin_unknown_kr_suggests_close_matches(demo_path: Path) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", "grow mrr", "5")
    assert result.exit_code == 1
    assert "no key result 'grow mrr'" in result.stderr
    assert "Did you mean" in result.stderr
    (mrr,) = query(demo_path, "SELECT id FROM key_result WHERE title = 'Grow MRR to $1.0M'")[0]
    assert f"kr-{mrr} (grow mrr to $1.0m)" in result.stderr.lower()
    assert dump(demo_path) == before


def test_checkin_unknown_id_points_to_the_list(demo_path: Path) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", "KR-9999", "5")
    assert result.exit_code == 1
    assert "KR-9999" in result.stderr
    assert "okrtui checkin --list" in result.stderr
    assert dump(demo_path) == before


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["KR-1"],
        ["KR-1", "5", "--confidence", "maybe"],
        ["KR-1", "5", "--bogus"],
        ["KR-1", "5", "extra"],
    ],
)
def test_checkin_usage_errors_exit_2(demo_path: Path, args: list[str]) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", *args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert dump(demo_path) == before


def test_checkin_usage_error_does_not_create_the_default_database() -> None:
    result = invoke("checkin")
    assert result.exit_code == 2
    assert not default_db().exists()


def test_checkin_kpi_driven_kr_is_refused_with_a_hint(demo_path: Path) -> None:
    kr, kpi = kpi_driven_kr(demo_path)
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "5")
    assert result.exit_code == 1
    name = query(demo_path, "SELECT name FROM kpi WHERE id = ?", kpi)[0][0]
    assert f'okrtui kpi record "{name}" VALUE' in result.stderr
    assert dump(demo_path) == before


def test_checkin_kpi_driven_kr_takes_confidence_and_note_only(demo_path: Path) -> None:
    kr, kpi = kpi_driven_kr(demo_path)
    latest = query(
        demo_path,
        "SELECT value FROM kpi_value WHERE kpi_id = ? ORDER BY observed_on DESC LIMIT 1",
        kpi,
    )[0][0]
    result = invoke(
        "--db", str(demo_path), "checkin", f"KR-{kr}", "-c", "at-risk", "--note", "slow"
    )
    assert result.exit_code == 0, result.stderr
    assert "(the KPI's latest value)" in result.stdout
    assert query(
        demo_path,
        "SELECT value, confidence, note FROM check_in WHERE key_result_id = ? "
        "ORDER BY id DESC LIMIT 1",
        kr,
    ) == [(latest, "at_risk", "slow")]


def test_checkin_closed_period_is_refused(demo_path: Path) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "checkin", f"KR-{closed_kr(demo_path)}", "5")
    assert result.exit_code == 1
    assert "closed" in result.stderr
    assert dump(demo_path) == before


def test_checkin_percent_out_of_range_is_refused(demo_path: Path) -> None:
    (kr,) = query(
        demo_path,
        "SELECT k.id FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'active' AND k.kind = 'percent' "
        "AND k.kpi_id IS NULL",
    )[0]
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", "101")
    assert result.exit_code == 1
    assert "0–100" in result.stderr


def test_checkin_list_shows_my_key_results(demo_db: Database, demo_path: Path, me: str) -> None:
    period = default_period(demo_db)
    assert period is not None
    mine = my_key_results(demo_db, me, period.id)
    assert mine

    result = invoke("--db", str(demo_path), "checkin", "--list")

    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.startswith("KR ")
    assert len(lines) == len(mine)
    for line, (_objective, kr) in zip(lines, mine, strict=True):
        assert line.startswith(f"{kr.ref} ")
        assert kr_value_text(kr) in line
        said = re.search(r"  (today|1 day ago|\d+ days ago|never)  ", line)
        assert said is not None, line
        assert (said.group(1) == "never") == (kr.current_at is None)
    assert any("  never  " in line for line in lines)
    assert any(" days ago" in line for line in lines)


def test_checkin_list_strips_terminal_control(demo_db: Database, demo_path: Path, me: str) -> None:
    period = default_period(demo_db)
    assert period is not None
    _title, kr = my_key_results(demo_db, me, period.id)[0]
    execute(demo_path, "UPDATE key_result SET title = ? WHERE id = ?", HOSTILE, kr.id)
    execute(demo_path, "UPDATE objective SET title = ? WHERE id = ?", HOSTILE, kr.objective_id)
    result = invoke("--db", str(demo_path), "checkin", "--list", color=True)
    assert result.exit_code == 0
    assert "Evil" in result.output
    assert not CONTROL.search(result.output), repr(result.output)


def test_checkin_list_on_a_database_without_my_krs(tmp_path: Path, me: str) -> None:
    path = tmp_path / "fresh.db"
    assert invoke("--db", str(path), "init").exit_code == 0
    result = invoke("--db", str(path), "checkin", "--list")
    assert result.exit_code == 0
    assert f"you ({me}) have no key results" in result.stdout


# --- no Textual in the shell commands --------------------------------------------------

NO_TEXTUAL = (
    "import sys, okrtui.cli.main\n"
    "rc = okrtui.cli.main.run(sys.argv[1:])\n"
    "print('RESULT', rc, 'textual' in sys.modules, flush=True)\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["checkin", "KR-{kr}", "7"],
        ["checkin", "KR-{kr}", "oops"],
        ["checkin", "--list"],
        ["status"],
        ["status", "--json", "--mine"],
        ["export"],
        ["kpi", "record", "NPS", "40", "--date", "2026-11-20"],
        ["config", "show"],
    ],
)
def test_shell_commands_import_no_textual(demo_path: Path, args: list[str]) -> None:
    argv = [a.format(kr=metric_kr(demo_path)) for a in args]
    proc = subprocess.run(
        [sys.executable, "-c", NO_TEXTUAL, "--db", str(demo_path), *argv],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = proc.stdout.splitlines()[-1].split()
    assert result[0] == "RESULT", proc.stdout + proc.stderr
    assert result[2] == "False", f"{argv} imported textual"
    assert result[1] == ("1" if "oops" in argv else "0"), proc.stderr


NO_ORM = (
    "import sys, okrtui.cli.main\n"
    "rc = okrtui.cli.main.run(sys.argv[1:])\n"
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
    "{'sqlalchemy', 'sqlmodel', 'alembic', 'textual', 'pydantic'})\n"
    "print('RESULT', rc, ','.join(heavy) or '-', flush=True)\n"
)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["checkin", "KR-{kr}", "7", "--note", "n", "--confidence", "at-risk"], 0),
        (["checkin", "{kr}", "oops"], 1),
        (["checkin", "KR-{kr}", "7000000"], 1),  # far outside: refused until --yes
        (["checkin", "KR-{kr}", "7000000", "--yes"], 0),
        (["checkin", "KR-{driven}", "--confidence", "on-track"], 0),
        (["checkin", "KR-{driven}", "5"], 1),
        (["checkin", "KR-99999", "5"], 1),
        (["checkin", "{title}", "8"], 0),
        (["checkin", "no such key result anywhere", "8"], 1),
    ],
)
def test_checkin_imports_no_orm(demo_path: Path, args: list[str], code: int) -> None:
    """Issue 17: `okrtui checkin KR VALUE` writes in plain sqlite3 (store/write/checkins.py);
    SQLAlchemy, SQLModel (pydantic), Alembic and Textual were ≈470 ms of its start."""
    kr = metric_kr(demo_path)
    title = query(demo_path, "SELECT title FROM key_result WHERE id = ?", kr)[0][0]
    driven, _kpi = kpi_driven_kr(demo_path)
    argv = [a.format(kr=kr, driven=driven, title=title) for a in args]
    proc = subprocess.run(
        [sys.executable, "-c", NO_ORM, "--db", str(demo_path), *argv],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = proc.stdout.splitlines()[-1].split()
    assert result[0] == "RESULT", proc.stdout + proc.stderr
    assert result[2] == "-", f"{argv} imported {result[2]}"
    assert result[1] == str(code), proc.stdout + proc.stderr


def test_checkin_imports_no_orm_on_postgresql(pg_url: str) -> None:
    """The same on a server database: the check-in's one write path runs on okrtui's kept
    psycopg connection (store/db/pg_conn.py), and so does the KR's resolution; what it
    wrote is read back."""
    from store.demo import build_demo
    from store.read.checkins import kr_history

    demo = open_database(pg_url)
    try:
        # Another user's demo: the one running the tests is the database's admin already.
        build_demo(demo, "tester", date(2026, 11, 23))
        tree = load_tree(demo, default_period(demo).id)
        kr = next(k for o in tree.objectives.values() for k in o.key_results
                  if k.kind.value == "metric" and k.kpi_id is None)  # fmt: skip
    finally:
        demo.close()
    for args, code in (([f"KR-{kr.id}", "7", "--note", "over ssh"], 0), ([f"KR-{kr.id}", "x"], 1)):
        proc = subprocess.run(
            [sys.executable, "-c", NO_ORM, "--db", pg_url, "checkin", *args],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.stdout, proc.stderr
        result = proc.stdout.splitlines()[-1].split()
        assert result[0] == "RESULT", proc.stdout + proc.stderr
        assert result[2] == "-", f"{args} imported {result[2]}"
        assert result[1] == str(code), proc.stdout + proc.stderr
    demo = open_database(pg_url)
    try:
        latest = kr_history(demo, kr.id)[-1]
    finally:
        demo.close()
    assert (latest.value, latest.note) == (7, "over ssh")


def test_run_returns_the_exit_code(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kr = metric_kr(demo_path)
    assert run(["--db", str(demo_path), "checkin", f"KR-{kr}", "9"]) == 0
    assert run(["--db", str(demo_path), "checkin", f"KR-{kr}", "nine"]) == 1
    assert run(["--db", str(demo_path), "checkin"]) == 2
    assert run(["--db", str(demo_path / "nope.db"), "status"]) == 2
    out = capsys.readouterr()
    assert f"KR-{kr}" in out.out


def test_kpi_record_refuses_a_future_date_and_writes_nothing(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the form and the CSV import do: a future value would stay the latest until then."""
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    before = sqlite3.connect(demo_path).execute("SELECT count(*) FROM kpi_value").fetchone()
    code = run(["--db", str(demo_path), "kpi", "record", "NPS", "40", "--date", tomorrow])
    assert code == 1
    assert f"--date {tomorrow} is in the future" in capsys.readouterr().err
    after = sqlite3.connect(demo_path).execute("SELECT count(*) FROM kpi_value").fetchone()
    assert after == before
    today = date.today().isoformat()
    assert run(["--db", str(demo_path), "kpi", "record", "NPS", "40", "--date", today]) == 0


# --- real processes --------------------------------------------------------------------


def _script() -> str:
    script = Path(sys.executable).with_name("okrtui")
    if not script.exists():
        found = shutil.which("okrtui")
        if found is None:
            pytest.skip("the okrtui console script is not installed")
        return found
    return str(script)


def _proc(cmd: Sequence[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd), env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_console_script_exit_codes(demo_path: Path, tmp_path: Path) -> None:
    okrtui = _script()
    kr = metric_kr(demo_path)

    done = _proc([okrtui, "--db", str(demo_path), "checkin", f"KR-{kr}", "12"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"KR-{kr} ")

    refused = _proc([okrtui, "--db", str(demo_path), "checkin", f"KR-{kr}", "twelve"])
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "not a number" in refused.stderr

    missing = tmp_path / "missing.db"
    cannot = _proc([okrtui, "checkin", f"KR-{kr}", "12"], OKRTUI_DB=str(missing))
    assert cannot.returncode == 2
    assert str(missing) in cannot.stderr
    assert not missing.exists()

    usage = _proc([okrtui, "--db", str(demo_path), "checkin"])
    assert usage.returncode == 2


def test_python_dash_m_okrtui(demo_path: Path) -> None:
    proc = _proc([sys.executable, "-m", "okrtui", "--db", str(demo_path), "status"])
    assert proc.returncode == 0, proc.stderr
    assert "2026-Q4" in proc.stdout
    version = _proc([sys.executable, "-m", "okrtui", "--version"])
    assert version.returncode == 0
    assert "okrtui" in version.stdout


def test_first_run_in_a_real_process_creates_the_default_database() -> None:
    proc = _proc([_script(), "status"])
    assert proc.returncode == 0, proc.stderr
    assert default_db().exists()
    assert quarter_bounds(date.today())[0] in proc.stdout


# --- --db and OKRTUI_DB ----------------------------------------------------------------


def _use_db(how: str, path: Path, *args: str) -> Result:
    if how == "option":
        return invoke("--db", str(path), *args)
    return invoke(*args, env={"OKRTUI_DB": str(path)})


@pytest.mark.parametrize("how", ["option", "env"])
def test_every_subcommand_honours_the_database_choice(
    demo_path: Path, tmp_path: Path, how: str
) -> None:
    kr = metric_kr(demo_path)
    checkins = len(query(demo_path, "SELECT id FROM check_in"))

    status = _use_db(how, demo_path, "status")
    assert status.exit_code == 0, status.output
    assert "2026-Q4" in status.stdout
    assert objective_refs(status.stdout)

    listed = _use_db(how, demo_path, "checkin", "--list")
    assert listed.exit_code == 0, listed.output
    assert KR_REF.search(listed.stdout)

    checked = _use_db(how, demo_path, "checkin", f"KR-{kr}", "3")
    assert checked.exit_code == 0, checked.output
    assert len(query(demo_path, "SELECT id FROM check_in")) == checkins + 1

    nps = kpi_id(demo_path, "NPS")
    recorded = _use_db(how, demo_path, "kpi", "record", "NPS", "39", "--date", "2026-11-21")
    assert recorded.exit_code == 0, recorded.output
    assert query(
        demo_path, "SELECT value FROM kpi_value WHERE kpi_id = ? AND observed_on = ?",
        nps, "2026-11-21",
    ) == [(39.0,)]  # fmt: skip

    exported = _use_db(how, demo_path, "export")
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    assert len(document["check_ins"]) == checkins + 1
    export_file = tmp_path / "export.json"
    export_file.write_text(exported.stdout, encoding="utf-8")

    target = tmp_path / f"imported-{how}.db"
    imported = _use_db(how, target, "import", str(export_file))
    assert imported.exit_code == 0, imported.output
    assert len(query(target, "SELECT id FROM check_in")) == checkins + 1

    created = tmp_path / f"init-{how}.db"
    init = _use_db(how, created, "init")
    assert init.exit_code == 0, init.output
    assert created.exists()

    shown = _use_db(how, demo_path, "config", "show")
    assert shown.exit_code == 0
    assert shown.stdout.count("# database in use:") == 1
    assert f"# database in use: {demo_path}" in shown.stdout

    assert not default_db().exists()


def test_option_beats_the_environment(demo_path: Path, tmp_path: Path) -> None:
    result = invoke("--db", str(demo_path), "status", env={"OKRTUI_DB": str(tmp_path / "x.db")})
    assert result.exit_code == 0
    assert "2026-Q4" in result.stdout


MISSING_DB_COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["checkin", "KR-1", "5"],
    ["checkin", "--list"],
    ["kpi", "record", "NPS", "5"],
    ["export"],
]


@pytest.mark.parametrize("how", ["option", "env"])
@pytest.mark.parametrize("args", MISSING_DB_COMMANDS, ids=" ".join)
def test_missing_database_is_not_created(tmp_path: Path, how: str, args: list[str]) -> None:
    missing = tmp_path / "typo" / "okrtui.db"
    result = _use_db(how, missing, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr
    assert re.search(
        rf"`okrtui (--db {re.escape(str(missing))} init|init --db {re.escape(str(missing))})`",
        result.stderr,
    )
    assert not missing.exists()
    assert not missing.parent.exists()
    assert not default_db().exists()


@pytest.mark.parametrize("where", ["after", "before"])
def test_init_creates_a_database_with_one_active_period(tmp_path: Path, where: str) -> None:
    path = tmp_path / "new.db"
    args = ["init", "--db", str(path)] if where == "after" else ["--db", str(path), "init"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert str(path) in result.stdout
    periods = query(path, "SELECT name, state FROM period")
    assert periods == [(quarter_bounds(date.today())[0], "active")]

    before = dump(path)
    again = invoke("--db", str(path), "init")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert dump(path) == before


def test_init_at_the_default_location() -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert default_db().exists()
    assert invoke("init").exit_code == 1


def test_first_run_creates_the_default_database_with_the_current_quarter() -> None:
    assert not default_db().exists()
    result = invoke("status")
    assert result.exit_code == 0, result.output
    path = default_db()
    assert path.exists()
    assert path.is_relative_to(Path(os.environ["XDG_DATA_HOME"]))
    name, start, end = quarter_bounds(date.today())
    assert result.stdout.splitlines()[0].startswith(f"{name}  {start} → {end}  (active)")
    assert query(path, "SELECT name, state FROM period") == [(name, "active")]


# --- broken databases and config -------------------------------------------------------

BROKEN_DB_COMMANDS = [
    ["status"],
    ["checkin", "KR-1", "5"],
    ["checkin", "--list"],
    ["kpi", "record", "NPS", "5"],
    ["export"],
    ["init"],
]


@pytest.mark.parametrize("args", BROKEN_DB_COMMANDS, ids=" ".join)
def test_garbage_file_is_refused_untouched(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "garbage.db"
    content = b"not a database, just some bytes\n" * 200
    path.write_bytes(content)
    result = invoke("--db", str(path), *args)
    expected = 1 if args == ["init"] else 2  # init refuses any existing file
    assert result.exit_code == expected
    assert "Traceback" not in result.output
    if expected == 2:
        assert str(path) in result.stderr
        assert "not a usable okrtui database" in result.stderr
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.db"]


def test_garbage_file_refused_by_import(tmp_path: Path, demo_path: Path) -> None:
    exported = invoke("--db", str(demo_path), "export")
    source = tmp_path / "export.json"
    source.write_text(exported.stdout, encoding="utf-8")
    path = tmp_path / "garbage.db"
    content = b"\x00\x01garbage" * 500
    path.write_bytes(content)
    result = invoke("--db", str(path), "import", str(source))
    assert result.exit_code == 2
    assert path.read_bytes() == content


@pytest.mark.parametrize("args", [["status"], ["checkin", "KR-1", "5"], ["export"]], ids=" ".join)
def test_database_from_a_newer_okrtui_is_refused_untouched(tmp_path: Path, args: list[str]) -> None:
    path = make_db(tmp_path / "future.db")
    execute(path, "UPDATE alembic_version SET version_num = '9999'")
    content = path.read_bytes()
    result = invoke("--db", str(path), *args)
    assert result.exit_code == 2
    assert "9999" in result.stderr
    assert HEAD in result.stderr
    assert path.read_bytes() == content
    assert not list(tmp_path.glob("*.bak-*"))  # not even a pre-migration backup


def test_directory_as_database_exits_2(tmp_path: Path) -> None:
    result = invoke("--db", str(tmp_path), "status")
    assert result.exit_code == 2
    assert "directory" in result.stderr


@pytest.mark.parametrize(
    "args", [["status"], ["checkin", "KR-1", "5"], ["config", "show"], ["demo", "--create-db", "x"]]
)
def test_malformed_config_exits_2_untouched(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    shutil.copy(DATA / "config" / "not_toml.toml", bad)
    content = bad.read_bytes()
    monkeypatch.setenv("OKRTUI_CONFIG", str(bad))
    monkeypatch.chdir(tmp_path)
    before = dump(demo_path)

    result = invoke("--db", str(demo_path), *args)

    assert result.exit_code == 2
    assert str(bad) in result.stderr
    assert "line 3" in result.stderr
    assert "Traceback" not in result.output
    assert bad.read_bytes() == content
    assert dump(demo_path) == before
    assert not (tmp_path / "x").exists()


def test_config_with_a_wrong_type_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "wrong.toml"
    shutil.copy(DATA / "config" / "wrong_type.toml", bad)
    monkeypatch.setenv("OKRTUI_CONFIG", str(bad))
    result = invoke("status")
    assert result.exit_code == 2
    assert str(bad) in result.stderr
    assert not default_db().exists()


# --- kpi record ------------------------------------------------------------------------


def _kpi_value(path: Path, kpi: int, day: str) -> list[tuple[Any, ...]]:
    return query(
        path,
        "SELECT value, note, author FROM kpi_value WHERE kpi_id = ? AND observed_on = ?",
        kpi,
        day,
    )


@pytest.mark.parametrize("ref", ["nps", "NPS", "Nps", "KPI-{id}", "kpi-{id}", "{id}"])
def test_kpi_record_by_name_or_reference(demo_path: Path, me: str, ref: str) -> None:
    nps = kpi_id(demo_path, "NPS")
    result = invoke(
        "--db", str(demo_path), "kpi", "record", ref.format(id=nps), "44",
        "--date", "2026-11-22", "--note", "survey batch",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == f"KPI-{nps} NPS: 44 on 2026-11-22\n"
    assert _kpi_value(demo_path, nps, "2026-11-22") == [(44.0, "survey batch", me)]


def test_kpi_record_defaults_to_today(demo_path: Path) -> None:
    nps = kpi_id(demo_path, "NPS")
    result = invoke("--db", str(demo_path), "kpi", "record", "NPS", "41")
    assert result.exit_code == 0, result.output
    today = date.today().isoformat()
    assert f"on {today}" in result.stdout
    assert _kpi_value(demo_path, nps, today)[0][0] == 41.0


def test_kpi_record_same_date_twice_replaces(demo_path: Path) -> None:
    mrr = kpi_id(demo_path, "MRR")
    first = invoke("--db", str(demo_path), "kpi", "record", "MRR", "960000", "--date", "2026-11-22")
    assert first.exit_code == 0
    assert "replaced" not in first.stdout
    second = invoke(
        "--db", str(demo_path), "kpi", "record", "mrr", "961000", "--date", "2026-11-22"
    )
    assert second.exit_code == 0
    assert second.stdout == f"KPI-{mrr} MRR: $961K on 2026-11-22 (replaced $960K)\n"
    assert [row[0] for row in _kpi_value(demo_path, mrr, "2026-11-22")] == [961000.0]


def test_kpi_record_negative_value(demo_path: Path) -> None:
    burn = kpi_id(demo_path, "Burn rate")
    result = invoke(
        "--db", str(demo_path), "kpi", "record", "burn rate", "-120000", "--date", "2026-11-22"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"KPI-{burn} Burn rate: -$120K on 2026-11-22\n"
    assert _kpi_value(demo_path, burn, "2026-11-22")[0][0] == -120000.0


def test_kpi_record_past_date_names_that_date(demo_path: Path) -> None:
    """The confirmation used to show the KPI's latest date instead of the one written."""
    result = invoke("--db", str(demo_path), "kpi", "record", "NPS", "30", "--date", "2026-06-01")
    assert result.exit_code == 0
    assert result.stdout.endswith("on 2026-06-01\n")


@pytest.mark.parametrize(
    "day", ["2026-13-01", "2026-02-30", "yesterday", "22/11/2026", "1900-01-01"]
)
def test_kpi_record_bad_date_is_refused(demo_path: Path, day: str) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "kpi", "record", "NPS", "40", "--date", day)
    assert result.exit_code == 1
    assert "date" in result.stderr
    assert dump(demo_path) == before


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "4,2"])
def test_kpi_record_bad_value_is_refused(demo_path: Path, value: str) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "kpi", "record", "NPS", value)
    assert result.exit_code == 1
    assert result.stderr.startswith("okrtui: value")
    assert dump(demo_path) == before


def test_kpi_record_unknown_kpi_suggests(demo_path: Path) -> None:
    before = dump(demo_path)
    result = invoke("--db", str(demo_path), "kpi", "record", "mrrr", "5")
    assert result.exit_code == 1
    assert "no KPI 'mrrr'" in result.stderr
    assert "Did you mean" in result.stderr
    assert f"KPI-{kpi_id(demo_path, 'MRR')} (MRR)" in result.stderr
    assert dump(demo_path) == before


def test_kpi_record_missing_arguments_exit_2(demo_path: Path) -> None:
    assert invoke("--db", str(demo_path), "kpi", "record", "NPS").exit_code == 2
    assert invoke("--db", str(demo_path), "kpi", "record").exit_code == 2


# --- status ----------------------------------------------------------------------------


def test_status_lists_every_objective_of_the_active_period(
    demo_db: Database, demo_path: Path
) -> None:
    period = default_period(demo_db)
    assert period is not None
    tree = load_tree(demo_db, period.id)
    result = invoke("--db", str(demo_path), "status")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"{period.name}  ")
    assert "(active)" in result.stdout.splitlines()[0]
    assert objective_refs(result.stdout) == {row.ref for row in tree.objectives.values()}
    every_kr = {kr.ref for row in tree.objectives.values() for kr in row.key_results}
    assert set(KR_REF.findall(result.stdout)) == every_kr
    row = tree.objectives[tree.roots[0]]
    first = next(line for line in result.stdout.splitlines() if line.startswith(row.ref + " "))
    assert format_percent(row.score) in first
    assert first.endswith(BAND_LABEL[row.band])


def test_status_mine_only_shows_objectives_involving_me(
    demo_db: Database, demo_path: Path, me: str
) -> None:
    period = default_period(demo_db)
    assert period is not None
    tree = load_tree(demo_db, period.id)
    expected = {
        row.ref
        for row in tree.objectives.values()
        if row.involves(me) or any(kr.owner == me for kr in row.key_results)
    }
    assert expected
    assert expected != {row.ref for row in tree.objectives.values()}

    result = invoke("--db", str(demo_path), "status", "--mine")

    assert result.exit_code == 0
    assert objective_refs(result.stdout) == expected


def test_status_json(demo_db: Database, demo_path: Path, me: str) -> None:
    result = invoke("--db", str(demo_path), "status", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    period = default_period(demo_db)
    assert period is not None
    assert data["period"]["name"] == period.name
    assert data["period"]["state"] == "active"
    tree = load_tree(demo_db, period.id)
    assert {o["ref"] for o in data["objectives"]} == {r.ref for r in tree.objectives.values()}
    for obj in data["objectives"]:
        row = tree.objectives[obj["id"]]
        assert obj["score"] == pytest.approx(row.score)
        assert obj["band"] == row.band.value
        assert isinstance(obj["depth"], int)
        assert [kr["ref"] for kr in obj["key_results"]] == [kr.ref for kr in row.key_results]
        for kr in obj["key_results"]:
            assert {"progress", "band", "current", "target", "owner"} <= kr.keys()

    mine = json.loads(invoke("--db", str(demo_path), "status", "--json", "--mine").stdout)
    refs = {o["ref"] for o in mine["objectives"]}
    assert refs
    assert refs < {o["ref"] for o in data["objectives"]}
    assert all(
        o["owner"] == me
        or me in o["collaborators"]
        or any(k["owner"] == me for k in o["key_results"])
        for o in mine["objectives"]
    )


def test_status_escapes_terminal_control(demo_path: Path) -> None:
    (oid,) = query(
        demo_path,
        "SELECT o.id FROM objective o JOIN period p ON p.id = o.period_id "
        "WHERE p.state = 'active' LIMIT 1",
    )[0]
    execute(demo_path, "UPDATE objective SET title = ? WHERE id = ?", HOSTILE, oid)
    execute(
        demo_path, "UPDATE key_result SET title = ? WHERE id = ?", HOSTILE, metric_kr(demo_path)
    )

    text = invoke("--db", str(demo_path), "status", color=True)
    assert text.exit_code == 0
    assert "Evil" in text.output
    assert not CONTROL.search(text.output), repr(text.output)

    js = invoke("--db", str(demo_path), "status", "--json", color=True)
    assert js.exit_code == 0
    assert not CONTROL.search(js.output), repr(js.output)
    titles = {o["title"] for o in json.loads(js.stdout)["objectives"]}
    assert HOSTILE in titles  # escaped for the terminal, the same text for a JSON parser


def test_status_of_the_closed_period(demo_db: Database, demo_path: Path) -> None:
    (closed_id, name) = query(demo_path, "SELECT id, name FROM period WHERE state = 'closed'")[0]
    tree = load_tree(demo_db, closed_id)
    for given in (name, name.lower(), str(closed_id)):
        result = invoke("--db", str(demo_path), "status", "--period", given)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0].startswith(f"{name}  ")
        assert "(closed)" in result.stdout.splitlines()[0]
        assert objective_refs(result.stdout) == {r.ref for r in tree.objectives.values()}
    data = json.loads(invoke("--db", str(demo_path), "status", "-p", name, "--json").stdout)
    assert data["period"]["state"] == "closed"


def test_status_unknown_period(demo_path: Path) -> None:
    result = invoke("--db", str(demo_path), "status", "--period", "2031-Q9")
    assert result.exit_code == 1
    assert "no period '2031-Q9'" in result.stderr
    assert "2026-Q4" in result.stderr


def test_status_on_an_empty_period(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    invoke("--db", str(path), "init")
    result = invoke("--db", str(path), "status")
    assert result.exit_code == 0
    assert "no objectives yet" in result.stdout
    data = json.loads(invoke("--db", str(path), "status", "--json").stdout)
    assert data["objectives"] == []


# --- export / import -------------------------------------------------------------------


def test_export_import_export_round_trip(demo_path: Path, tmp_path: Path) -> None:
    first = invoke("--db", str(demo_path), "export", "--format", "json")
    assert first.exit_code == 0
    assert first.stderr == ""
    source = tmp_path / "first.json"
    source.write_text(first.stdout, encoding="utf-8")

    target = tmp_path / "restored.db"
    imported = invoke("--db", str(target), "import", str(source))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("imported ")
    assert "key_results" in imported.stdout

    second = invoke("--db", str(target), "export")
    assert second.exit_code == 0
    assert second.stdout == first.stdout
    assert dump(target) == dump(demo_path)


def test_export_to_a_file(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = invoke("--db", str(demo_path), "export", "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "okrtui"
    content = out.read_bytes()
    again = invoke("--db", str(demo_path), "export", "--output", str(out))
    assert again.exit_code == 1
    assert out.read_bytes() == content


def test_export_unknown_format_is_a_usage_error(demo_path: Path) -> None:
    assert invoke("--db", str(demo_path), "export", "--format", "csv").exit_code == 2


def test_import_into_a_non_empty_database_is_refused(demo_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(invoke("--db", str(demo_path), "export").stdout, encoding="utf-8")
    for target in (demo_path, tmp_path / "initialised.db"):
        if not target.exists():
            assert invoke("--db", str(target), "init").exit_code == 0
        before = dump(target)
        result = invoke("--db", str(target), "import", str(source))
        assert result.exit_code == 1
        assert "not empty" in result.stderr
        assert "nothing was imported" in result.stderr
        assert dump(target) == before


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "",
        "[]",
        '{"format": "okrtui", "version": 1}',
        '{"format": "something else"}',
        '{"a": NaN}',
    ],
)
def test_import_malformed_document(tmp_path: Path, text: str) -> None:
    source = tmp_path / "bad.json"
    source.write_text(text, encoding="utf-8")
    target = tmp_path / "target.db"
    result = invoke("--db", str(target), "import", str(source))
    assert result.exit_code == 1
    assert str(source) in result.stderr
    assert "nothing was imported" in result.stderr
    assert not target.exists()


def test_import_non_utf8_file(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_bytes(b"\xff\xfe{}")
    result = invoke("--db", str(tmp_path / "t.db"), "import", str(source))
    assert result.exit_code == 1
    assert "UTF-8" in result.stderr


def test_import_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("--db", str(tmp_path / "t.db"), "import", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert not (tmp_path / "t.db").exists()


# --- config ----------------------------------------------------------------------------


def test_config_path_is_the_isolated_one(isolated_home: Path) -> None:
    result = invoke("config", "path")
    assert result.exit_code == 0
    expected = Path(os.environ["XDG_CONFIG_HOME"]) / "okrtui" / "config.toml"
    assert result.stdout == f"{expected}\n"
    assert expected == config_file()
    assert expected.is_relative_to(isolated_home)


def test_config_path_honours_okrtui_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRTUI_CONFIG", str(tmp_path / "mine.toml"))
    assert invoke("config", "path").stdout == f"{tmp_path / 'mine.toml'}\n"


def test_config_show_prints_toml_with_scoring() -> None:
    import tomllib

    result = invoke("config", "show")
    assert result.exit_code == 0, result.output
    assert "[scoring]" in result.stdout
    data = tomllib.loads(result.stdout)
    assert data["scoring"] == {"overperforming": 1.0, "on_track": 0.7, "at_risk": 0.3}
    assert result.stdout.count("# database in use:") == 1
    assert f"# database in use: {default_db()}" in result.stdout
    assert not default_db().exists()  # showing the config opens no database


def test_config_show_reports_warnings_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra.toml"
    shutil.copy(DATA / "config" / "extra_key.toml", extra)
    monkeypatch.setenv("OKRTUI_CONFIG", str(extra))
    result = invoke("config", "show")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("# warning:")]
    assert warnings
    assert len(warnings) == len(set(warnings))


# --- demo ------------------------------------------------------------------------------


def test_demo_create_db(tmp_path: Path, me: str) -> None:
    path = tmp_path / "sub" / "demo.db"
    result = invoke("demo", "--create-db", str(path))
    assert result.exit_code == 0, result.output
    assert str(path) in result.stdout
    assert query(path, "SELECT count(*) FROM objective")[0][0] > 10
    assert query(path, "SELECT count(*) FROM kpi_value")[0][0] > 100
    assert query(path, "SELECT count(*) FROM objective WHERE owner = ?", me)[0][0] >= 1
    assert not default_db().exists()

    content = path.read_bytes()
    again = invoke("demo", "--create-db", str(path))
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert path.read_bytes() == content


def test_demo_create_db_ignores_the_configured_database(demo_path: Path, tmp_path: Path) -> None:
    before = dump(demo_path)
    path = tmp_path / "fresh-demo.db"
    result = invoke("--db", str(demo_path), "demo", "--create-db", str(path))
    assert result.exit_code == 0
    assert path.exists()
    assert dump(demo_path) == before


class TuiSpy:
    """Stands in for okrtui.app.run_app and records what the TUI would have opened."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self, ctx: Any, db: Database, *, demo: bool = False, start: str | None = None
    ) -> None:
        assert db.path is not None
        self.calls.append(
            {
                "path": db.path,
                "ctx_path": ctx.target.path,
                "existed": db.path.exists(),
                "objectives": query(db.path, "SELECT count(*) FROM objective")[0][0],
                "demo": demo,
                "start": start,
            }
        )


@pytest.fixture
def tui(monkeypatch: pytest.MonkeyPatch) -> TuiSpy:
    spy = TuiSpy()
    monkeypatch.setattr(okrtui.app, "run_app", spy)
    return spy


def test_demo_opens_a_throw_away_copy(tui: TuiSpy, tmp_path: Path) -> None:
    user_db = make_db(tmp_path / "mine.db")
    content = user_db.read_bytes()

    result = invoke("demo", env={"OKRTUI_DB": str(user_db)})

    assert result.exit_code == 0, result.output
    (call,) = tui.calls
    assert call["demo"] is True
    assert call["existed"]
    assert call["objectives"] > 10
    assert call["path"] == call["ctx_path"]
    assert call["path"] != user_db
    assert call["path"].is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert not call["path"].exists()  # deleted after the TUI closed
    assert not call["path"].parent.exists()
    assert not default_db().exists()
    assert user_db.read_bytes() == content


def test_demo_without_any_database_configured(tui: TuiSpy) -> None:
    result = invoke("demo")
    assert result.exit_code == 0
    (call,) = tui.calls
    assert not call["path"].exists()
    assert not default_db().exists()


def test_demo_copy_is_deleted_even_when_the_tui_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Path] = []

    def crash(ctx: Any, db: Database, *, demo: bool = False, **_: Any) -> None:
        assert db.path is not None
        seen.append(db.path)
        raise RuntimeError("boom")

    monkeypatch.setattr(okrtui.app, "run_app", crash)
    with pytest.raises(RuntimeError):
        invoke("demo")
    assert seen
    assert not seen[0].exists()
    assert not default_db().exists()


def test_no_subcommand_opens_the_tui(tui: TuiSpy) -> None:
    result = invoke()
    assert result.exit_code == 0, result.output
    (call,) = tui.calls
    assert call["demo"] is False
    assert call["path"] == default_db().resolve()
    assert call["path"].exists()  # first run: the default database is created


def test_checkin_weekly_opens_the_tui_in_the_weekly_run(tui: TuiSpy, demo_path: Path) -> None:
    assert invoke("--db", str(demo_path), "checkin", "--weekly").exit_code == 0
    (call,) = tui.calls
    assert (call["path"], call["start"]) == (demo_path.resolve(), "weekly")
    result = invoke("--db", str(demo_path), "checkin", "--weekly", "KR-1")
    assert result.exit_code == 2 and "--weekly" in result.stderr


def test_no_subcommand_honours_db(tui: TuiSpy, demo_path: Path, tmp_path: Path) -> None:
    assert invoke("--db", str(demo_path)).exit_code == 0
    assert invoke(env={"OKRTUI_DB": str(demo_path)}).exit_code == 0
    assert [c["path"] for c in tui.calls] == [demo_path.resolve()] * 2
    missing = tmp_path / "missing.db"
    result = invoke("--db", str(missing))
    assert result.exit_code == 2
    assert str(missing) in result.stderr
    assert "init" in result.stderr
    assert not missing.exists()
    assert len(tui.calls) == 2


def test_version_and_help() -> None:
    assert invoke("--version").stdout.startswith("okrtui, version ")
    helptext = invoke("--help").stdout
    for name in ("checkin", "kpi", "status", "export", "import", "config", "demo", "init"):
        assert name in helptext


def test_checkin_of_a_done_milestone_reads_done_not_overperforming(demo_path: Path) -> None:
    """Finding 7: exactly 1.0 is its own state: a milestone is "done", a metric "achieved"."""
    rows = query(
        demo_path,
        "SELECT k.id FROM key_result k JOIN objective o ON o.id = k.objective_id "
        "JOIN period p ON p.id = o.period_id WHERE p.state = 'active' AND k.kind = 'milestone' "
        "AND k.kpi_id IS NULL ORDER BY k.id",
    )
    result = invoke("--db", str(demo_path), "checkin", f"KR-{rows[0][0]}", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("score 100% done")
    kr = metric_kr(demo_path)
    (target,) = query(demo_path, "SELECT target_value FROM key_result WHERE id = ?", kr)[0]
    result = invoke("--db", str(demo_path), "checkin", f"KR-{kr}", f"{target:g}")
    assert result.stdout.rstrip().endswith("score 100% achieved")
