"""Wording at a glance (issue 16, items 16 and 17): what the CLI and forms print."""

from pathlib import Path

import click
from click.testing import CliRunner
from textual.widgets import Label, Select

from okrtui.cli.main import main
from okrtui.cli.output import checkin_line
from okrtui.modals.kr_form import KeyResultForm
from store.format import counted, days_ago, format_number
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


def _groups(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group) and not command.hidden:
            found += _groups(command, (*path, name))
    return found


def test_every_groups_help_lists_whole_summaries() -> None:
    """`okrtui kpi --help`, `period --help`, `db --help`, `team --help`… cut their
    commands' summaries mid-sentence ("Import KPI values from FILE.csv (columns
    kpi,date,value[,note],..."): every listed summary is whole at 80 columns."""
    groups = _groups(main)
    assert ("kpi",) in groups and ("team", "admin") in groups
    for path in groups:
        result = CliRunner().invoke(main, [*path, "--help"], terminal_width=80)
        assert result.exit_code == 0, result.output
        listed = [line for line in result.output.split("Commands:")[1].splitlines() if line]
        assert listed, path
        for line in listed:
            assert not line.rstrip().endswith("..."), (path, line)
            assert len(line) <= 80, (path, line)


def test_checkin_list_has_a_header_and_says_days_in_words(demo_path: Path) -> None:
    """`checkin --list` had no header and said "0 d ago"; its values were cut
    ("113K visits / 100K visi…")."""
    result = CliRunner().invoke(main, ["--db", str(demo_path), "checkin", "--list"])
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["KR", "key", "result", "now", "/", "target", "last",
                              "check-in", "objective"]  # fmt: skip
    assert lines and all(line.startswith("KR-") for line in lines)
    assert not any(" d ago" in line for line in lines), lines
    assert any("days ago" in line for line in lines) and any("never" in line for line in lines)
    # the value column is right-aligned under its header, and never cut
    end = header.index("now / target") + len("now / target")
    for line in lines:
        assert line[end - 1] != " " and line[end] == " ", line
        assert not line[50:end].strip().endswith("…"), line


def test_days_ago_in_words() -> None:
    assert [days_ago(d) for d in (None, 0, 1, 2, 30)] == [
        "never", "today", "1 day ago", "2 days ago", "30 days ago"
    ]  # fmt: skip


def test_currency_units_go_before_the_number_and_one_is_singular() -> None:
    """`status` printed `4.9 $M / 10 $M`; a KPI change of one read "▼ 1 days"."""
    assert format_number(4.9, "$M") == "$4.9M"
    assert format_number(10, "$M") == "$10M"
    assert format_number(-2.5, "€M") == "-€2.5M"
    assert format_number(1500, "$M") == "$1,500M"  # not "$1.5KM"
    assert format_number(956_000, "$") == "$956K"
    assert format_number(120, "€/month") == "€120/month"
    assert format_number(3, "£ ARR") == "£3 ARR"
    assert format_number(12, "%") == "12%"
    assert format_number(250, "ms") == "250 ms"
    assert format_number(1, "ms") == "1 ms"
    assert format_number(1, "days") == "1 day"
    assert format_number(1, "MQLs") == "1 MQL"
    assert format_number(1, "cities") == "1 city"
    assert format_number(2, "days") == "2 days"
    assert format_number(-1, "pts") == "-1 pt"


def test_status_puts_a_currency_unit_before_the_number(tmp_path: Path) -> None:
    path = tmp_path / "money.db"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(path), "init"]).exit_code == 0
    from store.db.database import open_database
    from store.identity import current_username
    from store.read.periods import default_period
    from store.write.key_results import create_key_result
    from store.write.objectives import create_objective

    db = open_database(path)
    me = current_username()
    period = default_period(db)
    assert period is not None
    objective = create_objective(db, me, period_id=period.id, title="Revenue", owner=me)
    create_key_result(db, me, objective_id=objective.id, title="Reach $10M ARR", start=4.9,
                      target=10, unit="$M")  # fmt: skip
    db.close()
    result = runner.invoke(main, ["--db", str(path), "status"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "$4.9M / $10M" in result.output and "$M" not in result.output, result.output


def test_counts_read_in_the_singular_for_one() -> None:
    """One of a thing is said in the singular, more in the plural (the TUI said "with its
    1 check-in(s)?" and "behind pace by 1 pts")."""
    from datetime import date

    from store.domain.pace import expected_progress
    from store.model.enums import PeriodState
    from store.model.rows import PeriodRow
    from widgets.detail import _pace

    assert counted(1, "check-in") == "1 check-in"
    assert counted(0, "check-in") == "0 check-ins"
    assert counted(3, "key result") == "3 key results"
    assert counted(2, "roll-over choice") == "2 roll-over choices"
    period = PeriodRow(1, "Q", date(2026, 1, 1), date(2026, 3, 31), PeriodState.ACTIVE)
    today = date(2026, 2, 15)
    expected = expected_progress(period.starts_on, period.ends_on, today)
    assert _pace(expected + 0.01, period, today).plain.endswith("ahead of pace by 1 pt")
    assert _pace(expected - 0.02, period, today).plain.endswith("behind pace by 2 pts")
