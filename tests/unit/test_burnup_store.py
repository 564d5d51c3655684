"""store/read/burnup.py: the values behind burn-up charts, read in bulk (both backends)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from store.db.database import Database
from store.identity import current_username
from store.model.enums import Confidence, PeriodState
from store.read.burnup import burnup_samples
from store.read.tree import load_tree
from store.write import checkins, key_results, kpis, objectives, periods

ACTOR = current_username()


@contextmanager
def reads(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many read transactions the block opens."""
    opened: list[int] = []
    original = Database.plain_read

    def counted(self: Database) -> Any:
        opened.append(1)
        return original(self)

    monkeypatch.setattr(Database, "plain_read", counted)
    yield opened
    monkeypatch.setattr(Database, "plain_read", original)


def test_check_ins_and_kpi_values_of_many_key_results_in_one_read(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = periods.create_period(db, ACTOR, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31),
                                PeriodState.ACTIVE).id  # fmt: skip
    oid = objectives.create_objective(db, ACTOR, period_id=pid, title="Grow", owner=ACTOR).id
    mrr = kpis.create_kpi(db, ACTOR, name="MRR", owner=ACTOR, unit="$").id
    own = [key_results.create_key_result(db, ACTOR, objective_id=oid, title=f"KR {n}",
                                         start=0, target=100).id for n in (1, 2, 3)]  # fmt: skip
    follows = key_results.create_key_result(db, ACTOR, objective_id=oid, title="MRR 1M",
                                            start=0, target=1e6, kpi_id=mrr).id  # fmt: skip
    checkins.check_in(db, ACTOR, own[0], 10, confidence=Confidence.ON_TRACK,
                      at=datetime(2026, 10, 5, 9, tzinfo=UTC))  # fmt: skip
    checkins.check_in(db, ACTOR, own[0], 30, confidence=Confidence.AT_RISK,
                      at=datetime(2026, 10, 19, 9, tzinfo=UTC))  # fmt: skip
    checkins.check_in(db, ACTOR, own[1], 55, at=datetime(2026, 10, 12, 9, tzinfo=UTC))
    for day, value in ((date(2026, 9, 25), 1.0), (date(2026, 10, 2), 2.0),
                       (date(2026, 11, 6), 3.0), (date(2027, 1, 8), 4.0)):  # fmt: skip
        kpis.record_kpi_value(db, ACTOR, mrr, value, observed_on=day)
    tree = load_tree(db, pid)
    krs = list(tree.objectives[oid].key_results)
    with reads(db, monkeypatch) as opened:
        samples = burnup_samples(db, krs, tree.period)
    assert len(opened) == 1
    first = samples[own[0]]
    assert [(s.value, s.confidence) for s in first] == [
        (10.0, Confidence.ON_TRACK),
        (30.0, Confidence.AT_RISK),
    ]
    assert first[0].at == datetime(2026, 10, 5, 9, tzinfo=UTC)
    assert [s.value for s in samples[own[1]]] == [55.0]
    assert samples[own[2]] == []
    # the KPI's values within the period only, dated by their day, without a confidence
    assert [(s.at, s.value, s.confidence) for s in samples[follows]] == [
        (date(2026, 10, 2), 2.0, None),
        (date(2026, 11, 6), 3.0, None),
    ]


def test_no_key_results_reads_nothing_and_returns_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = periods.create_period(db, ACTOR, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)).id
    tree = load_tree(db, pid)
    with reads(db, monkeypatch) as opened:
        assert burnup_samples(db, [], tree.period) == {}
    assert opened == []


def test_the_report_reads_the_confidence_before_the_latest(db: Database) -> None:
    """build_report's query for "confidence dropped" (store/io/report.py), on both backends."""
    from store.io.report import build_report

    pid = periods.create_period(db, ACTOR, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31),
                                PeriodState.ACTIVE).id  # fmt: skip
    oid = objectives.create_objective(db, ACTOR, period_id=pid, title="Grow", owner=ACTOR).id
    kr = key_results.create_key_result(db, ACTOR, objective_id=oid, title="KR",
                                       start=0, target=100).id  # fmt: skip
    for day, confidence in ((2, Confidence.ON_TRACK), (9, Confidence.ON_TRACK),
                            (20, Confidence.OFF_TRACK)):  # fmt: skip
        checkins.check_in(db, ACTOR, kr, day, confidence=confidence,
                          at=datetime(2026, 11, day, 9, tzinfo=UTC))  # fmt: skip
    line = build_report(db, pid, date(2026, 11, 23)).objectives[0].key_results[0]
    assert (line.previous_confidence, line.confidence) == (Confidence.ON_TRACK,
                                                          Confidence.OFF_TRACK)  # fmt: skip
    assert line.confidence_dropped
