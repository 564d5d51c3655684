"""The tree read model reads key results and scores lazily; the TUI starts without SQLAlchemy.

What this protects (bench/README.md, issue 8): ``load_tree`` reads objectives only, each
sibling group's key results when first used, the rest of the period in one query after
a few such reads; everything it hands out equals an eager read (tests/test_queries.py
checks every number against raw SQL), and the first frame's reads need neither
SQLAlchemy nor the ORM models.
"""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_queries import ACTOR, build_org, check_tree

from store import queries
from store.db.database import Database
from store.domain.scoring import objective_score
from store.queries import READS_BEFORE_BULK, TreeModel, load_tree
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


def test_load_tree_reads_no_key_result_until_asked(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    with counted_reads(db, monkeypatch) as statements:
        tree = load_tree(db, pid)
    assert len(statements) == 3  # period, objectives, collaborators
    assert not any("key_result" in s for s in statements)
    with counted_reads(db, monkeypatch) as statements:
        root = tree.objectives[tree.roots[0]]
        first = root.key_results
        for child in root.children:  # siblings: read with the first of them
            assert tree.objectives[child].score is not None
    assert len(statements) == 2  # the roots' KRs, then the root's children's KRs
    assert root.key_results is first  # kept once read
    check_tree(db, tree)  # and every number equals an independent computation


def test_walking_everything_switches_to_one_bulk_read(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    tree = load_tree(db, pid)
    with counted_reads(db, monkeypatch) as statements:
        total = sum(len(row.key_results) for _, row in tree.walk())
    assert total == 400  # two per objective
    assert len(statements) <= READS_BEFORE_BULK + 1


def test_scores_equal_an_eager_roll_up(org: tuple[Database, int]) -> None:
    """Read in a scattered order (children before parents, leaves first)."""
    db, pid = org
    lazy = load_tree(db, pid)
    for oid in sorted(lazy.objectives, reverse=True):
        row = lazy.objectives[oid]
        expected = objective_score(
            [(kr.progress, kr.weight) for kr in row.key_results],
            [lazy.objectives[c].score for c in row.children],
        )
        assert row.score == expected


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
    tree = load_tree(db, pid)
    assert tree.objectives[top].key_results == []
    assert tree.objectives[top].score == pytest.approx(0.4)  # mean of 0.2 and 0.6


def test_same_as_read_compares_only_what_was_read(org: tuple[Database, int]) -> None:
    db, pid = org
    shown = load_tree(db, pid)
    root = shown.objectives[shown.roots[0]]
    seen_kr = root.key_results[0]
    unread = max(shown.objectives)  # a leaf far from the roots: not read yet
    assert shown.same_as_read(load_tree(db, pid))

    hidden_kr = load_tree(db, pid).objectives[unread].key_results[0]
    checkins.check_in(db, ACTOR, hidden_kr.id, "12345", confirmed=True)
    assert shown.same_as_read(load_tree(db, pid))  # not shown: read fresh when it is
    assert shown.objectives[unread].key_results[0].current == 12345

    checkins.check_in(db, ACTOR, seen_kr.id, "54321", confirmed=True)
    assert not shown.same_as_read(load_tree(db, pid))
    assert shown != load_tree(db, pid)  # == compares everything


def test_equality_and_repr_read_everything(org: tuple[Database, int]) -> None:
    db, pid = org
    a, b = load_tree(db, pid), load_tree(db, pid)
    assert a == b
    assert isinstance(a, TreeModel) and "key_results=[KrRow(" in repr(a.objectives[a.roots[0]])


def test_key_result_lookup_reads_only_its_objective(
    org: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = org
    tree = load_tree(db, pid)
    last = max(tree.objectives)
    kr_id = (
        sqlite3.connect(db.path)
        .execute(  # type: ignore[arg-type]
            "SELECT max(id) FROM key_result WHERE objective_id = ?", (last,)
        )
        .fetchone()[0]
    )
    with counted_reads(db, monkeypatch) as statements:
        kr = tree.key_result(kr_id)
        assert tree.key_result(kr_id) is kr
    assert kr is not None and kr.objective_id == last
    assert len(statements) == 2  # which objective, then its sibling group


START_UP = """
import sys
import okrtui.app, okrtui.cli.main, okrtui.live, okrtui.screens.tree
from okrtui.context import AppContext
from store.read.kpi_warnings import objective_kpi_warnings
from store.queries import default_period, load_tree
from store.read.rights import tree_rights
from store.db.watch import ChangeWatcher

ctx = AppContext(db_override=sys.argv[1])
db = ctx.database()
period = default_period(db)
tree = load_tree(db, period.id)
for oid in tree.roots:
    row = tree.objectives[oid]
    labels = (row.score, row.band, len(row.key_results), [c.score for c in
              (tree.objectives[c] for c in row.children)])
rights = tree_rights(db, ctx.user.username, tree)
kr = tree.objectives[tree.roots[0]].key_results[0]
print(rights.key_result(kr.id), len(objective_kpi_warnings(db, period.id)))
ChangeWatcher(db).changed()
HEAVY = ("sqlalchemy", "sqlmodel", "store.model.tables", "store.write.objectives")
print("IMPORTED", sorted(m for m in HEAVY if m in sys.modules))
"""


def test_the_first_frames_reads_import_no_sqlalchemy(demo_path: Path) -> None:
    """Everything the tree's first frame does, in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", START_UP, str(demo_path)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "IMPORTED []", proc.stdout


def test_table_handles_still_import_from_queries() -> None:
    from store.model.handles import KR

    assert queries.KR is KR
    with pytest.raises(AttributeError):
        queries.NOT_A_TABLE  # noqa: B018


async def test_the_app_freezes_its_start_up_heap_once_the_orm_is_imported(
    demo_path: Path,
) -> None:
    """Full collections then skip the ≈140,000 start-up objects (bench/README.md)."""
    import gc
    import threading

    from okrtui.app import OkrApp
    from okrtui.context import AppContext

    gc.unfreeze()
    ctx = AppContext(db_override=str(demo_path))
    app = OkrApp(ctx, ctx.database())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        warm_up = [t for t in threading.enumerate() if t.name == "okrtui-warm-up"]
        for thread in warm_up:
            thread.join(timeout=30)
        assert "store.write.objectives" in sys.modules
        assert gc.get_freeze_count() > 10_000
