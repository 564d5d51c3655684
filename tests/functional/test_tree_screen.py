"""Pilot tests of the alignment tree: real key presses, assertions on screen and database."""

import io
from pathlib import Path

from rich.console import Console
from screen_helpers import dump, rows, settle, typing
from textual.pilot import Pilot
from textual.widgets import Input, Static

from okrtui.app import OkrApp
from okrtui.modals.dialogs import ConfirmDialog, PickDialog
from okrtui.modals.kr_form import KeyResultForm
from okrtui.modals.objective_form import ObjectiveForm
from okrtui.screens.help import HelpScreen
from okrtui.screens.tree import NodeRef, OkrTree, TreeScreen

SIZE = (120, 40)


def tree_screen(app: OkrApp) -> TreeScreen:
    screen = app.screen
    assert isinstance(screen, TreeScreen), screen
    return screen


async def select(pilot: Pilot, ref: NodeRef) -> None:
    screen = tree_screen(pilot.app)  # type: ignore[arg-type]
    screen.reveal(ref)
    await settle(pilot)
    await pilot.pause()
    assert screen.selected() == ref


def static_text(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def detail_text(app: OkrApp) -> str:
    return static_text(app.screen.query_one("#detail-body", Static))


def visible_objectives(screen: TreeScreen) -> set[int]:
    return {
        node.data.id
        for node in screen.okr_tree.nodes.values()
        if node.data is not None and node.data.kind == "objective"
    }


async def test_opens_on_the_active_period_with_every_objective(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree_screen(app)
        assert app.period is not None and app.period.name == "2026-Q4"
        expected = rows(tester_demo_path, "SELECT count(*) FROM objective WHERE period_id = ?",
                        app.period.id)[0][0]  # fmt: skip
        assert screen.model is not None and len(screen.model.objectives) == expected
        assert "2026-Q4" in app.sub_title and "tester" in app.sub_title
        assert screen.selected() is not None
        assert isinstance(app.focused, OkrTree)


async def test_cursor_keys_move_and_the_detail_pane_follows(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree_screen(app)
        first = screen.selected()
        assert first is not None and first.kind == "objective"
        assert "Owner" in detail_text(app)
        await pilot.press("down")
        second = screen.selected()
        assert second is not None and second != first and second.kind == "kr"
        assert "How the score is computed" in detail_text(app)
        await pilot.press("k")
        assert screen.selected() == first


async def test_new_objective_under_the_selected_one(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        parent = tree_screen(app).selected()
        assert parent is not None
        await pilot.press("n")
        assert isinstance(app.screen, ObjectiveForm)
        await typing(pilot, "Win the Midwest [bold]x[/]")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
        created = rows(tester_demo_path,
                       "SELECT id, parent_id, title, owner, level FROM objective "
                       "WHERE title LIKE 'Win the Midwest%'")  # fmt: skip
        assert created == [(created[0][0], parent.id, "Win the Midwest [bold]x[/]", "tester",
                            "team")]  # fmt: skip
        new_ref = NodeRef("objective", created[0][0])
        await pilot.pause()
        assert tree_screen(app).selected() == new_ref
        screen = tree_screen(app)
        label = screen.okr_tree.label_of(screen.okr_tree.nodes[new_ref.key])
        assert "Win the Midwest [bold]x[/]" in label.plain


async def test_objective_form_refuses_an_empty_title_and_cancel_writes_nothing(
    make_app, tester_demo_path
):
    before = dump(tester_demo_path)
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        await typing(pilot, "   ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "title must not be empty" in static_text(form.query_one("#error", Static))
        assert form.query_one("#title").has_class("-invalid")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    assert dump(tester_demo_path) == before


async def test_add_key_result_with_validation_as_you_type(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        objective = tree_screen(app).selected()
        assert objective is not None and objective.kind == "objective"
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, KeyResultForm)
        await typing(pilot, "Sign 5 of the top 20 accounts")
        await pilot.press("tab", "tab", "tab")  # kind, direction, start
        await typing(pilot, "0")
        await pilot.press("tab")  # target
        await typing(pilot, "nan")
        await pilot.pause()
        assert "finite" in static_text(form.query_one("#error", Static)) or "not a number" in str(
            form.query_one("#error", Static).render()
        )
        assert form.query_one("#save").disabled
        target = form.query_one("#target", Input)
        target.value = ""
        await typing(pilot, "5")
        await pilot.press("tab")
        await typing(pilot, "logos")
        await pilot.pause()
        assert not form.query_one("#save").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
    saved = rows(tester_demo_path,
                 "SELECT objective_id, kind, direction, start_value, target_value, unit, owner "
                 "FROM key_result WHERE title = 'Sign 5 of the top 20 accounts'")  # fmt: skip
    owner = rows(tester_demo_path, "SELECT owner FROM objective WHERE id = ?", objective.id)[0][0]
    assert saved == [(objective.id, "metric", "increase", 0.0, 5.0, "logos", owner)]


async def test_edit_key_result_keeps_the_cursor(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down")
        kr = tree_screen(app).selected()
        assert kr is not None and kr.kind == "kr"
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, KeyResultForm)
        form.query_one("#title", Input).value = ""
        await typing(pilot, "Renamed KR")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert tree_screen(app).selected() == kr
    assert rows(tester_demo_path, "SELECT title FROM key_result WHERE id = ?", kr.id) == [
        ("Renamed KR",)
    ]


async def test_move_objective_and_never_offer_what_lies_below(make_app, tester_demo_path):
    parent_of = dict(rows(tester_demo_path, "SELECT o.id, o.parent_id FROM objective o JOIN "
                          "period p ON p.id = o.period_id WHERE p.state = 'active'"))  # fmt: skip
    child = next(oid for oid, pid in parent_of.items() if pid is not None
                 and parent_of.get(pid) is None)  # fmt: skip
    root = parent_of[child]
    other_root = next(oid for oid, pid in parent_of.items() if pid is None and oid != root
                      and rows(tester_demo_path, "SELECT level FROM objective WHERE id = ?",
                               oid)[0][0] == "company")  # fmt: skip
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, NodeRef("objective", child))
        await pilot.press("m")
        assert isinstance(app.screen, PickDialog)
        await typing(pilot, f"O-{other_root} ")
        await pilot.press("enter")
        await pilot.pause()
        assert tree_screen(app).selected() == NodeRef("objective", child)
        assert rows(tester_demo_path, "SELECT parent_id FROM objective WHERE id = ?", child) == [
            (other_root,)
        ]
        before = dump(tester_demo_path)
        await select(pilot, NodeRef("objective", other_root))
        await pilot.press("m")
        picker = app.screen
        assert isinstance(picker, PickDialog)
        # what lies below it is not offered (the store would refuse the cycle anyway)
        offered = {value for value, _label in picker.choices}
        assert child not in offered and other_root not in offered and None in offered
        await typing(pilot, f"O-{child} ")
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert dump(tester_demo_path) == before


async def test_delete_asks_names_what_goes_and_deletes(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down")
        kr = tree_screen(app).selected()
        assert kr is not None and kr.kind == "kr"
        checkins = rows(tester_demo_path, "SELECT count(*) FROM check_in WHERE key_result_id = ?",
                        kr.id)[0][0]  # fmt: skip
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert f"{checkins} check-ins" in dialog.question
        await pilot.press("n")  # cancel first: nothing happens
        await pilot.pause()
        assert rows(tester_demo_path, "SELECT count(*) FROM key_result WHERE id = ?", kr.id) == [
            (1,)
        ]
        await pilot.press("d")
        await pilot.press("y")
        await pilot.pause()
        assert rows(tester_demo_path, "SELECT count(*) FROM key_result WHERE id = ?", kr.id) == [
            (0,)
        ]
        assert rows(tester_demo_path, "SELECT count(*) FROM check_in WHERE key_result_id = ?",
                    kr.id) == [(0,)]  # fmt: skip
        assert kr.key not in tree_screen(app).okr_tree.nodes


async def test_text_filter_keeps_ancestors_and_escape_clears(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree_screen(app)
        total = len(screen.okr_tree.nodes)
        await pilot.press("slash")
        await typing(pilot, "cash flow")
        await pilot.press("enter")
        await pilot.pause()
        match = rows(tester_demo_path,
                     "SELECT id, parent_id FROM objective WHERE title LIKE '%cash flow%' "
                     "AND period_id = ?", app.period.id)  # fmt: skip
        assert len(match) == 1
        oid, parent = match[0]
        assert visible_objectives(screen) == {oid, parent}
        assert "matching" in static_text(screen.query_one("#mode-line", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.okr_tree.nodes) >= total


async def test_mine_filter_shows_only_my_objectives_and_their_ancestors(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = tree_screen(app)
        await pilot.press("f")
        await settle(pilot)
        assert screen.mode == "mine"
        model = screen.model
        assert model is not None and model.complete  # "mine" looks at every KR's owner
        mine = {
            o.id
            for o in model.rows.values()
            if o.involves("tester") or any(kr.owner == "tester" for kr in o.key_results)
        }
        visible = screen.shown.visible if screen.shown else None
        assert mine and visible is not None and mine <= visible
        for oid in visible:
            row = model.objectives[oid]
            assert oid in mine or any(c in visible for c in row.children)
        await pilot.press("f", "f")
        await settle(pilot)
        assert screen.mode == "all" and screen.shown is not None and screen.shown.visible is None


async def test_period_switch_shows_the_closed_quarter(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        assert isinstance(app.screen, PickDialog)
        await typing(pilot, "Q3")
        await pilot.press("enter")
        await pilot.pause()
        assert app.period is not None and app.period.name == "2026-Q3"
        screen = tree_screen(app)
        q3 = {r[0] for r in rows(tester_demo_path, "SELECT o.id FROM objective o JOIN period p "
                                 "ON p.id = o.period_id WHERE p.name = '2026-Q3'")}  # fmt: skip
        assert screen.model is not None and set(screen.model.objectives) == q3
        assert "2026-Q3" in app.sub_title
        # A closed period is read-only: the editing keys are disabled and say why.
        before = dump(tester_demo_path)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        assert "closed: read-only" in static_text(screen.query_one("#mode-line", Static))
        assert dump(tester_demo_path) == before


async def test_explain_toggle_and_help(make_app, tester_demo_path):
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "show how the score" in detail_text(app)
        await pilot.press("x")
        assert "Σ (weight × min(progress, 1))" in detail_text(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)


async def test_hostile_text_is_shown_literally(make_app, tester_demo_path):
    from store.db.database import open_database
    from store.write.objectives import create_objective

    db = open_database(tester_demo_path)
    period = rows(tester_demo_path, "SELECT id FROM period WHERE state = 'active'")[0][0]
    hostile = "[@click=app.quit]boom[/] \x1b]52;c;AAAA\x07 [/ x"
    oid = create_objective(db, "tester", period_id=period, title=hostile, owner="tester").id
    db.close()
    app = make_app(tester_demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, NodeRef("objective", oid))
        screen = tree_screen(app)
        node = screen.okr_tree.nodes[f"objective:{oid}"]
        label = screen.okr_tree.label_of(node).plain
        assert "[@click=app.quit]boom[/]" in label and "\x1b" not in label
        # and the tree draws exactly that text on the node's line
        widget = screen.query_one(OkrTree)
        drawn = widget.render_line(node.line - int(widget.scroll_y)).text
        assert "[@click=app.quit]boom[/]" in drawn and "\x1b" not in drawn
        assert "[@click=app.quit]boom[/]" in detail_text(app)
        assert app.is_running


async def test_a_collaborator_edits_an_objective_but_not_who_holds_it(
    make_app, tester_demo_path: Path
) -> None:
    """farid collaborates on ana's O-7: may edit its text, may not move it or change its
    owner and collaborators (store/domain/rights.py)."""
    app = make_app(tester_demo_path, "farid")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, NodeRef("objective", 7))
        screen = tree_screen(app)
        assert screen.check_action("move", ()) is None  # shown, disabled
        assert screen.check_action("edit", ()) is True
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        assert form.query_one("#owner", Input).disabled
        assert form.query_one("#collaborators", Input).disabled
        form.query_one("#title", Input).value = ""
        form.query_one("#title", Input).focus()
        await typing(pilot, "Campaigns, reworded")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
    assert rows(tester_demo_path, "SELECT title, owner FROM objective WHERE id = 7") == [
        ("Campaigns, reworded", "ana")
    ]
