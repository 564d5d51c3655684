"""Notifications carry other people's text (titles quoted in refusals, names, values read
from files). Textual parses a notification as markup by default: a title "[/]" crashed
the app of whoever was told about it (MarkupError), and "[@click=…]" made a live link."""

from pathlib import Path

from textual.widgets._toast import Toast

from okrtui.app import OkrApp

HOSTILE = "Grow [/] fast [@click=app.quit]win[/] [bold]x"


async def test_user_text_in_a_notification_is_shown_literally(
    make_app, tester_demo_path: Path
) -> None:
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        app.notify(f"@bob may not change KR-3 “{HOSTILE}”", severity="error", timeout=30)
        app.screen.notify(f"from a screen: {HOSTILE}", timeout=30)  # Widget.notify: markup=True
        await pilot.pause(0.5)
        toasts = list(app.screen.query(Toast))
        shown = " ".join(str(toast.render()) for toast in toasts)
        assert len(toasts) == 2
        assert HOSTILE in shown  # every bracket still there, nothing made a link
        assert app.return_code is None and app.is_running


async def test_a_kpi_name_or_unit_with_markup_is_never_an_action(
    make_app, tester_demo_path: Path, tmp_path: Path
) -> None:
    """Review finding: a KPI named "[@click=app.screenshot(…)]…" in the KR form's KPI list
    let a click overwrite any file the victim could write (the shared database), and a
    unit "[/]" in a history cell crashed whoever looked. Names and units are plain text,
    and the screenshot action is off."""
    import sqlite3

    from textual.widgets import DataTable, OptionList

    from okrtui.modals.kr_form import KeyResultForm
    from okrtui.screens.tree import TreeScreen

    target = tmp_path / "pwned.svg"
    hostile = f"[@click=app.screenshot('{target}')]Revenue [/]"
    with sqlite3.connect(tester_demo_path) as conn:
        conn.execute("UPDATE kpi SET name = ? WHERE id = (SELECT min(id) FROM kpi)", (hostile,))
        conn.execute("UPDATE key_result SET unit = '[/]' WHERE id = 13")
    app: OkrApp = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        from okrtui.screens.tree import NodeRef

        screen.show_item(NodeRef("kr", 13))
        await pilot.pause(0.5)
        assert screen.query_one("#history", DataTable).row_count > 0  # drawn, no crash
        objective = screen._selected_objective()
        assert objective is not None
        from store.read.kpi_panels import kpi_panels

        kpis = [(p.id, p.name) for p in kpi_panels(app.db, last=1)]
        form = KeyResultForm(objective=objective, kpis=kpis)
        await app.push_screen(form)
        await pilot.pause()
        form.query_one("#kpi").focus()
        await pilot.press("enter")
        await pilot.pause()
        options = form.query_one("#kpi").query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(hostile in p for p in prompts), prompts
        app.action_screenshot(str(target))
        await pilot.pause()
        assert app.return_code is None
    assert not target.exists()
