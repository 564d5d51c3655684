"""``okrtui team init|check|admin``: a shared database's file modes and its admin list."""

import grp
import os
import pwd
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from okrtui.cli.main import main
from store.db.database import open_database
from store.db.team_folder import check_shared, filesystem_type
from store.identity import current_username

ME = current_username()
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def team_dir(tmp_path: Path) -> Path:
    result = invoke("team", "init", str(tmp_path / "okr"), "--group", MY_GROUP, "--admin", "ana")
    assert result.exit_code == 0, result.output + result.stderr
    return tmp_path / "okr"


def test_init_makes_a_setgid_sticky_group_directory_and_a_0660_database(team_dir: Path) -> None:
    db = team_dir / "okrtui.db"
    assert mode(team_dir) == 0o3770
    assert mode(db) == 0o660
    assert team_dir.stat().st_gid == db.stat().st_gid == grp.getgrnam(MY_GROUP).gr_gid
    database = open_database(db)
    try:
        with database.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM period").scalar_one() == 1
            admins = [r[0] for r in conn.exec_driver_sql("SELECT username FROM admin")]
        assert sorted(admins) == sorted([ME, "ana"])  # who ran team init, and --admin
    finally:
        database.close()


def test_init_prints_what_it_did(tmp_path: Path) -> None:
    result = invoke("team", "init", str(tmp_path / "okr"), "--group", MY_GROUP)
    out = result.output
    assert f"- created {tmp_path / 'okr'}" in out
    assert "mode 3770" in out
    assert f"- recorded {ME} as the first team admin" in out
    assert f"- created {tmp_path / 'okr' / 'okrtui.db'} mode 0660 for group {MY_GROUP}" in out
    assert f"admins: {ME} (first admin, since " in out
    assert "permissions: ok" in out
    again = invoke("team", "init", str(tmp_path / "okr"), "--group", MY_GROUP)
    assert again.exit_code == 0
    assert "nothing to change" in again.output


def test_files_sqlite_makes_stay_group_writable_even_with_umask_077(team_dir: Path) -> None:
    """-wal and -shm take the database's mode and the directory's group, not the umask."""
    db = team_dir / "okrtui.db"
    code = (
        "import os, sys\n"
        "os.umask(0o077)\n"
        "from store.db.database import open_database\n"
        "from store.write import periods\n"
        "d = open_database(sys.argv[1])\n"
        "pid = periods.create_period(d, sys.argv[2], 'X', '2027-01-01', '2027-03-31').id\n"
        "import pathlib, stat\n"
        "for s in ('-wal', '-shm'):\n"
        "    p = pathlib.Path(sys.argv[1] + s)\n"
        "    print(s, oct(stat.S_IMODE(p.stat().st_mode)), p.stat().st_gid)\n"
        "d.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), ME], capture_output=True, text=True, check=True
    ).stdout.split()
    gid = str(team_dir.stat().st_gid)
    assert out == ["-wal", "0o660", gid, "-shm", "0o660", gid]


def test_check_reports_world_writable_and_locked_out_files_with_the_fix(team_dir: Path) -> None:
    db = team_dir / "okrtui.db"
    os.chmod(team_dir, 0o2777)
    os.chmod(db, 0o644)
    backup = team_dir / "okrtui.db.bak-0001-20260101T000000"
    backup.write_bytes(b"")
    os.chmod(backup, 0o666)
    result = invoke("team", "check", str(db))
    assert result.exit_code == 1
    err = result.stderr
    assert f"problem: {team_dir}: is world-writable" in err and f"chmod o-w {team_dir}" in err
    assert f"problem: {db}: is mode 0644: {MY_GROUP} members cannot write it" in err
    assert f"chmod g+rw {db}" in err
    assert f"problem: {backup}: is mode 0666: world-writable" in err
    # init repairs an existing team database.
    fixed = invoke("team", "init", str(team_dir), "--group", MY_GROUP)
    assert fixed.exit_code == 0, fixed.output + fixed.stderr
    assert f"changed {db} from mode 0644 to 0660" in fixed.output
    assert (mode(team_dir), mode(db), mode(backup)) == (0o3770, 0o660, 0o660)
    assert check_shared(db) == []


def test_check_a_directory_without_setgid(tmp_path: Path) -> None:
    db_dir = tmp_path / "shared"
    db_dir.mkdir(mode=0o770)
    os.chmod(db_dir, 0o770)
    db = db_dir / "okrtui.db"
    open_database(db, create=True).close()
    assert mode(db) == 0o600  # a personal database is created private
    problems = check_shared(db, MY_GROUP)
    assert [p.issue.split(",")[0] for p in problems] == [
        "has no setgid bit",
        "has no sticky bit",
        f"is mode 0600: {MY_GROUP} members cannot write it",
    ]
    assert [p.fix for p in problems] == [
        f"chmod g+s {db_dir}",
        f"chmod +t {db_dir}",
        f"chmod g+rw {db}",
    ]
    personal = invoke("team", "check", str(db))
    assert "not a team directory" in personal.output


