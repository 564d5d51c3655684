"""store.format: one wording for a key result's value in the tree, the CLI and reports."""

from dataclasses import dataclass

import pytest

from store.format import current_value, kr_value, milestone_text
from store.model.enums import Direction, Kind


@dataclass
class _Kr:
    kind: Kind = Kind.METRIC
    direction: Direction = Direction.INCREASE
    start: float | None = 100.0
    target: float | None = 500.0
    current: float | None = None
    unit: str = "$"
    kpi_id: int | None = None


@pytest.mark.parametrize(
    ("kr", "text"),
    [
        (_Kr(current=250.0), "$250 / $500"),
        # before any check-in a metric stands at its start, not "—"
        (_Kr(), "$100 / $500"),
        (_Kr(kind=Kind.PERCENT, unit="%", start=None, target=None), "0% / —"),
        # a KPI-driven KR whose KPI has no value yet has no value
        (_Kr(kpi_id=3), "— / $500"),
        (_Kr(direction=Direction.STAY_ABOVE, current=120.0, target=100.0), "$120 (hold ≥ $100)"),
        (_Kr(direction=Direction.STAY_BELOW, current=80.0, target=100.0), "$80 (hold ≤ $100)"),
        (_Kr(kind=Kind.MILESTONE), "not started"),
        (_Kr(kind=Kind.MILESTONE, current=0.0), "not done"),
        (_Kr(kind=Kind.MILESTONE, current=1.0), "done"),
    ],
)
def test_a_key_results_value_reads_one_way(kr: _Kr, text: str) -> None:
    assert kr_value(kr) == text


def test_a_milestone_is_done_by_the_scoring_rule_not_by_another_threshold() -> None:
    # scoring counts 0.5 and above as done; the words must agree (the report said
    # "not done" for 0.7 while the score was 100 %)
    assert milestone_text(0.7) == "done"
    assert milestone_text(0.3) == "not done"
    assert current_value(_Kr(kind=Kind.MILESTONE)) == 0.0
