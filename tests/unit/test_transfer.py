"""JSON export/import: lossless round trip, strict validation, all-or-nothing import."""

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from store.db.database import Database, open_database
from store.db.schema import HEAD
from store.errors import TransferError
from store.io import transfer, transfer_import
from store.io.transfer import dumps, export_document
from store.io.transfer_codec import FORMAT, FORMAT_VERSION, TABLES
from store.io.transfer_import import import_document, parse_document, read_document
from store.model.enums import (
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
)
from store.model.tables import (
    Activity,
    Admin,
    CheckIn,
    Collaborator,
    KeyResult,
    Kpi,
    KpiValue,
    Objective,
    Period,
)

T0 = datetime(2026, 10, 1, 9, 30, 0, 123456, tzinfo=UTC)
T1 = datetime(2026, 10, 8, 17, 5, 59, 1, tzinfo=UTC)
NOTE = "Shipped [bold]x[/] – ünïcødé ✓ 日本語\nsecond line\twith a tab"


def _populate(db: Database) -> None:
    with db.write() as s:
        s.add(
            Period(
                id=1,
                name="2026-Q4",
                starts_on=date(2026, 10, 1),
                ends_on=date(2026, 12, 31),
                state=PeriodState.ACTIVE,
                created_at=T0,
            )
        )
        s.add(
            Kpi(
                id=2,
                name="Revenue €",
                unit="€",
                owner="ana",
                direction=KpiDirection.HIGHER,
                target=1e300,
                green_threshold=-0.5,
                red_threshold=None,
                created_at=T0,
            )
        )
        s.flush()
        s.add(Kpi(id=1, name="MRR", owner="ana", parent_id=2, archived=True, created_at=T1))
        s.flush()
        # The parent has a higher id than its child (moved under a newer objective).
        s.add(
            Objective(
                id=2,
                period_id=1,
                level=Level.COMPANY,
                title="Grow «revenue» 🚀",
                owner="ana",
                description=NOTE,
                created_at=T0,
                updated_at=T1,
            )
        )
        s.flush()
        s.add(
            Objective(
                id=1,
                period_id=1,
                parent_id=2,
                rolled_from_id=2,
                level=Level.TEAM,
                team="core",
                title="[/] not markup",
                owner="bob",
                state=ObjectiveState.CLOSED,
                grade=0.1 + 0.2,
                retro_note="ok\n",
                position=-3,
                created_at=T0,
                updated_at=T0,
            )
        )
        s.flush()
        s.add(Collaborator(objective_id=1, username="carol"))
        s.add(Collaborator(objective_id=2, username="bob"))
        s.add(
            KeyResult(
                id=1,
                objective_id=2,
                title="MRR up",
                kind=Kind.METRIC,
                direction=Direction.INCREASE,
                start_value=-12.5,
                target_value=1e300,
                unit="€",
                owner="ana",
                kpi_id=1,
                weight=0.1 + 0.2,
                current_value=0.1 + 0.2,
                current_at=T1,
                created_at=T0,
                updated_at=T0,
            )
        )
        s.add(
            KeyResult(
                id=5,
                objective_id=1,
                title="Launch",
                kind=Kind.MILESTONE,
                direction=Direction.STAY_BELOW,
                owner="bob",
                created_at=T0,
                updated_at=T0,
            )
        )
        s.flush()
        s.add(
            CheckIn(
                id=1,
                key_result_id=1,
                value=-0.0,
                confidence=None,
                note="",
                author="ana",
                created_at=T0,
            )
        )
        s.add(
            CheckIn(
                id=2,
                key_result_id=1,
                value=0.1 + 0.2,
                confidence=Confidence.AT_RISK,
                note=NOTE,
                author="ana",
                created_at=T1,
            )
        )
        s.add(
            KpiValue(
                id=1,
                kpi_id=1,
                observed_on=date(2026, 10, 5),
                value=1e-300,
                note="[bold]x[/]",
                author="ana",
                created_at=T1,
            )
        )
        s.add(
            Activity(
                id=1,
                at=T1,
                author="ana",
                entity="check_in",
                entity_id=2,
                action="create",
                detail=json.dumps({"note": NOTE}),
            )
        )
        s.add(Admin(username="ana", added_by="root", added_at=T0))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "source.db", create=True)
    _populate(database)
    yield database
    database.close()


