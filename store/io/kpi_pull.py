"""``okrtui kpi pull``: fetch every sourced KPI's value, then recompute the formulas.

Each KPI is one transaction: its fetched values (each marked with its source) and its
status are written together, or its failure is recorded (last error, shown on the
panel, and an activity row) and nothing else is written. One failing source never stops
the others. Who may run what:

* ``sql``, ``command`` and ``http`` sources run only when the account running the pull
  is the server's owner (store/read/kpi_sources.py ``server_owner``) and that account
  approved the exact definition (store/sources/approval.py). In a member's session
  (the TUI, or a member running the command) they never run;
* ``file`` sources read only files of the source's author (store/sources/files.py);
* formulas are recomputed after the sources, inputs first.

On PostgreSQL only the tables' owner may write the pull's status: anyone else's pull is
refused unless it is a dry run.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from store.db.database import Database
from store.domain import formula
from store.domain.kpi_sources import read_spec
from store.errors import DomainError, ValidationError
from store.model.enums import EXTERNAL_SOURCES, SourceKind
from store.read.kpi_panels import kpi_panels
from store.read.kpi_sources import (
    SourceRow,
    kpi_sources,
    latest_day,
    latest_values_on,
    server_owner,
)
from store.sources import command, files, http, sql
from store.sources.values import Observation, SourceError
from store.write.formulas import compute, formulas_in
from store.write.kpi_sources import approval_ok, record_pull, record_pull_failure

Fetcher = Callable[[dict[str, Any], SourceRow], list[Observation]]
FETCHERS: dict[SourceKind, Fetcher] = {
    SourceKind.SQL: lambda spec, row: sql.fetch(spec),
    SourceKind.COMMAND: lambda spec, row: command.fetch(spec),
    SourceKind.FILE: lambda spec, row: files.fetch(spec, row.defined_by),
    SourceKind.HTTP: lambda spec, row: http.fetch(spec),
}


@dataclass(frozen=True)
class PullOutcome:
    """What happened to one KPI: values fetched (and written unless a dry run), or why not."""

    kpi_id: int
    name: str
    kind: SourceKind
    values: tuple[tuple[date, float], ...] = ()
    error: str | None = None
    recorded: bool = False  # the error (or success) was written to the KPI's status
    replaced_manual: tuple[date, ...] = ()
    formulas: tuple[int, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.error is None


def pull(
    db: Database,
    actor: str,
    kpi_ids: Iterable[int] | None = None,
    *,
    dry_run: bool = False,
    today: date | None = None,
) -> list[PullOutcome]:
    """Pull the given KPIs' sources (all of them when None), then their formulas."""
    today = today or date.today()
    owner = server_owner(db)
    if not db.target.is_sqlite and actor != owner and not dry_run:
        raise DomainError(
            f"okrtui kpi pull writes values and statuses only the tables' owner may write: "
            f"run it as @{owner} (a cron job or systemd timer: see deploy/), or with --dry-run"
        )
    names = {p.id: p for p in kpi_panels(db, last=1, include_archived=True)}
    sources = kpi_sources(db)
    wanted = set(sources) if kpi_ids is None else set(kpi_ids) & set(sources)
    outcomes: list[PullOutcome] = []
    fetched: dict[int, float] = {}
    for kpi_id in sorted(wanted):
        row = sources[kpi_id]
        panel = names.get(kpi_id)
        if row.kind == SourceKind.FORMULA or panel is None or panel.archived:
            continue
        outcome = _pull_one(db, actor, owner, row, panel.name, today, dry_run)
        outcomes.append(outcome)
        if outcome.ok and outcome.values:
            fetched[kpi_id] = max(outcome.values)[1]
    outcomes += _formulas(db, actor, names, wanted, today, dry_run, fetched)
    return outcomes


