"""Pilot tests of check-ins: the modal on a KR, history corrections, the weekly run."""

from pathlib import Path

from screen_helpers import dump, rows, settle
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from okrtui.app import OkrApp
from okrtui.modals.checkin import CheckInForm
from okrtui.modals.checkin_panel import CheckInPanel, ValueInput
from okrtui.screens.tree import HistoryTable, NodeRef, TreeScreen
from okrtui.screens.weekly import WeeklyScreen
from okrtui.screens.weekly_summary import WeeklySummary
from store.domain.scoring import far_outside
from store.model.enums import Kind
from store.read.tree import my_key_results

SIZE = (120, 40)
NOTE = "[bold]shipped[/] \\x1b[31m"  # markup and an escape-looking sequence, literally


async def typing(pilot: Pilot, text: str) -> None:
    for ch in text:
        key = {
            " ": "space",
            "\n": "enter",
            "[": "left_square_bracket",
            "]": "right_square_bracket",
            "/": "slash",
            "\\": "backslash",
        }.get(ch, ch)
        await pilot.press(key)


async def open_kr(pilot: Pilot, kr_id: int) -> TreeScreen:
    screen = pilot.app.screen
    assert isinstance(screen, TreeScreen)
    screen.reveal(NodeRef("kr", kr_id))
    await settle(pilot)
    await pilot.pause()
    await pilot.pause()
    return screen


def check_ins(path: Path, kr_id: int) -> list[tuple]:
    return rows(
        path,
        "SELECT value, confidence, note, author FROM check_in WHERE key_result_id = ? "
        "ORDER BY created_at, id",
        kr_id,
    )


async def test_check_in_modal_saves_value_confidence_and_note(
    make_app, tester_demo_path: Path
) -> None:
    app: OkrApp = make_app(tester_demo_path)
    before = check_ins(tester_demo_path, 22)
    async with app.run_test(size=SIZE) as pilot:
        await open_kr(pilot, 22)
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm)
        value = form.query_one(ValueInput)
        assert value.value == "4.4"  # prefilled with the last value
        assert value.has_focus
        await typing(pilot, "7.5")  # replaces the selected prefill
        preview = str(form.query_one("#ci-preview", Static).render())
        assert "75%" in preview and "on track" in preview
        await pilot.press("tab", "a")  # at risk, on the confidence field after the value
        assert value.value == "7.5"
        assert form.query_one(CheckInPanel).confidence == "at_risk"
        await pilot.press("n")
        await pilot.pause()
        assert form.query_one("#ci-note", TextArea).has_focus
        await typing(pilot, NOTE + "\nsecond line")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    after = check_ins(tester_demo_path, 22)
    assert after[:-1] == before
    assert after[-1] == (7.5, "at_risk", NOTE + "\nsecond line", "tester")
    assert rows(tester_demo_path, "SELECT current_value FROM key_result WHERE id = 22") == [(7.5,)]


async def test_cancel_and_bad_values_write_nothing(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    before = dump(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kr(pilot, 37)  # a percent KR: 0–100
        for bad, reason in [("abc", "not a number"), ("150", "0–100"), ("1e999", "finite")]:
            await pilot.press("c")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, CheckInForm)
            await typing(pilot, bad)
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is form, "a bad value must keep the form open"
            assert reason in str(form.query_one("#ci-preview", Static).render())
            assert "Not saved" in str(form.query_one("#ci-error", Static).render())
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TreeScreen)
        await pilot.press("c")
        await typing(pilot, "55")
        await pilot.press("escape")  # a good value, cancelled
        await pilot.pause()
    assert dump(tester_demo_path) == before


