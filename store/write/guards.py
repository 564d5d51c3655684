"""The write guards: each write checks the actor's rights inside its own transaction.

Checks take the write transaction's ``Session`` (or a plain ``fetch`` for the DB-API
check-in) so the rule and the change see the same snapshot. The rules are the pure
predicates of :mod:`store.domain.rights`; the refusals say who may instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from store import identity
from store.db.sql import Fetch
from store.domain.rights import Editors, kpi_allows, may_edit_key_result, names, who_may
from store.errors import NotFoundError, PermissionDenied
from store.read.rights import admins_in, admins_of, fetch_of, objective_editors, text, url_path

if TYPE_CHECKING:
    from sqlmodel import Session


def _session_path(s: Session) -> Path | None:
    return url_path(s.connection().engine.url)


def _session_fetch(s: Session) -> Fetch:
    return fetch_of(s.connection())


def _admins(s: Session) -> list[str]:
    return admins_in(_session_fetch(s), _session_path(s))


def require_objective_edit(s: Session, actor: str, objective_id: int) -> None:
    """Refuse unless ``actor`` may change the objective (and its KRs and check-ins)."""
    refusal = _objective_refusal(s, actor, objective_id, Editors.allows)
    if refusal is not None:
        title, editors, admins = refusal
        raise PermissionDenied(
            f"@{actor} may not change O-{objective_id} “{title}”: it may be changed by "
            f"{who_may(editors, admins)}"
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
            f"O-{objective_id} “{title}”: {who_may(holders, admins)} may (collaborators "
            "edit the rest)"
        )


def _objective_refusal(
    s: Session, actor: str, objective_id: int, rule: Callable[[Editors, str], bool]
) -> tuple[str, Editors, list[str]] | None:
    """None when ``rule`` or admin rights allow ``actor``; else what the refusal names:
    (title, editors, admins)."""
    fetch = _session_fetch(s)
    title, editors = objective_editors(fetch, objective_id)
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
    _, editors = objective_editors(fetch, objective_id)
    if may_edit_key_result(editors, actor, kr_owner):
        return
    admins = admins_in(fetch, path)
    if actor in admins:
        return
    raise PermissionDenied(
        f"@{actor} may not change KR-{kr_id} “{title}” (of O-{objective_id}): it may be "
        f"changed by {who_may(editors, admins, kr_owner)}"
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
        _, editors = objective_editors(_session_fetch(s), parent_id)
        if editors.allows(actor):
            return
    where = f"under O-{parent_id}" if parent_id is not None else "at the top level"
    raise PermissionDenied(
        f"@{actor} may not create an objective owned by @{owner} {where}: create it with "
        f"yourself as owner, or ask {'@' + owner + ', ' if owner else ''}the owner of the "
        f"parent objective or an admin ({names(admins)})"
    )


def require_kpi_edit(s: Session, actor: str, kpi_id: int) -> None:
    """Refuse unless ``actor`` may record values for (or change) the KPI."""
    conn = s.connection()
    row = conn.execute(
        text("SELECT name, owner, team FROM kpi WHERE id = :id"), {"id": kpi_id}
    ).first()
    if row is None:
        raise NotFoundError(f"KPI {kpi_id} does not exist")
    name, owner, team = row
    if kpi_allows(actor, owner, identity.team_members(team)):
        return
    admins = admins_of(conn, _session_path(s))
    if actor in admins:
        return
    team_part = ""
    if identity.team_members(team) is not None:
        team_part = f", the members of its team {team!r}"
    raise PermissionDenied(
        f"@{actor} may not change the KPI {name!r}: it may be changed by its owner @{owner}"
        f"{team_part} or an admin ({names(admins)})"
    )


def require_new_kpi(s: Session, actor: str, owner: str, team: str | None) -> None:
    """Anyone may create a KPI they own (or for a team they belong to); admins for anyone."""
    if kpi_allows(actor, owner, identity.team_members(team)):
        return
    admins = _admins(s)
    if actor in admins:
        return
    raise PermissionDenied(
        f"@{actor} may not create a KPI owned by @{owner}: make yourself its owner, or ask "
        f"an admin ({names(admins)})"
    )


def require_admin(s: Session, actor: str, what: str) -> None:
    """Refuse team-wide changes (periods, the admin list) to anyone but an admin."""
    admins = _admins(s)
    if actor not in admins:
        raise PermissionDenied(
            f"@{actor} may not {what}: only an admin may ({names(admins)}); "
            "an admin can add admins with `okrtui team admin add USER`"
        )
