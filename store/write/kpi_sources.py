"""Defining a KPI's source, approving it, and recording what a pull fetched (issue 18).

Who may: a source is defined, changed or removed by its KPI's owner or an admin — not
by the KPI's team, since a source decides what the owner's scheduled pull fetches. A
``sql``, ``command`` or ``http`` source runs only once the server's owner approved that
exact definition (store/sources/approval.py), and only from that owner's ``okrtui kpi
pull``; changing a definition clears its approval. The pull's own writes (values with
their source, the status shown on the panel) are here too, each one transaction.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, insert, update
from sqlmodel import Session

from store.db.database import Database
from store.domain.kpi_sources import describe, read_spec, spec_json, validate_spec
from store.domain.rights import names
from store.errors import DomainError, NotFoundError, PermissionDenied
from store.model.enums import EXTERNAL_SOURCES, SourceKind
from store.model.handles import KPI_SOURCE_T, KS
from store.model.tables import Kpi, utcnow
from store.read.kpi_sources import server_owner, sources_in
from store.read.rights import admins_of, url_path
from store.sources import approval
from store.write.common import Saved, get_row, log_activity
from store.write.formulas import (
    compile_formula,
    flow_kpis,
    formulas_in,
    kpi_names,
    refuse_cycle,
    store_value,
)
from store.write.formulas import recompute_dependents as recompute_dependents

MAX_ERROR = 2_000


def require_source_rights(s: Session, actor: str, kpi: Kpi) -> None:
    """Refuse unless ``actor`` owns the KPI or is an admin."""
    if actor == kpi.owner:
        return
    conn = s.connection()
    admins = admins_of(conn, url_path(conn.engine.url))
    if actor in admins:
        return
    raise PermissionDenied(
        f"@{actor} may not define the source of KPI {kpi.name!r}: only its owner "
        f"@{kpi.owner} or an admin ({names(admins)}) may (a source decides what the server's "
        "scheduled pull fetches)"
    )


def define_source(
    db: Database, actor: str, kpi_id: int, kind: SourceKind | str, settings: dict[str, object]
) -> Saved:
    """Set (or replace) a KPI's source; a formula is checked for unknown names and cycles."""
    spec = validate_spec(kind, settings)
    kind = SourceKind(kind)
    text = spec_json(spec)
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        require_source_rights(s, actor, kpi)
        conn = s.connection()
        if kind == SourceKind.FORMULA:
            names = kpi_names(conn)
            formulas, _ = formulas_in(conn)
            formulas[kpi_id] = compile_formula(kpi_id, spec["expression"], names,
                                               flow_kpis(conn))  # fmt: skip
            shown: dict[int, str] = {
                int(r[0]): str(r[1]) for r in conn.exec_driver_sql("SELECT id, name FROM kpi")
            }
            refuse_cycle(formulas, shown)
        existing = sources_in(conn).get(kpi_id)
        values = {"kind": kind.value, "spec": text, "defined_by": actor,
                  "defined_at": utcnow(), "approval": None}  # fmt: skip
        if existing is None:
            conn.execute(insert(KPI_SOURCE_T).values(kpi_id=kpi_id, **values))
        else:
            conn.execute(update(KPI_SOURCE_T).where(KS.kpi_id == kpi_id).values(**values))
        log_activity(s, actor, "kpi_source", kpi_id, "define", kind=kind.value,
                     source=describe(kind, spec))  # fmt: skip
        warnings: tuple[str, ...] = ()
        if kind in EXTERNAL_SOURCES:
            warnings = (
                f"a {kind.value} source runs once the server's owner approves it: "
                f"okrtui kpi source approve KPI-{kpi_id}",
            )
        return Saved(kpi_id, warnings)


def remove_source(db: Database, actor: str, kpi_id: int) -> Saved:
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        require_source_rights(s, actor, kpi)
        conn = s.connection()
        if kpi_id not in sources_in(conn):
            raise NotFoundError(f"KPI {kpi.name!r} has no source")
        conn.execute(delete(KPI_SOURCE_T).where(KS.kpi_id == kpi_id))
        log_activity(s, actor, "kpi_source", kpi_id, "remove")
        return Saved(kpi_id)


