"""The period report on the demo data: the content of each format, not just that it runs."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrtui.cli.main import main
from store.db.database import Database
from store.format import format_number, format_percent
from store.io.report import Report, build_report
from store.io.report_render import md, render_csv, render_json, render_markdown
from store.model.enums import BAND_LABEL
from store.read.kpi_panels import kpi_panels
from store.read.tree import load_tree
from store.write.checkins import check_in
from store.write.key_results import create_key_result
from store.write.objectives import create_objective

TODAY = date(2026, 11, 23)
Q4, Q3 = 2, 1


@pytest.fixture
def report(demo_db: Database) -> Report:
    return build_report(demo_db, Q4, TODAY)


def section(text: str, heading: str) -> str:
    """The body of one ``## `` section of the Markdown report."""
    start = text.index(f"## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


# --- the data -----------------------------------------------------------------------------


def test_report_follows_the_tree_and_its_scores(demo_db: Database, report: Report) -> None:
    tree = load_tree(demo_db, Q4)
    assert [o.row.id for o in report.objectives] == [row.id for _, row in tree.walk()]
    assert [o.depth for o in report.objectives] == [depth for depth, _ in tree.walk()]
    assert report.objectives[1].parent_ref == "O-6"  # O-8 is aligned under O-6
    assert report.since == date(2026, 11, 16)
    scores = [o.score for o in tree.objectives.values() if o.score is not None]
    assert report.average == pytest.approx(sum(scores) / len(scores))


def test_attention_lists_off_track_before_at_risk(demo_db: Database, me: str) -> None:
    oid = create_objective(demo_db, me, period_id=Q4, title="Sinking ship", owner=me).id
    kr = create_key_result(demo_db, me, objective_id=oid, title="Bail water", start=0, target=100)
    check_in(demo_db, me, kr.id, 5, confidence="off-track", note="Leaking")
    attention = build_report(demo_db, Q4, TODAY).attention()
    assert attention[0].row.id == oid and BAND_LABEL[attention[0].row.band] == "off track"
    assert {BAND_LABEL[o.row.band] for o in attention[1:]} == {"at risk"}


def test_week_ago_values_come_from_the_history(report: Report) -> None:
    krs = {kr.row.ref: kr for o in report.objectives for kr in o.key_results}
    launch = krs["KR-24"]  # the beta dashboard milestone shipped this week
    assert launch.week_ago == 0.0 and launch.row.current == 1.0 and launch.moved
    health = krs["KR-33"]  # never checked in
    assert health.week_ago is None and not health.moved
    mrr = krs["KR-12"]  # KPI-driven: the KPI's value a week ago
    assert mrr.row.kpi_id is not None and mrr.week_ago is not None
    assert mrr.week_ago < mrr.row.current  # type: ignore[operator]
    assert mrr.confidence is None and mrr.checked_at is None


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_reads_as_a_weekly_agenda(report: Report) -> None:
    text = render_markdown(report)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# 2026-Q4 OKR report",
        "## 1. Needs attention",
        "## 2. What changed since 2026-11-16",
        "### Not checked in this week",
        "### Comments this week",
        "## 3. All objectives",
        "## 4. KPIs",
    ]
    assert "Week of 2026-11-23 · 2026-10-01 → 2026-12-31 (active)" in text
    assert "13 objectives · average score 71% · 6 at risk · 7 on track" in text
    attention = section(text, "1. Needs attention")
    assert "**O-12 Make every customer successful in their first 90 days** · @farid · 46%" in (
        attention
    )
    assert "**O-7 " not in attention  # on track: not on the agenda
    # the KRs that drag an objective down are listed under it, with the owner's last word
    assert (
        "  - KR-32 Keep escalations below 5% of tickets · @" in attention
        and "5.2% (hold ≤ 5%) · 0% · off track · confidence off track — "
        "“Escalated in the leadership meeting.”"
        in attention
    )