@pytest.fixture
def empty(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "target.db", create=True)
    yield database
    database.close()


@pytest.fixture
def document(db: Database) -> dict[str, Any]:
    return export_document(db)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {
            key: conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
            for key, model in TABLES
        }


def _refused(db: Database, document: Any, *needles: str) -> str:
    with pytest.raises(TransferError) as info:
        import_document(db, document)
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    return message


# --- export and round trip ----------------------------------------------------------------


def test_export_shape(document: dict[str, Any]) -> None:
    assert list(document) == ["format", "version", "schema", *(key for key, _ in TABLES)]
    assert (document["format"], document["version"], document["schema"]) == (FORMAT, 1, HEAD)
    assert [o["id"] for o in document["objectives"]] == [1, 2]
    child = document["objectives"][0]
    assert child["parent_id"] == 2 and child["grade"] == 0.1 + 0.2
    assert child["level"] == "team" and child["state"] == "closed"
    assert document["periods"][0]["starts_on"] == "2026-10-01"
    assert document["periods"][0]["created_at"] == "2026-10-01T09:30:00.123456Z"
    assert document["key_results"][0]["current_at"] == "2026-10-08T17:05:59.000001Z"
    assert document["key_results"][1]["current_at"] is None
    assert document["check_ins"][0]["confidence"] is None
    assert document["check_ins"][1]["confidence"] == "at_risk"
    assert document["check_ins"][1]["note"] == NOTE
    assert document["kpis"][0]["archived"] is True
    assert isinstance(document["key_results"][1]["weight"], float)
    assert document["kpis"][1]["target"] == 1e300


def test_round_trip_is_identical(db: Database, empty: Database) -> None:
    first = export_document(db)
    text = dumps(first)
    counts = import_document(empty, parse_document(text))
    assert counts == {key: len(first[key]) for key, _ in TABLES}
    again = export_document(empty)
    assert again == first
    assert dumps(again) == text
    assert text.endswith("}\n") and "0.30000000000000004" in text and "1e+300" in text


def test_parse_gives_back_the_exported_document(document: dict[str, Any]) -> None:
    assert parse_document(dumps(document)) == document


def test_read_document_file(tmp_path: Path, document: dict[str, Any]) -> None:
    path = tmp_path / "export.json"
    path.write_text("\ufeff" + dumps(document), encoding="utf-8")  # a BOM is tolerated
    assert read_document(path) == document
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(TransferError, match="not UTF-8"):
        read_document(path)
    with pytest.raises(TransferError, match="cannot read"):
        read_document(tmp_path / "missing.json")


def test_imported_database_is_usable(document: dict[str, Any], empty: Database) -> None:
    import_document(empty, document)
    with empty.write() as s:
        s.add(Period(name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)))
    with empty.read() as conn:
        objective = conn.execute(select(Objective.__table__).where(Objective.id == 1)).one()
        ids = conn.execute(select(Period.__table__.c.id)).scalars().all()
    assert objective.parent_id == 2 and objective.rolled_from_id == 2
    assert ids == [1, 2]


def test_dumps_escapes_terminal_and_bidi_characters() -> None:
    nasty = "a\x1b]0;title\x07b\x9bc\u202ed\u200be\u2028f\ud800"
    text = dumps({"x": nasty})
    for char in "\x1b\x07\x9b\u202e\u200b\u2028\ud800":
        assert char not in text
    text.encode("utf-8")
    assert json.loads(text)["x"] == nasty


def test_export_refuses_non_finite_float(db: Database) -> None:
    with db.write() as s:
        s.get(KeyResult, 5).target_value = float("inf")
    with pytest.raises(TransferError, match=r"key_results\[1\] \(id 5\): target_value"):
        export_document(db)


# --- import refusals -------------------------------------------------------------------------


def test_import_into_non_empty_database_refused(db: Database, document: dict[str, Any]) -> None:
    before = dumps(export_document(db))
    _refused(db, document, "the database is not empty", "1 periods")
    assert dumps(export_document(db)) == before


def test_existing_admin_kept(document: dict[str, Any], empty: Database) -> None:
    with empty.write() as s:
        s.add(Admin(username="ana", added_by="installer", added_at=T1))
    counts = import_document(empty, document)
    assert counts["admins"] == 0 and counts["objectives"] == 2
    assert export_document(empty)["admins"][0]["added_by"] == "installer"