async def test_milestone_toggles_with_space(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kr(pilot, 33)  # "Launch the customer health score", never checked in
        await pilot.press("c", "space", "g", "enter")
        await pilot.pause()
    assert check_ins(tester_demo_path, 33) == [(1.0, "on_track", "", "tester")]


async def test_history_correct_and_remove_are_logged_and_shown(
    make_app, tester_demo_path: Path
) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kr(pilot, 22)
        await pilot.press("c", *"6", "enter")
        await pilot.pause()
        await pilot.pause()
        history = screen.query_one(HistoryTable)
        history.focus()
        history.move_cursor(row=0)  # newest first: the one just made
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm) and form.existing is not None
        await typing(pilot, "6.5")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert check_ins(tester_demo_path, 22)[-1][0] == 6.5
        history = screen.query_one(HistoryTable)
        assert "corrected" in str(history.get_row_at(0)[3])
        count = len(check_ins(tester_demo_path, 22))
        history.focus()
        history.move_cursor(row=0)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert len(check_ins(tester_demo_path, 22)) == count - 1
        history = screen.query_one(HistoryTable)
        assert "removed by tester" in str(history.get_row_at(0)[3])
        # someone else's check-in: refused with the reason, nothing changes
        history.focus()
        history.move_cursor(row=1)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    actions = rows(
        tester_demo_path,
        "SELECT action FROM activity WHERE entity = 'key_result' AND entity_id = 22 "
        "AND action LIKE 'check_in_%' ORDER BY id",
    )
    assert actions == [("check_in_corrected",), ("check_in_removed",)]
    assert len(check_ins(tester_demo_path, 22)) == count - 1


async def test_weekly_run_over_demo_data(make_app, tester_demo_path: Path) -> None:
    """Values typed, a skip, a back, a confidence change, a note with markup and a newline."""
    app: OkrApp = make_app(tester_demo_path)
    start = rows(tester_demo_path, "SELECT max(id) FROM check_in")[0][0]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        items = weekly.items
        assert len(items) == 12
        before_scores = {
            kr.id: kr.progress for _, kr in my_key_results(app.db, "tester", app.period.id)
        }
        progress = weekly.query_one("#wk-progress", Static)
        assert "1 of 12" in str(progress.render())
        expected: dict[int, tuple] = {}

        # 1: the KPI-driven KR asks only for confidence and note
        first = items[0].kr
        assert first.kpi_id is not None
        assert weekly.query_one("#ci-fixed").has_focus
        await pilot.press("a", "enter")
        await pilot.pause()
        expected[first.id] = (first.current, "at_risk", "", "tester")
        # 2: skipped, then back to it and skipped again
        await pilot.press("tab")
        assert "3 of 12" in str(progress.render())
        await pilot.press("shift+tab")
        assert "2 of 12" in str(progress.render())
        await pilot.press("tab")
        # 3..12: a value per KR, plus a confidence change and a note on the third
        for n, item in enumerate(items[2:], start=3):
            kr = item.kr
            assert f"{n} of 12" in str(progress.render())
            if kr.kind == Kind.MILESTONE:
                value = 1.0
                if not weekly.query_one("#ci-toggle").done:  # type: ignore[attr-defined]
                    await pilot.press("space")
            else:
                value = float(n)
                if far_outside(kr.kind, kr.direction, kr.start, kr.target, value) is not None:
                    value = float(kr.target)  # 7 for a KR from 0.5 to 0.2 asks to confirm
                await typing(pilot, f"{value:g}")
            confidence, note = "on_track", ""
            if n == 3:
                confidence, note = "off_track", NOTE + "\nline two"
                await pilot.press("down", "r", "n")  # tab skips in the run
                await typing(pilot, note)
                await pilot.press("ctrl+s")
            else:
                await pilot.press("down", "g", "enter")  # down: value → confidence
            await pilot.pause()
            expected[kr.id] = (value, confidence, note, "tester")
        summary = app.screen
        assert isinstance(summary, WeeklySummary)
        assert len(summary.changes) == 11
        # "before" is the score when the run started, not re-read after the writes
        assert {c.ref: c.old for c in summary.changes} == {
            i.kr.ref: before_scores[i.kr.id] for i in items if i.kr.id in expected
        }
        assert any(c.old != c.new for c in summary.changes)
        assert summary.skipped == [items[1].kr.ref]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    saved = rows(
        tester_demo_path,
        "SELECT key_result_id, value, confidence, note, author FROM check_in WHERE id > ?",
        start,
    )
    assert {r[0]: r[1:] for r in saved} == expected
    assert len(saved) == 11


