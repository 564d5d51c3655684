"""The tree reader reads in explicit steps, its rows are plain values, the TUI starts without ORM.

What this protects (bench/README.md, issues 8 and 15): ``TreeReader.outline`` reads
objectives only, ``prefetch`` many objectives' key results in one query, ``rows`` a
level at a time; what it hands out equals the whole read (tests/unit/test_queries.py checks
every number against raw SQL); reading a row's field never queries; and the first
frame's reads need neither SQLAlchemy nor the ORM models.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import FrozenInstanceError, asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_queries import ACTOR, build_org, check_tree

from store.db.database import Database
from store.domain.scoring import objective_score
from store.read import tree as queries
from store.read.tree import TreeReader, load_tree
from store.write import checkins, key_results, objectives, periods


@contextmanager
def counted_reads(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent through ``Database.plain_read`` while the block runs."""
    statements: list[str] = []
    plain = db.plain_read

    @contextmanager
    def counting() -> Iterator[Any]:
        with plain() as fetch:
            yield lambda sql, params: (statements.append(sql), fetch(sql, params))[1]

    monkeypatch.setattr(db, "plain_read", counting)
    yield statements
    monkeypatch.undo()


@pytest.fixture
def org(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    db, pid = build_org(tmp_path / "org.db", 200)
    yield db, pid
    db.close()


def test_the_outline_reads_no_key_result(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    reader = TreeReader(db, pid)
    with counted_reads(db, monkeypatch) as statements:
        outline = reader.outline()
        assert reader.outline() is outline  # read once
    assert len(statements) == 3  # period, objectives, collaborators
    assert not any("key_result" in s for s in statements)
    assert len(outline.objectives) == 200


def test_prefetch_is_one_query_for_many_objectives(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    reader = TreeReader(db, pid)
    oids = list(reader.outline().objectives)
    with counted_reads(db, monkeypatch) as statements:
        reader.prefetch(oids[:150])
        reader.prefetch(oids[:150])  # already read: no query
        krs = [reader.key_results(oid) for oid in oids[:150]]
    assert len(statements) == 1
    assert sum(len(k) for k in krs) == 300  # two per objective
    with counted_reads(db, monkeypatch) as statements:
        reader.prefetch(oids)  # the other 50, in one query
    assert len(statements) == 1


def test_rows_read_a_level_at_a_time_and_equal_the_whole_read(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    reader = TreeReader(db, pid)
    outline = reader.outline()
    shown = [*outline.roots, *(c for r in outline.roots for c in outline.objectives[r].children)]
    with counted_reads(db, monkeypatch) as statements:
        rows = reader.rows(shown)
    assert len(statements) <= 4  # the levels below objectives scored by their children
    whole = load_tree(db, pid)
    assert rows == {oid: whole.objectives[oid] for oid in shown}
    check_tree(db, whole)  # every number equals an independent computation


def test_scores_equal_an_eager_roll_up(org: tuple[Database, int]) -> None:
    """Read in a scattered order (children before parents, leaves first)."""
    db, pid = org
    reader = TreeReader(db, pid)
    objectives = reader.outline().objectives
    for oid in sorted(objectives, reverse=True):
        expected = objective_score(
            [(kr.progress, kr.weight) for kr in reader.key_results(oid)],
            [reader.score(c) for c in objectives[oid].children],
        )
        assert reader.score(oid) == expected
    whole = load_tree(db, pid)
    assert all(whole.objectives[oid].score == reader.score(oid) for oid in objectives)


def test_an_objective_without_weighted_krs_takes_its_childrens_mean(db: Database) -> None:
    pid = periods.create_period(db, ACTOR, "Q", "2026-10-01", "2026-12-31").id
    top = objectives.create_objective(db, ACTOR, period_id=pid, title="Top", owner=ACTOR).id
    kids = [
        objectives.create_objective(db, ACTOR, period_id=pid, title=f"Kid {i}", owner=ACTOR,
                                 parent_id=top).id
        for i in range(2)
    ]  # fmt: skip
    for i, kid in enumerate(kids):
        kr = key_results.create_key_result(db, ACTOR, objective_id=kid, title="KR", target=10,
                                       start=0).id  # fmt: skip
        checkins.check_in(db, ACTOR, kr, str(2 + 4 * i))
    row = TreeReader(db, pid).rows([top])[top]
    assert row.key_results == ()
    assert row.score == pytest.approx(0.4)  # mean of 0.2 and 0.6


def test_rows_are_plain_values_repr_and_equality_never_query(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    a, b = load_tree(db, pid), load_tree(db, pid)
    reader = TreeReader(db, pid)
    with counted_reads(db, monkeypatch) as statements:
        assert a == b
        assert "key_results=(KrRow(" in repr(a.objectives[a.roots[0]])
        asdict(a.objectives[a.roots[0]])
        outline = reader.outline  # a bound method: nothing read by naming it
    assert statements == [] and callable(outline)
    row = a.objectives[a.roots[0]]
    with pytest.raises(FrozenInstanceError):
        row.title = "changed"  # type: ignore[misc]  # the point: it is frozen


def test_everything_is_one_more_query(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    with counted_reads(db, monkeypatch) as statements:
        tree = load_tree(db, pid)
    assert len(statements) == 4  # period, objectives, collaborators, every KR
    kr = tree.objectives[tree.roots[0]].key_results[0]
    assert tree.key_result(kr.id) is kr and tree.kr_owners()[kr.id] == (kr.objective_id, kr.owner)


START_UP = """
import sys
import okrtui.app, okrtui.cli.main, okrtui.live, okrtui.screens.tree
from okrtui.context import AppContext
from store.read.kpi_warnings import objective_kpi_warnings
from store.read.periods import default_period
from store.read.tree import TreeReader
from store.domain.rights import rights_in
from store.read.rights import is_admin
from store.db.watch import ChangeWatcher

ctx = AppContext(db_override=sys.argv[1])
db = ctx.database()
period = default_period(db)
reader = TreeReader(db, period.id)
outline = reader.outline()
rows = reader.rows([*outline.roots, *(c for r in outline.roots
                                     for c in outline.objectives[r].children)])
people = {o.id: (o.owner, *o.collaborators) for o in outline.objectives.values()}
parents = {o.id: o.parent_id for o in outline.objectives.values()}
user = ctx.user.username
rights = rights_in(user, is_admin(db, user), parents, people, reader.kr_owners())
kr = rows[outline.roots[0]].key_results[0]
print(rights.key_result(kr.id), len(objective_kpi_warnings(db, period.id)))
ChangeWatcher(db).changed()
# plotext draws the burn-up chart, made on first use (≈25 ms of imports otherwise).
HEAVY = ("sqlalchemy", "sqlmodel", "store.model.tables", "store.write.objectives", "plotext",
         "textual_plotext")
print("IMPORTED", sorted(m for m in HEAVY if m in sys.modules))
"""


def test_the_first_frames_reads_import_no_sqlalchemy(demo_path: Path) -> None:
    """Everything the tree's first frame does, in a fresh interpreter."""
    first_frame_imports_no_sqlalchemy(str(demo_path))


def test_the_first_frames_reads_import_no_sqlalchemy_on_postgresql(pg_url: str) -> None:
    """The same on a server database (issue 17): the schema check and the reads go through
    okrtui's kept psycopg connections (store/db/pg_conn.py), not an engine."""
    from store.db.database import open_database
    from store.demo import build_demo

    demo = open_database(pg_url)
    try:
        # Another user's demo: the one running the tests is the database's admin already.
        build_demo(demo, "tester", date(2026, 11, 23))  # tests/conftest.py's DEMO_TODAY
    finally:
        demo.close()
    first_frame_imports_no_sqlalchemy(pg_url)


def first_frame_imports_no_sqlalchemy(target: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", START_UP, target],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "IMPORTED []", proc.stdout


def test_queries_hands_out_no_table_handles() -> None:
    """Table handles come from store/model/handles.py (which imports the ORM models)."""
    assert not hasattr(queries, "KR") and not hasattr(queries, "__getattr__")


async def test_the_app_freezes_its_start_up_heap_once_the_orm_is_imported(
    demo_path: Path,
) -> None:
    """Full collections then skip the ≈140,000 start-up objects (bench/README.md); and
    the collector, off since the script started (okrtui/cli/entry.py), runs again."""
    import gc
    import threading

    from okrtui.app import OkrApp
    from okrtui.context import AppContext

    gc.unfreeze()
    ctx = AppContext(db_override=str(demo_path))
    app = OkrApp(ctx, ctx.database())
    gc.disable()  # as the okrtui script starts
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            warm_up = [t for t in threading.enumerate() if t.name == "okrtui-warm-up"]
            for thread in warm_up:
                thread.join(timeout=30)
            assert "store.write.objectives" in sys.modules
            assert gc.get_freeze_count() > 10_000
            assert gc.isenabled()
    finally:
        gc.enable()


def test_the_script_starts_without_collections_and_commands_run_with_them(
    demo_path: Path,
) -> None:
    """okrtui/cli/entry.py turns the collector off while modules load; a subcommand turns
    it back on before it works (a long `db copy` must not grow without it)."""
    probe = (
        "import gc, sys\n"
        "import okrtui.cli.main as m\n"
        "seen = []\n"
        "m.main.add_command(__import__('click').command('probe')("
        "lambda: seen.append(gc.isenabled())))\n"
        "run = m.main.main\n"
        "m.main.main = lambda *a, **k: (seen.append(gc.isenabled()), run(*a, **k))\n"
        "from okrtui.cli.entry import start\n"
        "try:\n"
        "    start(['--db', sys.argv[1], 'probe'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('SEEN', seen)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(demo_path)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.splitlines()[-1] == "SEEN [False, True]", proc.stdout + proc.stderr