def test_init_with_an_unknown_group_fails_and_creates_nothing(tmp_path: Path) -> None:
    result = invoke("team", "init", str(tmp_path / "okr"), "--group", "no-such-group-okrtui")
    assert result.exit_code == 2
    assert "there is no Unix group 'no-such-group-okrtui'" in result.stderr
    assert not (tmp_path / "okr").exists()


def test_init_writes_the_system_config_once(tmp_path: Path, isolated_home: Path) -> None:
    system = Path(os.environ["OKRTUI_SYSTEM_CONFIG"])
    result = invoke("team", "init", str(tmp_path / "okr"), "--group", MY_GROUP, "--system-config")
    assert result.exit_code == 0, result.stderr
    assert mode(system) == 0o644
    assert f'path = "{tmp_path / "okr" / "okrtui.db"}"' in system.read_text()
    listed = invoke("team", "admin", "list")  # no --db: the system config names it
    assert [line.split(", since")[0] for line in listed.output.splitlines()] == [
        f"{ME}\tfirst admin"
    ]
    again = invoke("team", "init", str(tmp_path / "okr"), "--group", MY_GROUP, "--system-config")
    assert "already points at" in again.output


def test_admin_commands(team_dir: Path) -> None:
    db = str(team_dir / "okrtui.db")
    assert invoke("--db", db, "team", "admin", "add", "ben").output == "ben is now a team admin\n"
    assert "already an admin" in invoke("--db", db, "team", "admin", "add", "ben").output
    lines = invoke("--db", db, "team", "admin", "list").output.splitlines()
    assert [line.split("\t")[0] for line in lines] == sorted([ME, "ana", "ben"])
    assert f"ana\tadded by {ME} on " in "\n".join(lines)
    assert f"{ME}\tfirst admin, since " in "\n".join(lines)
    assert invoke("--db", db, "team", "admin", "remove", "ana").exit_code == 0
    refused = invoke("--db", db, "team", "admin", "remove", "ana")
    assert refused.exit_code == 1 and "ana is not an admin" in refused.stderr
    bad = invoke("--db", db, "team", "admin", "add", "two words")
    assert bad.exit_code == 1 and "not a user name" in bad.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to hand the file to another account")
def test_owning_the_file_gives_no_admin_rights(team_dir: Path) -> None:
    """Finding 5: admins come from the admin table; the file's owner is nobody special."""
    db = team_dir / "okrtui.db"
    os.chown(db, 65534, -1)  # as if "nobody" had replaced the file with their own copy
    nobody = pwd.getpwuid(65534).pw_name
    result = invoke("--db", str(db), "team", "admin", "add", "eve")
    assert result.exit_code == 0, result.stderr  # ME is still an admin: recorded at init
    conn = sqlite3.connect(db)
    try:
        names = sorted(row[0] for row in conn.execute("SELECT username FROM admin"))
    finally:
        conn.close()
    assert names == sorted([ME, "ana", "eve"]) and nobody not in names


def test_the_last_admin_cannot_be_removed(team_dir: Path) -> None:
    db = str(team_dir / "okrtui.db")
    assert invoke("--db", db, "team", "admin", "remove", "ana").exit_code == 0
    refused = invoke("--db", db, "team", "admin", "remove", ME)
    assert refused.exit_code == 1 and "last admin" in refused.stderr


def test_filesystem_type_finds_the_mount(tmp_path: Path) -> None:
    assert filesystem_type(tmp_path) is not None
    assert filesystem_type(Path("/")) is not None


def test_init_and_first_run_record_their_user_as_admin(tmp_path: Path) -> None:
    """A new personal database lists its creator in the admin table (not by file owner)."""
    path = tmp_path / "mine.db"
    assert invoke("--db", str(path), "init").exit_code == 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT username, added_by FROM admin").fetchall() == [(ME, ME)]
    finally:
        conn.close()


def test_an_older_database_without_admins_keeps_working_for_its_owner(tmp_path: Path) -> None:
    """No admin recorded: the file's owner stands in, and is recorded at the first change."""
    from store.read.rights import admins
    from store.write.admins import add_admin, list_admins

    path = tmp_path / "old.db"
    open_database(path, create=True).close()  # as before admins were recorded: none
    db = open_database(path)
    try:
        assert admins(db) == [ME]
        assert [(a.username, a.added_by) for a in list_admins(db)] == [(ME, None)]
        assert add_admin(db, ME, "ben") is True
        assert sorted((a.username, a.added_by) for a in list_admins(db)) == sorted(
            [(ME, ME), ("ben", ME)]
        )
    finally:
        db.close()
