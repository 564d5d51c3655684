"""Issue 13, findings 4 and 5: the team directory and who is admin, tried with real accounts.

A member (here the account ``nobody`` given the team's group, as root can do) tries
``cp okrtui.db x && mv -f x okrtui.db``: with the sticky bit it fails; in a directory
without it, it works, and then the file's new owner must still not be an admin.
"""

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from ssh_helpers import system_venv

from okrtui.cli.main import main
from store.db.database import open_database
from store.db.team_folder import check_shared
from store.read import rights

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="acting as another account needs root")

REPLACE = "cp okrtui.db x && mv -f x okrtui.db"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def member() -> tuple[int, int, str]:
    """(uid, gid of the team group, group name): nobody, in the group "users"."""
    try:
        nobody = pwd.getpwnam("nobody").pw_uid
        group = grp.getgrnam("users")
    except KeyError:
        pytest.skip("needs the account nobody and the group users")
    return nobody, group.gr_gid, group.gr_name


@pytest.fixture
def team(member: tuple[int, int, str]) -> Iterator[Path]:
    """A team directory made by `okrtui team init` (as root), reachable by other users."""
    base = Path(tempfile.mkdtemp(prefix="okrtui-team-"))
    base.chmod(0o755)
    try:
        result = invoke("team", "init", str(base / "team"), "--group", member[2], "--admin", "ana")
        assert result.exit_code == 0, result.output + result.stderr
        yield base / "team"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def as_member(
    member: tuple[int, int, str], script: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    uid, gid, _ = member
    return subprocess.run(
        ["sh", "-c", script],
        cwd=cwd,
        user=uid,
        group=gid,
        extra_groups=[gid],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_member_cannot_replace_the_database(team: Path, member: tuple[int, int, str]) -> None:
    db = team / "okrtui.db"
    before = db.stat()
    done = as_member(member, REPLACE, team)
    assert done.returncode != 0, "the member replaced the database"
    assert "not permitted" in done.stderr
    after = db.stat()
    assert (after.st_ino, after.st_uid) == (before.st_ino, before.st_uid)
    # Members still write the database itself (and make -wal/-shm) as before.
    write = as_member(
        member, "test -w okrtui.db && touch okrtui.db-probe && rm okrtui.db-probe", team
    )
    assert write.returncode == 0, write.stderr


def test_without_the_sticky_bit_the_replacer_owns_the_file_but_is_no_admin(
    team: Path, member: tuple[int, int, str]
) -> None:
    """The attack where the directory lacks the sticky bit (an older `team init`)."""
    db = team / "okrtui.db"
    os.chmod(team, 0o2770)
    done = as_member(member, REPLACE, team)
    assert done.returncode == 0, done.stderr  # the attack works without the sticky bit…
    assert db.stat().st_uid == member[0]
    database = open_database(db)
    try:  # …but owning the file gives no admin rights: the copy's admin table rules
        assert "nobody" not in rights.admins(database)
        assert sorted(rights.admins(database)) == sorted(["root", "ana"])
    finally:
        database.close()
    # And `team check` (as root) names both problems with their fix.
    problems = {(p.path, p.fix.split()[0]) for p in check_shared(db, admins=["root", "ana"])}
    assert (team, "chmod") in problems
    assert any(p.issue.startswith("is owned by nobody, who is not an admin")
               for p in check_shared(db, admins=["root", "ana"]))  # fmt: skip
    result = invoke("team", "check", str(db))
    assert result.exit_code == 1
    assert f"chmod +t {team}" in result.stderr
    assert "is owned by nobody, who is not an admin" in result.stderr


def test_team_check_flags_foreign_files(team: Path) -> None:
    (team / "notes.txt").write_text("x")
    (team / "okrtui.db.bak-0004-20260101T000000").symlink_to("/etc/passwd")
    result = invoke("team", "check", str(team / "okrtui.db"))
    assert result.exit_code == 1
    assert f"{team / 'notes.txt'}: was not made by okrtui" in result.stderr
    assert "okrtui.db.bak-0004-20260101T000000: was not made by okrtui" in result.stderr


def test_team_check_is_for_admins(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nobody = pwd.getpwnam("nobody").pw_uid
    monkeypatch.setattr(os, "getuid", lambda: nobody)  # the caller's identity, not root
    result = invoke("team", "check", str(team / "okrtui.db"))
    assert result.exit_code == 1
    assert "only an admin of" in result.stderr


def test_team_check_on_an_unreadable_path_says_so(team: Path, member: tuple[int, int, str]) -> None:
    """Finding 4: another user's ~/.ssh gave a PermissionError traceback."""
    umask = os.umask(0o022)  # `team init` above set 007 for this whole process
    try:
        python = system_venv(team.parent)
    finally:
        os.umask(umask)
    secret = team.parent / "secret"
    secret.mkdir(mode=0o700)
    uid, gid, _ = member
    done = subprocess.run(
        [str(python), "-I", "-m", "okrtui", "team", "check", str(secret / "id_ed25519")],
        user=uid,
        group=gid,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        env={"HOME": str(team.parent), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"cannot check {secret / 'id_ed25519'}: Permission denied" in done.stderr
