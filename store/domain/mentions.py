"""``@name`` mentions in a comment: which known users a text names, and completions.

A mention is ``@`` and a login name, not preceded by a letter, digit, ``@`` or ``.`` (so
``ana@example.com`` names nobody). Only known users count: a typo names nobody rather
than an account that does not exist.
"""

import re
from collections.abc import Iterable

_MENTION = re.compile(r"(?<![\w@.])@([a-z_][a-z0-9_.-]{0,63})", re.ASCII)


def mentioned(text: str, known: Iterable[str]) -> tuple[str, ...]:
    """The known users ``text`` mentions, each once, in the order first named."""
    users = set(known)
    names = (m.group(1).rstrip(".-") for m in _MENTION.finditer(text))
    return tuple(dict.fromkeys(name for name in names if name in users))


def partial_mention(text: str) -> str | None:
    """The name being typed at the end of ``text`` (after its ``@``), or None."""
    found = re.search(r"(?<![\w@.])@([a-z0-9_.-]{0,63})\Z", text, re.ASCII)
    return found.group(1) if found else None


def complete(prefix: str, known: Iterable[str], limit: int = 8) -> list[str]:
    """Known users whose name starts with ``prefix``, alphabetically."""
    return sorted(name for name in set(known) if name.startswith(prefix))[:limit]
