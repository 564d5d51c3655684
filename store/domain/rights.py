"""Who may change what, checked inside each write transaction of ``store/write/service.py``.

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

Checks take the write transaction's ``Session`` so the rule and the change see the
same snapshot; the ``can_*`` helpers open their own short read for the UI, and
:func:`tree_rights` derives every node's rights from an already loaded tree without
any further query.
"""

from __future__ import annotations

import grp
import pwd
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.db.database import Database
from store.db.sql import Fetch
from store.errors import NotFoundError, PermissionDenied
from store.queries import TreeModel

if TYPE_CHECKING:  # not imported at run time: the tree's first frame needs no SQLAlchemy
    from sqlalchemy import URL, Connection
    from sqlmodel import Session


def text(sql: str) -> Any:
    """``sqlalchemy.text``, imported when a check first runs (see TYPE_CHECKING above)."""
    from sqlalchemy import text as sql_text

    return sql_text(sql)


def file_owner(path: Path | None) -> str | None:
    """The login owning the database file (None for a server database or no passwd entry)."""
    if path is None:
        return None
    try:
        uid = path.stat().st_uid
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return None


def _url_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, also in the ``file:…?mode=ro`` URI form."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def _session_path(s: Session) -> Path | None:
    return _url_path(s.connection().engine.url)


def fetch_of(conn: Connection) -> Fetch:
    """A SQLAlchemy connection as a plain ``fetch(sql, params)``: each rule below is
    written once in plain SQL, for the ORM's sessions and for store/db/sql.py's writes."""
    return lambda sql, params: [tuple(row) for row in conn.execute(text(sql), params)]


def _session_fetch(s: Session) -> Fetch:
    return fetch_of(s.connection())


def _recorded_admins(fetch: Fetch) -> list[str]:
    return [row[0] for row in fetch("SELECT username FROM admin ORDER BY username", {})]


def admins_of(conn: Connection, path: Path | None) -> list[str]:
    """Everyone with admin rights: the recorded admins (the file's owner only while none is)."""
    return admins_in(fetch_of(conn), path)


def admins_in(fetch: Fetch, path: Path | None) -> list[str]:
    """:func:`admins_of` through a plain ``fetch``."""
    return _recorded_or_owner(_recorded_admins(fetch), path)


def _recorded_or_owner(recorded: list[str], path: Path | None) -> list[str]:
    if recorded:
        return recorded
    owner = file_owner(path)
    return [owner] if owner else []


def _admins(s: Session) -> list[str]:
    return admins_in(_session_fetch(s), _session_path(s))


def _names(names: Iterable[str]) -> str:
    listed = sorted(set(names))
    return ", ".join(f"@{n}" for n in listed) if listed else "nobody"


# --- objectives and key results ---------------------------------------------------


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


def _objective_editors(fetch: Fetch, objective_id: int) -> tuple[str, Editors]:
    """(title, editors) of an objective: one recursive query up the alignment chain."""
    rows = fetch(
        """
            WITH RECURSIVE up(id, parent_id, owner, title, depth) AS (
                SELECT id, parent_id, owner, title, 0 FROM objective WHERE id = :id
                UNION ALL
                SELECT o.id, o.parent_id, o.owner, o.title, up.depth + 1
                FROM objective o JOIN up ON o.id = up.parent_id
                WHERE up.depth < 1000
            ) SELECT id, owner, title FROM up ORDER BY depth
            """,
        {"id": objective_id},
    )
    if not rows:
        raise NotFoundError(f"objective O-{objective_id} does not exist")
    collaborators = tuple(
        row[0]
        for row in fetch(
            "SELECT username FROM collaborator WHERE objective_id = :id ORDER BY username",
            {"id": objective_id},
        )
    )
    _, owner, title = rows[0]
    above = tuple(dict.fromkeys(row[1] for row in rows[1:]))
    return title, Editors(owner, collaborators, above)


