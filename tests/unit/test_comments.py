"""Comments, mentions, the inbox and read marks at the store level, on both backends."""

from datetime import UTC, date, datetime, timedelta

import backends
import pytest
from sqlalchemy import text

from store.db.database import Database
from store.errors import DomainError, NotFoundError, ValidationError
from store.read.comments import comments_since, thread
from store.read.inbox import inbox
from store.read.periods import default_period
from store.write import checkins, key_results, objectives, periods
from store.write.comments import (
    Subject,
    add_comment,
    delete_comment,
    edit_comment,
    mark_read,
    parse_subject,
)

ANA, BEN, CAROL = "ana", "ben", "carol"


@pytest.fixture
def org(db: Database, me: str) -> dict[str, int]:
    """An active period with ana's objective and KR, ben collaborating, carol a KR owner."""
    today = date.today()
    start = today - timedelta(days=30)
    period = periods.create_period(
        db, me, "Now", start.isoformat(), (today + timedelta(days=60)).isoformat(), "active"
    ).id
    objective = objectives.create_objective(
        db, me, period_id=period, title="Grow", owner=ANA, collaborators=[BEN]
    ).id
    kr = key_results.create_key_result(
        db, me, objective_id=objective, title="Revenue", start=0, target=100, owner=ANA
    ).id
    other = key_results.create_key_result(
        db, me, objective_id=objective, title="Churn [bold]", target=5, owner=CAROL
    ).id
    with db.write() as s:  # both were set at the period's start
        s.connection().execute(
            text("UPDATE key_result SET created_at = :at"),
            {"at": datetime.combine(start, datetime.min.time(), UTC)},
        )
    return {"period": period, "objective": objective, "kr": kr, "other": other}


def test_a_thread_holds_each_comment_newest_last(db: Database, org: dict[str, int]) -> None:
    first = add_comment(db, ANA, Subject("key_result", org["kr"]), "Why so slow?")
    second = add_comment(db, BEN, Subject("key_result", org["kr"]), "Pipeline [bold]late[/]")
    rows = thread(db, "key_result", org["kr"])
    assert [(r.id, r.author, r.body, r.subject) for r in rows] == [
        (first, ANA, "Why so slow?", f"KR-{org['kr']}"),
        (second, BEN, "Pipeline [bold]late[/]", f"KR-{org['kr']}"),
    ]
    assert thread(db, "objective", org["objective"]) == []


