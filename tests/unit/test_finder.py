"""The palette's index (store/read/finder.py) and its shortlist on big organisations."""

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from screen_helpers import palette

from okrtui import commands
from okrtui.app import OkrApp
from okrtui.modals.checkin import CheckInForm
from okrtui.screens.tree import NodeRef, TreeScreen
from store.db.database import Database
from store.read.finder import findables, shortlist
from store.read.periods import default_period
from store.read.tree import load_tree

SIZE = (120, 40)


def test_findables_lists_the_period_depth_first_like_the_tree(demo_db: Database) -> None:
    period = default_period(demo_db)
    assert period is not None
    found = findables(demo_db, period.id)
    tree = load_tree(demo_db, period.id)
    expected = []
    for _depth, row in tree.walk():
        expected.append(("objective", row.id, row.title, row.owner))
        expected += [("kr", kr.id, kr.title, kr.owner) for kr in row.key_results]
    assert [(f.kind, f.id, f.title, f.owner) for f in found] == expected
    assert found[0].ref == f"O-{found[0].id}"
    assert next(f for f in found if f.kind == "kr").ref.startswith("KR-")
    assert demo_db.path is not None
    other_periods = (
        sqlite3.connect(demo_db.path)
        .execute("SELECT count(*) FROM objective WHERE period_id != ?", (period.id,))
        .fetchone()[0]
    )
    assert other_periods > 0  # the demo has other periods, and none of them is listed


TEXTS = [
    "check in kr-12 grow mrr",
    "kr-120 something else",
    "kr-12 grow mrr to $1.0m",
    "o-12 launch the kr-12 programme",
    "kr-1 raise nps",
    "k r-1 2 scattered",
    "grow mrr,kr-12 last",
]


def test_shortlist_puts_the_exact_reference_first_then_prefixes_then_the_rest() -> None:
    ranked = [TEXTS[i] for i in shortlist(TEXTS, "KR-12", limit=10)]
    assert ranked[0] == "kr-12 grow mrr to $1.0m"  # starts with it, as a whole word
    assert ranked[1] == "kr-120 something else"  # starts with it
    assert ranked.index("check in kr-12 grow mrr") < ranked.index("grow mrr,kr-12 last")
    assert ranked.index("grow mrr,kr-12 last") < ranked.index("k r-1 2 scattered")
    assert "kr-1 raise nps" not in ranked  # not a match at all
    assert shortlist(TEXTS, "KR-12", limit=2) == [2, 1]
    assert shortlist(TEXTS, "   ", limit=5) == []


def fuzzy(text: str, query: str) -> bool:
    """What Textual's matcher accepts: the query's characters in order, spaces included."""
    return re.search(".*?".join(map(re.escape, query.lower())), text) is not None


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet="abc -12", max_size=12), max_size=30),
    query=st.text(alphabet="abc -12", min_size=1, max_size=4),
    limit=st.integers(min_value=1, max_value=40),
)
def test_shortlist_keeps_every_match_it_has_room_for(texts: list[str], query: str,
                                                     limit: int) -> None:  # fmt: skip
    picked = shortlist(texts, query, limit)
    assert len(picked) == len(set(picked)) <= limit
    assert all(fuzzy(texts[i], query) for i in picked)  # only what the matcher accepts
    if query.strip():
        matches = {i for i, text in enumerate(texts) if fuzzy(text, query)}
        assert set(picked) == matches if len(matches) <= limit else len(picked) == limit


def test_the_shortlist_agrees_with_textuals_matcher() -> None:
    from textual.fuzzy import Matcher

    texts = [t.lower() for t in ("Grow MRR", "MRR grow", "KR-12 x", "k r 1 2", "kr 12")]
    for query in ("mrr grow", "KR-12", "kr 12", "g m"):
        matcher = Matcher(query)
        accepted = {i for i, text in enumerate(texts) if matcher.match(text) > 0}
        assert set(shortlist(texts, query, 10)) == accepted, query


@pytest.fixture
def shortlisted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo organisation searched as a big one is: through the shortlist."""
    monkeypatch.setattr(commands, "FUZZY_ALL", 0)
    monkeypatch.setattr(commands, "SHORTLIST", 5)


async def test_the_palette_finds_by_reference_on_a_big_organisation(
    make_app, tester_demo_path: Path, shortlisted: None
) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await palette(pilot, "KR-37 guided setup")
        screen = app.screen
        assert isinstance(screen, TreeScreen) and screen.selected() == NodeRef("kr", 37)
        await palette(pilot, "check in KR-22")
        form = app.screen
        assert isinstance(form, CheckInForm) and form.kr.id == 22
