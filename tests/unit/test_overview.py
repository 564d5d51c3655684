"""store/io/overview.py: the company overview's numbers, from a built report."""

from datetime import UTC, date, datetime

import pytest

from store.db.database import Database
from store.io.overview import BANDS, build_overview, points
from store.io.report import build_report
from store.model.enums import Band, Level
from store.write.checkins import check_in
from store.write.key_results import create_key_result
from store.write.objectives import create_objective

TODAY = date(2026, 11, 23)
Q4 = 2


def test_counts_by_level_and_team_add_up_to_the_period(demo_db: Database) -> None:
    report = build_report(demo_db, Q4, TODAY)
    ov = build_overview(report)
    assert ov.total.objective_total == len(report.objectives) == 13
    assert ov.total.kr_total == sum(len(o.key_results) for o in report.objectives)
    for groups in (ov.levels, ov.teams):
        for band in BANDS:
            assert sum(g.objectives[band] for g in groups) == ov.total.objectives[band]
            assert sum(g.key_results[band] for g in groups) == ov.total.key_results[band]
    assert [g.name for g in ov.levels] == ["company", "team", "personal"]
    company = ov.levels[0]
    assert company.objective_total == sum(1 for o in report.objectives
                                          if o.row.level == Level.COMPANY)  # fmt: skip
    assert sum(ov.total.share(b) for b in BANDS) == pytest.approx(1.0)
    assert ov.total.share(Band.ON_TRACK) == pytest.approx(7 / 13)
    krs = ov.total.key_results
    assert ov.total.share_on_track("key_results") == pytest.approx(
        (krs[Band.OVERPERFORMING] + krs[Band.ACHIEVED] + krs[Band.ON_TRACK]) / ov.total.kr_total
    )
    assert ov.total.share_on_track() == pytest.approx(7 / 13)
    from store.io.overview import BandCounts

    assert BandCounts("empty").share_on_track() is None


def test_movers_are_the_biggest_moves_either_way(demo_db: Database, me: str) -> None:
    oid = create_objective(demo_db, me, period_id=Q4, title="Slipping", owner=me).id
    kr = create_key_result(demo_db, me, objective_id=oid, title="Fell", start=0, target=100).id
    check_in(demo_db, me, kr, 90, at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    check_in(demo_db, me, kr, 10, at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    ov = build_overview(build_report(demo_db, Q4, TODAY))
    assert len(ov.movers) == 5
    moves = [abs(int(m.detail.split()[0])) for m in ov.movers]
    assert moves == sorted(moves, reverse=True)
    fell = next(m for m in ov.movers if m.ref == f"KR-{kr}")
    assert fell.detail == "-80 pts" and fell.before == pytest.approx(0.9)
    assert points(1.3, 0.9) == 10 and points(0.5, None) == 50 and points(None, 0.2) == -20


def test_stale_key_results_and_the_at_risk_list(demo_db: Database, me: str) -> None:
    oid = create_objective(demo_db, me, period_id=Q4, title="Quiet", owner=me).id
    old = create_key_result(demo_db, me, objective_id=oid, title="Old", start=0, target=10).id
    recent = create_key_result(demo_db, me, objective_id=oid, title="Recent", start=0,
                               target=10).id  # fmt: skip
    check_in(demo_db, me, old, 1, at=datetime(2026, 11, 3, 9, tzinfo=UTC))
    check_in(demo_db, me, recent, 1, at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    empty = create_objective(demo_db, me, period_id=Q4, title="Nothing yet", owner=me).id
    ov = build_overview(build_report(demo_db, Q4, TODAY))
    stale = {item.ref: item.detail for item in ov.stale}
    assert stale[f"KR-{old}"] == "last check-in 20 days ago"
    assert f"KR-{recent}" not in stale
    assert stale["KR-33"] == "never checked in"  # the demo's KR without check-ins
    assert all(item.kind == "kr" for item in ov.stale)
    report = build_report(demo_db, Q4, TODAY)
    kpi_driven = {kr.row.ref for o in report.objectives for kr in o.key_results if kr.row.kpi_id}
    assert kpi_driven and not kpi_driven & set(stale)
    at_risk = [item.ref for item in ov.at_risk]
    assert f"O-{oid}" == at_risk[0]  # off track (10 %) before the demo's at-risk ones
    assert f"O-{empty}" not in at_risk  # no data yet: not "at risk"
    assert {item.band for item in ov.at_risk} == {Band.OFF_TRACK, Band.AT_RISK}
