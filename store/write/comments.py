"""Comments: add one to the thread of an objective, key result or check-in; its author
edits or deletes it. Each is one transaction that logs what it changed in Activity (an
edit or a delete keeps the old text there), and records the ``@names`` it mentions.

Anyone may comment (OKRs are read by everyone, and a question is how one takes part);
only the author changes a comment, here and in PostgreSQL's own rules (migration 0007).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from store.db.database import Database
from store.domain.checks import check_comment
from store.domain.mentions import mentioned
from store.domain.validation import parse_reference, require_text
from store.errors import DomainError, NotFoundError, ValidationError
from store.model.tables import (
    CheckIn,
    Comment,
    InboxRead,
    KeyResult,
    Mention,
    Objective,
    ReminderOptOut,
    utcnow,
)
from store.read.comments import PEOPLE
from store.write.common import get_row, log_activity

SUBJECTS = {
    "O": ("objective", Objective),
    "KR": ("key_result", KeyResult),
    "CI": ("check_in", CheckIn),
}
"""A reference's prefix → (what it names, its table): ``O-3``, ``KR-12``, ``CI-40``."""
_TABLES: dict[str, type[Objective] | type[KeyResult] | type[CheckIn]] = {
    "objective": Objective,
    "key_result": KeyResult,
    "check_in": CheckIn,
}


@dataclass(frozen=True)
class Subject:
    """What a thread is about: ``kind`` is "objective", "key_result" or "check_in"."""

    kind: str
    id: int

    @property
    def ref(self) -> str:
        prefix = next(p for p, (kind, _) in SUBJECTS.items() if kind == self.kind)
        return f"{prefix}-{self.id}"


def parse_subject(text: str) -> Subject:
    """``O-3``, ``KR-12`` or ``CI-40`` as a :class:`Subject` (the prefix is required)."""
    cleaned = text.strip().upper()
    for prefix in sorted(SUBJECTS, key=len, reverse=True):  # KR before a bare K…
        if cleaned.startswith(prefix):
            found = parse_reference(cleaned, prefix)
            if found is not None:
                return Subject(SUBJECTS[prefix][0], found)
    raise ValidationError(
        f"{text.strip()!r} is not something to comment on: give O-3 (an objective), "
        "KR-12 (a key result) or CI-40 (a check-in)"
    )


def people(s: Session) -> set[str]:
    """Everyone the database knows by name (store.read.comments.PEOPLE, in this
    transaction): who a mention may name."""
    from sqlalchemy import text

    return {str(row[0]) for row in s.connection().execute(text(PEOPLE))}


def add_comment(
    db: Database, actor: str, subject: Subject, body: str, *, also_known: Iterable[str] = ()
) -> int:
    """Add ``body`` to ``subject``'s thread; returns the comment's id.

    ``also_known`` adds names to the people a mention may name (the team's Unix group).
    """
    text = check_comment(body)
    table = _TABLES[subject.kind]
    with db.write() as s:
        get_row(s, table, subject.id, _label(subject))
        comment = Comment(author=actor, body=text)
        setattr(comment, f"{subject.kind}_id", subject.id)
        s.add(comment)
        s.flush()
        assert comment.id is not None
        names = mentioned(text, people(s) | set(also_known))
        for name in names:
            s.add(Mention(comment_id=comment.id, username=name))
        log_activity(
            s, actor, "comment", comment.id, "create", on=subject.ref, body=text,
            mentions=list(names),
        )  # fmt: skip
        return comment.id


def edit_comment(
    db: Database, actor: str, comment_id: int, body: str, *, also_known: Iterable[str] = ()
) -> None:
    """Replace the text of the actor's own comment (the old text stays in Activity)."""
    text = check_comment(body)
    with db.write() as s:
        comment = _own(s, actor, comment_id, "edit")
        old = comment.body
        comment.body = text
        comment.edited_at = utcnow()
        s.add(comment)
        s.exec(delete(Mention).where(col(Mention.comment_id) == comment_id))
        names = mentioned(text, people(s) | set(also_known))
        for name in names:
            s.add(Mention(comment_id=comment_id, username=name))
        log_activity(s, actor, "comment", comment_id, "update", old=old, body=text)


def delete_comment(db: Database, actor: str, comment_id: int) -> None:
    """Delete the actor's own comment (its text stays in Activity)."""
    with db.write() as s:
        comment = _own(s, actor, comment_id, "delete")
        log_activity(s, actor, "comment", comment_id, "delete", old=comment.body)
        s.delete(comment)


def _own(s: Session, actor: str, comment_id: int, verb: str) -> Comment:
    comment = s.get(Comment, comment_id)
    if comment is None:
        raise NotFoundError(f"comment #{comment_id} does not exist")
    if comment.author != actor:
        raise DomainError(
            f"comment #{comment_id} is {comment.author}'s: only its author may {verb} it"
        )
    return comment


def _label(subject: Subject) -> str:
    return {"objective": "objective O-", "key_result": "key result KR-"}.get(
        subject.kind, "check-in CI-"
    )


def mark_read(db: Database, reader: str, keys: Iterable[str]) -> None:
    """Mark inbox items read for ``reader`` (marking one twice changes nothing)."""
    wanted = sorted(set(keys))
    if not wanted:
        return
    with db.write() as s:
        have = set(
            s.exec(
                select(InboxRead.item).where(
                    col(InboxRead.username) == reader, col(InboxRead.item).in_(wanted)
                )
            )
        )
        for key in wanted:
            if key not in have:
                s.add(InboxRead(username=reader, item=require_text(key, "item", max_length=64)))


def set_reminders(db: Database, user: str, *, wanted: bool) -> None:
    """Opt ``user`` out of ``okrtui remind``'s messages, or back in."""
    with db.write() as s:
        row = s.get(ReminderOptOut, user)
        if wanted and row is not None:
            s.delete(row)
        elif not wanted and row is None:
            s.add(ReminderOptOut(username=user))
