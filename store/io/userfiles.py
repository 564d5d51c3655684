"""The user's own okrtui folder: the only place the TUI reads or writes files.

On a team server a member reaches the app over SSH and has no shell: a file written
at a path they type (``~/.pam_environment``, ``~/.bashrc``) or read from one
(``/etc/passwd``) would be a way round the app. So the TUI never takes a path:
reports are saved under ``<documents>/okrtui/exports`` with a generated name, and
KPI imports are chosen from the files in ``<documents>/okrtui/imports``. Folders and
files are opened without following symbolic links, names never start with a dot,
and only regular files owned by the user are read.
"""

import contextlib
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_documents_path

from store.errors import UserFileError

APP_FOLDER = "okrtui"
EXPORTS = "exports"
IMPORTS = "imports"
IMPORT_SUFFIXES = (".csv", ".txt")
MAX_IMPORT_BYTES = 20_000_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ImportFile:
    """A file the user may import: its name in the imports folder and its size."""

    name: str
    size: int


def base_dir() -> Path:
    """``<documents>/okrtui`` (``~/Documents/okrtui`` on most systems; not created here)."""
    return user_documents_path() / APP_FOLDER


def folder(kind: str) -> Path:
    """The exports or imports folder's path (not created here)."""
    if kind not in (EXPORTS, IMPORTS):
        raise ValueError(kind)
    return base_dir() / kind


def _open_dir(kind: str, *, create: bool) -> int:
    """A descriptor of the ``kind`` folder: a real directory of this user's, never a link.

    The documents folder itself may sit behind a link (a home on another disk); the two
    folders okrtui makes inside it, ``okrtui`` and ``kind``, are opened without
    following links.
    """
    documents = Path(os.path.realpath(user_documents_path()))
    where = folder(kind)
    try:
        if create:
            documents.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(documents, _DIR_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UserFileError(f"cannot use the folder {documents}: {exc.strerror or exc}") from None
    try:
        for part in (APP_FOLDER, kind):
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o700, dir_fd=fd)
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
        if os.fstat(fd).st_uid != os.getuid():
            raise UserFileError(f"{where} belongs to another user; okrtui will not use it")
        return fd
    except UserFileError:
        os.close(fd)
        raise
    except OSError as exc:
        os.close(fd)
        if isinstance(exc, FileNotFoundError):
            raise
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UserFileError(
                f"{where} is not a plain folder (a link or a file is in the way); "
                "okrtui will not use it"
            ) from None
        raise UserFileError(f"cannot use the folder {where}: {exc.strerror or exc}") from None


def safe_stem(text: str) -> str:
    """``text`` as a file-name part: letters, digits, ``_ . -``, never a leading dot."""
    stem = _SAFE_NAME.sub("_", text).strip("._-")
    return stem[:60] or "report"


def save_export(stem: str, suffix: str, text: str) -> Path:
    """Write ``text`` to a new file in the exports folder; returns its path.

    The name is ``okrtui-<stem>.<suffix>`` (``-2``, ``-3``… when taken): nothing
    is overwritten, no link is followed, the file is the user's alone (0600).
    """
    if not re.fullmatch(r"[a-z]{1,8}", suffix):
        raise ValueError(suffix)
    where = folder(EXPORTS)
    fd = _open_dir(EXPORTS, create=True)
    try:
        base = f"okrtui-{safe_stem(stem)}"
        for number in range(1, 1000):
            name = f"{base}.{suffix}" if number == 1 else f"{base}-{number}.{suffix}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            try:
                out = os.open(name, flags, 0o600, dir_fd=fd)
            except FileExistsError:
                continue
            except OSError as exc:
                raise UserFileError(f"cannot write in {where}: {exc.strerror or exc}") from None
            try:
                with os.fdopen(out, "w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
            except OSError as exc:
                os.unlink(name, dir_fd=fd)
                raise UserFileError(f"cannot write {where / name}: {exc.strerror}") from None
            return where / name
        raise UserFileError(f"{where} already holds 999 files named {base}: tidy it up")
    finally:
        os.close(fd)


def list_imports() -> list[ImportFile]:
    """The importable files in the imports folder, by name (created empty when missing)."""
    fd = _open_dir(IMPORTS, create=True)
    try:
        found = []
        with os.scandir(fd) as entries:
            for entry in entries:
                if _importable_name(entry.name) and entry.is_file(follow_symlinks=False):
                    found.append(ImportFile(entry.name, entry.stat(follow_symlinks=False).st_size))
        return sorted(found, key=lambda f: f.name.lower())
    finally:
        os.close(fd)


def _importable_name(name: str) -> bool:
    return (
        not name.startswith(".")
        and "/" not in name
        and name.lower().endswith(IMPORT_SUFFIXES)
        and name == os.path.basename(name)
    )


def read_import(name: str) -> bytes:
    """The bytes of ``name`` in the imports folder: a plain file of this user's, not a link."""
    if not _importable_name(name):
        raise UserFileError(f"{name!r} is not a file of the imports folder")
    where = folder(IMPORTS)
    try:
        dir_fd = _open_dir(IMPORTS, create=False)
    except FileNotFoundError:
        raise UserFileError(f"{where} does not exist") from None
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError as exc:
            raise UserFileError(f"cannot read {name}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                raise UserFileError(f"{name} is not a plain file of yours; okrtui will not read it")
            if info.st_size > MAX_IMPORT_BYTES:
                raise UserFileError(
                    f"{name} is {info.st_size // 1_000_000} MB: too large for a KPI import"
                )
            return handle.read(MAX_IMPORT_BYTES + 1)
    finally:
        os.close(dir_fd)
