"""The benchmark's own pieces (no timings are asserted: .ci/run runs ``python -m bench --quick``).

The generator must build what it claims, deterministically, with each KR's denormalised
current value matching its latest check-in, and the raw-sqlite3 baseline must read the
same rows as the read model it is compared with.
"""

import sqlite3
from pathlib import Path

import pytest

from bench import generate
from bench.run import Figure, raw_tree, render
from store.db.database import open_database
from store.read.tree import load_tree


@pytest.fixture(scope="module")
def quick_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "quick.db"
    generate.generate(path, generate.QUICK)
    return path


def _count(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def test_quick_organisation_has_the_promised_shape(quick_db: Path) -> None:
    size = generate.QUICK
    with sqlite3.connect(quick_db) as conn:
        assert _count(conn, "SELECT count(*) FROM objective") == size.objectives
        assert _count(conn, "SELECT count(*) FROM key_result") == size.key_results
        assert _count(conn, "SELECT count(*) FROM check_in") == size.check_ins
        assert _count(conn, "SELECT count(*) FROM kpi") == size.kpis
        assert _count(conn, "SELECT count(*) FROM kpi_value") == size.kpis * size.kpi_days
        per_objective = conn.execute(
            "SELECT min(n), max(n) FROM (SELECT count(*) n FROM key_result GROUP BY objective_id)"
        ).fetchone()
        assert per_objective[0] >= 1 and per_objective[1] <= 5
        stale = _count(
            conn,
            "SELECT count(*) FROM key_result k WHERE k.kpi_id IS NULL AND k.current_value IS NOT "
            "(SELECT c.value FROM check_in c WHERE c.key_result_id = k.id "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT 1)",
        )
        assert stale == 0
    db = open_database(quick_db)
    try:
        tree = load_tree(db, 1)
    finally:
        db.close()
    assert max(depth for depth, _ in tree.walk()) == 3  # four levels
    assert len(tree.roots) == generate.level_counts(size.objectives)[0]


def test_generation_is_deterministic(quick_db: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    generate.generate(again, generate.QUICK)
    sql = "SELECT id, title, owner, current_value, current_at FROM key_result ORDER BY id"
    with sqlite3.connect(quick_db) as a, sqlite3.connect(again) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
        checkins = "SELECT count(*), sum(value), max(created_at) FROM check_in"
        assert a.execute(checkins).fetchall() == b.execute(checkins).fetchall()


def test_level_counts_fill_four_levels() -> None:
    assert generate.level_counts(10_000) == [10, 90, 900, 9000]
    assert sum(generate.level_counts(200)) == 200
    with pytest.raises(ValueError):
        generate.level_counts(3)


def test_raw_baseline_reads_the_rows_of_the_read_model(quick_db: Path) -> None:
    db = open_database(quick_db)
    try:
        tree = load_tree(db, 1)
    finally:
        db.close()
    with sqlite3.connect(quick_db) as conn:
        rows = raw_tree(conn, 1)
        collaborators = _count(conn, "SELECT count(*) FROM collaborator")
    krs = sum(len(o.key_results) for o in tree.objectives.values())  # read lazily, all of them
    assert rows == len(tree.objectives) + collaborators + krs


def test_cached_database_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRTUI_BENCH_CACHE", str(tmp_path))
    small = generate.Size("tiny", 8, 16, 40, 1, 3, 3)
    first = generate.ensure_database(small)
    stamp = first.stat().st_mtime_ns
    assert generate.ensure_database(small) == first
    assert first.stat().st_mtime_ns == stamp
    assert first.parent == tmp_path and f"g{generate.GENERATOR_VERSION}" in first.name
    assert not list(tmp_path.glob("*.partial-*"))


def test_figures_judge_ratio_and_absolute_targets() -> None:
    fast = Figure("x", 40.0, "ms", 30.0, "base", max_ratio=1.5, max_value=50)
    slow_ratio = Figure("x", 49.0, "ms", 30.0, "base", max_ratio=1.5, max_value=50)
    slow_abs = Figure("x", 60.0, "ms", 50.0, "base", max_ratio=1.5, max_value=50)
    info = Figure("x", 60.0, "ms", 50.0, "base")
    assert fast.passed and not slow_ratio.passed and not slow_abs.passed
    assert fast.ratio == pytest.approx(40 / 30)
    table = render([fast, slow_ratio, info])
    assert "pass" in table and "FAIL" in table and "(info)" in table
    assert "≤ 1.5× and ≤ 50 ms" in table


def test_status_baseline_reads_the_rows_status_json_writes(quick_db: Path) -> None:
    """The `status --json` row's baseline (bench.run.RAW_STATUS) reads every objective,
    collaborator and KR of the period that `okrtui status --json` writes."""
    import json
    import subprocess
    import sys

    from bench.run import RAW_STATUS
    from store.read import tree as queries

    script = RAW_STATUS.format(db=str(quick_db), sql=[
        queries.TREE_OBJECTIVES, queries.TREE_COLLABORATORS, queries.TREE_KRS])  # fmt: skip

    def run(*argv: str) -> str:
        done = subprocess.run([sys.executable, *argv], check=True, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        return done.stdout

    raw = json.loads(run("-c", script))
    status = json.loads(run("-m", "okrtui", "--db", str(quick_db), "status", "--json"))
    status = status["objectives"]
    assert len(raw["0"]) == len(status)
    assert len(raw["1"]) == sum(len(o["collaborators"]) for o in status)
    assert len(raw["2"]) == sum(len(o["key_results"]) for o in status)
    assert {r["id"] for r in raw["2"]} == {k["id"] for o in status for k in o["key_results"]}