def approve_source(db: Database, actor: str, kpi_id: int) -> str:
    """Seal the KPI's current definition with ``actor``'s approval key; only the server's
    owner may (their pull is what runs it). Returns the definition approved."""
    owner = server_owner(db)
    if actor != owner:
        raise PermissionDenied(
            f"@{actor} may not approve sources: the server's owner @{owner} approves what "
            "their scheduled pull runs"
        )
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        conn = s.connection()
        row = sources_in(conn).get(kpi_id)
        if row is None:
            raise NotFoundError(f"KPI {kpi.name!r} has no source to approve")
        spec = read_spec(row.kind, row.spec)
        text = spec_json(spec)
        seal = approval.seal(actor, kpi_id, row.kind.value, text)
        conn.execute(update(KPI_SOURCE_T).where(KS.kpi_id == kpi_id).values(approval=seal))
        log_activity(s, actor, "kpi_source", kpi_id, "approve", source=describe(row.kind, spec))
        return describe(row.kind, spec)


@dataclass(frozen=True)
class PullWrite:
    """What one pull wrote for a KPI."""

    written: int  # values added or changed
    replaced_manual: tuple[date, ...]  # days whose typed value the pull replaced
    formulas: tuple[int, ...]  # formula KPIs recomputed as a result


def record_pull(
    db: Database, actor: str, kpi_id: int, kind: SourceKind, values: list[tuple[date, float]]
) -> PullWrite:
    """Write a successful pull's values (each with its source) and its status, in one
    transaction. A typed value it replaces is logged with its old value and author."""
    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        if kpi.archived:
            raise DomainError(f"KPI {kpi.name!r} is archived: nothing pulled is written")
        conn = s.connection()
        manual = _manual_days(conn, kpi_id, [day for day, _ in values])
        written, replaced, formulas = 0, [], []
        for day, value in values:
            if store_value(s, actor, kpi_id, day, value, kind.value):
                written += 1
                if day in manual:
                    replaced.append(day)
        s.flush()
        latest_day = max(day for day, _ in values)
        for day in sorted({day for day, _ in values}):
            formulas.extend(recompute_dependents(s, actor, kpi_id, day))
        now = utcnow()
        last = dict(values)[latest_day]
        status = {"last_attempt_at": now, "last_success_at": now, "last_value": last,
                  "last_error": None}  # fmt: skip
        conn.execute(update(KPI_SOURCE_T).where(KS.kpi_id == kpi_id).values(**status))
        log_activity(s, actor, "kpi_source", kpi_id, "pull", source=kind.value, values=written,
                     replaced_manual=[d.isoformat() for d in replaced])  # fmt: skip
        return PullWrite(written, tuple(replaced), tuple(dict.fromkeys(formulas)))


def _manual_days(conn: Connection, kpi_id: int, days: list[date]) -> set[date]:
    from sqlalchemy import select

    from store.db.sql import readable_day
    from store.model.handles import KV

    if not days:
        return set()
    rows = conn.execute(
        select(KV.observed_on).where(KV.kpi_id == kpi_id, KV.source == "",
                                     KV.observed_on.in_(sorted(set(days)))))  # fmt: skip
    return {d for d in (readable_day(r[0]) for r in rows) if d is not None}


def record_pull_failure(db: Database, actor: str, kpi_id: int, error: str) -> None:
    """Record why a pull failed (shown on the panel) and log it; no value is written."""
    message = " ".join(error.split())[:MAX_ERROR]
    with db.write() as s:
        conn = s.connection()
        conn.execute(update(KPI_SOURCE_T).where(KS.kpi_id == kpi_id).values(
            last_attempt_at=utcnow(), last_error=message))  # fmt: skip
        log_activity(s, actor, "kpi_source", kpi_id, "pull_failed", error=message)


def approval_ok(row_kind: SourceKind, row_spec: str, row_approval: str | None, runner: str,
                kpi_id: int) -> bool:  # fmt: skip
    """Whether ``runner`` approved exactly this stored definition."""
    try:
        text = spec_json(read_spec(row_kind, row_spec))
    except DomainError:
        return False
    return approval.verifies(row_approval, runner, kpi_id, row_kind.value, text)
