"""Who is using okrtui: the Unix account of the process.

``getpass.getuser()`` trusts ``USER``/``LOGNAME``, which anyone can set; on a
shared server that would let a person write as someone else. The account is
read from the process's real uid instead, and nothing in config or the
environment can change it (a display name is cosmetic only).
"""

import os
import pwd
from dataclasses import dataclass


class IdentityError(Exception):
    """The process's uid has no account: refuse rather than guess a name."""


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
