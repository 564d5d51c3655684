"""Database layer: pragmas, creation, refusal of bad files, schema versions, migrations."""

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from store.db.database import open_database
from store.db.engine import make_engine
from store.db.migrate import script_revisions, upgrade_to_head
from store.db.schema import HEAD, REVISIONS
from store.db.target import resolve_target
from store.errors import DatabaseError, MissingDatabaseError, SchemaTooNewError
from store.identity import current_username


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_schema_constants_match_the_migration_scripts() -> None:
    assert tuple(script_revisions()) == REVISIONS
    assert REVISIONS[-1] == HEAD


def test_models_and_migrations_agree(db) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == []


def test_pragmas_on_every_connection(db) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_writes_begin_immediate(db) -> None:
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    with db.write() as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    with db.read() as conn:
        conn.execute(text("SELECT 1"))
    assert "BEGIN IMMEDIATE" in statements
    assert statements.count("BEGIN") == 1


def test_new_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.db"
    open_database(path, create=True).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_new_file_in_setgid_directory_is_group_writable(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2770)
    path = shared / "team.db"
    open_database(path, create=True).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_missing_file_is_not_created_implicitly(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(MissingDatabaseError, match=r"okrtui --db .* init"):
        open_database(path)
    assert not path.exists()


def test_garbage_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database at all" * 100)
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a usable okrtui database"):
        open_database(path)
    assert digest(path) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = digest(path)
    with pytest.raises(DatabaseError, match="not an okrtui one"):
        open_database(path)
    assert digest(path) == before


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="directory"):
        open_database(tmp_path)


def test_newer_schema_is_refused_untouched(db, tmp_path: Path) -> None:
    path = db.path
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaTooNewError) as info:
        open_database(path)
    assert "9999" in str(info.value) and HEAD in str(info.value)
    assert digest(path) == before
    assert not list(tmp_path.glob("*.bak-*"))


def _database_at_first_revision(path: Path) -> None:
    """A database as okrtui 0001 left it, with a KR and two check-ins."""
    engine = create_engine(f"sqlite:///{path}")
    upgrade_to_head(make_engine(resolve_target(path)), REVISIONS[0])
    now = datetime(2026, 10, 5, 9, 0)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO period (id, name, starts_on, ends_on, state, created_at) "
            "VALUES (1, '2026-Q4', '2026-10-01', '2026-12-31', 'active', ?)",
            (now,),
        )
        conn.exec_driver_sql(
            "INSERT INTO objective (id, period_id, level, title, description, owner, state, "
            "position, created_at, updated_at) VALUES (1, 1, 'company', 'Grow', '', 'ana', "
            "'active', 0, ?, ?)",
            (now, now),
        )
        conn.exec_driver_sql(
            "INSERT INTO key_result (id, objective_id, title, kind, direction, start_value, "
            "target_value, unit, owner, weight, position, created_at, updated_at) "
            "VALUES (1, 1, 'MRR', 'metric', 'increase', 0, 100, '$', 'ana', 1, 0, ?, ?)",
            (now, now),
        )
        for value, day in ((20, 6), (35, 13)):
            conn.exec_driver_sql(
                "INSERT INTO check_in (key_result_id, value, note, author, created_at) "
                "VALUES (1, ?, '', 'ana', ?)",
                (value, datetime(2026, 10, day, 9, 0)),
            )
    engine.dispose()


