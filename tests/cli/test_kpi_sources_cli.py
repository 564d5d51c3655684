"""``okrtui kpi define | list | pull | source approve`` end to end through click."""

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from okrtui.cli.main import main


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_define_pull_list_with_a_warehouse_a_command_and_a_formula(tmp_path: Path) -> None:
    db = tmp_path / "okr.db"
    warehouse = tmp_path / "w.db"
    with sqlite3.connect(warehouse) as conn:
        conn.execute("CREATE TABLE m (v REAL)")
        conn.execute("INSERT INTO m VALUES (24000)")
    assert run(db, "init")[0] == 0
    code, out = run(db, "kpi", "define", "LTV", "--unit", "$", "--cadence", "monthly",
                    "--source", "sql", "--setting", f"url=sqlite:///{warehouse}",
                    "--setting", "query=SELECT max(v) FROM m")  # fmt: skip
    assert code == 0 and "okrtui kpi source approve KPI-1" in out
    assert run(db, "kpi", "define", "CAC", "--source", "command", "--arg", "/bin/echo",
               "--arg", "4000")[0] == 0  # fmt: skip
    code, out = run(db, "kpi", "define", "LTV:CAC", "--formula", "LTV / CAC", "--range-low", "3")
    assert code == 0, out
    code, out = run(db, "kpi", "pull")
    assert code == 1 and "not approved" in out
    for kpi in ("LTV", "CAC"):
        assert run(db, "kpi", "source", "approve", kpi)[0] == 0
    code, out = run(db, "kpi", "pull")
    assert code == 0 and "LTV:CAC (formula):" in out and " 6\n" in out, out
    code, out = run(db, "kpi", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["LTV:CAC"]["latest"] == 6 and rows["LTV:CAC"]["in_range"] is True
    assert rows["LTV"]["source"].startswith("sql ") and rows["LTV"]["cadence"] == "monthly"
    assert rows["CAC"]["last_error"] is None and rows["CAC"]["last_success"]
    code, out = run(db, "kpi", "list", "--overdue")
    assert code == 0 and out == ""
    assert run(db, "kpi", "define", "Response", "--unit", "hours", "--range-low", "4",
               "--range-high", "8")[0] == 0  # fmt: skip
    assert run(db, "kpi", "record", "Response", "9")[0] == 0
    code, out = run(db, "kpi", "list")
    assert "Response: 9 hours on " in out and " · range 4–8 hours NOT HELD" in out, out


def test_a_refused_source_creates_no_kpi(tmp_path: Path) -> None:
    db = tmp_path / "okr.db"
    assert run(db, "init")[0] == 0
    code, out = run(db, "kpi", "define", "Bad", "--source", "sql", "--setting",
                    "url=postgresql://u:hunter2@h/d", "--setting", "query=SELECT 1")  # fmt: skip
    assert code == 1 and "never stores one" in out and "hunter2" not in out
    code, out = run(db, "kpi", "define", "Ratio", "--formula", "Nope / 2")
    assert code == 1 and "Nope" in out
    assert run(db, "kpi", "list")[1] == ""