def _pull_one(db: Database, actor: str, owner: str, row: SourceRow, name: str, today: date,
              dry_run: bool) -> PullOutcome:  # fmt: skip
    kind = row.kind
    if kind in EXTERNAL_SOURCES and actor != owner:
        # Not recorded: a member's attempt must not overwrite the owner's status.
        return PullOutcome(row.kpi_id, name, kind, error=(
            f"a {kind.value} source runs only from okrtui kpi pull run by the server's owner "
            f"@{owner}, never in @{actor}'s session"))  # fmt: skip
    try:
        spec = read_spec(kind, row.spec)
        if kind in EXTERNAL_SOURCES and not approval_ok(kind, row.spec, row.approval, actor,
                                                        row.kpi_id):  # fmt: skip
            raise SourceError(
                f"not approved: @{owner} approves this {kind.value} source with "
                f"okrtui kpi source approve KPI-{row.kpi_id} (a changed definition needs a "
                "new approval)"
            )
        observations = FETCHERS[kind](spec, row)
        values = _dated(observations, today)
    except (SourceError, ValidationError) as exc:
        return _failed(db, actor, row.kpi_id, name, kind, str(exc), dry_run)
    if dry_run:
        return PullOutcome(row.kpi_id, name, kind, tuple(values))
    try:
        wrote = record_pull(db, actor, row.kpi_id, kind, values)
    except DomainError as exc:
        return _failed(db, actor, row.kpi_id, name, kind, str(exc), dry_run)
    return PullOutcome(row.kpi_id, name, kind, tuple(values), recorded=True,
                       replaced_manual=wrote.replaced_manual, formulas=wrote.formulas)  # fmt: skip


def _dated(observations: list[Observation], today: date) -> list[tuple[date, float]]:
    """(day, value) pairs, today for an undated value; a future day is refused, and one
    day given twice keeps the last."""
    out: dict[date, float] = {}
    for obs in observations:
        day = obs.day or today
        if day > today:
            raise SourceError(f"a value is dated {day}, after today ({today})")
        out[day] = obs.value
    return sorted(out.items())


def _failed(db: Database, actor: str, kpi_id: int, name: str, kind: SourceKind, error: str,
            dry_run: bool) -> PullOutcome:  # fmt: skip
    if not dry_run:
        record_pull_failure(db, actor, kpi_id, error)
    return PullOutcome(kpi_id, name, kind, error=error, recorded=not dry_run)


def _formulas(db: Database, actor: str, names: dict[int, Any], wanted: set[int], today: date,
              dry_run: bool, fetched: dict[int, float]) -> list[PullOutcome]:  # fmt: skip
    """Recompute the wanted formula KPIs, inputs first, as of their freshest input."""
    with db.read() as conn:
        good, bad = formulas_in(conn)
    outcomes = []
    for kpi_id, why in sorted(bad.items()):
        if kpi_id in wanted and kpi_id in names:
            outcomes.append(_failed(db, actor, kpi_id, names[kpi_id].name, SourceKind.FORMULA,
                                    why, dry_run))  # fmt: skip
    graph = {k: sorted(set(f.inputs.values())) for k, f in good.items()}
    try:
        order = formula.evaluation_order(graph)
    except ValidationError as exc:
        return outcomes + [_failed(db, actor, k, names[k].name, SourceKind.FORMULA, str(exc),
                                   dry_run) for k in sorted(good) if k in wanted]  # fmt: skip
    computed: dict[int, float] = {}
    for kpi_id in order:
        if kpi_id not in wanted or kpi_id not in names or names[kpi_id].archived:
            continue
        f = good[kpi_id]
        name = names[kpi_id].name
        try:
            with db.read() as conn:
                days = [d for d in (latest_day(conn, k) for k in f.inputs.values()) if d]
                day = max(days) if days else today
                if dry_run:
                    overlay = fetched | computed
                    values = {n: overlay[k] for n, k in f.inputs.items() if k in overlay}
                    missing = {n: k for n, k in f.inputs.items() if k not in overlay}
                    stored = latest_values_on(conn, sorted(set(missing.values())), day)
                    values |= {n: stored[k] for n, k in missing.items() if k in stored}
                    value = formula.evaluate(f.tree, values)
                else:
                    value = compute(conn, f, day)
        except ValidationError as exc:
            outcomes.append(_failed(db, actor, kpi_id, name, SourceKind.FORMULA, str(exc),
                                    dry_run))  # fmt: skip
            continue
        computed[kpi_id] = value
        if dry_run:
            outcomes.append(PullOutcome(kpi_id, name, SourceKind.FORMULA, ((day, value),)))
            continue
        try:
            record_pull(db, actor, kpi_id, SourceKind.FORMULA, [(day, value)])
        except DomainError as exc:
            outcomes.append(_failed(db, actor, kpi_id, name, SourceKind.FORMULA, str(exc),
                                    dry_run))  # fmt: skip
            continue
        outcomes.append(PullOutcome(kpi_id, name, SourceKind.FORMULA, ((day, value),),
                                    recorded=True))  # fmt: skip
    return outcomes
