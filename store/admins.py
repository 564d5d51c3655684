"""The team admin list, kept in the shared database (never in a user's own config).

Only admins change it: the database file's owner (always an admin, so a new team
database can be bootstrapped) and those already listed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from store.db import Database
from store.errors import DomainError
from store.models import Admin
from store.rights import admins_of, file_owner, require_admin
from store.service import _log, check_username


@dataclass(frozen=True)
class AdminRow:
    """One admin; ``added_by`` is None for the file's owner (an admin by owning the file)."""

    username: str
    added_by: str | None
    added_at: datetime | None

    @property
    def reason(self) -> str:
        if self.added_by is None:
            return "owns the database file"
        return f"added by {self.added_by} on {self.added_at:%Y-%m-%d}" if self.added_at else ""


def list_admins(db: Database) -> list[AdminRow]:
    """The file owner (if any), then the recorded admins by name."""
    owner = file_owner(db.path)
    rows: list[AdminRow] = [AdminRow(owner, None, None)] if owner else []
    with db.read() as conn:
        recorded = conn.execute(
            select(Admin.username, Admin.added_by, Admin.added_at).order_by(Admin.username)
        )
        rows += [AdminRow(*row) for row in recorded if row[0] != owner]
    return rows


def add_admin(db: Database, actor: str, username: str) -> bool:
    """Record ``username`` as an admin; False when they already were one."""
    name = check_username(username, "user name")
    with db.write() as s:
        current = admins_of(s.connection(), db.path)
        # A server database has no file owner: its first admin bootstraps the list.
        if current or db.path is not None:
            require_admin(s, actor, "add admins")
        if name in current:
            return False
        s.add(Admin(username=name, added_by=actor))
        _log(s, actor, "admin", None, "add", username=name)
        return True


def remove_admin(db: Database, actor: str, username: str) -> None:
    """Take ``username`` off the admin list (the file's owner stays an admin regardless)."""
    name = check_username(username, "user name")
    with db.write() as s:
        require_admin(s, actor, "remove admins")
        row = s.get(Admin, name)
        if row is None:
            if name == file_owner(db.path):
                raise DomainError(
                    f"{name} owns the database file and so is always an admin; "
                    "change the file's owner (chown) to change that"
                )
            raise DomainError(f"{name} is not an admin")
        s.delete(row)
        _log(s, actor, "admin", None, "remove", username=name)
