"""Which database to open: a SQLite file or a PostgreSQL URL, from flag, environment or
config (first one given wins), resolved once at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported when first needed: the TUI's first frame of a
    # SQLite database reads through ``plain_read`` and never needs it (bench/README.md).
    pass


@dataclass(frozen=True)
class Target:
    """Where the data lives: a SQLite file path or a server URL."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


def resolve_target(target: str | Path) -> Target:
    """Turn a config/CLI value (a path or a SQLAlchemy URL) into a :class:`Target`."""
    text = str(target)
    if "://" in text:
        if text.startswith("sqlite:///") and not text.startswith("sqlite:///:memory:"):
            path = Path(text.removeprefix("sqlite:///")).expanduser().resolve()
            return Target(f"sqlite:///{path}", path)
        from store.db.pg_conn import normalise_url

        return Target(normalise_url(text), None)
    path = Path(text).expanduser().resolve()
    return Target(f"sqlite:///{path}", path)
