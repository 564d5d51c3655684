"""Fixtures for the adversarial tests in this folder.

The SSH tests bring their own (``ssh_helpers``). The PostgreSQL ones (``test_pg_*``) use
:func:`team_db`: a database set up as README's "PostgreSQL" section describes, on the
session's throw-away cluster (tests/pg_cluster.py): owned by a plain role that ran
``okrtui db upgrade``, one login role per member, and a small organisation. A member
attacks it with ``psql`` as their own role, exactly as they could on a team server.
"""

import contextlib
import os
import select
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pg_cluster import Cluster

OWNER = "okrtui_owner"
"""The role that owns the database and okrtui's tables (it ran ``okrtui db upgrade``)."""
MEMBERS = ("alice", "bob", "carol", "boss", "chief")
"""boss owns the company objective, alice the team objective under it, carol collaborates
on it, bob owns a KPI and nothing else, chief is an admin."""


@dataclass
class HeldSession:
    """A ``psql`` session kept open (holding locks, say) until :meth:`close`."""

    process: subprocess.Popen[bytes]
    pid: int = 0

    def run(self, sql: str, seconds: float = 30) -> str:
        """Send statements; returns their output once they have all run."""
        marker = f"done-{uuid.uuid4().hex[:8]}"
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{sql}\n\\echo {marker}\n".encode())
        self.process.stdin.flush()
        out = b""
        deadline = time.monotonic() + seconds
        fd = self.process.stdout.fileno()
        while marker.encode() not in out:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"psql did not finish {sql!r}: {out.decode()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"psql ended during {sql!r}: {out.decode()}")
            out += chunk
        return out.decode().split(marker)[0]

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.write(b"ROLLBACK;\n\\q\n")
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class TeamDb:
    """The database of one test: its name, the ids of its organisation, and ways in."""

    cluster: Cluster
    name: str
    ids: dict[str, int] = field(default_factory=dict)
    _held: list[HeldSession] = field(default_factory=list)

    def url(self, role: str = OWNER) -> str:
        return self.cluster.url(self.name, role)

    def psql(self, role: str, sql: str) -> subprocess.CompletedProcess[str]:
        """Run a script with ``psql`` as ``role`` (every statement runs; errors on stderr)."""
        return subprocess.run(
            [str(self.cluster.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.cluster.port),
             "-U", role, "-d", self.name, "-X", "-q", "-f", "-"],
            input=sql, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def held(self, role: str) -> HeldSession:
        """A ``psql`` session as ``role`` that stays open until the test ends."""
        process = subprocess.Popen(
            [str(self.cluster.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.cluster.port),
             "-U", role, "-d", self.name, "-X", "-q", "-A", "-t"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        session = HeldSession(process)
        self._held.append(session)
        session.pid = int(session.run("SELECT pg_backend_pid();").strip())
        return session

    def scalar(self, sql: str) -> Any:
        """One value, read as the cluster's superuser (row security does not apply)."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.cluster.port} user=okrtui_test dbname={self.name}"
        ) as conn:
            row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        return None if row is None else row[0]

    def superuser(self, sql: str) -> None:
        self.cluster.sql(sql, self.name)

    def close(self) -> None:
        for session in self._held:
            session.close()


def make_roles(cluster: Cluster) -> None:
    cluster.new_role(OWNER)
    for member in MEMBERS:
        cluster.new_role(member)


def upgraded_database(cluster: Cluster) -> str:
    """A new database owned by :data:`OWNER`, upgraded to this okrtui's schema by it."""
    from store.db.pg import make_pg_engine, upgrade_pg

    make_roles(cluster)
    name = f"t_{uuid.uuid4().hex[:12]}"
    cluster.sql(f'CREATE DATABASE "{name}" OWNER {OWNER}')
    engine = make_pg_engine(cluster.url(name, OWNER))
    try:
        upgrade_pg(engine)
    finally:
        engine.dispose()
    return name


def _organisation(url: str) -> dict[str, int]:
    """Built by the owner (exempt from the rules), acting as each person through okrtui."""
    from sqlalchemy import text

    from store.db.database import open_database
    from store.write import checkins, key_results, kpis, objectives, periods
    from store.write.close_period import ObjectiveReview, close_period

    db = open_database(url)
    try:
        with db.write() as s:
            s.connection().execute(text("INSERT INTO admin VALUES ('chief', 'chief', now())"))
        old = periods.create_period(db, "chief", "Q3", "2026-07-01", "2026-09-30").id
        old_objective = objectives.create_objective(
            db, "alice", period_id=old, title="Last quarter", owner="alice"
        ).id
        old_kr = key_results.create_key_result(
            db, "alice", objective_id=old_objective, title="Old KR", target=10
        ).id
        old_check_in = checkins.check_in(db, "alice", old_kr, 4).check_in_id
        close_period(db, "chief", old, [ObjectiveReview(old_objective)], activate_next=False)
        period = periods.create_period(db, "chief", "Q4", "2026-10-01", "2026-12-31", "active").id
        following = periods.create_period(db, "chief", "Q1", "2027-01-01", "2027-03-31").id
        top = objectives.create_objective(
            db, "boss", period_id=period, title="Top", owner="boss"
        ).id
        team = objectives.create_objective(db, "alice", period_id=period, title="Team",
                                        owner="alice", parent_id=top,
                                        collaborators=["carol"]).id  # fmt: skip
        other = objectives.create_objective(
            db, "bob", period_id=period, title="Bob's", owner="bob"
        ).id
        kr = key_results.create_key_result(db, "alice", objective_id=team, title="KR", target=10).id
        percent = key_results.create_key_result(
            db, "alice", objective_id=team, title="Share", kind="percent"
        ).id
        alices = checkins.check_in(db, "alice", kr, 3).check_in_id
        carols = checkins.check_in(db, "carol", kr, 5).check_in_id
        kpi = kpis.create_kpi(db, "bob", name="Churn", owner="bob").id
    finally:
        db.close()
    return {
        "old_period": old, "old_objective": old_objective, "old_kr": old_kr,
        "old_check_in": old_check_in, "period": period, "next_period": following, "top": top,
        "team": team, "other": other, "kr": kr, "percent": percent, "alices_check_in": alices,
        "carols_check_in": carols, "kpi": kpi,
    }  # fmt: skip


@pytest.fixture
def team_db(pg_cluster: Cluster) -> Iterator[TeamDb]:
    """A team database as README sets it up, with its organisation (see :data:`MEMBERS`)."""
    name = upgraded_database(pg_cluster)
    db = TeamDb(pg_cluster, name)
    db.ids = _organisation(db.url())
    try:
        yield db
    finally:
        db.close()
