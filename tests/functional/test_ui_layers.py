"""The UI's layering rules, read from the source: modals never write, screens share one
typed app accessor.

A modal returns what was entered and the screen that opened it writes (issue 15):
nothing under ``okrtui/modals/`` may import a store function that writes. Screens get
the app through ``OkrScreen.okr_app`` (okrtui/screens/base.py), not a copy each.
"""

import ast
from pathlib import Path

OKRTUI = Path(__file__).resolve().parents[2] / "okrtui"

# What a modal may take from the store: types, errors, pure validators and formatters, and
# the one read the KPI value form makes (in a worker) to say which value it replaces.
READS_AND_CHECKS = {
    "store.db.database": {"Database"},
    "store.model.enums": {"Confidence", "Direction", "Kind", "KpiDirection", "Level",
                          "Aggregation", "Cadence", "SourceKind", "EXTERNAL_SOURCES"},
    "store.errors": {"DatabaseError", "DomainError", "ValidationError"},
    "store.model.rows": {"CheckInRow", "KpiPanel", "KrRow", "ObjectiveRow"},
    "store.domain.scoring": {"Thresholds", "band", "far_outside", "kr_progress"},
    "store.domain.checks": {
        "check_comment", "check_kr_values", "check_observed_on", "check_username",
        "check_weight", "thresholds_ok", "validate_check_in_value",
    },
    "store.domain.kpi_sources": {"validate_spec"},
    "store.domain.mentions": {"complete", "partial_mention"},
    "store.read.inbox": {"InboxItem"},
    "store.domain.validation": {
        "optional_number", "optional_text", "parse_date", "parse_number", "require_text",
    },
    "store.format": {"current_value", "format_number", "format_percent", "hold_text"},
    "store.io.kpi_import": {"ImportReport"},
    "store.io.userfiles": {"IMPORTS", "ImportFile", "folder", "list_imports", "read_import"},
    "store.read.kpis": {"kpi_value_on"},
}  # fmt: skip


def imports_from_store(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("store"):
            found |= {(node.module or "", alias.name) for alias in node.names}
        if isinstance(node, ast.Import):
            found |= {(alias.name, "*") for alias in node.names if alias.name.startswith("store")}
    return found


def test_modals_import_no_store_writer() -> None:
    modals = sorted((OKRTUI / "modals").glob("*.py"))
    assert len(modals) > 5
    for path in modals:
        for module, name in imports_from_store(path):
            allowed = READS_AND_CHECKS.get(module, set())
            assert name in allowed, f"{path.name} imports {module}.{name}: modals do not write"


def test_one_typed_app_accessor() -> None:
    """Only base.py defines ``okr_app``: every screen, the tree included, is an OkrScreen."""
    defining = sorted(
        path.name for path in (OKRTUI / "screens").glob("*.py") if "def okr_app" in path.read_text()
    )
    assert defining == ["base.py"]
