"""Reading a user's import file as text, with the same clear reasons everywhere."""

from collections.abc import Callable
from pathlib import Path


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
