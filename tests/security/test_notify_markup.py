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
