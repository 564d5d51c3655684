"""``okrtui comment``, ``okrtui inbox`` and ``okrtui remind`` from the shell.

``remind`` is tested against a fake ``sendmail`` that records its arguments and the
message it was given, and against a folder; the attacks are a period name carrying a
header, a login that is not one, a folder entry that is a link, and a member sending.
"""

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from okrtui.cli.main import main
from store.db.database import Database
from store.identity import current_username
from store.read.comments import thread

ME = current_username()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_comment_list_edit_and_delete(demo_path: Path, demo_db: Database) -> None:
    db = str(demo_path)
    done = invoke("--db", db, "comment", "KR-2", "Why \x1b[2Jslow? [bold]x[/]")
    assert done.exit_code == 0 and done.output == "comment #1 added to KR-2\n"
    listed = invoke("--db", db, "comment", "KR-2", "--list")
    assert "\x1b" not in listed.output and "    Why [2Jslow? [bold]x[/]" in listed.output
    assert invoke("--db", db, "comment", "--edit", "1", "better words").exit_code == 0
    assert [c.body for c in thread(demo_db, "key_result", 2)] == ["better words"]
    assert invoke("--db", db, "comment", "--delete", "1").output == "deleted comment #1\n"
    assert thread(demo_db, "key_result", 2) == []


def test_comment_refusals_exit_1_and_name_the_fix(demo_path: Path) -> None:
    db = str(demo_path)
    bad = invoke("--db", db, "comment", "P-3", "x")
    assert bad.exit_code == 1 and "give O-3 (an objective), KR-12" in bad.output
    missing = invoke("--db", db, "comment", "KR-999", "x")
    assert missing.exit_code == 1 and "key result KR-999 does not exist" in missing.output
    empty = invoke("--db", db, "comment", "KR-2")
    assert empty.exit_code == 2 and "okrtui comment KR-2" in empty.output


def test_inbox_json_lists_what_needs_me_and_read_marks_them(
    demo_path: Path, demo_db: Database
) -> None:
    from store.write.comments import Subject, add_comment

    add_comment(demo_db, "ben", Subject("key_result", 2), f"@{ME} please update")
    items = json.loads(invoke("--db", str(demo_path), "inbox", "--json").output)
    mention = next(i for i in items if i["kind"] == "mention")
    assert mention["ref"] == "KR-2" and mention["unread"] is True
    assert mention["detail"] == f"@{ME} please update"
    invoke("--db", str(demo_path), "inbox", "--read")
    again = json.loads(invoke("--db", str(demo_path), "inbox", "--json").output)
    assert all(not i["unread"] for i in again)


FAKE_SENDMAIL = """#!{python}
import json, sys
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": sys.stdin.read()}}) + "\\n")
"""


def _config(home: Path, body: str) -> None:
    path = home / ".config" / "okrtui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def _fake_sendmail(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "sent.jsonl"
    program = tmp_path / "sendmail"
    program.write_text(FAKE_SENDMAIL.format(python=sys.executable, log=str(log)))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program, log


def test_remind_mails_each_owner_through_the_configured_program(
    demo_path: Path, tmp_path: Path
) -> None:
    program, log = _fake_sendmail(tmp_path)
    _config(Path(os.environ["HOME"]),
            f'[reminders]\nmail_command = ["{program}", "-t", "-oi"]\n'
            'mail_domain = "example.com"\n')  # fmt: skip
    dry = invoke("--db", str(demo_path), "remind", "--dry-run")
    assert not log.exists() and "(not sent)" in dry.output
    done = invoke("--db", str(demo_path), "remind")
    assert done.exit_code == 0, done.output
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    assert sent and all(m["argv"] == ["-t", "-oi"] for m in sent)
    for message in sent:
        head, _, body = message["stdin"].partition("\n\n")
        to = next(line for line in head.splitlines() if line.startswith("To: "))
        assert to.endswith("@example.com") and to.count("@") == 1
        assert "okrtui checkin --weekly" in body
    assert done.output == f"{len(sent)} reminders sent\n"
    assert "--- to ben:" in dry.output and "To: ben@example.com" in "".join(
        m["stdin"] for m in sent
    )


def test_a_person_who_stopped_reminders_gets_none(demo_path: Path, demo_db: Database) -> None:
    from store.write.comments import set_reminders

    before = invoke("--db", str(demo_path), "remind", "--dry-run").output
    assert "--- to ben:" in before
    set_reminders(demo_db, "ben", wanted=False)
    assert "--- to ben:" not in invoke("--db", str(demo_path), "remind", "--dry-run").output
    assert invoke("--db", str(demo_path), "remind", "--resume").output == (
        f"reminders to {ME} resumed\n"
    )


def test_a_header_in_a_period_name_stays_in_the_body(demo_path: Path, demo_db: Database) -> None:
    """A period renamed outside okrtui with a line break cannot add a Bcc: header."""
    with demo_db.write() as s:
        from sqlalchemy import text

        renamed = "UPDATE period SET name = 'Q4\nBcc: evil@elsewhere.org' WHERE state = 'active'"
        s.connection().execute(text(renamed))
    dry = invoke("--db", str(demo_path), "remind", "--dry-run").output
    assert "\nBcc:" not in dry and "Q4 Bcc: evil@elsewhere.org" in dry


def test_remind_writes_a_file_per_person_never_through_a_link(
    demo_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "reminders"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / ".ben.txt.new").symlink_to(victim)
    _config(Path(os.environ["HOME"]), f'[reminders]\nto_folder = "{folder}"\n')
    done = invoke("--db", str(demo_path), "remind")
    assert victim.read_text() == "precious"
    assert done.exit_code == 1 and "cannot write" in done.output
    assert (folder / "chloe.txt").read_text().startswith("Subject: okrtui: ")


def test_only_an_admin_sends_reminders(demo_path: Path, demo_db: Database) -> None:
    with demo_db.write() as s:
        from sqlalchemy import text

        s.connection().execute(text("DELETE FROM admin"))
        s.connection().execute(text("INSERT INTO admin VALUES ('chief', 'chief', '2026-01-01')"))
    _config(Path(os.environ["HOME"]), '[reminders]\nmail_domain = "example.com"\n')
    done = invoke("--db", str(demo_path), "remind")
    assert done.exit_code == 1 and "only an admin sends reminders" in done.output


def test_a_login_that_is_not_one_gets_no_address() -> None:
    from store.errors import DomainError
    from store.io.reminders import address

    assert address("ana.b-c_1", "example.com") == "ana.b-c_1@example.com"
    for bad in ("ana@evil.org", "a,b", "a\nBcc: x", "Ana", ""):
        with pytest.raises(DomainError, match="is not a login name"):
            address(bad, "example.com")