def test_comments_on_objectives_and_check_ins(db: Database, org: dict[str, int]) -> None:
    check_in = checkins.check_in(db, ANA, org["kr"], 20).check_in_id
    add_comment(db, BEN, parse_subject(f"ci-{check_in}"), "Nice jump")
    add_comment(db, BEN, parse_subject(f"O-{org['objective']}"), "On it")
    assert [r.body for r in thread(db, "check_in", check_in)] == ["Nice jump"]
    # a key result's thread holds its check-ins' comments, each saying what it is on
    assert [(r.subject, r.body) for r in thread(db, "key_result", org["kr"])] == [
        (f"CI-{check_in}", "Nice jump")
    ]
    assert thread(db, "key_result", org["other"]) == []
    assert [r.subject for r in thread(db, "objective", org["objective"])] == [
        f"O-{org['objective']}"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("P-3", "'P-3' is not something to comment on: give O-3 (an objective), KR-12 (a key "
         "result) or CI-40 (a check-in)"),
        ("KR-x", "'KR-x' is not something to comment on"),
        ("12", "'12' is not something to comment on"),
    ],
)  # fmt: skip
def test_a_subject_must_be_a_reference(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_subject(text)


def test_a_missing_subject_or_empty_text_is_refused_and_nothing_written(
    db: Database, org: dict[str, int]
) -> None:
    before = backends.dump(db)
    with pytest.raises(NotFoundError, match="key result KR-999 does not exist"):
        add_comment(db, ANA, Subject("key_result", 999), "hello")
    with pytest.raises(ValidationError, match="comment must not be empty"):
        add_comment(db, ANA, Subject("key_result", org["kr"]), "   \n ")
    with pytest.raises(ValidationError, match="comment is too long"):
        add_comment(db, ANA, Subject("key_result", org["kr"]), "x" * 4001)
    assert backends.dump(db) == before


def test_only_the_author_edits_or_deletes_and_the_old_text_stays_in_the_log(
    db: Database, org: dict[str, int]
) -> None:
    cid = add_comment(db, ANA, Subject("key_result", org["kr"]), "first draft")
    before = backends.dump(db)
    with pytest.raises(DomainError, match=f"comment #{cid} is ana's: only its author may edit it"):
        edit_comment(db, BEN, cid, "hijacked")
    with pytest.raises(DomainError, match="only its author may delete it"):
        delete_comment(db, BEN, cid)
    assert backends.dump(db) == before
    edit_comment(db, ANA, cid, "second draft")
    (row,) = thread(db, "key_result", org["kr"])
    assert row.body == "second draft" and row.edited_at is not None
    delete_comment(db, ANA, cid)
    assert thread(db, "key_result", org["kr"]) == []
    with db.read() as conn:
        from sqlalchemy import text

        log = conn.execute(
            text("SELECT action, detail FROM activity WHERE entity = 'comment' ORDER BY id")
        ).all()
    assert [a for a, _ in log] == ["create", "update", "delete"]
    assert '"old": "first draft"' in log[1][1] and '"old": "second draft"' in log[2][1]


def test_mentions_of_known_users_reach_their_inbox(db: Database, org: dict[str, int]) -> None:
    period = default_period(db)
    text = "@carol can you look? cc @nobody and mail ana@example.com"
    cid = add_comment(db, BEN, Subject("key_result", org["kr"]), text)
    items = inbox(db, CAROL, period, date.today())
    (mention,) = [i for i in items if i.kind == "mention"]
    assert (mention.key, mention.ref, mention.detail, mention.unread) == (
        f"c:{cid}", f"KR-{org['kr']}", text, True,
    )  # fmt: skip
    assert mention.title == f"ben mentioned you on KR-{org['kr']} “Revenue”"
    assert not [i for i in inbox(db, ANA, period, date.today()) if i.kind == "mention"]
    mark_read(db, CAROL, [mention.key])
    mark_read(db, CAROL, [mention.key])  # twice changes nothing
    (again,) = [i for i in inbox(db, CAROL, period, date.today()) if i.kind == "mention"]
    assert again.unread is False


def test_an_edit_that_adds_a_mention_reaches_the_newly_named(
    db: Database, org: dict[str, int]
) -> None:
    cid = add_comment(db, BEN, Subject("objective", org["objective"]), "looks good")
    edit_comment(db, BEN, cid, "looks good @carol")
    period = default_period(db)
    assert [i.key for i in inbox(db, CAROL, period, date.today()) if i.kind == "mention"] == [
        f"c:{cid}"
    ]


def test_a_reply_to_my_comment_is_in_my_inbox(db: Database, org: dict[str, int]) -> None:
    add_comment(db, ANA, Subject("key_result", org["kr"]), "Where are we?")
    reply = add_comment(db, BEN, Subject("key_result", org["kr"]), "Almost there")
    add_comment(db, BEN, Subject("key_result", org["other"]), "elsewhere")
    items = inbox(db, ANA, default_period(db), date.today())
    assert [(i.kind, i.key) for i in items if i.kind == "reply"] == [("reply", f"c:{reply}")]


def test_owed_and_stale_key_results(db: Database, org: dict[str, int]) -> None:
    period = default_period(db)
    today = date.today()
    items = inbox(db, ANA, period, today)
    (stale,) = [i for i in items if i.kind == "stale"]
    assert stale.ref == f"KR-{org['kr']}" and stale.detail.startswith("30 days without")
    checkins.check_in(db, ANA, org["kr"], 10)
    items = inbox(db, ANA, period, today)
    assert not [i for i in items if i.kind in ("stale", "owed")]
    next_week = today + timedelta(days=7 - today.weekday())
    (owed,) = [i for i in inbox(db, ANA, period, next_week) if i.kind == "owed"]
    assert owed.title == f"check in KR-{org['kr']} “Revenue” this week"
    carol = inbox(db, CAROL, period, today)
    assert [i.title for i in carol if i.kind == "stale"] == [
        f"KR-{org['other']} “Churn [bold]” is stale"
    ]


def test_a_key_result_added_mid_period_owes_from_the_day_it_was_added(
    db: Database, org: dict[str, int]
) -> None:
    """Added today, it was "30 days without a check-in" in the inbox, the tree, the
    overview and okrtui remind, counted from the period's start."""
    from store.io.overview import stale
    from store.io.report import build_report

    new = key_results.create_key_result(
        db, ANA, objective_id=org["objective"], title="Added today", target=5, owner=ANA
    ).id
    period = default_period(db)
    assert period is not None
    today = date.today()
    mine = {i.ref: i for i in inbox(db, ANA, period, today) if i.kind in ("stale", "owed")}
    assert mine[f"KR-{new}"].kind == "owed" and mine[f"KR-{new}"].detail == "never checked in"
    assert mine[f"KR-{org['kr']}"].kind == "stale"
    in_a_week = today + timedelta(days=8)
    later = {i.ref: i for i in inbox(db, ANA, period, in_a_week) if i.kind == "stale"}
    assert later[f"KR-{new}"].detail.startswith("8 days without")
    report = build_report(db, period.id, today=today)
    assert [item.ref for item in stale(report)] == [f"KR-{org['kr']}", f"KR-{org['other']}"]
    (ana,) = [line for line in report.not_checked_in() if line.owner == ANA]
    assert ana.refs == (f"KR-{org['kr']}", f"KR-{new}") and ana.days == 30


def test_the_week_s_comments(db: Database, org: dict[str, int]) -> None:
    add_comment(db, ANA, Subject("key_result", org["kr"]), "this week")
    check_in = checkins.check_in(db, ANA, org["kr"], 20).check_in_id
    add_comment(db, BEN, Subject("check_in", check_in), "on the check-in")
    week = datetime.now(UTC) - timedelta(days=7)
    found = comments_since(db, week, org["period"])
    assert [(c.body, c.subject) for c in found] == [
        ("this week", f"KR-{org['kr']}"), ("on the check-in", f"CI-{check_in}"),
    ]  # fmt: skip
    assert comments_since(db, datetime.now(UTC) + timedelta(minutes=1), org["period"]) == []
    assert comments_since(db, week, org["period"] + 100) == []


def test_deleting_a_key_result_deletes_its_thread(db: Database, org: dict[str, int], me: str):
    add_comment(db, ANA, Subject("key_result", org["other"]), "@carol please")
    key_results.delete_key_result(db, me, org["other"])
    assert thread(db, "key_result", org["other"]) == []
    assert not [
        i for i in inbox(db, CAROL, default_period(db), date.today()) if i.kind == "mention"
    ]


def test_a_kpi_i_own_that_is_overdue_is_in_my_inbox(db: Database, org: dict[str, int], me: str):
    from store.write import kpis

    kid = kpis.create_kpi(db, me, name="Leads", owner=ANA, cadence="weekly").id
    period = default_period(db)
    today = date.today()
    (due,) = [i for i in inbox(db, ANA, period, today) if i.key.startswith("due:")]
    assert (due.kind, due.ref, due.title, due.detail) == (
        "kpi", "Leads", "KPI Leads is overdue (weekly)", "no value yet",
    )  # fmt: skip
    kpis.record_kpi_value(db, ANA, kid, 10, observed_on=today.isoformat())
    assert not [i for i in inbox(db, ANA, period, today) if i.key.startswith("due:")]
    assert not [i for i in inbox(db, BEN, period, today) if i.key.startswith("due:")]
