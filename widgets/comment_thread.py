"""A comment thread as text: author, local time and the comment, newest last.

User text is plain ``Text`` (never markup): a comment reading ``[bold]`` shows as typed.
"""

from collections.abc import Sequence

from rich.text import Text

from store.model.rows import CommentRow
from widgets.history_text import local_time


def thread_text(comments: Sequence[CommentRow], ref: str) -> Text:
    """The thread of ``ref``, or how to start one."""
    text = Text()
    if not comments:
        text.append(f"No comments on {ref} yet: C writes one.", style="dim")
        return text
    text.append(f"Comments ({len(comments)})\n", style="bold")
    for comment in comments:
        edited = " · edited" if comment.edited_at is not None else ""
        on = f" on {comment.subject}" if comment.subject != ref else ""
        text.append(f"{comment.author}", style="bold")
        text.append(f"{on}  {local_time(comment.created_at)}{edited}  #{comment.id}\n", style="dim")
        text.append(comment.body)
        text.append("\n")
    text.rstrip()
    return text
