"""OKRs as a TOML file: export a period, edit it, apply it back (by reference, all or nothing)."""

import sqlite3
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrtui.cli.main import main
from store.db.database import Database
from store.errors import DomainError, OkrFileError, PermissionDenied
from store.io.okr_toml import apply_toml, export_toml, parse_toml
from store.read.tree import load_tree
from store.write.close_period import close_period

Q4 = 2


def dump(db: Database) -> list[str]:
    assert db.path is not None
    with sqlite3.connect(db.path) as conn:
        return list(conn.iterdump())


def count(db: Database, sql: str, *args: object) -> int:
    assert db.path is not None
    with sqlite3.connect(db.path) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_export_has_one_table_per_objective_with_nested_key_results(demo_db: Database) -> None:
    text = export_toml(demo_db, Q4)
    assert text.startswith("# okrtui OKRs of 2026-Q4")
    doc = tomllib.loads(text)
    tree = load_tree(demo_db, Q4)
    assert (doc["format"], doc["version"], doc["period"]) == ("okrtui-okrs", 1, "2026-Q4")
    assert [o["ref"] for o in doc["objective"]] == [row.ref for _, row in tree.walk()]
    o8 = doc["objective"][1]
    assert (o8["title"], o8["owner"], o8["parent"], o8["team"], o8["collaborators"]) == (
        "Expand enterprise customer success", "ben", "O-6", "Sales", ["hugo"])  # fmt: skip
    assert "parent" not in doc["objective"][0]  # a top-level objective
    kr12 = doc["objective"][0]["key_result"][0]
    assert kr12 == {"ref": "KR-12", "title": "Grow MRR to $1.0M", "kind": "metric",
                    "direction": "increase", "start": 896600, "target": 1000000, "unit": "$",
                    "owner": "ana", "weight": 2, "kpi": "MRR"}  # fmt: skip
    assert '[[objective.key_result]]\nref = "KR-13"' in text  # readable tables, not inline


def test_applying_an_unchanged_export_changes_nothing(demo_db: Database, me: str) -> None:
    before = dump(demo_db)
    result = apply_toml(demo_db, me, parse_toml(export_toml(demo_db, Q4)))
    assert result.changes == () and dump(demo_db) == before


def _edited(text: str) -> str:
    text = text.replace('title = "Grow MRR to $1.0M"', 'title = "Grow MRR to $1.1M"', 1)
    text = text.replace("target = 1000000\n", "target = 1100000\n", 1)
    return text + (
        '\n[[objective]]\ntitle = "Open a Berlin office"\nowner = "ben"\nparent = "O-6"\n'
        '\n[[objective.key_result]]\ntitle = "Sign the lease"\nkind = "milestone"\n'
        '\n[[objective]]\ntitle = "Hire the Berlin team"\nparent = "Open a Berlin office"\n'
        '\n[[objective.key_result]]\ntitle = "Hire 6 people"\ntarget = 6\nunit = "hires"\n'
    )


def test_edits_update_by_reference_and_new_items_are_created(demo_db: Database, me: str) -> None:
    doc = parse_toml(_edited(export_toml(demo_db, Q4)))
    preview = apply_toml(demo_db, me, doc, dry_run=True)
    texts = [c.text for c in preview.changes]
    assert texts[0] == ("update KR-12: title “Grow MRR to $1.0M” → “Grow MRR to $1.1M”; "
                        "target “1e+06” → “1.1e+06”")  # fmt: skip
    assert (preview.count("create"), preview.count("update"), preview.count("delete")) == (4, 1, 0)

    applied = apply_toml(demo_db, me, doc)
    assert [c.text for c in applied.changes] == texts
    tree = load_tree(demo_db, Q4)
    kr12 = tree.key_result(12)
    assert kr12 is not None and (kr12.title, kr12.target) == ("Grow MRR to $1.1M", 1_100_000)
    office = next(o for o in tree.objectives.values() if o.title == "Open a Berlin office")
    team = next(o for o in tree.objectives.values() if o.title == "Hire the Berlin team")
    assert (office.parent_id, office.owner, office.level.value) == (6, "ben", "team")
    assert (team.parent_id, team.owner, team.level.value) == (office.id, me, "personal")
    assert [k.title for k in office.key_results] == ["Sign the lease"]
    assert [(k.target, k.unit) for k in team.key_results] == [(6, "hires")]
    assert count(demo_db, "SELECT count(*) FROM activity WHERE detail LIKE '%okr file%'") == 1


