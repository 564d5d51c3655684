"""Wording at a glance (issue 16, items 16 and 17): what the CLI and forms print."""

from pathlib import Path

from click.testing import CliRunner
from textual.widgets import Label, Select

from okrtui.cli.main import main
from okrtui.cli.output import checkin_line
from okrtui.modals.kr_form import KeyResultForm
from store.model.enums import Band, Kind
from store.write.checkins import CheckInResult


def test_a_milestone_check_in_says_done_not_one() -> None:
    result = CheckInResult(7, 33, "Launch the health score", 0.0, 1.0, "", 1.0, 1.0,
                           Band.ON_TRACK, kind=Kind.MILESTONE)  # fmt: skip
    line = checkin_line(result)
    assert "not done → done" in line and "1 → 1" not in line and "target" not in line, line
    first = CheckInResult(8, 33, "Launch", None, 0.0, "", 1.0, 0.0, Band.OFF_TRACK,
                          kind=Kind.MILESTONE)  # fmt: skip
    assert "not started → not done" in checkin_line(first)


def test_help_lists_every_command_with_a_whole_summary() -> None:
    """click cut the first sentences ("Record a key result's new VALUE: okrtui checkin
    KR-12 42..."); each summary is now whole at 80 columns."""
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    commands = result.output.split("Commands:")[1].splitlines()
    listed = [line for line in commands if line.strip()]
    assert len(listed) >= 10
    for line in listed:
        assert not line.rstrip().endswith("..."), line
        assert len(line) <= 80, line


async def test_the_direction_label_goes_with_its_field(make_app, tester_demo_path: Path) -> None:
    """A percent or milestone KR has no direction: its label no longer stays behind alone."""
    app = make_app(tester_demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyResultForm)
        label = next(w for w in form.query(Label) if str(w.render()) == "Direction")
        assert label.display
        form.query_one("#kind", Select).value = Kind.PERCENT.value
        await pilot.pause()
        assert not form.query_one("#direction").display and not label.display


def test_status_never_cuts_a_value_or_its_target(demo_path: Path) -> None:
    """`okrtui status` cut long values: "11.4K prospects / 12K…", "20 conversions / 30 c…"."""
    result = CliRunner().invoke(main, ["--db", str(demo_path), "status"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "/ 12K prospects " in result.output
    assert "/ 30 conversions " in result.output