def _who_may(editors: Editors, admins: list[str], kr_owner: str | None = None) -> str:
    parts = [f"its owner @{editors.owner}"]
    if kr_owner is not None and kr_owner != editors.owner:
        parts.append(f"the key result's owner @{kr_owner}")
    if editors.collaborators:
        parts.append(f"its collaborators {_names(editors.collaborators)}")
    if editors.above:
        parts.append(f"the owners of the objectives above it {_names(editors.above)}")
    parts.append(f"an admin ({_names(admins)})")
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def require_objective_edit(s: Session, actor: str, objective_id: int) -> None:
    """Refuse unless ``actor`` may change the objective (and its KRs and check-ins)."""
    refusal = _objective_refusal(s, actor, objective_id, Editors.allows)
    if refusal is not None:
        title, editors, admins = refusal
        raise PermissionDenied(
            f"@{actor} may not change O-{objective_id} “{title}”: it may be changed by "
            f"{_who_may(editors, admins)}"
        )


def require_objective_control(s: Session, actor: str, objective_id: int) -> None:
    """Refuse unless ``actor`` may change who holds the objective: its owner, its
    collaborators or its alignment (the owner, an owner above it, or an admin)."""
    refusal = _objective_refusal(s, actor, objective_id, Editors.holds)
    if refusal is not None:
        title, editors, admins = refusal
        holders = Editors(editors.owner, (), editors.above)
        raise PermissionDenied(
            f"@{actor} may not change the owner, collaborators or alignment of "
            f"O-{objective_id} “{title}”: {_who_may(holders, admins)} may (collaborators "
            "edit the rest)"
        )


def _objective_refusal(
    s: Session, actor: str, objective_id: int, rule: Callable[[Editors, str], bool]
) -> tuple[str, Editors, list[str]] | None:
    """None when ``rule`` or admin rights allow ``actor``; else what the refusal names:
    (title, editors, admins)."""
    fetch = _session_fetch(s)
    title, editors = _objective_editors(fetch, objective_id)
    if rule(editors, actor):
        return None
    admins = admins_in(fetch, _session_path(s))
    return None if actor in admins else (title, editors, admins)


def require_key_result_edit(s: Session, actor: str, kr_id: int) -> None:
    """Refuse unless ``actor`` may change the key result or check in on it."""
    check_key_result_edit(_session_fetch(s), _session_path(s), actor, kr_id)


def check_key_result_edit(fetch: Fetch, path: Path | None, actor: str, kr_id: int) -> None:
    """:func:`require_key_result_edit` inside any transaction (``fetch``; ``path`` the
    SQLite file whose owner is admin while none is recorded): the check-in's rule."""
    row = fetch("SELECT objective_id, owner, title FROM key_result WHERE id = :id", {"id": kr_id})
    if not row:
        raise NotFoundError(f"key result KR-{kr_id} does not exist")
    objective_id, kr_owner, title = row[0]
    if actor == kr_owner:
        return
    _, editors = _objective_editors(fetch, objective_id)
    if editors.allows(actor):
        return
    admins = admins_in(fetch, path)
    if actor in admins:
        return
    raise PermissionDenied(
        f"@{actor} may not change KR-{kr_id} “{title}” (of O-{objective_id}): it may be "
        f"changed by {_who_may(editors, admins, kr_owner)}"
    )


def require_new_objective(s: Session, actor: str, owner: str, parent_id: int | None) -> None:
    """Creating an objective: anyone may, for themselves, at the top level or under any
    objective (aligning one's own objective under X is how alignment works).

    Creating one owned by someone else needs rights on the parent (a manager setting an
    objective for a report) or admin rights: otherwise people could fill each other's
    lists with objectives the "owner" cannot even find a reason for.
    """
    if owner == actor:
        return
    admins = _admins(s)
    if actor in admins:
        return
    if parent_id is not None:
        _, editors = _objective_editors(_session_fetch(s), parent_id)
        if editors.allows(actor):
            return
    where = f"under O-{parent_id}" if parent_id is not None else "at the top level"
    raise PermissionDenied(
        f"@{actor} may not create an objective owned by @{owner} {where}: create it with "
        f"yourself as owner, or ask {'@' + owner + ', ' if owner else ''}the owner of the "
        f"parent objective or an admin ({_names(admins)})"
    )


# --- KPIs -------------------------------------------------------------------------