def test_migration_from_first_revision_backs_up_and_backfills(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_first_revision(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    conn.close()
    db = open_database(path)
    with db.read() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        value, at = conn.execute(
            text("SELECT current_value, current_at FROM key_result WHERE id = 1")
        ).one()
        assert value == 35
        assert at.startswith("2026-10-13")
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert not any(name.startswith("_alembic_tmp") for name in tables)
    backups = list(tmp_path.glob("old.db.bak-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert conn.execute("SELECT count(*) FROM check_in").fetchone()[0] == 2
    conn.close()
    # The migrated database works with the current code.
    from store.read.tree import load_tree

    tree = load_tree(db, 1)
    kr = tree.objectives[1].key_results[0]
    assert kr.current == 35 and kr.progress == pytest.approx(0.35)
    db.close()


def test_reopening_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    open_database(path, create=True).close()
    code = (
        "import sys; from store.db.database import open_database; "
        f"open_database({str(path)!r}).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_utc_timestamps_round_trip_and_naive_is_refused(db) -> None:
    from store.model.tables import Period

    moment = datetime(2026, 11, 23, 12, 30, 15, 123456, tzinfo=UTC)
    with db.write() as s:
        s.add(Period(name="P", starts_on=moment.date(), ends_on=moment.date(), created_at=moment))
    with db.write() as s:
        from sqlmodel import select

        assert s.exec(select(Period)).one().created_at == moment
    with pytest.raises(Exception, match="naive"), db.write() as s:
        s.add(Period(name="Q", starts_on=moment.date(), ends_on=moment.date(),
                     created_at=datetime(2026, 1, 1)))  # fmt: skip


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_refuses_writes_but_reads(db) -> None:  # pragma: no cover - non-root
    from store.errors import WriteError
    from store.write.periods import create_period

    path = db.path
    db.close()
    path.chmod(0o444)
    ro = open_database(path)
    with pytest.raises(WriteError, match="read-only"):
        create_period(ro, current_username(), "P", "2026-01-01", "2026-03-31")
    with ro.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM period")).scalar() == 0


def test_read_only_connection_reports_and_changes_nothing(db) -> None:
    """Root ignores chmod, so open the file read-only through SQLite itself."""
    from store.db.database import Database
    from store.db.target import Target
    from store.errors import WriteError
    from store.write.periods import create_period

    path = db.path
    db.close()
    before = digest(path)
    target = Target(f"sqlite:///file:{path}?mode=ro&uri=true", path)
    ro = Database(target, make_engine(target))
    with pytest.raises(WriteError, match="read-only"):
        create_period(ro, current_username(), "P", "2026-01-01", "2026-03-31")
    with ro.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM period")).scalar() == 0
    ro.close()
    assert digest(path) == before


@pytest.fixture
def full_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MiB tmpfs (root only) with an okrtui database, then filled to the last byte."""
    if os.getuid() != 0:
        pytest.skip("mounting a tiny filesystem needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        path = mount / "okrtui.db"
        open_database(path, create=True).close()  # closed cleanly: no -wal, no -shm left
        assert not (mount / "okrtui.db-shm").exists()
        try:
            with open(mount / "filler", "wb") as filler:
                while True:
                    filler.write(b"\0" * 4096)
                    filler.flush()
        except OSError:
            pass
        yield path
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_never_advises_restoring_a_backup(full_disk: Path) -> None:
    """Finding 7: no room for the -shm of a WAL database is an I/O error, not damage."""
    before = digest(full_disk)
    with pytest.raises(DatabaseError) as raised:
        open_database(full_disk)
    message = str(raised.value)
    assert "backup" not in message and "not a usable" not in message
    assert "disk is full or failing" in message and "the file itself is intact" in message
    assert "nothing was changed" in message and "Free some space" in message
    assert digest(full_disk) == before


def test_a_damaged_file_still_gets_the_restore_advice(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    db = open_database(path, create=True)
    from store.write.periods import ensure_period

    ensure_period(db, current_username())
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(data)):  # every page after the header page: garbage
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="restore it from a backup") as raised:
        open_database(path)
    assert "damaged" in str(raised.value)


def _kr_ddl(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'key_result' ORDER BY type DESC, name"
        ).fetchall()
    conn.close()
    return [r[0] for r in rows if r[0]]


def test_0009_lets_a_key_result_stay_between_and_keeps_everything_else(tmp_path: Path) -> None:
    """0008 → 0009 rebuilds key_result on SQLite with the wider check: the rows, their
    check-ins (a cascade on the rebuilt table would have taken them), the other check,
    the indexes and the foreign keys all survive, and garbage is still refused."""
    path = tmp_path / "old.db"
    _database_at_first_revision(path)
    engine = make_engine(resolve_target(path))
    upgrade_to_head(engine, "0008")
    with engine.connect() as conn:  # the pooled connection has its foreign keys back on
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    before = _kr_ddl(path)
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE key_result SET direction = 'stay_between' WHERE id = 1")
    conn.close()
    db = open_database(path)
    db.close()
    after = _kr_ddl(path)
    assert len(after) == len(before) == 4  # the table and its three indexes
    assert after[1:] == before[1:]
    assert "'stay_below', 'stay_between'" in after[0]
    assert "ck_kind CHECK" in after[0] and "ON DELETE CASCADE" in after[0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM check_in").fetchone()[0] == 2
        conn.execute("UPDATE key_result SET direction = 'stay_between' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE key_result SET direction = 'sideways' WHERE id = 1")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_0009_downgrade_refuses_while_a_range_is_in_use(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    _database_at_first_revision(path)
    engine = make_engine(resolve_target(path))
    upgrade_to_head(engine)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE key_result SET direction = 'stay_between', start_value = 30")
    conn.close()
    from alembic import command

    from store.db.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        with pytest.raises(RuntimeError, match="change their direction"):
            command.downgrade(cfg, "0008")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        assert conn.execute("SELECT direction FROM key_result").fetchone()[0] == "stay_between"
    conn.close()
