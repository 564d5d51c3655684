"""The server owner's approval of a source definition: a seal only that account can make.

A ``sql``, ``command`` or ``http`` source runs a query, a program or a request as the
account running the scheduled pull. In team mode any KPI owner may define one, so the
pull runs it only once that account approved this exact definition (``okrtui kpi source
approve``). The approval is an HMAC-SHA256 of the KPI id, the kind and the settings under
a key in the approver's data directory (0600, theirs): someone who can write the
database — any member of a shared SQLite file — can copy or clear an approval but cannot
make one for a definition of their own, and changing a definition voids it.
"""

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from store import paths
from store.errors import DomainError

KEY_NAME = "pull.key"


def key_path() -> Path:
    return paths.data_dir() / KEY_NAME


def _message(kpi_id: int, kind: str, spec_json: str) -> bytes:
    return f"okrtui-source-v1\n{kpi_id}\n{kind}\n{spec_json}".encode()


def _read_key(create: bool) -> bytes | None:
    path = key_path()
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DomainError(f"cannot read the approval key {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid() or info.st_mode & 0o077 or not stat.S_ISREG(info.st_mode):
            raise DomainError(
                f"the approval key {path} must be a regular file of yours with mode 0600"
            )
        key = os.read(fd, 64)
    finally:
        os.close(fd)
    if len(key) < 32:
        raise DomainError(f"the approval key {path} is damaged: remove it and approve again")
    return key


def seal(approver: str, kpi_id: int, kind: str, spec_json: str) -> str:
    """The approval of this definition by ``approver`` (the account running this)."""
    key = _read_key(create=True)
    assert key is not None
    digest = hmac.new(key, _message(kpi_id, kind, spec_json), hashlib.sha256).hexdigest()
    return f"{approver}:{digest}"


def verifies(approval: str | None, runner: str, kpi_id: int, kind: str, spec_json: str) -> bool:
    """Whether ``approval`` is ``runner``'s own seal on exactly this definition."""
    if not approval or ":" not in approval:
        return False
    approver, digest = approval.rsplit(":", 1)
    if approver != runner:
        return False
    key = _read_key(create=False)
    if key is None:
        return False
    expected = hmac.new(key, _message(kpi_id, kind, spec_json), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest)