def test_malformed_json_names_line() -> None:
    with pytest.raises(TransferError, match=r"not valid JSON: .* line 3, column"):
        parse_document('{\n  "format": "okrtui",\n  "version": 1,,\n}')


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_non_finite_number_refused(literal: str) -> None:
    with pytest.raises(TransferError, match="finite"):
        parse_document(f'{{"format": "okrtui", "version": 1, "x": {literal}}}')


def test_duplicate_json_key_refused() -> None:
    with pytest.raises(TransferError, match='repeats the key "version"'):
        parse_document('{"format": "okrtui", "version": 1, "version": 2}')


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[]", "expected a JSON object"),
        ('{"version": 1}', '"format" must be "okrtui", got missing'),
        ('{"format": "csv", "version": 1}', 'got "csv"'),
        ('{"format": "okrtui", "version": "1"}', '"version" must be an integer'),
        ('{"format": "okrtui", "version": 2}', "newer okrtui"),
        ('{"format": "okrtui", "version": 0}', "unsupported format version 0"),
        ('{"format": "okrtui", "version": 1, "schema": "9999"}', "newer than this okrtui"),
        ('{"format": "okrtui", "version": 1, "schema": "0001"}', "older okrtui"),
        ("1" * 5000, "not usable JSON"),
        ("[" * 100_000, "not usable JSON"),
    ],
)
def test_bad_header_refused(text: str, needle: str) -> None:
    with pytest.raises(TransferError) as info:
        parse_document(text)
    assert needle in str(info.value)


def test_top_level_keys_checked(document: dict[str, Any], empty: Database) -> None:
    _refused(empty, {**document, "extra": []}, 'unknown top-level key "extra"')
    missing = {key: value for key, value in document.items() if key != "kpis"}
    _refused(empty, missing, 'missing top-level key "kpis"')
    _refused(empty, {**document, "kpis": {}}, '"kpis" must be a list')


def _with(document: dict[str, Any], key: str, index: int, **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed[key][index].update(changes)
    return changed


@pytest.mark.parametrize(
    ("key", "index", "changes", "needle"),
    [
        (
            "key_results",
            1,
            {"target_value": "abc"},
            'key_results[1] (id 5): target_value must be a finite number, got "abc"',
        ),
        ("key_results", 0, {"weight": True}, "key_results[0] (id 1): weight must be a finite"),
        ("key_results", 0, {"weight": float("nan")}, "weight must be a finite number, got NaN"),
        ("key_results", 0, {"weight": None}, "key_results[0] (id 1): weight must not be null"),
        ("objectives", 0, {"position": 1.0}, "position must be an integer, got 1.0"),
        ("objectives", 0, {"id": 2**63}, "id is out of range"),
        ("objectives", 0, {"level": "TEAM"}, 'level must be one of "company", "team"'),
        ("kpis", 0, {"archived": 1}, "archived must be true or false, got 1"),
        ("periods", 0, {"starts_on": "2026-02-30"}, "starts_on must be a date"),
        ("periods", 0, {"starts_on": "20261001"}, "starts_on must be a date"),
        ("periods", 0, {"starts_on": "٢٠٢٦-10-01"}, "starts_on must be a date"),
        ("check_ins", 0, {"created_at": "2026-10-01T09:30:00"}, "with a time zone"),
        ("check_ins", 0, {"created_at": 5}, "check_ins[0] (id 1): created_at must be a time"),
        ("objectives", 1, {"title": "x" * 301}, "title is longer than 300 characters (301)"),
        ("objectives", 1, {"title": ["a"]}, "title must be a string, got a list"),
        (
            "collaborators",
            0,
            {"username": 7},
            "collaborators[0] (objective_id 1, username 7): username must be a string",
        ),
    ],
)
def test_wrong_value_refused_with_record_named(
    document: dict[str, Any], empty: Database, key: str, index: int, changes: dict, needle: str
) -> None:
    _refused(empty, _with(document, key, index, **changes), needle)
    assert sum(_counts(empty).values()) == 0


def test_wrong_type_refused_from_text(document: dict[str, Any]) -> None:
    text = dumps(_with(document, "key_results", 0, target_value="abc"))
    with pytest.raises(TransferError, match=r'key_results\[0\] \(id 1\): target_value .*"abc"'):
        parse_document(text)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "evil\x1b]52;c;aGk=\x07"),
        ("title", "a\x9bb"),
        ("title", "line\nbreak"),
        ("title", "admin\u202etxt.exe"),
        ("title", "zero\u200bwidth"),
        ("owner", "\ufeffana"),
        ("description", "bell\x07"),
        ("description", "bidi\u2066"),
        ("description", "cr\r\n"),
    ],
)
def test_control_and_invisible_characters_refused(
    document: dict[str, Any], empty: Database, field: str, value: str
) -> None:
    message = _refused(
        empty, _with(document, "objectives", 1, **{field: value}), f"objectives[1] (id 2): {field}"
    )
    assert message.isascii() and "\x1b" not in message


