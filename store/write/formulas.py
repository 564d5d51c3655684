"""Formula KPIs inside a write: their inputs, cycles refused, recomputed when an input moves.

A formula reads each input's latest value on or before the day it is computed for. When
a value of KPI X is written for day D, every formula reading X (directly or through other
formulas) is recomputed for D in the same transaction, in dependency order, when the
writer may change that formula KPI; otherwise (and when an input has no value yet, or
a division by zero) the next ``okrtui kpi pull`` recomputes it and records any error on
its panel.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection
from sqlmodel import Session, select

from store.db.database import Database
from store.domain import formula
from store.domain.kpi_sources import read_spec
from store.errors import DomainError, ValidationError
from store.model.enums import SourceKind
from store.model.tables import Kpi, KpiValue, utcnow
from store.read.kpi_sources import latest_values_on, sources_in
from store.write.common import get_row, log_activity
from store.write.guards import require_kpi_edit


@dataclass(frozen=True)
class Formula:
    kpi_id: int
    expression: str
    tree: formula.Node
    inputs: dict[str, int]  # casefolded name → KPI id


def kpi_names(conn: Connection) -> dict[str, int]:
    """Every KPI by casefolded name."""
    return {str(name).casefold(): kpi_id for kpi_id, name in conn.exec_driver_sql(
        "SELECT id, name FROM kpi")}  # fmt: skip


def flow_kpis(conn: Connection) -> frozenset[int]:
    """The KPIs whose values add up over a period (bookings, leads)."""
    return frozenset(int(r[0]) for r in conn.exec_driver_sql(
        "SELECT id FROM kpi WHERE aggregation = 'flow'"))  # fmt: skip


def compile_formula(
    kpi_id: int, expression: str, names: dict[str, int], flows: frozenset[int] = frozenset()
) -> Formula:
    """A formula with its inputs resolved to KPI ids; an unknown name, the KPI itself or
    a flow KPI (``flows``) is a ValidationError. A formula reads one value per input, its
    latest: for a flow that is one day's bookings, not the period's, so "spend / leads"
    would divide by a day's leads and read as a cost per lead ten times too high."""
    tree = formula.parse(expression)
    inputs = {}
    for name in formula.names_in(tree):
        found = names.get(name.casefold())
        if found is None:
            raise ValidationError(f"formula: no KPI is named {name!r}")
        if found == kpi_id:
            raise ValidationError(f"formula: KPI {name!r} cannot be computed from itself")
        if found in flows:
            raise ValidationError(
                f"formula: {name!r} is a flow KPI (its values add up over a period) and a "
                "formula reads one value per input, a single day's: compute this in a sql "
                f"or command source, or make {name!r} a level"
            )
        inputs[name.casefold()] = found
    return Formula(kpi_id, expression, tree, inputs)


def formulas_in(conn: Connection) -> tuple[dict[int, Formula], dict[int, str]]:
    """Every formula KPI that compiles, and why the others do not."""
    names, flows = kpi_names(conn), flow_kpis(conn)
    good: dict[int, Formula] = {}
    bad: dict[int, str] = {}
    for kpi_id, row in sources_in(conn).items():
        if row.kind != SourceKind.FORMULA:
            continue
        try:
            spec = read_spec(row.kind, row.spec)
            good[kpi_id] = compile_formula(kpi_id, spec["expression"], names, flows)
        except ValidationError as exc:
            bad[kpi_id] = str(exc)
    return good, bad


def graph_of(formulas: dict[int, Formula]) -> dict[int, list[int]]:
    return {kpi_id: sorted(set(f.inputs.values())) for kpi_id, f in formulas.items()}


def refuse_cycle(formulas: dict[int, Formula], names: dict[int, str]) -> None:
    """A ValidationError naming the KPIs when the formulas read each other in a cycle."""
    cycle = formula.find_cycle(graph_of(formulas))
    if cycle is not None:
        path = " → ".join(names.get(k, f"KPI-{k}") for k in cycle)
        raise ValidationError(f"formula: KPIs would compute each other in a cycle: {path}")


def compute(conn: Connection, f: Formula, day: date) -> float:
    """The formula's value on ``day`` from its inputs' latest values up to that day."""
    values = latest_values_on(conn, sorted(set(f.inputs.values())), day)
    by_name = {name: values[kpi] for name, kpi in f.inputs.items() if kpi in values}
    return formula.evaluate(f.tree, by_name)


