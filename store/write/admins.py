"""The team admin list, kept in the shared database (never in a user's own config).

Admins are the recorded rows only (store/domain/rights.py): owning the database file gives
nothing once an admin is recorded, since in a team directory a member who could replace
the file would own it. While the list is empty the file's owner stands in as admin (an
older personal database keeps working); their first change to the list records them
first, and the list can never be emptied again.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from store.db.database import Database
from store.domain.checks import check_username
from store.errors import DomainError
from store.model.tables import Admin
from store.read.rights import admins_of
from store.write.common import log_activity
from store.write.guards import require_admin


@dataclass(frozen=True)
class AdminRow:
    """One admin; ``added_by`` is None for a file owner standing in while none is recorded."""

    username: str
    added_by: str | None
    added_at: datetime | None

    @property
    def reason(self) -> str:
        if self.added_by is None:
            return "owns the database file, no admin recorded yet"
        if self.added_by == self.username:
            return f"first admin, since {self.added_at:%Y-%m-%d}" if self.added_at else ""
        return f"added by {self.added_by} on {self.added_at:%Y-%m-%d}" if self.added_at else ""


def list_admins(db: Database) -> list[AdminRow]:
    """The recorded admins by name (or the file's owner while none is recorded)."""
    with db.read() as conn:
        recorded = conn.execute(
            select(Admin.username, Admin.added_by, Admin.added_at).order_by(Admin.username)
        )
        rows = [AdminRow(*row) for row in recorded]
        if not rows:
            rows = [AdminRow(name, None, None) for name in admins_of(conn, db.path)]
    return rows


def _recorded(s: Session) -> list[str]:
    return list(s.exec(select(Admin.username)))


def record_first_admin(db: Database, username: str) -> bool:
    """Record ``username`` as the first admin of a database that lists none (its creator:
    ``okrtui init``, a first run, ``okrtui team init``). False when one was recorded."""
    name = check_username(username, "user name")
    with db.write() as s:
        if _recorded(s):
            return False
        s.add(Admin(username=name, added_by=name))
        log_activity(s, name, "admin", None, "add", username=name)
        return True


def add_admin(db: Database, actor: str, username: str) -> bool:
    """Record ``username`` as an admin; False when they already were one."""
    name = check_username(username, "user name")
    with db.write() as s:
        recorded = _recorded(s)
        current = admins_of(s.connection(), db.path)
        # A server database has no file owner: its first admin bootstraps the list.
        if current or db.path is not None:
            require_admin(s, actor, "add admins")
        if not recorded and db.path is not None:
            # The owner standing in as admin: recorded first, so adding someone else
            # does not take their rights away.
            s.add(Admin(username=actor, added_by=actor))
            log_activity(s, actor, "admin", None, "add", username=actor)
            recorded = [actor]
        if name in recorded:
            return False
        s.add(Admin(username=name, added_by=actor))
        log_activity(s, actor, "admin", None, "add", username=name)
        return True


def remove_admin(db: Database, actor: str, username: str) -> None:
    """Take ``username`` off the admin list (never the last one: the file's owner would
    then stand in, and in a team directory that could be whoever replaced the file)."""
    name = check_username(username, "user name")
    with db.write() as s:
        require_admin(s, actor, "remove admins")
        row = s.get(Admin, name)
        if row is None:
            raise DomainError(f"{name} is not an admin")
        if _recorded(s) == [name]:
            raise DomainError(f"{name} is the last admin: add another one first")
        s.delete(row)
        log_activity(s, actor, "admin", None, "remove", username=name)