def test_dry_run_writes_nothing(demo_db: Database, me: str) -> None:
    before = dump(demo_db)
    apply_toml(demo_db, me, parse_toml(_edited(export_toml(demo_db, Q4))), dry_run=True)
    assert dump(demo_db) == before


def test_nothing_is_deleted_unless_asked(demo_db: Database, me: str) -> None:
    doc = parse_toml(export_toml(demo_db, Q4))
    doc["objective"] = [o for o in doc["objective"] if o["ref"] != "O-13"]  # SOC 2 left out
    doc["objective"][0]["key_result"].pop()  # KR-14 left out
    assert apply_toml(demo_db, me, doc).changes == ()
    assert count(demo_db, "SELECT count(*) FROM objective WHERE id = 13") == 1

    result = apply_toml(demo_db, me, doc, delete_missing=True)
    assert [c.ref for c in result.changes] == ["O-13", "KR-14"]
    assert result.changes[0].text.startswith("delete O-13 “Pass the SOC 2 Type II audit” with")
    assert count(demo_db, "SELECT count(*) FROM objective WHERE id = 13") == 0
    assert count(demo_db, "SELECT count(*) FROM key_result WHERE id IN (14, 34, 35)") == 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["objective"][0].update(titel="x"), "objective[1] (O-6): unknown key 'titel'"),
        (lambda d: d["objective"][0]["key_result"][0].update(target="abc"),
         "objective[1] (O-6).key_result[1] (KR-12): target must be a number"),
        (lambda d: d["objective"][0]["key_result"][0].update(ref="KR-18"),
         "KR-18 is not a key result of this objective (it belongs to O-8)"),
        (lambda d: d["objective"][0].update(ref="O-1"), "O-1 belongs to period 2026-Q3"),
        (lambda d: d["objective"][0].update(parent="O-8"), "loops back to itself"),
        (lambda d: d["objective"][1].update(title=""), "title must not be empty"),
        (lambda d: d["objective"][1]["key_result"][0].update(kpi="Nope"), "no KPI 'Nope'"),
        (lambda d: d["objective"].append({"owner": "ana"}), "a new objective needs a title"),
        (lambda d: d.update(period="2031-Q1"), "there is no period '2031-Q1'"),
        (lambda d: d.update(format="other"), "not an okrtui OKR file"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_its_place_and_writes_nothing(
    demo_db: Database, me: str, edit, message: str
) -> None:
    doc = parse_toml(export_toml(demo_db, Q4))
    doc["objective"][0]["title"] = "Changed, so the valid part would write"
    edit(doc)
    before = dump(demo_db)
    with pytest.raises(DomainError) as caught:
        apply_toml(demo_db, me, doc)
    assert message in str(caught.value)
    assert dump(demo_db) == before


def test_syntax_errors_name_the_line() -> None:
    with pytest.raises(OkrFileError, match="line 2"):
        parse_toml('format = "okrtui-okrs"\ntitle = \n')


def test_a_closed_period_is_read_only(demo_db: Database, me: str) -> None:
    text = export_toml(demo_db, Q4)
    close_period(demo_db, me, Q4)
    with pytest.raises(OkrFileError, match="closed and read-only"):
        apply_toml(demo_db, me, parse_toml(text), dry_run=True)


def test_changes_need_edit_rights(demo_db: Database) -> None:
    doc = parse_toml(export_toml(demo_db, Q4))
    doc["objective"][0]["title"] = "Mallory's title"
    before = dump(demo_db)
    with pytest.raises(PermissionDenied):
        apply_toml(demo_db, "mallory", doc)
    assert dump(demo_db) == before


def test_a_collaborator_edits_through_a_file_but_cannot_take_an_objective_over(
    demo_db: Database,
) -> None:
    doc = parse_toml(export_toml(demo_db, Q4))
    table = next(t for t in doc["objective"] if t.get("collaborators"))
    helper = table["collaborators"][0]
    table["title"] = "Edited by a collaborator"
    apply_toml(demo_db, helper, doc)  # a collaborator may edit the text
    table["owner"] = helper
    before = dump(demo_db)
    with pytest.raises(PermissionDenied, match="owner, collaborators or alignment"):
        apply_toml(demo_db, helper, doc)
    assert dump(demo_db) == before


def test_cli_export_and_import_toml(demo_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "q4.toml"
    args = ["--db", str(demo_path), "export", "--format", "toml", "--period", "2026-Q4"]
    result = runner.invoke(main, [*args, "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and tomllib.loads(out.read_text())["period"] == "2026-Q4"
    out.write_text(out.read_text().replace('title = "Grow MRR to $1.0M"', 'title = "Grow MRR"'))
    dry = runner.invoke(main, ["--db", str(demo_path), "import", str(out), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "update KR-12: title “Grow MRR to $1.0M” → “Grow MRR”" in dry.output
    assert "0 to create, 1 to update, 0 to delete; dry run, nothing was changed" in dry.output
    done = runner.invoke(main, ["--db", str(demo_path), "import", str(out)])
    assert done.exit_code == 0 and "0 create, 1 update, 0 delete" in done.output
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'format = "okrtui-okrs"\nversion = 1\nperiod = "2026-Q4"\n[[objective]]\nref = 5\n'
    )
    refused = runner.invoke(main, ["--db", str(demo_path), "import", str(bad)])
    assert refused.exit_code == 1 and "objective[1]: ref must be" in refused.output


def test_every_problem_of_the_file_is_reported_in_one_run(demo_db: Database, me: str) -> None:
    """Finding 11: kind "milestne" and weight = -1 (and a bad owner elsewhere) in one run."""
    doc = parse_toml(export_toml(demo_db, Q4))
    doc["objective"][0]["key_result"][0].update(kind="milestne", weight=-1)
    doc["objective"][1]["owner"] = "two words"
    doc["objective"][1]["key_result"][0]["target"] = "ten"
    before = dump(demo_db)
    with pytest.raises(OkrFileError) as caught:
        apply_toml(demo_db, me, doc, dry_run=True)
    errors = caught.value.errors
    assert len(errors) == 4, errors
    assert str(caught.value).startswith("4 problems, nothing was changed:\n")
    assert "objective[1]" in errors[0] and "kind" in errors[0] and "milestne" in errors[0]
    assert "objective[1]" in errors[1] and "weight must be above 0" in errors[1]
    assert any("objective[2]" in e and "two words" in e for e in errors)
    assert any("objective[2]" in e and "target must be a number, got 'ten'" in e for e in errors)
    assert dump(demo_db) == before


def test_parent_problems_come_in_the_same_run_as_the_others(demo_db: Database, me: str) -> None:
    """A bad parent was reported only on the run after the items' own problems were fixed."""
    doc = parse_toml(export_toml(demo_db, Q4))
    doc["objective"][0]["key_result"][0]["kind"] = "milestne"
    doc["objective"][1]["parent"] = "O-999"
    doc["objective"][2]["parent"] = "No such objective"
    doc["objective"][3]["parent"] = doc["objective"][0]["title"]  # unread: no second problem
    before = dump(demo_db)
    with pytest.raises(OkrFileError) as caught:
        apply_toml(demo_db, me, doc, dry_run=True)
    errors = caught.value.errors
    assert len(errors) == 3, errors
    assert "objective[1]" in errors[0] and "milestne" in errors[0]
    assert any("objective[2]" in e and "parent O-999 is not an objective" in e for e in errors)
    assert any("objective[3]" in e and "names no objective in the file" in e for e in errors)
    assert dump(demo_db) == before
