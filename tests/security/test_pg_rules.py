"""Issue 13, finding 9: the database restates every rule of the app, so ``psql`` gets no
further than okrtui (migration 0005 over 0003/0004's policies).

Each attack is run by a member with ``psql`` against :func:`conftest.team_db`; before
0005 every one of them went through (the docstrings say how). Then the same rules from
the other side: okrtui's own flows still work for members connected as themselves, the
owner stays exempt, and deletes still cascade.
"""

import subprocess

import pytest
from conftest import TeamDb

from store.db.database import Database, open_database
from store.write import checkins, key_results, objectives
from store.write.close_period import ObjectiveReview, close_period
from store.write.corrections import correct_check_in, remove_check_in

pytestmark = pytest.mark.usefixtures("pg_cluster")


def refused(done: subprocess.CompletedProcess[str], *why: str) -> None:
    """The statement failed (an error naming one of ``why``) or changed no row."""
    changed_nothing = done.stdout.strip() in ("UPDATE 0", "DELETE 0")
    assert changed_nothing or any(w in done.stderr for w in why), (done.stdout, done.stderr)


def check_in_sql(kr: int, author: str, value: float = 7, at: str = "now()") -> str:
    return (
        "INSERT INTO check_in (key_result_id, value, note, author, created_at) "
        f"VALUES ({kr}, {value}, '', '{author}', ({at}) AT TIME ZONE 'UTC')"
    )


