"""SQLModel tables: the schema of record (migrations in ``store/db/migrations`` follow it).

No ``from __future__ import annotations`` here: it breaks SQLModel relationships
(fastapi/sqlmodel#196). Enums are stored by value as constrained strings so the
same schema works on SQLite and PostgreSQL. Timestamps are UTC-aware in Python;
SQLite would drop the tzinfo silently, hence :class:`UTCDateTime`.
"""

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, TypeDecorator, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel, col

from store.model.enums import (
    Aggregation,
    Cadence,
    Confidence,
    Direction,
    Kind,
    KpiDirection,
    Level,
    ObjectiveState,
    PeriodState,
    SourceKind,
)


def utcnow() -> datetime:
    """The current time, UTC-aware (what every timestamp column holds)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as naive UTC and hand them back aware.

    Naive datetimes are refused on the way in: a local time silently stored as
    UTC would shift every check-in by the user's offset.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(
    enum: type[Enum],
    *,
    nullable: bool = False,
    default: Enum | None = None,
    server_default: str | None = None,
) -> Any:
    """A string column constrained to an enum's values (not its names); ``server_default``
    for a column added later, so that inserts naming only the older columns still work."""
    sa_type = SAEnum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=32,
        name=f"ck_{enum.__name__.lower()}",
        values_callable=lambda e: [member.value for member in e],
        validate_strings=True,
    )
    column: Column[Any] = Column(sa_type, nullable=nullable, server_default=server_default)
    return Field(default=default, sa_column=column)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default_factory=utcnow if not nullable else None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


class Period(SQLModel, table=True):
    """A time box for objectives, usually a quarter ("2026-Q4")."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    starts_on: date
    ends_on: date
    state: PeriodState = enum_column(PeriodState, default=PeriodState.PLANNING)
    created_at: datetime = utc_column()


class Objective(SQLModel, table=True):
    """An ambitious, qualitative goal; aligned under a parent objective."""

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    parent_id: int | None = Field(
        default=None, foreign_key="objective.id", index=True, ondelete="SET NULL"
    )
    level: Level = enum_column(Level, default=Level.TEAM)
    team: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=10_000)
    owner: str = Field(max_length=64, index=True)
    state: ObjectiveState = enum_column(ObjectiveState, default=ObjectiveState.ACTIVE)
    grade: float | None = None
    retro_note: str | None = Field(default=None, max_length=10_000)
    rolled_from_id: int | None = Field(
        default=None, foreign_key="objective.id", index=True, ondelete="SET NULL"
    )
    position: int = 0
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class Collaborator(SQLModel, table=True):
    """A user who works on (and may edit) an objective besides its owner."""

    objective_id: int = Field(foreign_key="objective.id", primary_key=True, ondelete="CASCADE")
    username: str = Field(max_length=64, primary_key=True, index=True)


class KeyResult(SQLModel, table=True):
    """A measurable result of an objective: a metric, a percentage or a milestone."""

    __tablename__ = "key_result"

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    kind: Kind = enum_column(Kind, default=Kind.METRIC)
    direction: Direction = enum_column(Direction, default=Direction.INCREASE)
    start_value: float | None = None
    target_value: float | None = None
    unit: str = Field(default="", max_length=32)
    owner: str = Field(max_length=64, index=True)
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id", index=True, ondelete="SET NULL")
    weight: float = 1.0
    position: int = 0
    # Denormalised latest check-in, updated in the check-in's transaction, so the
    # tree never scans a million check-ins for "latest per KR".
    current_value: float | None = None
    current_at: datetime | None = utc_column(nullable=True)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class CheckIn(SQLModel, table=True):
    """One weekly update of a key result: append-only, the latest wins."""

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_kr_created", "key_result_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_result_id: int = Field(foreign_key="key_result.id", ondelete="CASCADE")
    value: float
    confidence: Confidence | None = enum_column(Confidence, nullable=True)
    note: str = Field(default="", max_length=10_000)
    author: str = Field(max_length=64)
    created_at: datetime = utc_column()


