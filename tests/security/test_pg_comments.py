"""Comments, mentions, read marks and opt-outs under PostgreSQL's own rules (0007).

A member with ``psql`` must get no further than okrtui lets them: write as someone else,
change or delete another's comment, move a comment, mention people in another's
comment, read or set another's read marks or opt-out. Each attack runs as a member
against :func:`conftest.team_db`, as in test_pg_rules.py; okrtui itself, connected as
the member, must still do all it does.
"""

import pytest
from conftest import TeamDb
from test_pg_rules import refused, tagged

from store.db.database import open_database
from store.read.comments import thread
from store.write.comments import Subject, add_comment, delete_comment, edit_comment, mark_read
from store.write.objectives import delete_objective

pytestmark = pytest.mark.usefixtures("pg_cluster")

DENIED = ("row-level security", "permission denied", "only its author", "author is the role")


def _comment(team_db: TeamDb, role: str, body: str, subject: str = "key_result") -> int:
    db = open_database(team_db.url(role))
    try:
        key = "kr" if subject == "key_result" else "team"
        return add_comment(db, role, Subject(subject, team_db.ids[key]), body)
    finally:
        db.close()


def test_okrtui_as_a_member_comments_mentions_edits_and_deletes(team_db: TeamDb) -> None:
    cid = _comment(team_db, "carol", "@alice look")
    db = open_database(team_db.url("carol"))
    try:
        edit_comment(db, "carol", cid, "@alice @bob look again")
        assert [c.body for c in thread(db, "key_result", team_db.ids["kr"])] == [
            "@alice @bob look again"
        ]
        delete_comment(db, "carol", cid)
    finally:
        db.close()
    alice = open_database(team_db.url("alice"))
    try:
        mark_read(alice, "alice", ["c:1", "owed:1:2026-11-30"])
    finally:
        alice.close()
    assert team_db.scalar("SELECT count(*) FROM inbox_read WHERE username = 'alice'") == 2


def test_a_comment_s_author_is_whoever_writes_it(team_db: TeamDb) -> None:
    done = tagged(team_db, "bob", (
        "INSERT INTO comment (key_result_id, body, author, created_at) "
        f"VALUES ({team_db.ids['kr']}, 'as alice', 'alice', now() AT TIME ZONE 'UTC')"
    ))  # fmt: skip
    refused(done, *DENIED)
    assert team_db.scalar("SELECT count(*) FROM comment") == 0


def test_nobody_edits_or_deletes_another_s_comment(team_db: TeamDb) -> None:
    cid = _comment(team_db, "alice", "mine")
    for sql in (
        f"UPDATE comment SET body = 'hijacked', edited_at = now() AT TIME ZONE 'UTC' "
        f"WHERE id = {cid}",
        f"UPDATE comment SET author = 'bob' WHERE id = {cid}",
        f"DELETE FROM comment WHERE id = {cid}",
    ):
        refused(tagged(team_db, "bob", sql), *DENIED)
    assert team_db.scalar(f"SELECT body FROM comment WHERE id = {cid}") == "mine"


def test_an_author_cannot_move_or_backdate_a_comment(team_db: TeamDb) -> None:
    cid = _comment(team_db, "alice", "about the KR")
    moves = (
        f"UPDATE comment SET key_result_id = {team_db.ids['percent']}, "
        f"edited_at = now() AT TIME ZONE 'UTC' WHERE id = {cid}",
        f"UPDATE comment SET created_at = '2020-01-01', edited_at = now() AT TIME ZONE 'UTC' "
        f"WHERE id = {cid}",
        f"UPDATE comment SET body = 'x', edited_at = '2030-01-01' WHERE id = {cid}",
    )
    for sql in moves:
        refused(tagged(team_db, "alice", sql), "keeps comment", "edit time")
    backdated = tagged(team_db, "alice", (
        "INSERT INTO comment (key_result_id, body, author, created_at) "
        f"VALUES ({team_db.ids['kr']}, 'old', 'alice', '2020-01-01')"
    ))  # fmt: skip
    refused(backdated, "is not now by the server's clock")
    assert team_db.scalar("SELECT count(*) FROM comment") == 1


def test_mentions_are_added_only_with_one_s_own_comment(team_db: TeamDb) -> None:
    cid = _comment(team_db, "alice", "hello")
    refused(tagged(team_db, "bob", f"INSERT INTO mention VALUES ({cid}, 'carol')"), *DENIED)
    refused(tagged(team_db, "bob", f"DELETE FROM mention WHERE comment_id = {cid}"), *DENIED)
    assert team_db.scalar("SELECT count(*) FROM mention") == 0


def test_read_marks_and_opt_outs_are_each_member_s_own(team_db: TeamDb) -> None:
    alice = open_database(team_db.url("alice"))
    try:
        mark_read(alice, "alice", ["c:7"])
    finally:
        alice.close()
    peek = tagged(team_db, "bob", "SELECT count(*) FROM inbox_read")
    assert peek.stdout.split()[2] == "0", peek.stdout  # bob sees none of alice's marks
    for sql in (
        "INSERT INTO inbox_read VALUES ('alice', 'c:8', now() AT TIME ZONE 'UTC')",
        "DELETE FROM inbox_read WHERE username = 'alice'",
        "INSERT INTO reminder_opt_out VALUES ('alice', now() AT TIME ZONE 'UTC')",
    ):
        refused(tagged(team_db, "bob", sql), *DENIED)
    assert team_db.scalar("SELECT count(*) FROM inbox_read") == 1
    assert team_db.scalar("SELECT count(*) FROM reminder_opt_out") == 0


def test_deleting_an_objective_takes_others_comments_with_it(team_db: TeamDb) -> None:
    _comment(team_db, "bob", "a question", subject="objective")
    alice = open_database(team_db.url("alice"))
    try:
        delete_objective(alice, "alice", team_db.ids["team"])
    finally:
        alice.close()
    assert team_db.scalar("SELECT count(*) FROM comment") == 0
