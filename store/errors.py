"""Errors that refuse an operation, each carrying a message for the user."""


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
