"""Secrets a source names (``env:NAME``, ``file:/path``), read only while the pull runs.

A secret file must be a regular file (not a symlink), owned by the account running the
pull and readable by it alone (no group or other permission bits): a file others can
read is no secret, and one they can write lets them point the pull elsewhere. The
secret's text never appears in a message.
"""

import os
import stat

from store.sources.values import SourceError

MAX_SECRET = 64 * 1024


def resolve(reference: str) -> str:
    """The secret ``reference`` names (``env:NAME`` or ``file:/path``), stripped."""
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name)
        if not value:
            raise SourceError(f"the environment variable {name} (from {reference}) is not set")
        return value.strip()
    if reference.startswith("file:"):
        return read_secret_file(reference[5:])
    raise SourceError(f"{reference!r} is not env:NAME or file:/path")


def read_secret_file(path: str) -> str:
    """A secret file's text, after checking it is the pull's own and private."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = "it is a symbolic link" if exc.errno == 40 else exc.strerror
        raise SourceError(f"cannot use secret file {path}: {why}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"secret file {path} is not a regular file")
        if info.st_uid != os.getuid():
            raise SourceError(
                f"secret file {path} belongs to uid {info.st_uid}, not to the account running "
                f"the pull (uid {os.getuid()}): refused"
            )
        if info.st_mode & 0o077:
            raise SourceError(
                f"secret file {path} is readable or writable by others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}): chmod 600 {path}"
            )
        data = os.read(fd, MAX_SECRET + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SECRET:
        raise SourceError(f"secret file {path} is larger than {MAX_SECRET} bytes")
    text = data.decode("utf-8", "replace").strip()
    if not text:
        raise SourceError(f"secret file {path} is empty")
    return text


def scrub(message: str, secrets: list[str]) -> str:
    """``message`` with every secret (and a URL's password) replaced by ``***``."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message