def tagged(db: TeamDb, role: str, sql: str) -> subprocess.CompletedProcess[str]:
    """One statement with its command tag on stdout (``UPDATE 0``), errors on stderr."""
    return subprocess.run(
        [str(db.cluster.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(db.cluster.port),
         "-U", role, "-d", db.name, "-X", "-c", sql],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


# --- check-ins -----------------------------------------------------------------------------


def test_a_check_in_s_author_is_whoever_writes_it(team_db: TeamDb) -> None:
    """Before: alice, who may check in on her KR, could sign a check-in as carol."""
    ids = team_db.ids
    done = tagged(team_db, "alice", check_in_sql(ids["kr"], "carol"))
    refused(done, "a check-in's author is the role that writes it")
    assert team_db.scalar("SELECT count(*) FROM check_in WHERE value = 7") == 0
    ok = tagged(team_db, "alice", check_in_sql(ids["kr"], "alice"))
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("role", ["carol", "boss", "chief"])
def test_only_the_author_corrects_or_removes_a_check_in(team_db: TeamDb, role: str) -> None:
    """As store.write.corrections: not a collaborator (carol), not the owner above (boss), not even
    an admin (chief). Before: each of them could rewrite or delete alice's check-in."""
    ids = team_db.ids
    alices = ids["alices_check_in"]
    refused(tagged(team_db, role, f"UPDATE check_in SET value = 99 WHERE id = {alices}"),
            "only its author")  # fmt: skip
    refused(tagged(team_db, role, f"DELETE FROM check_in WHERE id = {alices}"), "only its author")
    assert team_db.scalar(f"SELECT value FROM check_in WHERE id = {alices}") == 3


def test_a_correction_keeps_the_check_in_s_key_result_time_and_author(team_db: TeamDb) -> None:
    """Before: alice could move her check-in to another KR, back-date it, or re-sign it."""
    ids = team_db.ids
    alices = ids["alices_check_in"]
    for change in (
        f"key_result_id = {ids['percent']}",
        "created_at = created_at - interval '30 days'",
        "author = 'carol'",
    ):
        done = tagged(team_db, "alice", f"UPDATE check_in SET {change} WHERE id = {alices}")
        refused(done, "a correction keeps", "author is the role", "row-level security")
    row = team_db.scalar(f"SELECT key_result_id || ' ' || author FROM check_in WHERE id = {alices}")
    assert row == f"{ids['kr']} alice"
    fixed = tagged(team_db, "alice", f"UPDATE check_in SET value = 4 WHERE id = {alices}")
    assert fixed.stdout.strip() == "UPDATE 1", fixed.stderr


@pytest.mark.parametrize(
    ("value", "at"),
    [(7, "now() + interval '30 days'"), (150, "now()"), ("'NaN'", "now()"), (7, "'1900-01-01'")],
)
def test_a_check_in_s_value_and_time_are_the_app_s(team_db: TeamDb, value: object, at: str) -> None:
    """Before: a check-in dated next month stayed "the latest" and hid every real one;
    a percent KR took 150 %."""
    kr = team_db.ids["percent"] if value == 150 else team_db.ids["kr"]
    done = tagged(team_db, "alice", check_in_sql(kr, "alice", value, at))  # type: ignore[arg-type]
    refused(done, "in the future or out of range", "does not fit key result")


# --- closed periods ------------------------------------------------------------------------


def test_a_closed_period_is_read_only(team_db: TeamDb) -> None:
    """Before: alice edited her objective of the closed Q3, checked in on its KR, removed
    its check-in, added a KR and a collaborator, and deleted the objective."""
    ids = team_db.ids
    objective, kr = ids["old_objective"], ids["old_kr"]
    for sql in (
        f"UPDATE objective SET title = 'rewritten' WHERE id = {objective}",
        check_in_sql(kr, "alice"),
        f"DELETE FROM check_in WHERE id = {ids['old_check_in']}",
        f"UPDATE key_result SET target_value = 1 WHERE id = {kr}",
        f"INSERT INTO key_result (objective_id, title, kind, direction, unit, owner, weight, "
        f"position, created_at, updated_at) VALUES ({objective}, 'late', 'metric', 'increase', "
        "'', 'alice', 1, 9, now(), now())",
        f"INSERT INTO collaborator VALUES ({objective}, 'bob')",
        f"INSERT INTO objective (period_id, level, title, description, owner, state, position, "
        f"created_at, updated_at) VALUES ({ids['old_period']}, 'team', 'late', '', 'alice', "
        "'active', 9, now(), now())",
        f"DELETE FROM key_result WHERE id = {kr}",
        f"DELETE FROM objective WHERE id = {objective}",
    ):
        refused(tagged(team_db, "alice", sql), "closed and read-only", "in a closed period")
    assert team_db.scalar(f"SELECT title FROM objective WHERE id = {objective}") == "Last quarter"
    assert team_db.scalar(
        f"SELECT count(*) FROM check_in WHERE key_result_id = {kr}"
    ) == 1  # fmt: skip
    assert team_db.scalar(
        f"SELECT count(*) FROM objective WHERE period_id = {ids['old_period']}"
    ) == 1  # fmt: skip


def test_a_closed_period_is_never_reopened(team_db: TeamDb) -> None:
    """okrtui has no "reopen": not even an admin reopens one with psql (before: an admin
    could, and with finding 8 anyone)."""
    done = tagged(team_db, "chief", f"UPDATE period SET state = 'active' "
                                    f"WHERE id = {team_db.ids['old_period']}")  # fmt: skip
    refused(done, "is closed and read-only")
    assert team_db.scalar(
        f"SELECT state FROM period WHERE id = {team_db.ids['old_period']}"
    ) == "closed"  # fmt: skip


def test_admins_aside(team_db: TeamDb) -> None:
    """An admin may still fix a closed period's objects (a grade, a retrospective note)."""
    sql = (f"UPDATE objective SET retro_note = 'fixed', grade = 0.5 "
           f"WHERE id = {team_db.ids['old_objective']}")  # fmt: skip
    assert tagged(team_db, "chief", sql).stdout.strip() == "UPDATE 1"


# --- moving what okrtui never moves --------------------------------------------------------


def test_a_key_result_stays_under_its_objective(team_db: TeamDb) -> None:
    """Before: alice, owner of the KR, moved it under bob's objective (and so into his
    score) or under boss's."""
    ids = team_db.ids
    for target in ("other", "top"):
        done = tagged(team_db, "alice", f"UPDATE key_result SET objective_id = {ids[target]} "
                                        f"WHERE id = {ids['kr']}")  # fmt: skip
        refused(done, "stays under its objective")
    # Not even an admin: okrtui has no such move.
    done = tagged(team_db, "chief", f"UPDATE key_result SET objective_id = {ids['other']} "
                                    f"WHERE id = {ids['kr']}")  # fmt: skip
    refused(done, "stays under its objective")
    assert (
        team_db.scalar(f"SELECT objective_id FROM key_result WHERE id = {ids['kr']}")
        == (ids["team"])
    )


def test_a_key_result_is_never_dated_later_than_it_was_added(team_db: TeamDb) -> None:
    """Staleness counts from when a key result was added (0009): alice, its owner, dated
    hers (or a new one) in 2200 so that it never showed as stale in the team's reminders,
    overview and report. An earlier date only makes it look more stale."""
    ids, kr = team_db.ids, team_db.ids["kr"]
    before = team_db.scalar(f"SELECT created_at FROM key_result WHERE id = {kr}")
    refused(tagged(team_db, "alice", f"UPDATE key_result SET created_at = '2200-01-01' "
                                     f"WHERE id = {kr}"), "would hide it")  # fmt: skip
    late = (
        f"INSERT INTO key_result (objective_id, title, kind, direction, unit, owner, weight, "
        f"position, created_at, updated_at) VALUES ({ids['team']}, 'late', 'metric', "
        "'increase', '', 'alice', 1, 9, '2200-01-01', now())"
    )
    refused(tagged(team_db, "alice", late), "would hide it")
    assert team_db.scalar(f"SELECT created_at FROM key_result WHERE id = {kr}") == before
    assert team_db.scalar("SELECT count(*) FROM key_result WHERE title = 'late'") == 0
    earlier = tagged(team_db, "alice", f"UPDATE key_result SET created_at = '2026-10-01' "
                                       f"WHERE id = {kr}")  # fmt: skip
    assert earlier.returncode == 0 and earlier.stdout.strip() == "UPDATE 1", earlier.stderr


def test_an_objective_stays_in_its_period(team_db: TeamDb) -> None:
    """Before: bob moved his objective into next quarter (closing rolls over a *copy*)."""
    ids = team_db.ids
    for role in ("bob", "chief"):
        done = tagged(team_db, role, f"UPDATE objective SET period_id = {ids['next_period']} "
                                     f"WHERE id = {ids['other']}")  # fmt: skip
        refused(done, "stays in its period")
    assert (
        team_db.scalar(f"SELECT period_id FROM objective WHERE id = {ids['other']}")
        == (ids["period"])
    )


def test_alignment_stays_within_a_period_and_never_loops(team_db: TeamDb) -> None:
    """Before: bob aligned his objective under last quarter's; boss put his company
    objective under alice's, which is under his (a cycle the tree cannot draw)."""
    ids = team_db.ids
    done = tagged(team_db, "bob", f"UPDATE objective SET parent_id = {ids['old_objective']} "
                                  f"WHERE id = {ids['other']}")  # fmt: skip
    refused(done, "is not in the period")
    done = tagged(team_db, "boss", f"UPDATE objective SET parent_id = {ids['team']} "
                                   f"WHERE id = {ids['top']}")  # fmt: skip
    refused(done, "a cycle")
    assert team_db.scalar(f"SELECT parent_id FROM objective WHERE id = {ids['top']}") is None


def test_grades_and_roll_overs_are_an_admin_s(team_db: TeamDb) -> None:
    """Before: alice graded her own objective 1.0 and linked it as a roll-over."""
    ids = team_db.ids
    for change in ("grade = 1.0", "retro_note = 'great'",
                   f"rolled_from_id = {ids['old_objective']}"):  # fmt: skip
        done = tagged(team_db, "alice", f"UPDATE objective SET {change} WHERE id = {ids['team']}")
        refused(done, "only an admin grades")


# --- KPI values and admins -----------------------------------------------------------------


def test_a_kpi_value_s_author_is_whoever_writes_it(team_db: TeamDb) -> None:
    """Before: bob recorded a value of his KPI signed by alice."""
    done = tagged(team_db, "bob", "INSERT INTO kpi_value (kpi_id, observed_on, value, note, "
                                  f"author, created_at) VALUES ({team_db.ids['kpi']}, "
                                  "'2026-11-02', 5, '', 'alice', now())")  # fmt: skip
    refused(done, "author is the role that writes it")


def test_an_admin_row_records_who_added_it(team_db: TeamDb) -> None:
    done = tagged(team_db, "chief", "INSERT INTO admin VALUES ('bob', 'boss', now())")
    refused(done, "records who added it")
    assert tagged(team_db, "chief", "INSERT INTO admin VALUES ('bob', 'chief', now())"
                  ).returncode == 0  # fmt: skip


# --- what okrtui does still works ----------------------------------------------------------


def _as(db: TeamDb, role: str) -> Database:
    return open_database(db.url(role))


def test_okrtui_s_own_flows_work_for_members_connected_as_themselves(team_db: TeamDb) -> None:
    """Check in, correct and remove one's own check-in, delete a KR with someone else's
    check-ins (a cascade), delete a parent objective (its child is detached), close a
    period with a roll-over (an admin who is not the owner), delete the copy."""
    ids = team_db.ids
    alice, carol, chief, boss = (_as(team_db, r) for r in ("alice", "carol", "chief", "boss"))
    try:
        mine = checkins.check_in(carol, "carol", ids["kr"], 6).check_in_id
        correct_check_in(carol, "carol", mine, value=6.5, note="typo")
        remove_check_in(carol, "carol", mine)
        checkins.check_in(alice, "alice", ids["percent"], 40)
        kr = key_results.create_key_result(alice, "alice", objective_id=ids["team"], title="Temp",
                                       target=5).id  # fmt: skip
        checkins.check_in(carol, "carol", kr, 2)
        key_results.delete_key_result(alice, "alice", kr)  # takes carol's check-in with it
        objectives.delete_objective(boss, "boss", ids["top"])  # detaches alice's objective
        summary = close_period(
            chief, "chief", ids["period"],
            [ObjectiveReview(ids["team"], grade=0.6, note="ok", roll_over=True)],
        )  # fmt: skip
        assert summary.rolled and summary.target_period_id == ids["next_period"]
        copy = summary.rolled[0][1]
        objectives.delete_objective(alice, "alice", copy)  # in the open period it rolled into
    finally:
        for db in (alice, carol, chief, boss):
            db.close()
    assert team_db.scalar(f"SELECT count(*) FROM check_in WHERE key_result_id = {kr}") == 0
    assert team_db.scalar(f"SELECT state FROM period WHERE id = {ids['period']}") == "closed"


def test_the_owner_stays_exempt(team_db: TeamDb) -> None:
    """The role that ran `okrtui db upgrade` is the administrator's: no rule applies."""
    ids = team_db.ids
    for sql in (
        f"UPDATE key_result SET objective_id = {ids['other']} WHERE id = {ids['percent']}",
        f"UPDATE period SET state = 'active' WHERE id = {ids['old_period']}",
        check_in_sql(ids["old_kr"], "someone"),
    ):
        done = tagged(team_db, "okrtui_owner", sql)
        assert done.returncode == 0, (sql, done.stderr)