class Kpi(SQLModel, table=True):
    """An ongoing metric with a direction of travel, thresholds and a history."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    unit: str = Field(default="", max_length=32)
    description: str = Field(default="", max_length=10_000)
    category: str = Field(default="", max_length=64, index=True)
    owner: str = Field(max_length=64, index=True)
    team: str | None = Field(default=None, max_length=64, index=True)
    direction: KpiDirection = enum_column(KpiDirection, default=KpiDirection.HIGHER)
    target: float | None = None
    green_threshold: float | None = None
    red_threshold: float | None = None
    parent_id: int | None = Field(
        default=None, foreign_key="kpi.id", index=True, ondelete="SET NULL"
    )
    archived: bool = False
    created_at: datetime = utc_column()
    # Issue 18 (migration 0007_kpi_sources): how often a value is due, how values add up,
    # and a range to stay within (both bounds inclusive; either may be open).
    cadence: Cadence | None = enum_column(Cadence, nullable=True)
    aggregation: Aggregation = enum_column(
        Aggregation, default=Aggregation.LEVEL, server_default=Aggregation.LEVEL.value
    )
    range_low: float | None = None
    range_high: float | None = None


class KpiValue(SQLModel, table=True):
    """One observation of a KPI; one per KPI per date (a re-entry replaces it)."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("kpi_id", "observed_on", name="uq_kpi_value_kpi_date"),)

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", ondelete="CASCADE")
    observed_on: date
    value: float
    note: str = Field(default="", max_length=10_000)
    author: str = Field(max_length=64)
    created_at: datetime = utc_column()
    # Issue 18: where the value came from ("" typed or imported by a person; else the
    # SourceKind of the pull that wrote it).
    source: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})


class Activity(SQLModel, table=True):
    """Audit log of every write, also the source of "what changed this week"."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(index=True)
    author: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    action: str = Field(max_length=32)
    detail: str = Field(default="{}")


class Admin(SQLModel, table=True):
    """Team admins, kept in the shared database rather than a user-controlled file."""

    username: str = Field(primary_key=True, max_length=64)
    added_by: str = Field(max_length=64)
    added_at: datetime = utc_column()


class KpiSource(SQLModel, table=True):
    """Where ``okrtui kpi pull`` fetches one KPI's values, and how the last pull went.

    ``spec`` is the kind's settings as JSON (store/domain/kpi_sources.py), never a secret:
    a password or token is named as ``env:NAME`` or ``file:/path`` and read by the pull.
    ``approval`` is the server owner's seal on this exact definition (an HMAC with a key
    only that owner can read, store/io/approval.py): a query, program or request runs only
    while it verifies. The ``last_*`` columns are written by the pull only (on PostgreSQL
    only the tables' owner may write them, migration 0007).
    """

    __tablename__ = "kpi_source"

    kpi_id: int = Field(foreign_key="kpi.id", primary_key=True, ondelete="CASCADE")
    kind: SourceKind = enum_column(SourceKind)
    spec: str = Field(default="{}", max_length=10_000)
    defined_by: str = Field(max_length=64)
    defined_at: datetime = utc_column()
    approval: str | None = Field(default=None, max_length=200)
    last_attempt_at: datetime | None = utc_column(nullable=True)
    last_success_at: datetime | None = utc_column(nullable=True)
    last_value: float | None = None
    last_error: str | None = Field(default=None, max_length=2_000)


Index("ix_activity_entity", col(Activity.entity), col(Activity.entity_id))


class Comment(SQLModel, table=True):
    """A remark in the thread of an objective, a key result or a check-in (newest last).

    One foreign key per kind of thing commented on, exactly one of them set, so deleting
    the thing deletes its thread (ON DELETE CASCADE) and no comment ever points nowhere.
    """

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN objective_id IS NULL THEN 0 ELSE 1 END) "
            "+ (CASE WHEN key_result_id IS NULL THEN 0 ELSE 1 END) "
            "+ (CASE WHEN check_in_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_comment_one_subject",
        ),
        Index("ix_comment_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int | None = Field(
        default=None, foreign_key="objective.id", ondelete="CASCADE", index=True
    )
    key_result_id: int | None = Field(
        default=None, foreign_key="key_result.id", ondelete="CASCADE", index=True
    )
    check_in_id: int | None = Field(
        default=None, foreign_key="check_in.id", ondelete="CASCADE", index=True
    )
    body: str = Field(max_length=4_000)
    author: str = Field(max_length=64, index=True)
    created_at: datetime = utc_column()
    edited_at: datetime | None = utc_column(nullable=True)


class Mention(SQLModel, table=True):
    """An ``@name`` in a comment: what the named person's inbox lists."""

    comment_id: int = Field(foreign_key="comment.id", ondelete="CASCADE", primary_key=True)
    username: str = Field(max_length=64, primary_key=True, index=True)


class InboxRead(SQLModel, table=True):
    """An inbox item its reader has marked read (per user; items are named by a key)."""

    __tablename__ = "inbox_read"

    username: str = Field(max_length=64, primary_key=True)
    item: str = Field(max_length=64, primary_key=True)
    read_at: datetime = utc_column()


class ReminderOptOut(SQLModel, table=True):
    """Who asked ``okrtui remind`` not to write to them (in the shared database, which the
    server's cron job reads, rather than in each member's own files, which it must not)."""

    __tablename__ = "reminder_opt_out"

    username: str = Field(max_length=64, primary_key=True)
    at: datetime = utc_column()