def store_value(s: Session, actor: str, kpi_id: int, day: date, value: float, source: str) -> bool:
    """Write ``value`` for ``day`` from ``source``; False when it was already so. A value
    it replaces is kept in the activity log (old value, note, author and source)."""
    existing = s.exec(
        select(KpiValue).where(KpiValue.kpi_id == kpi_id, KpiValue.observed_on == day)
    ).first()
    if existing is not None:
        if existing.value == value and existing.source == source:
            return False
        log_activity(
            s, actor, "kpi_value", existing.id, "replace", kpi_id=kpi_id, observed_on=day,
            old_value=existing.value, old_note=existing.note, old_author=existing.author,
            old_source=existing.source or "manual", new_value=value, source=source,
        )  # fmt: skip
        existing.value, existing.note, existing.author = value, "", actor
        existing.source, existing.created_at = source, utcnow()
        return True
    row = KpiValue(kpi_id=kpi_id, observed_on=day, value=value, author=actor, source=source)
    s.add(row)
    s.flush()
    log_activity(s, actor, "kpi_value", row.id, "create", kpi_id=kpi_id, observed_on=day,
                 value=value, source=source)  # fmt: skip
    return True


def recompute_dependents(s: Session, actor: str, changed: int, day: date) -> list[int]:
    """Recompute, for ``day``, the formulas that read ``changed`` and that ``actor`` may
    change; returns the KPIs written. Anything that cannot be computed now is left to
    the next pull (module docstring)."""
    return recompute_for(s, actor, {changed: {day}})


def recompute_for(s: Session, actor: str, changes: Mapping[int, Iterable[date]]) -> list[int]:
    """Recompute the formulas reading any KPI of ``changes`` (KPI id → the days its values
    changed) for each of those days, inputs first, so a formula of formulas sees its
    inputs' new values; returns the formula KPIs written. What a CSV import of a year of
    LTV does to LTV:CAC: one pass, not one per imported value."""
    conn = s.connection()
    formulas, _ = formulas_in(conn)
    if not formulas:
        return []
    graph = graph_of(formulas)
    try:
        order = formula.evaluation_order(graph)
    except ValidationError:
        return []  # a cycle written by hand: the pull reports it
    days: dict[int, set[date]] = {kpi: set(when) for kpi, when in changes.items()}
    written: list[int] = []
    for kpi_id in order:
        wanted = set().union(*(days.get(source, set()) for source in graph[kpi_id]))
        if not wanted:
            continue
        try:
            require_kpi_edit(s, actor, kpi_id)
        except DomainError:
            continue
        for day in sorted(wanted):
            try:
                value = compute(conn, formulas[kpi_id], day)
            except DomainError:
                continue
            s.flush()
            if store_value(s, actor, kpi_id, day, value, SourceKind.FORMULA.value):
                days.setdefault(kpi_id, set()).add(day)
                if not written or written[-1] != kpi_id:
                    written.append(kpi_id)
    return written


def recompute_formula(db: Database, actor: str, kpi_id: int, today: date) -> tuple[date, float]:
    """Compute formula KPI ``kpi_id`` now, from its inputs' latest values, for the day of
    its freshest input (``today`` when none has a value), and write it with the source
    ``formula``; then the formulas reading it. One transaction, by anyone who may record
    the KPI's values: a formula is pure, so unlike ``okrtui kpi pull`` this runs nothing
    of anyone's choosing and touches none of the pull's status columns (the server
    owner's). Returns (day, value); a missing input or a division by zero is refused."""
    from store.read.kpi_sources import latest_day

    with db.write() as s:
        kpi = get_row(s, Kpi, kpi_id, "KPI")
        require_kpi_edit(s, actor, kpi_id)
        if kpi.archived:
            raise DomainError(f"KPI {kpi.name!r} is archived: unarchive it to record values")
        conn = s.connection()
        formulas, bad = formulas_in(conn)
        if kpi_id in bad:
            raise ValidationError(bad[kpi_id])
        if kpi_id not in formulas:
            raise DomainError(f"KPI {kpi.name!r} is not computed by a formula")
        f = formulas[kpi_id]
        days = [d for d in (latest_day(conn, k) for k in f.inputs.values()) if d is not None]
        day = min(max(days), today) if days else today
        value = compute(conn, f, day)
        store_value(s, actor, kpi_id, day, value, SourceKind.FORMULA.value)
        s.flush()
        recompute_dependents(s, actor, kpi_id, day)
        return day, value