async def test_weekly_back_to_a_saved_kr_corrects_it(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    start = rows(tester_demo_path, "SELECT max(id) FROM check_in")[0][0]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        await pilot.press("tab")  # skip the KPI-driven one
        second = weekly.items[1].kr
        await pilot.press("space", "enter", "shift+tab")  # milestone: flip, save, go back
        await pilot.press("space", "enter", "escape")  # flip back: a correction, then finish
        await pilot.pause()
        assert isinstance(app.screen, WeeklySummary)
    saved = rows(tester_demo_path, "SELECT key_result_id, value FROM check_in WHERE id > ?", start)
    assert saved == [(second.id, 1.0)]


async def test_weekly_with_no_key_results_says_so(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path, user="nobody")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        assert "no key results" in str(weekly.query_one("#wk-progress", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)


async def test_weekly_panel_is_the_check_in_panel(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert app.screen.query_one(CheckInPanel)


async def test_closed_period_is_read_only_in_the_tree(make_app, tester_demo_path: Path) -> None:
    app: OkrApp = make_app(tester_demo_path)
    before = dump(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        closed = next(p for p in app.periods() if p.state.value == "closed")
        app.period = closed
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        assert "closed: read-only" in str(screen.query_one("#mode-line", Static).render())
        await pilot.press("down", "down")  # onto a key result
        await pilot.pause()
        for key in ("c", "n", "a", "e", "m", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, f"{key} opened something on a closed period"
        bindings = {b.binding.action: b.enabled for b in screen.active_bindings.values()}
        assert bindings["check_in"] is False and bindings["new_objective"] is False
    assert dump(tester_demo_path) == before


async def test_a_value_far_outside_the_range_asks_first(make_app, tester_demo_path: Path) -> None:
    """Finding 10: an extra zero or a stray minus is not saved without a confirmation."""
    from okrtui.modals.dialogs import ConfirmDialog

    app: OkrApp = make_app(tester_demo_path)
    before = check_ins(tester_demo_path, 22)
    async with app.run_test(size=SIZE) as pilot:
        await open_kr(pilot, 22)
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CheckInForm)
        await typing(pilot, "1000")  # a KR from 0 to 10
        assert "saving asks to confirm" in str(form.query_one("#ci-preview", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        assert check_ins(tester_demo_path, 22) == before
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    assert check_ins(tester_demo_path, 22)[-1][0] == 1000.0


async def test_the_weekly_run_asks_before_a_value_far_outside_the_range(
    make_app, tester_demo_path: Path
) -> None:
    """As the check-in form does: no "Confirm to record it anyway" with no way to confirm."""
    from okrtui.modals.dialogs import ConfirmDialog

    app: OkrApp = make_app(tester_demo_path)
    start = rows(tester_demo_path, "SELECT max(id) FROM check_in")[0][0]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        index = next(i for i, item in enumerate(weekly.items)
                     if item.kr.kind == "metric" and item.kr.kpi_id is None)  # fmt: skip
        kr = weekly.items[index].kr
        for _ in range(index):
            await pilot.press("tab")  # skip the ones before it
        await pilot.pause()
        far = abs(kr.target or 0) * 1000 + 10**6
        await pilot.press("ctrl+u", *str(int(far)), "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is weekly
        assert rows(tester_demo_path, "SELECT count(*) FROM check_in WHERE id > ?", start) == [(0,)]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    saved = rows(tester_demo_path, "SELECT key_result_id, value FROM check_in WHERE id > ?", start)
    assert saved == [(kr.id, float(int(far)))]


async def test_weekly_keys_typed_while_a_check_in_is_written_wait_for_it(
    make_app, tester_demo_path: Path, monkeypatch
) -> None:
    """A slow database (a loaded server): enter, enter again and shift+tab typed before the
    check-in is written make one check-in, then go back from the next KR, never two rows
    (a second enter cancelled the first's worker after its write) or a save on the KR
    before (shift+tab handled before the save moved on)."""
    import contextlib
    import time

    from store.db.database import Database

    slow_write = Database.plain_write

    @contextlib.contextmanager
    def slow(self: Database):  # type: ignore[no-untyped-def]
        time.sleep(0.4)
        with slow_write(self) as write:
            yield write

    app: OkrApp = make_app(tester_demo_path)
    start = rows(tester_demo_path, "SELECT max(id) FROM check_in")[0][0]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await settle(pilot)
        weekly = app.screen
        assert isinstance(weekly, WeeklyScreen)
        await pilot.press("tab")  # skip the KPI-driven one
        await settle(pilot)
        second = weekly.items[1].kr
        monkeypatch.setattr(Database, "plain_write", slow)
        await pilot.press("space", "enter", "enter", "shift+tab")
        await settle(pilot)
        await pilot.pause(0.6)
        await settle(pilot)
        assert weekly.index == 1 and weekly.items[1].saved is not None
    saved = rows(tester_demo_path, "SELECT key_result_id FROM check_in WHERE id > ?", start)
    assert saved == [(second.id,)]