def test_newline_and_tab_allowed_in_free_text(document: dict[str, Any], empty: Database) -> None:
    changed = _with(document, "objectives", 1, description="a\nb\tc", retro_note="x\ny")
    assert import_document(empty, changed)["objectives"] == 2


def test_error_messages_never_carry_raw_control_characters(document: dict[str, Any]) -> None:
    changed = copy.deepcopy(document)
    changed["objectives"][0]["\x1b[2J"] = 1
    with pytest.raises(TransferError) as info:
        parse_document(dumps(changed))
    assert "\x1b" not in str(info.value) and "\\u001b[2J" in str(info.value)


def test_unknown_and_missing_record_keys_refused(document: dict[str, Any], empty: Database) -> None:
    _refused(
        empty,
        _with(document, "check_ins", 1, mood="happy"),
        'check_ins[1] (id 2): unknown key "mood"',
    )
    missing = copy.deepcopy(document)
    del missing["check_ins"][1]["note"]
    _refused(empty, missing, 'check_ins[1] (id 2): missing key "note"')
    not_object = copy.deepcopy(document)
    not_object["admins"][0] = "ana"
    _refused(empty, not_object, 'admins[0]: must be an object, got "ana"')


def test_duplicates_refused(document: dict[str, Any], empty: Database) -> None:
    _refused(
        empty,
        _with(document, "objectives", 1, id=1),
        "objectives[1] (id 1): duplicate id 1 (already in objectives[0])",
    )
    _refused(empty, _with(document, "kpis", 1, name="MRR"), 'duplicate name "MRR"')
    twice = copy.deepcopy(document)
    twice["kpi_values"].append({**twice["kpi_values"][0], "id": 9})
    _refused(empty, twice, "kpi_values[1] (id 9): duplicate kpi_id 1, observed_on")


def test_dangling_foreign_key_refused_and_nothing_written(
    document: dict[str, Any], empty: Database
) -> None:
    _refused(
        empty,
        _with(document, "key_results", 1, objective_id=999),
        "key_results[1] (id 5): objective_id 999 refers to no record in objectives",
    )
    _refused(
        empty,
        _with(document, "objectives", 0, parent_id=77),
        "objectives[0] (id 1): parent_id 77 refers to no record in objectives",
    )
    assert sum(_counts(empty).values()) == 0