def test_markdown_says_what_changed_this_week(report: Report) -> None:
    changes = section(render_markdown(report), "2. What changed")
    assert "- KR-24 Ship beta analytics dashboard by mid-quarter: not done → done (+100 pts)" in (
        changes
    )
    assert "“Shipped \\[beta\\] to 3 pilots; see \\[/docs\\]”" in changes  # note, escaped
    assert "- O-10 Launch self-service user analytics moved from off track to at risk" in changes
    assert "- KPI Support response time got worse: +0.5 hours to 7.9 hours · ⚠ trending" in (
        changes
    )
    moved = changes.split("### Not checked in this week")[0]
    assert "KR-33" not in moved  # nothing checked in: it is in the next list instead
    missing = section_lines(changes, "### Not checked in this week")
    assert missing == ["- @jon: KR-33 (53 days without a check-in)"]
    comments = section_lines(changes, "### Comments this week")
    assert (
        comments[0] == "- KR-14 @ben 2026-11-17: “Is 35% still realistic after the October slip?”"
    )
    assert comments[-1] == (
        "- KR-33 @ana 2026-11-22: “@jon no check-in since the quarter started: is this still on?”"
    )
    assert len(comments) == 6


def section_lines(text: str, heading: str) -> list[str]:
    """The list items under a ``###`` heading."""
    body = text.split(heading, 1)[1].split("\n### ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("- ")]


def test_the_json_report_lists_who_has_not_checked_in_and_the_comments(report: Report) -> None:
    document = json.loads(render_json(report))
    assert document["not_checked_in"] == [{"owner": "jon", "key_results": ["KR-33"], "days": 53}]
    assert [c["on"] for c in document["comments"]] == ["KR-14", "KR-14", "KR-15", "KR-15",
                                                       "KR-14", "KR-33"]  # fmt: skip
    assert document["comments"][0]["author"] == "ben" and not document["comments"][0]["edited"]


def test_markdown_tree_has_owner_score_band_confidence_and_note(report: Report) -> None:
    tree = section(render_markdown(report), "3. All objectives")
    lines = tree.splitlines()
    o6 = lines.index(
        "- **O-6 Become the No. 1 standalone goal management product** · @ana · 61% · at risk"
    )
    assert (
        lines[o6 + 1] == "  - KR-12 Grow MRR to $1.0M · @ana · $956K / $1M · 57% · at risk · "
        "follows KPI MRR"
    )
    assert lines[o6 + 2].startswith(
        "  - KR-13 +1,500 MQLs per month · @chloe · 1.39K MQLs / "
        "1.5K MQLs · 82% · on track · confidence on track — “"
    )
    assert lines[o6 + 4].startswith("  - **O-8 Expand enterprise customer success** · @ben")
    assert any(line.startswith("    - **O-15 ") for line in lines)  # third level


def test_markdown_kpi_table(demo_db: Database, report: Report) -> None:
    table = section(render_markdown(report), "4. KPIs").splitlines()
    rows = [line for line in table if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| KPI | Latest | Δ since previous | Health | Target | Owner |"
    assert len(rows) - 1 == len(kpi_panels(demo_db))
    assert "| MRR | $956K (2026-11-20) | +$11.7K ▲ good | green | $1M | ana |" in rows


def test_markdown_of_a_closed_period_shows_grades_and_retro_notes(demo_db: Database) -> None:
    text = render_markdown(build_report(demo_db, Q3, TODAY))
    assert "(closed)" in text
    assert "final grade 0.38 — retro: “Good calls, but the summary never got written" in text


def test_user_text_cannot_become_markdown(demo_db: Database, me: str) -> None:
    title = "[click](javascript:alert(1)) *bold* | pipe <b>x</b> \x1b[2J"
    create_objective(demo_db, me, period_id=Q4, title=title, owner=me)
    text = render_markdown(build_report(demo_db, Q4, TODAY))
    assert "\\[click\\](javascript:alert(1)) \\*bold\\* \\| pipe \\<b\\>x\\</b\\> \\[2J" in text
    assert "\x1b" not in text and md("a_b#c") == "a\\_b\\#c"


# --- CSV ----------------------------------------------------------------------------------


def test_csv_has_one_row_per_objective_kr_and_kpi(demo_db: Database, report: Report) -> None:
    records = list(csv.DictReader(io.StringIO(render_csv(report))))
    kinds = [r["type"] for r in records]
    tree = load_tree(demo_db, Q4)
    assert kinds.count("objective") == 13
    assert kinds.count("key_result") == sum(len(o.key_results) for o in tree.objectives.values())
    assert kinds.count("kpi") == len(kpi_panels(demo_db))
    by_ref = {r["ref"]: r for r in records}
    o8 = by_ref["O-8"]
    assert (o8["parent"], o8["depth"], o8["title"], o8["owner"], o8["band"]) == (
        "O-6",
        "1",
        "  Expand enterprise customer success",
        "ben",
        "on track",
    )
    assert float(o8["score"]) == pytest.approx(tree.objectives[8].score)
    kr = by_ref["KR-14"]
    assert (kr["current"], kr["target"], kr["unit"], kr["confidence"]) == (
        "16.8",
        "35",
        "%",
        "at risk",
    )
    assert kr["note"] == "Need a decision on scope by Friday."
    assert (kr["previous"], kr["delta"]) == ("15.1", "1.7")
    mrr = by_ref[next(r for r in by_ref if by_ref[r]["title"] == "MRR")]
    assert (mrr["current"], mrr["updated"], mrr["health"]) == ("956000", "2026-11-20", "green")


def test_csv_cells_cannot_start_a_formula(demo_db: Database, me: str) -> None:
    create_objective(demo_db, me, period_id=Q4, title='=HYPERLINK("http://x")', owner=me)
    records = list(csv.DictReader(io.StringIO(render_csv(build_report(demo_db, Q4, TODAY)))))
    titles = {r["title"] for r in records}
    assert '\'=HYPERLINK("http://x")' in titles
    assert "'  +1,500 MQLs per month" in titles  # indented, still neutralised
    assert not any(t.lstrip().startswith(("=", "+", "@")) for t in titles)


# --- JSON ---------------------------------------------------------------------------------


def test_json_nests_objectives_with_their_key_results(demo_db: Database, report: Report) -> None:
    doc = json.loads(render_json(report))
    assert doc["format"] == "okrtui-report" and doc["period"]["name"] == "2026-Q4"
    assert doc["since"] == "2026-11-16" and doc["bands"]["at_risk"] == 6
    assert [o["ref"] for o in doc["objectives"]] == ["O-6", "O-7", "O-13"]  # the roots
    o6 = doc["objectives"][0]
    assert [c["ref"] for c in o6["children"]] == ["O-8", "O-9", "O-10", "O-11"]
    assert o6["collaborators"] == ["ben", "chloe"]
    kr13 = o6["key_results"][1]
    assert (kr13["ref"], kr13["owner"], kr13["band"], kr13["confidence"]) == (
        "KR-13",
        "chloe",
        "on_track",
        "on_track",
    )
    assert kr13["score"] == pytest.approx(load_tree(demo_db, Q4).key_result(13).progress)
    assert "O-12" in doc["needs_attention"] and "KR-24" in doc["changed_since"]
    mrr = next(k for k in doc["kpis"] if k["name"] == "MRR")
    assert (mrr["latest"], mrr["latest_on"], mrr["health"], mrr["delta_is_good"]) == (
        956000,
        "2026-11-20",
        "green",
        True,
    )


def test_json_is_safe_to_print(demo_db: Database, me: str) -> None:
    create_objective(demo_db, me, period_id=Q4, title="a\u202eb", owner=me)
    text = render_json(build_report(demo_db, Q4, TODAY))
    assert "\u202e" not in text and "NaN" not in text
    json.loads(text)


# --- the command --------------------------------------------------------------------------


def test_report_command_writes_each_format(demo_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt in ("md", "csv", "json"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            main,
            [
                "--db",
                str(demo_path),
                "report",
                "--period",
                "2026-Q3",
                "--format",
                fmt,
                "-o",
                str(out),
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert "O-5" in out.read_text(encoding="utf-8")
    again = runner.invoke(
        main, ["--db", str(demo_path), "report", "-o", str(tmp_path / "report.md")]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    shown = runner.invoke(main, ["--db", str(demo_path), "report", "--period", "2026-Q3"])
    assert shown.exit_code == 0 and shown.output.startswith("# 2026-Q3 OKR report")
    assert format_percent(0.38) in shown.output and format_number(864000, "$") in shown.output


def test_a_change_is_shown_at_a_precision_that_makes_it_visible(demo_db: Database, me: str) -> None:
    """Finding 14: "108% → 108% (+7 pts)" hid the change."""
    from datetime import UTC, datetime

    oid = create_objective(demo_db, me, period_id=Q4, title="Precise", owner=me).id
    kr = create_key_result(
        demo_db, me, objective_id=oid, title="Uptime", start=100, target=110, unit="%"
    )
    check_in(demo_db, me, kr.id, 101.2, at=datetime(2026, 11, 10, 12, tzinfo=UTC))
    check_in(demo_db, me, kr.id, 108.4, at=datetime(2026, 11, 20, 12, tzinfo=UTC))
    text = section(render_markdown(build_report(demo_db, Q4, TODAY)), "2. What changed")
    line = next(line for line in text.splitlines() if "Uptime" in line)
    assert "101% → 108%" in line and "(+72 pts)" in line
    check_in(demo_db, me, kr.id, 108.44, at=datetime(2026, 11, 21, 12, tzinfo=UTC))
    check_in(demo_db, me, kr.id, 107.6, at=datetime(2026, 11, 15, 12, tzinfo=UTC))
    text = section(render_markdown(build_report(demo_db, Q4, TODAY)), "2. What changed")
    line = next(line for line in text.splitlines() if "Uptime" in line)
    assert "107.6% → 108.4%" in line


def test_a_closed_periods_report_speaks_of_its_own_dates(demo_db: Database) -> None:
    """Finding 14: a closed quarter's report had "Week of <today>" and this week's changes."""
    report = build_report(demo_db, Q3, TODAY)
    assert report.today == report.period.ends_on
    text = render_markdown(report)
    assert f"Final report, as of its last day {report.period.ends_on}" in text
    assert TODAY.isoformat() not in text and "2026-11-16" not in text
    assert f"## 2. What changed since {report.since}" in text
    assert report.since < report.period.ends_on
    # Its KPIs as they stood at its end, not today's values (the demo records MRR weekly).
    assert report.kpis and all(k.latest is None or k.latest[0] <= report.period.ends_on
                               for k in report.kpis)  # fmt: skip
    now = build_report(demo_db, Q4, TODAY)  # the current quarter's shows later values
    assert any(k.latest and k.latest[0] > report.period.ends_on for k in now.kpis)


def test_a_done_milestone_reads_done_not_overperforming(report: Report) -> None:
    """Finding 7: the beta dashboard milestone (KR-24) shipped: "done", in both sections."""
    text = render_markdown(report)
    lines = [line for line in text.splitlines() if "KR-24 " in line]
    assert len(lines) == 2 and all(" · done" in line for line in lines), lines
    assert "overperforming" not in "".join(lines)


# --- confidence dropped (issue 20) --------------------------------------------------------


def test_the_weekly_report_notes_a_confidence_that_dropped(demo_db: Database, me: str) -> None:
    from datetime import UTC, datetime

    oid = create_objective(demo_db, me, period_id=Q4, title="Launch", owner=me).id

    def kr_with(title: str, *confidences: tuple[int, str]) -> str:
        kr = create_key_result(demo_db, me, objective_id=oid, title=title, start=0, target=10).id
        for day, confidence in confidences:
            check_in(demo_db, me, kr, day, confidence=confidence,
                     at=datetime(2026, 11, day, 9, tzinfo=UTC))  # fmt: skip
        return f"KR-{kr}"

    dropped = kr_with("Falling", (9, "on-track"), (20, "at-risk"))
    worse = kr_with("Worse still", (10, "at-risk"), (21, "off-track"))
    kr_with("Rising", (9, "at-risk"), (20, "on-track"))  # a rise: not listed
    kr_with("Dropped long ago", (2, "on-track"), (9, "off-track"))  # before the week
    report = build_report(demo_db, Q4, TODAY)
    assert [kr.row.ref for _o, kr in report.confidence_drops()] == [dropped, worse]
    changes = section(render_markdown(report), "2. What changed")
    drops = [line for line in changes.splitlines() if "confidence dropped" in line]
    assert drops == [
        f"- {dropped} Falling: confidence dropped from on track to at risk",
        f"- {worse} Worse still: confidence dropped from at risk to off track",
    ]  # neither a rise nor a drop before the week
    document = json.loads(render_json(report))
    assert document["confidence_dropped"] == [dropped, worse]
