"""Rights as the UI asks them: may this user change that objective, key result, KPI?

Each ``can_*`` opens one short read; :func:`tree_rights` derives every node's rights
from an already loaded tree without a further query. The rules themselves are the pure
predicates of :mod:`store.domain.rights`; the SQL that feeds them (an objective's
editors up the alignment chain, the admin list) is here once, for these reads and for
the write guards (store/write/guards.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import identity
from store.db.database import Database
from store.db.sql import Fetch
from store.domain.rights import (
    Editors,
    EditRights,
    kpi_allows,
    may_edit_key_result,
    recorded_or_owner,
    rights_in,
)
from store.errors import NotFoundError
from store.identity import file_owner
from store.model.rows import TreeModel

if TYPE_CHECKING:  # not imported at run time: the tree's first frame needs no SQLAlchemy
    from sqlalchemy import URL, Connection


def text(sql: str) -> Any:
    """``sqlalchemy.text``, imported when a check first runs (see TYPE_CHECKING above)."""
    from sqlalchemy import text as sql_text

    return sql_text(sql)


def url_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, also in the ``file:…?mode=ro`` URI form."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def fetch_of(conn: Connection) -> Fetch:
    """A SQLAlchemy connection as a plain ``fetch(sql, params)``: each rule below is
    written once in plain SQL, for the ORM's sessions and for store/db/sql.py's writes."""
    return lambda sql, params: [tuple(row) for row in conn.execute(text(sql), params)]


def _recorded_admins(fetch: Fetch) -> list[str]:
    return [row[0] for row in fetch("SELECT username FROM admin ORDER BY username", {})]


def admins_of(conn: Connection, path: Path | None) -> list[str]:
    """Everyone with admin rights: the recorded admins (the file's owner only while none is)."""
    return admins_in(fetch_of(conn), path)


def admins_in(fetch: Fetch, path: Path | None) -> list[str]:
    """:func:`admins_of` through a plain ``fetch``."""
    return recorded_or_owner(_recorded_admins(fetch), file_owner(path))


def objective_editors(fetch: Fetch, objective_id: int) -> tuple[str, Editors]:
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


def admins(db: Database) -> list[str]:
    """Everyone with admin rights on ``db`` (see :func:`admins_of`)."""
    with db.plain_read() as fetch:  # no SQLAlchemy: the tree's first frame asks this
        recorded = [row[0] for row in fetch("SELECT username FROM admin ORDER BY username", {})]
    return recorded_or_owner(recorded, file_owner(db.path))


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
            _, editors = objective_editors(fetch_of(conn), objective_id)
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
        _, editors = objective_editors(fetch_of(conn), row[0])
        return may_edit_key_result(editors, actor, row[1]) or actor in admins_of(conn, db.path)


def can_edit_kpi(db: Database, actor: str, kpi_id: int) -> bool:
    """Whether ``actor`` may record values for the KPI."""
    with db.read() as conn:
        row = conn.execute(
            text("SELECT owner, team FROM kpi WHERE id = :id"), {"id": kpi_id}
        ).first()
        if row is None:
            return False
        return kpi_allows(actor, row[0], identity.team_members(row[1])) or actor in admins_of(
            conn, db.path
        )


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
            members = identity.team_members(team)
            teams[team] = members is not None and actor in members
        if teams[team]:
            allowed.add(kpi_id)
    return frozenset(allowed)


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
