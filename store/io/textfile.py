"""User files as text: reading an import with the same clear reasons everywhere, and
writing a report to a new file (never overwriting, never following a link)."""

import os
from collections.abc import Callable
from pathlib import Path

from store.errors import DomainError


def read_text(
    path: str | Path,
    error: Callable[[str], Exception],
    *,
    encoding: str = "utf-8",
    hint: str = "",
) -> str:
    """The file's text; an unreadable or non-UTF-8 file raises ``error(reason)``.

    ``hint`` is appended to the not-UTF-8 reason (how to save the file properly).
    """
    path = Path(path)
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        reason = f"{path} is not UTF-8 text (bad byte at offset {exc.start})"
        raise error(reason + (f"; {hint}" if hint else "")) from None
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None


def write_new_file(path: Path, text: str) -> Path:
    """Write a report to a file that must not exist yet (never overwrite, never follow a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise DomainError(f"{path} already exists; choose a new file name") from None
    except OSError as exc:
        raise DomainError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path
