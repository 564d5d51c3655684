"""Who is using okrtui: the Unix account of the process.

``getpass.getuser()`` trusts ``USER``/``LOGNAME``, which anyone can set; on a
shared server that would let a person write as someone else. The account is
read from the process's real uid instead, and nothing in config or the
environment can change it (a display name is cosmetic only).
"""

import grp
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from store.errors import IdentityError


@dataclass(frozen=True)
class User:
    """The current user: the login that is recorded as author, and a name to show."""

    username: str
    display_name: str


def current_username() -> str:
    """The login name of the process's real uid."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError as exc:
        raise IdentityError(
            f"uid {uid} has no entry in the password database; okrtui needs a named account"
        ) from exc


def current_user(display_name: str | None = None) -> User:
    """The current user, shown as ``display_name`` (from config) or the GECOS name."""
    username = current_username()
    if display_name:
        return User(username, display_name)
    gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
    return User(username, gecos or username)


def file_owner(path: Path | None) -> str | None:
    """The login owning the database file (None for a server database or no passwd entry)."""
    if path is None:
        return None
    try:
        uid = path.stat().st_uid
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return None


def team_members(team: str | None) -> frozenset[str] | None:
    """Members of the Unix group named like ``team`` (None when no such group exists).

    Includes users whose primary group it is. The group is looked up as written and
    lower-cased ("Growth" → group "growth").
    """
    if not team:
        return None
    for name in dict.fromkeys((team, team.lower())):
        try:
            group = grp.getgrnam(name)
        except (KeyError, UnicodeEncodeError):
            continue
        members = set(group.gr_mem)
        members.update(p.pw_name for p in pwd.getpwall() if p.pw_gid == group.gr_gid)
        return frozenset(members)
    return None


def team_of(name: object) -> frozenset[str]:
    """The members of the group ``[team] name`` names (none when unset or no such group):
    people a comment may mention even before they own anything."""
    return (team_members(name) if isinstance(name, str) else None) or frozenset()
