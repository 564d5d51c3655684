"""KPI sources as the pull, the panels and ``okrtui kpi list`` read them, and who the
server's owner is (the account whose scheduled pull may run queries, programs and
requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from store.db.database import Database
from store.db.sql import readable_number, readable_time
from store.identity import current_username, file_owner
from store.model.enums import SourceKind

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class SourceRow:
    """One KPI's source definition and how its last pull went."""

    kpi_id: int
    kind: SourceKind
    spec: str  # JSON, checked again by store.domain.kpi_sources.read_spec before use
    defined_by: str
    defined_at: datetime | None
    approval: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_value: float | None
    last_error: str | None


_KINDS = {k.value: k for k in SourceKind}


def _rows(conn: Connection, kpi_id: int | None = None) -> dict[int, SourceRow]:
    from sqlalchemy import select, type_coerce
    from sqlalchemy.types import NullType

    from store.model.handles import KS

    def raw(column: Any) -> Any:
        return type_coerce(column, NullType())

    stmt = select(
        KS.kpi_id, KS.kind, KS.spec, KS.defined_by, raw(KS.defined_at), KS.approval,
        raw(KS.last_attempt_at), raw(KS.last_success_at), KS.last_value, KS.last_error,
    )  # fmt: skip
    if kpi_id is not None:
        stmt = stmt.where(KS.kpi_id == kpi_id)
    out = {}
    for r in conn.execute(stmt):
        kind = _KINDS.get(str(r[1]))
        if kind is None:  # written by hand: not a source okrtui can run
            continue
        out[r[0]] = SourceRow(
            r[0], kind, str(r[2]), str(r[3]), readable_time(r[4]), r[5],
            readable_time(r[6]), readable_time(r[7]), readable_number(r[8]),
            None if r[9] is None else str(r[9]),
        )  # fmt: skip
    return out


def kpi_sources(db: Database) -> dict[int, SourceRow]:
    """Every KPI's source, by KPI id."""
    with db.read() as conn:
        return _rows(conn)


def kpi_source(db: Database, kpi_id: int) -> SourceRow | None:
    with db.read() as conn:
        return _rows(conn, kpi_id).get(kpi_id)


def sources_in(conn: Connection) -> dict[int, SourceRow]:
    """:func:`kpi_sources` inside an open transaction (the writes')."""
    return _rows(conn)


def server_owner(db: Database) -> str:
    """The account whose ``okrtui kpi pull`` may run sql, command and http sources: the
    owner of the SQLite file (a personal database's user), or on PostgreSQL the role that
    owns okrtui's tables (who ran ``okrtui db upgrade``)."""
    if db.target.is_sqlite:
        return file_owner(db.path) or current_username()
    with db.read() as conn:
        owner = conn.exec_driver_sql(
            "SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c "
            "WHERE c.oid = pg_catalog.to_regclass('kpi_source')"
        ).scalar_one_or_none()
    return str(owner) if owner else ""


def latest_values_on(conn: Connection, kpi_ids: list[int], day: date) -> dict[int, float]:
    """Each KPI's latest value on or before ``day`` (what a formula reads)."""
    from sqlalchemy import bindparam, select

    from store.model.handles import KV

    stmt = (
        select(KV.value)
        .where(KV.kpi_id == bindparam("kpi"), KV.observed_on <= day)
        .order_by(KV.observed_on.desc())
        .limit(1)
    )
    out = {}
    for kpi_id in kpi_ids:
        value = readable_number(conn.execute(stmt, {"kpi": kpi_id}).scalar_one_or_none())
        if value is not None:
            out[kpi_id] = value
    return out


def latest_day(conn: Connection, kpi_id: int) -> date | None:
    from sqlalchemy import func, select, type_coerce
    from sqlalchemy.types import NullType

    from store.db.sql import readable_day
    from store.model.handles import KV

    raw = conn.execute(
        select(type_coerce(func.max(KV.observed_on), NullType())).where(KV.kpi_id == kpi_id)
    ).scalar_one_or_none()
    return readable_day(raw)
