"""Migration 0007 on PostgreSQL: what a member's ``psql`` may do with KPI sources.

A source decides what the server owner's scheduled pull fetches, so a member may define
one only for a KPI they own (admins for any), may never approve one, never write the
pull's status, and never pass a value off as pulled.
"""

import pytest
from conftest import OWNER, TeamDb
from test_pg_rules import refused, tagged

pytestmark = pytest.mark.usefixtures("pg_cluster")

DEFINE = ("INSERT INTO kpi_source (kpi_id, kind, spec, defined_by, defined_at) VALUES "
          "({kpi}, 'command', '{{\"argv\":[\"/usr/bin/id\"],\"timeout\":30}}', '{who}', "
          "now() AT TIME ZONE 'UTC')")  # fmt: skip


def test_only_the_kpi_s_owner_or_an_admin_defines_its_source(team_db: TeamDb) -> None:
    kpi = team_db.ids["kpi"]  # bob's
    refused(tagged(team_db, "alice", DEFINE.format(kpi=kpi, who="alice")),
            "row-level security")  # fmt: skip
    refused(tagged(team_db, "alice", DEFINE.format(kpi=kpi, who="bob")), "row-level security")
    done = tagged(team_db, "bob", DEFINE.format(kpi=kpi, who="bob"))
    assert done.returncode == 0, done.stderr
    refused(tagged(team_db, "alice", f"UPDATE kpi_source SET spec = '{{}}' WHERE kpi_id = {kpi}"))
    refused(tagged(team_db, "alice", f"DELETE FROM kpi_source WHERE kpi_id = {kpi}"))
    done = tagged(
        team_db, "chief", f"UPDATE kpi_source SET defined_by = 'chief' WHERE kpi_id = {kpi}"
    )
    assert done.returncode == 0 and "UPDATE 1" in done.stdout, done.stderr


def test_a_member_never_approves_nor_writes_the_pull_s_status(team_db: TeamDb) -> None:
    kpi = team_db.ids["kpi"]
    assert tagged(team_db, "bob", DEFINE.format(kpi=kpi, who="bob")).returncode == 0
    refused(tagged(team_db, "bob", f"UPDATE kpi_source SET approval = 'okrtui_owner:00' "
                                   f"WHERE kpi_id = {kpi}"),
            "only the server''s owner approves", "only the server's owner approves")  # fmt: skip
    refused(tagged(team_db, "bob", f"UPDATE kpi_source SET last_error = NULL, last_value = 1 "
                                   f"WHERE kpi_id = {kpi}"), "permission denied")  # fmt: skip
    refused(tagged(team_db, "chief", f"UPDATE kpi_source SET last_success_at = now() "
                                     f"WHERE kpi_id = {kpi}"), "permission denied")  # fmt: skip
    done = tagged(team_db, OWNER, f"UPDATE kpi_source SET last_value = 2 WHERE kpi_id = {kpi}")
    assert done.returncode == 0 and "UPDATE 1" in done.stdout, done.stderr


def test_a_member_cannot_pass_a_value_off_as_pulled(team_db: TeamDb) -> None:
    kpi = team_db.ids["kpi"]
    insert = ("INSERT INTO kpi_value (kpi_id, observed_on, value, note, author, created_at, "
              "source) VALUES ({kpi}, '2026-11-01', 5, '', 'bob', now() AT TIME ZONE 'UTC', "
              "'{source}')")  # fmt: skip
    refused(tagged(team_db, "bob", insert.format(kpi=kpi, source="sql")),
            "written by the server owner's pull only")  # fmt: skip
    refused(tagged(team_db, "bob", insert.format(kpi=kpi, source="formula")),
            "written by the server owner's pull only")  # fmt: skip
    done = tagged(team_db, "bob", insert.format(kpi=kpi, source=""))
    assert done.returncode == 0, done.stderr


def test_new_numbers_are_finite_and_activity_knows_the_new_actions(team_db: TeamDb) -> None:
    kpi = team_db.ids["kpi"]
    refused(tagged(team_db, "bob", f"UPDATE kpi SET range_low = 'NaN' WHERE id = {kpi}"),
            "okrtui_kpi_range_sane_values")  # fmt: skip
    log = (
        "INSERT INTO activity (at, author, entity, entity_id, action, detail) VALUES "
        "(now() AT TIME ZONE 'UTC', 'bob', 'kpi_source', {kpi}, '{action}', '{{}}')"
    )
    assert tagged(team_db, "bob", log.format(kpi=kpi, action="define")).returncode == 0
    refused(tagged(team_db, "bob", log.format(kpi=kpi, action="steal")), "unknown activity action")


def test_a_member_s_csv_import_replaces_a_pulled_value_as_typed(team_db: TeamDb) -> None:
    """The server owner's pull wrote a value; bob, the KPI's owner, replaces it by
    importing a CSV. The import writes ``source = ''`` (typed or imported), which the
    kpi_value rule accepts from a member: before, the UPDATE kept ``'sql'`` and the rule
    refused the whole import ("written by the server owner's pull only")."""
    from datetime import date

    from store.db.database import open_database
    from store.io.kpi_import import import_kpi_values
    from store.model.enums import SourceKind
    from store.write.kpi_sources import record_pull

    kpi = team_db.ids["kpi"]
    owner = open_database(team_db.url(OWNER))
    try:
        record_pull(owner, OWNER, kpi, SourceKind.SQL, [(date(2026, 11, 2), 3.0)])
    finally:
        owner.close()
    bob = open_database(team_db.url("bob"))
    try:
        report = import_kpi_values(bob, "bob", b"kpi,date,value\nChurn,2026-11-02,2.5\n",
                                   today=date(2026, 11, 23))  # fmt: skip
    finally:
        bob.close()
    assert report.written and [p.action for p in report.planned] == ["replace"]
    done = tagged(team_db, OWNER, f"SELECT value, source, author FROM kpi_value "
                                  f"WHERE kpi_id = {kpi}")  # fmt: skip
    assert "2.5 |        | bob" in done.stdout, done.stdout
