"""Every error okrtui raises on purpose, each carrying a message for the user.

:class:`DomainError` and its kinds refuse an operation (nothing was written);
:class:`DatabaseError` and its kinds explain a database that cannot be used as asked.
Import-free, so ``okrtui checkin`` pays nothing for it.
"""

from pathlib import Path


class DomainError(Exception):
    """An operation was refused; nothing was written. The message says why."""


class ValidationError(DomainError, ValueError):
    """Input refused, with a message meant for the person who typed it."""


class NotFoundError(DomainError):
    """A reference matched nothing; ``suggestions`` lists close matches."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        if suggestions:
            message = f"{message}. Did you mean: {', '.join(suggestions)}?"
        super().__init__(message)
        self.suggestions = suggestions


class PermissionDenied(DomainError):
    """The change is not this user's to make; the message says who may make it."""


# --- the database ---


class DatabaseError(Exception):
    """A database problem explained for the user (printed as is, exit code 2)."""


class MissingDatabaseError(DatabaseError):
    """The configured database file does not exist and may not be created implicitly."""


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer okrtui; it is left untouched."""


class DatabaseUnavailable(DatabaseError):
    """A read failed because the database cannot be reached or is busy: try again later.

    Raised instead of the driver's own error so every screen that already handles
    :class:`DatabaseError` shows a message and goes on, rather than losing its message
    loop to an exception it did not expect (a stopped PostgreSQL froze the app).
    """


class DatabaseBusy(DatabaseUnavailable):
    """A read waited longer than okrtui waits for a lock another session holds, or for a
    slow server: the same read may succeed if tried again. A ``DatabaseUnavailable``, so
    screens that retry an unavailable database retry this too."""


class WriteError(DatabaseError):
    """A write could not be made (busy, read-only, disk full); nothing was changed."""


# --- configuration, identity, team set-up, transfer ---


class ConfigError(Exception):
    """A config file that cannot be used; the message says which file and where."""

    def __init__(self, message: str, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class IdentityError(Exception):
    """The process's uid has no account: refuse rather than guess a name."""


class TeamSetupError(Exception):
    """The shared directory cannot be prepared (no such group, not allowed…)."""


class TransferError(Exception):
    """An export or import problem, explained for the user (which record, which field, what)."""


# --- refusals of one operation ---


class DemoError(ValueError):
    """The database already holds data: demo data only goes into an empty one."""


class FarOutside(ValidationError):
    """A check-in value far outside its KR's range: recorded only once confirmed."""

    def __init__(self, kr_id: int, reason: str) -> None:
        super().__init__(f"KR-{kr_id}: {reason}; is that a typo? Confirm to record it anyway")
        self.reason = reason


class UserFileError(DomainError):
    """A user-file operation was refused or failed; the message says why."""


class OkrFileError(DomainError):
    """A TOML file that cannot be applied; the message names the item and the field.

    ``errors`` lists every problem found (the whole file is checked in one run).
    """

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [message]


MAX_CSV_ERRORS = 50


class CsvImportError(DomainError):
    """The file cannot be imported; ``errors`` lists every problem as "line N, column: ..."."""

    def __init__(self, errors: list[str]) -> None:
        # In line order (stable: a line's problems keep theirs), each problem once.
        errors = sorted(dict.fromkeys(errors), key=_line_number)
        shown = errors[:MAX_CSV_ERRORS]
        more = (
            f"\n… and {len(errors) - MAX_CSV_ERRORS} more" if len(errors) > MAX_CSV_ERRORS else ""
        )
        super().__init__(
            f"{len(errors)} problem(s), nothing was imported:\n" + "\n".join(shown) + more
        )
        self.errors = errors


def _line_number(error: str) -> int:
    head = error.split(":", 1)[0].split(",", 1)[0]
    return int(head.removeprefix("line ")) if head.startswith("line ") else 0