def team_members(team: str | None) -> frozenset[str] | None:
    """Members of the Unix group named like ``team`` (None when no such group exists).

    Includes users whose primary group it is. The group is looked up as written and
    lower-cased ("Growth" → group "growth").
    """
    if not team:
        return None
    for name in dict.fromkeys((team, team.lower())):
        try:
            group = grp.getgrnam(name)
        except (KeyError, UnicodeEncodeError):
            continue
        members = set(group.gr_mem)
        members.update(p.pw_name for p in pwd.getpwall() if p.pw_gid == group.gr_gid)
        return frozenset(members)
    return None


def _kpi_allows(actor: str, owner: str, team: str | None) -> bool:
    if actor == owner:
        return True
    members = team_members(team)
    return members is not None and actor in members


def require_kpi_edit(s: Session, actor: str, kpi_id: int) -> None:
    """Refuse unless ``actor`` may record values for (or change) the KPI."""
    conn = s.connection()
    row = conn.execute(
        text("SELECT name, owner, team FROM kpi WHERE id = :id"), {"id": kpi_id}
    ).first()
    if row is None:
        raise NotFoundError(f"KPI {kpi_id} does not exist")
    name, owner, team = row
    if _kpi_allows(actor, owner, team):
        return
    admins = admins_of(conn, _session_path(s))
    if actor in admins:
        return
    team_part = ""
    if team_members(team) is not None:
        team_part = f", the members of its team {team!r}"
    raise PermissionDenied(
        f"@{actor} may not change the KPI {name!r}: it may be changed by its owner @{owner}"
        f"{team_part} or an admin ({_names(admins)})"
    )


def require_new_kpi(s: Session, actor: str, owner: str, team: str | None) -> None:
    """Anyone may create a KPI they own (or for a team they belong to); admins for anyone."""
    if _kpi_allows(actor, owner, team):
        return
    admins = _admins(s)
    if actor in admins:
        return
    raise PermissionDenied(
        f"@{actor} may not create a KPI owned by @{owner}: make yourself its owner, or ask "
        f"an admin ({_names(admins)})"
    )


# --- admins -----------------------------------------------------------------------


def require_admin(s: Session, actor: str, what: str) -> None:
    """Refuse team-wide changes (periods, the admin list) to anyone but an admin."""
    admins = _admins(s)
    if actor not in admins:
        raise PermissionDenied(
            f"@{actor} may not {what}: only an admin may ({_names(admins)}); "
            "an admin can add admins with `okrtui team admin add USER`"
        )


# --- read helpers for the UI (each opens one short read) ---------------------------


def admins(db: Database) -> list[str]:
    """Everyone with admin rights on ``db`` (see :func:`admins_of`)."""
    with db.plain_read() as fetch:  # no SQLAlchemy: the tree's first frame asks this
        recorded = [row[0] for row in fetch("SELECT username FROM admin ORDER BY username", {})]
    return _recorded_or_owner(recorded, db.path)


def is_admin(db: Database, actor: str) -> bool:
    return actor in admins(db)


def can_edit_objective(db: Database, actor: str, objective_id: int) -> bool:
    """Whether ``actor`` may change the objective (False for one that does not exist)."""
    return _objective_check(db, actor, objective_id, Editors.allows)


def can_control_objective(db: Database, actor: str, objective_id: int) -> bool:
    """Whether ``actor`` may change who holds the objective (``require_objective_control``)."""
    return _objective_check(db, actor, objective_id, Editors.holds)


def _objective_check(
    db: Database, actor: str, objective_id: int, rule: Callable[[Editors, str], bool]
) -> bool:
    with db.read() as conn:
        try:
            _, editors = _objective_editors(fetch_of(conn), objective_id)
        except NotFoundError:
            return False
        return rule(editors, actor) or actor in admins_of(conn, db.path)


def can_edit_key_result(db: Database, actor: str, kr_id: int) -> bool:
    """Whether ``actor`` may change the key result or check in on it."""
    with db.read() as conn:
        row = conn.execute(
            text("SELECT objective_id, owner FROM key_result WHERE id = :id"), {"id": kr_id}
        ).first()
        if row is None:
            return False
        if row[1] == actor:
            return True
        _, editors = _objective_editors(fetch_of(conn), row[0])
        return editors.allows(actor) or actor in admins_of(conn, db.path)


