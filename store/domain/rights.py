"""Who may change what, checked inside each write transaction (store/write/guards.py).

Everyone reads everything (OKRs are transparent). Changes are limited:

* an **objective** (its fields, state, deletion, new key results) by its owner, its
  collaborators, the owner of any objective it is aligned under, and admins; but **who
  holds it** (its owner, its collaborators, and its alignment, which makes the owners
  above it editors of it and of everything under it) only by its owner, the owners above
  it and admins: a collaborator who could set those could make themselves its owner, or
  move it under an objective of theirs, and so gain its children;
* a **key result** (its definition and its check-ins) by all of those and also by the
  key result's own owner, since a KR is often assigned to someone other than the
  objective's owner and the weekly check-in walks through "my key results";
* a **KPI**'s values and definition by its owner, the members of its team and admins.
  A team is "recorded" when a Unix group of that name (case-insensitive) exists: group
  membership is set by the server's administrator, whereas anything stored in the
  database (an objective's team field, say) is editable by the users themselves;
* **periods** and the admin list by admins only.

Admins are the rows of the ``admin`` table, never the database file's owner: in a team
directory whoever can replace the file (``cp`` + ``mv``) would own it. Only while the
table is empty (a personal database made before admins were recorded, or by import) is
the file's owner its admin, so such a database keeps working for its single user; the
first admin change records that owner (store/write/admins.py), and ``okrtui init``, first
runs and ``okrtui team init`` record their user at once.

These rules are guard rails for people using okrtui, not a security boundary: whoever
can write the database file can change it with the ``sqlite3`` shell (see README).

This module is the rule itself, as pure predicates: :class:`Editors` says who may change
an objective, :func:`may_edit_key_result` and :func:`kpi_allows` the rest, and
:func:`rights_in` applies the same predicates to a whole loaded tree. The write guards
(store/write/guards.py), the UI's checks (store/read/rights.py) and the parity test
against the PostgreSQL policies all go through them.
"""

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass


def recorded_or_owner(recorded: list[str], file_owner: str | None) -> list[str]:
    """The admins: the recorded ones, or the database file's owner while none is."""
    if recorded:
        return recorded
    return [file_owner] if file_owner else []


def names(names: Iterable[str]) -> str:
    listed = sorted(set(names))
    return ", ".join(f"@{n}" for n in listed) if listed else "nobody"


@dataclass(frozen=True)
class Editors:
    """The people who may change one objective, by reason (for the refusal message)."""

    owner: str
    collaborators: tuple[str, ...]
    above: tuple[str, ...]  # owners of the objectives it is aligned under

    def allows(self, actor: str) -> bool:
        return self.holds(actor) or actor in self.collaborators

    def holds(self, actor: str) -> bool:
        """Owns it or an objective above it: may also change who holds it."""
        return actor == self.owner or actor in self.above


def who_may(editors: Editors, admins: list[str], kr_owner: str | None = None) -> str:
    parts = [f"its owner @{editors.owner}"]
    if kr_owner is not None and kr_owner != editors.owner:
        parts.append(f"the key result's owner @{kr_owner}")
    if editors.collaborators:
        parts.append(f"its collaborators {names(editors.collaborators)}")
    if editors.above:
        parts.append(f"the owners of the objectives above it {names(editors.above)}")
    parts.append(f"an admin ({names(admins)})")
    return ", ".join(parts[:-1]) + " or " + parts[-1]


@dataclass(frozen=True)
class EditRights:
    """What one user may change in a loaded tree: ask per node without a query."""

    admin: bool
    objectives: frozenset[int]
    key_results: Container[int]
    held: frozenset[int] = frozenset()  # owned by the user or by them further up

    def objective(self, objective_id: int) -> bool:
        return self.admin or objective_id in self.objectives

    def control(self, objective_id: int) -> bool:
        """May change the objective's owner, collaborators and alignment."""
        return self.admin or objective_id in self.held

    def key_result(self, kr_id: int) -> bool:
        return self.admin or kr_id in self.key_results


def may_edit_key_result(editors: Editors, actor: str, kr_owner: str) -> bool:
    """A key result (and its check-ins): its own owner, or whoever may edit its objective."""
    return actor == kr_owner or editors.allows(actor)


def kpi_allows(actor: str, owner: str, members: frozenset[str] | None) -> bool:
    """A KPI: its owner, or a member of the recorded Unix group named as its team."""
    return actor == owner or (members is not None and actor in members)


def rights_in(
    actor: str,
    admin: bool,
    parents: Mapping[int, int | None],
    people: Mapping[int, Iterable[str]],
    kr_owners: Mapping[int, tuple[int, str]],
) -> EditRights:
    """Rights over a set of objectives from their alignment and people, with no query.

    ``parents`` maps objective → parent, ``people`` objective → owner and collaborators
    (owner first), ``kr_owners`` key result → (objective, owner). Each objective's
    :class:`Editors` is built from the loaded alignment and asked, as the guards do.
    """
    crew = {oid: tuple(names) for oid, names in people.items()}
    up: dict[int, tuple[str, ...]] = {}  # owners of an objective and of all above it

    def owners_from(oid: int | None) -> tuple[str, ...]:
        """Owners of ``oid`` and its ancestors, nearest first; a cycle ends the walk."""
        path: list[int] = []
        while oid is not None and oid not in up and oid not in path:
            path.append(oid)
            oid = parents.get(oid)
        tail = up.get(oid, ()) if oid is not None else ()
        for step in reversed(path):
            tail = (*crew.get(step, ())[:1], *tail)
            up[step] = tail
        return tail

    editable, held = set(), set()
    for oid, names in crew.items():
        if not names:
            continue
        editors = Editors(names[0], names[1:], tuple(dict.fromkeys(owners_from(parents.get(oid)))))
        if editors.holds(actor):
            held.add(oid)
        if editors.allows(actor):
            editable.add(oid)
    krs = frozenset(k for k, (oid, owner) in kr_owners.items() if owner == actor or oid in editable)
    return EditRights(admin, frozenset(editable), krs, frozenset(held))
