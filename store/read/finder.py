"""What the ctrl+p palette can jump to: every objective and key result of a period by
reference, title and owner, and a ranking that keeps typing fast on big organisations.

The palette used the tree's read model, which scores every KR it reads: ≈370 ms to open
on the 10,000-objective benchmark organisation, where two narrow queries take a fraction
of that. Fuzzy-matching every one of its ≈70,000 entries on each keystroke then took up
to a second, so :func:`shortlist` first picks, with plain string tests, the entries a
person typing that text most likely wants; only those are fuzzy-scored.
"""

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Literal

from store.db.database import Database

OBJECTIVES = (
    "SELECT id, parent_id, title, owner FROM objective WHERE period_id = :period "
    "ORDER BY position, id"
)
COLLABORATORS = (
    "SELECT c.objective_id, c.username FROM collaborator c JOIN objective o "
    "ON o.id = c.objective_id WHERE o.period_id = :period"
)
KEY_RESULTS = (
    "SELECT k.id, k.objective_id, k.title, k.owner FROM key_result k JOIN objective o "
    "ON o.id = k.objective_id WHERE o.period_id = :period ORDER BY k.position, k.id"
)


@dataclass(frozen=True, slots=True)
class Findable:
    """An objective or key result as the palette lists it."""

    kind: Literal["objective", "kr"]
    id: int
    title: str
    owner: str
    editable: bool = True  # the user may check it in (with an actor given to findables)

    @property
    def ref(self) -> str:
        return f"O-{self.id}" if self.kind == "objective" else f"KR-{self.id}"


def findables(db: Database, period_id: int, actor: str | None = None) -> list[Findable]:
    """A period's objectives, each followed by its key results, depth first as the tree
    shows them (children of a missing parent come last): two queries, nothing scored.

    With ``actor``, each key result says whether that user may change it (the palette
    offers "Check in" only for those): one more query and the admin check.
    """
    params = {"period": period_id}
    with db.plain_read() as fetch:
        objectives = fetch(OBJECTIVES, params)
        key_results = fetch(KEY_RESULTS, params)
        collaborators = fetch(COLLABORATORS, params) if actor is not None else []
    editable: Container[int] = _AnyId()
    if actor is not None:
        from store.domain.rights import rights_in
        from store.read.rights import is_admin

        people: dict[int, list[str]] = {row[0]: [row[3]] for row in objectives}
        for oid, name in collaborators:
            people.setdefault(oid, []).append(name)
        rights = rights_in(
            actor,
            is_admin(db, actor),
            {row[0]: row[1] for row in objectives},
            people,
            {kid: (oid, owner) for kid, oid, _title, owner in key_results},
        )
        editable = _AnyId() if rights.admin else rights.key_results
    ids = {row[0] for row in objectives}
    children: dict[int | None, list[tuple[int, str, str]]] = {}
    for oid, parent, title, owner in objectives:
        children.setdefault(parent if parent in ids else None, []).append((oid, title, owner))
    krs: dict[int, list[Findable]] = {}
    for kid, oid, title, owner in key_results:
        krs.setdefault(oid, []).append(Findable("kr", kid, title, owner, kid in editable))
    found: list[Findable] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        oid, title, owner = stack.pop()
        found.append(Findable("objective", oid, title, owner))
        found.extend(krs.get(oid, ()))
        stack.extend(reversed(children.get(oid, [])))
    return found


class _AnyId:
    """Contains every id (an admin may change every key result)."""

    def __contains__(self, _item: object) -> bool:
        return True


def shortlist(texts: Sequence[str], query: str, limit: int) -> list[int]:
    """Indexes of at most ``limit`` of ``texts`` (lower-cased) most likely meant by
    ``query``, best first: text starting with the query as a whole word (``kr-12 ``), then
    starting with it, then the query at a word start, anywhere, and last its characters in
    order (all Textual's fuzzy matcher accepts: spaces included, nothing out of order);
    shorter texts first within a tier. Only the order and the cut are decided here: when
    fewer than ``limit`` texts match at all, every one of them is returned."""
    needle = query.lower()
    if not needle.strip():
        return []
    tiers: list[tuple[int, int, int]] = []  # (tier, length, index)
    rest: list[int] = []
    for index, text in enumerate(texts):
        if text.startswith(needle):
            after = text[len(needle) : len(needle) + 1]
            tiers.append((0 if after in ("", " ") else 1, len(text), index))
        elif " " + needle in text:
            tiers.append((2, len(text), index))
        elif needle in text:
            tiers.append((3, len(text), index))
        else:
            rest.append(index)
    if len(tiers) < limit:
        in_order = re.compile(".*?".join(map(re.escape, needle)))
        tiers += [(4, len(texts[i]), i) for i in rest if in_order.search(texts[i])]
    tiers.sort()
    return [index for _tier, _length, index in tiers[:limit]]