def can_edit_kpi(db: Database, actor: str, kpi_id: int) -> bool:
    """Whether ``actor`` may record values for the KPI."""
    with db.read() as conn:
        row = conn.execute(
            text("SELECT owner, team FROM kpi WHERE id = :id"), {"id": kpi_id}
        ).first()
        if row is None:
            return False
        return _kpi_allows(actor, row[0], row[1]) or actor in admins_of(conn, db.path)


def editable_kpis(db: Database, actor: str) -> frozenset[int]:
    """Ids of every KPI ``actor`` may change, in one query (for the KPI grid)."""
    with db.read() as conn:
        if actor in admins_of(conn, db.path):
            return frozenset(row[0] for row in conn.exec_driver_sql("SELECT id FROM kpi"))
        rows = list(conn.exec_driver_sql("SELECT id, owner, team FROM kpi"))
    teams: dict[str | None, bool] = {}
    allowed = set()
    for kpi_id, owner, team in rows:
        if owner == actor:
            allowed.add(kpi_id)
            continue
        if team not in teams:
            members = team_members(team)
            teams[team] = members is not None and actor in members
        if teams[team]:
            allowed.add(kpi_id)
    return frozenset(allowed)


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


def rights_in(
    actor: str,
    admin: bool,
    parents: Mapping[int, int | None],
    people: Mapping[int, Iterable[str]],
    kr_owners: Mapping[int, tuple[int, str]],
) -> EditRights:
    """Rights over a set of objectives from their alignment and people, with no query.

    ``parents`` maps objective → parent, ``people`` objective → owner and collaborators
    (owner first), ``kr_owners`` key result → (objective, owner). An objective is
    editable when ``actor`` is among its people or owns an objective above it.
    """
    owners = {oid: next(iter(names), None) for oid, names in people.items()}
    owns_chain: dict[int, bool] = {}  # actor owns this objective or one above it

    def owned_at_or_above(oid: int | None) -> bool:
        path: list[int] = []
        found = False
        while oid is not None and oid not in owns_chain and oid not in path:
            path.append(oid)
            if owners.get(oid) == actor:
                found = True
                break
            oid = parents.get(oid)
        else:
            found = oid is not None and owns_chain.get(oid, False)
        for step in path:
            owns_chain[step] = found
        return found

    held = {oid for oid in people
            if owners.get(oid) == actor or owned_at_or_above(parents.get(oid))}  # fmt: skip
    editable = held | {oid for oid, names in people.items() if actor in set(names)}
    krs = frozenset(k for k, (oid, owner) in kr_owners.items() if owner == actor or oid in editable)
    return EditRights(admin, frozenset(editable), krs, frozenset(held))


def tree_rights(db: Database, actor: str, model: TreeModel) -> EditRights:
    """Rights over every node of a loaded tree: one admin lookup, no per-node query."""
    objectives = model.objectives
    parents = {oid: row.parent_id for oid, row in objectives.items()}
    people = {oid: (row.owner, *row.collaborators) for oid, row in objectives.items()}
    # A parent in the tree's period only; alignment never crosses periods.
    rights = rights_in(actor, is_admin(db, actor), parents, people, {})
    # The tree reads its key results lazily: a KR's right is worked out when asked for.
    return EditRights(
        rights.admin,
        rights.objectives,
        _TreeKrRights(model, actor, rights.objectives),
        rights.held,
    )


class _TreeKrRights:
    """The KR ids ``actor`` may change in a loaded tree, answered per KR on demand: the KR's
    own owner, or anyone who may change its objective (as in ``rights_in``)."""

    def __init__(self, model: TreeModel, actor: str, editable: frozenset[int]) -> None:
        self._model, self._actor, self._editable = model, actor, editable

    def __contains__(self, kr_id: object) -> bool:
        kr = self._model.key_result(kr_id) if isinstance(kr_id, int) else None
        return kr is not None and (kr.owner == self._actor or kr.objective_id in self._editable)