def test_database_failure_rolls_everything_back(
    document: dict[str, Any], empty: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Let a dangling reference past validation: the database itself must refuse it,
    # after earlier tables were already inserted in the same transaction.
    monkeypatch.setattr(transfer_import, "_check_references", lambda rows: None)
    dangling = _with(document, "check_ins", 1, key_result_id=999)
    _refused(empty, dangling, "nothing was written", "FOREIGN KEY")
    assert sum(_counts(empty).values()) == 0
    assert import_document(empty, document)["check_ins"] == 2


def test_self_reference_cycle_imports(document: dict[str, Any], empty: Database) -> None:
    cycle = _with(document, "objectives", 1, parent_id=1)
    import_document(empty, cycle)
    assert export_document(empty) == cycle


def test_empty_document_round_trips(empty: Database, tmp_path: Path) -> None:
    blank = export_document(empty)
    assert all(blank[key] == [] for key, _ in TABLES)
    assert import_document(empty, blank) == dict.fromkeys((key for key, _ in TABLES), 0)
    assert FORMAT_VERSION == 1


def test_db_copy_streams_rows_in_batches_without_a_whole_document(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: `db copy` of the large organisation built the whole export in memory
    (3.3 GB); now rows go across in batches and are compared row by row."""
    from click.testing import CliRunner

    from okrtui.cli.main import main

    export = transfer.export_document
    sizes: list[int] = []
    real_insert = transfer._insert

    def whole_document(*_args: Any) -> Any:
        raise AssertionError("db copy built the whole document")

    def insert(conn: Any, spec: Any, rows: list[dict[str, Any]]) -> None:
        sizes.append(len(rows))
        real_insert(conn, spec, rows)

    monkeypatch.setattr(transfer, "export_document", whole_document)
    monkeypatch.setattr(transfer_import, "import_document", whole_document)
    monkeypatch.setattr(transfer, "COPY_BATCH", 7)
    monkeypatch.setattr(transfer, "_insert", insert)
    target = tmp_path / "copy.db"
    result = CliRunner().invoke(main, ["--db", str(demo_path), "db", "copy", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert "both export the same" in result.output
    assert sizes and max(sizes) <= 7 and sum(sizes) > 100
    original, copied = open_database(demo_path), open_database(target)
    try:
        assert export(copied) == export(original)
    finally:
        original.close()
        copied.close()


def test_same_rows_notices_one_changed_or_missing_row(demo_path: Path, tmp_path: Path) -> None:
    """The row-by-row comparison `db copy` verifies with must see a single difference."""
    import sqlite3

    source = open_database(demo_path)
    target = tmp_path / "copy.db"
    dest = open_database(target, create=True)
    try:
        transfer.copy_database(source, dest)
        assert transfer.same_rows(source, dest)
        with sqlite3.connect(target) as conn:
            conn.execute("UPDATE check_in SET note = note || '.' WHERE id = 3")
        assert not transfer.same_rows(source, dest)
        with sqlite3.connect(target) as conn:
            conn.execute("UPDATE check_in SET note = substr(note, 1, length(note) - 1) "
                         "WHERE id = 3")  # fmt: skip
            conn.execute("DELETE FROM check_in WHERE id = (SELECT max(id) FROM check_in)")
        assert not transfer.same_rows(source, dest)
    finally:
        source.close()
        dest.close()


def test_db_copy_of_a_row_the_models_cannot_read_is_refused_and_copies_nothing(
    demo_path: Path, tmp_path: Path
) -> None:
    """The streamed copy reads rows as the models type them: a value no model accepts
    (written with the sqlite3 shell) stops it before anything is committed."""
    import sqlite3

    from click.testing import CliRunner

    from okrtui.cli.main import main

    with sqlite3.connect(demo_path) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE check_in SET confidence = 'sideways' WHERE id = 2")
    target = tmp_path / "copy.db"
    result = CliRunner().invoke(main, ["--db", str(demo_path), "db", "copy", "--to", str(target)])
    assert result.exit_code == 1, result.output
    assert "sideways" in result.output and "nothing was copied" in result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM objective").fetchone() == (0,)


@pytest.mark.parametrize("schema", ["0006", "0007", "0008"])
def test_an_export_from_before_the_kpi_sources_imports_with_what_it_meant(
    document: dict[str, Any], empty: Database, schema: str
) -> None:
    """0008 added KPI columns and a table: an older export lacks them (it was refused for a
    missing "cadence"), and 0009 only widened a check. Its KPIs are levels typed by hand."""
    old = copy.deepcopy(document)
    old["schema"] = schema
    assert old["kpis"] and old["kpi_values"]
    if schema < "0008":
        del old["kpi_sources"]
        for kpi in old["kpis"]:
            for column in ("cadence", "aggregation", "range_low", "range_high"):
                del kpi[column]
        for value in old["kpi_values"]:
            del value["source"]
    if schema < "0007":
        for key in ("comments", "mentions", "inbox_read", "reminder_opt_outs"):
            del old[key]
    import_document(empty, old)
    again = export_document(empty)
    assert [k["aggregation"] for k in again["kpis"]] == ["level"] * len(again["kpis"])
    assert {v["source"] for v in again["kpi_values"]} == {""}
    assert again["kpi_sources"] == []
    assert len(again["kpi_values"]) == len(document["kpi_values"])


def test_an_older_export_still_names_a_missing_column_it_should_have(
    document: dict[str, Any], empty: Database
) -> None:
    old = copy.deepcopy(document)
    old["schema"] = "0008"
    del old["kpis"][0]["cadence"]
    _refused(empty, old, 'missing key "cadence"')
