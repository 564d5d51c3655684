"""Comments, the inbox and "what needs you" in the app, by keys, checked in the database
(issue 19). The demo has threads: ben mentions the user on KR-14, jon replies to the
user on KR-15, and KR-33 (jon's) has had no check-in all quarter."""

from pathlib import Path

from screen_helpers import rows, settle, text_of, typing
from textual.widgets import DataTable, Static

from okrtui.modals.comment_form import CommentForm
from okrtui.modals.needs_you import NeedsYou
from okrtui.screens.inbox import InboxScreen
from okrtui.screens.tree import TreeScreen
from widgets.okr_tree import OkrTree

SIZE = (120, 40)
SMALL = (80, 24)


async def _select(pilot, app, ref: str) -> None:  # type: ignore[no-untyped-def]
    """Select a tree item through the palette's jump (as a user would)."""
    screen = app.screen
    assert isinstance(screen, TreeScreen)
    kind, _, number = ref.partition("-")
    from widgets.okr_tree import NodeRef

    screen.show_item(NodeRef("kr" if kind == "KR" else "objective", int(number)))
    await settle(pilot)


async def test_c_writes_a_comment_with_a_completed_mention_at_80x24(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await _select(pilot, app, "KR-14")
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CommentForm)
        await typing(pilot, "Numbers by Friday? [bold]@ch")
        hint = app.screen.query_one("#mentions", Static)
        assert "@chloe" in text_of(hint)
        await pilot.press("ctrl+o")
        await typing(pilot, "please")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
    body, author = rows(tester_demo_path,
                        "SELECT body, author FROM comment ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert (body, author) == ("Numbers by Friday? [bold]@chloe please", "tester")
    mentioned = rows(tester_demo_path, "SELECT username FROM mention WHERE comment_id = "
                     "(SELECT max(id) FROM comment)")  # fmt: skip
    assert mentioned == [("chloe",)]


async def test_the_detail_pane_shows_the_thread_as_plain_text(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app, "KR-14")
        thread = text_of(app.screen.query_one("#detail-comments", Static))
        assert "Comments (3)" in thread
        assert "Is 35% still realistic after the October slip?" in thread
        assert "Thanks. @tester can you add the partner leads" in thread


async def test_an_empty_comment_is_refused_and_nothing_written(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    before = rows(tester_demo_path, "SELECT count(*) FROM comment")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app, "O-6")
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CommentForm)
        assert "comment must not be empty" in text_of(app.screen.query_one("#error", Static))
        await pilot.press("escape")
        await settle(pilot)
    assert rows(tester_demo_path, "SELECT count(*) FROM comment") == before


async def test_the_inbox_lists_what_needs_me_and_enter_goes_there(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        kinds = [item.kind for item in screen.items]
        assert kinds[:2] == ["mention", "reply"], kinds
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.items)
        await pilot.press("enter")  # the mention on KR-14
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)
        assert app.screen.selected() is not None and app.screen.selected().id == 14
        assert isinstance(app.screen.query_one(OkrTree), OkrTree)
    read = rows(tester_demo_path, "SELECT username, item FROM inbox_read")
    assert read == [("tester", f"c:{screen.items[0].key.split(':')[1]}")]


async def test_r_marks_read_and_the_inbox_opens_from_the_kpi_screen(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        await pilot.press("R")
        await settle(pilot)
        assert screen.items and not any(item.unread for item in screen.items)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, InboxScreen)
    assert len(rows(tester_demo_path, "SELECT item FROM inbox_read")) == len(screen.items)


async def _until(pilot, done, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Settle until ``done()`` (the summary is read in a worker started by another worker's
    answer; on a loaded machine one settle may come too early)."""
    for _ in range(int(seconds / 0.1)):
        await settle(pilot)
        if done():
            return
        await pilot.pause(0.1)


def _app_with_summary(path: Path):  # type: ignore[no-untyped-def]
    from demo_day import DEMO_TODAY

    from okrtui.app import OkrApp
    from okrtui.context import AppContext
    from store.identity import User

    ctx = AppContext(db_override=str(path))
    ctx.__dict__["user"] = User("tester", "tester")
    return OkrApp(ctx, ctx.database(), today=lambda: DEMO_TODAY, summary=True)


async def test_what_needs_you_greets_the_user_and_any_key_dismisses_it(
    fixed_clock: None, tester_demo_path: Path
) -> None:
    app = _app_with_summary(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, NeedsYou))
        assert isinstance(app.screen, NeedsYou)
        titles = [item.title for item in app.screen.items]
        assert any("mentioned you on KR-14" in t for t in titles), titles
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, TreeScreen)


async def test_i_on_what_needs_you_opens_the_inbox(
    fixed_clock: None, tester_demo_path: Path
) -> None:
    app = _app_with_summary(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, NeedsYou))
        assert isinstance(app.screen, NeedsYou)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


async def test_nothing_owed_means_no_summary(fixed_clock: None, tester_demo_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tester_demo_path) as conn:
        conn.execute("DELETE FROM mention")
        conn.execute("DELETE FROM key_result")
    app = _app_with_summary(tester_demo_path)
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: not app.workers._workers)  # every read done
        assert isinstance(app.screen, TreeScreen)


async def test_a_stale_key_result_is_marked_in_the_tree(make_app, tester_demo_path: Path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app, "KR-33")
        tree = app.screen.query_one(OkrTree)
        node = tree.cursor_node
        assert node is not None
        label = tree.label_of(node).plain
        assert "KR-33" in label and "⧗ " in label and label.rstrip().endswith("d"), label


async def test_c_on_the_history_table_comments_on_that_check_in(
    make_app, tester_demo_path: Path
) -> None:
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app, "KR-14")
        for _ in range(6):  # tab to the history table: the latest check-in first
            if app.focused is not None and app.focused.id == "history":
                break
            await pilot.press("tab")
            await settle(pilot)
        assert app.focused is not None and app.focused.id == "history"
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CommentForm)
        assert "KR-14 check-in of" in app.screen.heading
        await typing(pilot, "what moved here?")
        await pilot.press("ctrl+s")
        for _ in range(20):  # the tree reloads, then the detail pane reads the thread
            await settle(pilot)
            thread = text_of(app.screen.query_one("#detail-comments", Static))
            if "Comments (4)" in thread:
                break
    latest = rows(tester_demo_path, "SELECT max(id) FROM check_in WHERE key_result_id = 14")[0][0]
    assert rows(
        tester_demo_path, "SELECT check_in_id, body FROM comment ORDER BY id DESC LIMIT 1"
    ) == [(latest, "what moved here?")]
    assert f"tester on CI-{latest}" in thread and "Comments (4)" in thread
