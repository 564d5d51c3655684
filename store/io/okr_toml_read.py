"""Reading an OKR TOML file against the database: every item typed, bounded and resolved
(parents by title or reference, KPIs by name), every problem of the file in one run."""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import tomli_w
from sqlmodel import Session, col, select

from store.domain.checks import check_weight
from store.domain.validation import clean_line, parse_reference
from store.errors import DomainError, OkrFileError, ValidationError
from store.model.enums import Direction, Kind, PeriodState
from store.model.tables import KeyResult, Kpi, Objective, Period
from store.write.checkins import enum_value
from store.write.objectives import collaborator_names
from store.write.okr_fields import (
    KrFields,
    ObjectiveFields,
    kr_fields,
    objective_fields,
)

FORMAT = "okrtui-okrs"


VERSION = 1


OBJECTIVE_KEYS = (
    "ref",
    "title",
    "owner",
    "parent",
    "level",
    "team",
    "collaborators",
    "description",
    "key_result",
)


KR_KEYS = ("ref", "title", "kind", "direction", "start", "target", "unit", "owner", "weight", "kpi")


_OBJECTIVE_REF = re.compile(r"\s*[Oo]-?\d+\s*")


def _all_problems(errors: list[str]) -> OkrFileError:
    """One error for every problem of the file, each on its own line."""
    errors = list(dict.fromkeys(errors))
    if len(errors) == 1:
        return OkrFileError(errors[0], errors)
    return OkrFileError(
        f"{len(errors)} problems, nothing was changed:\n" + "\n".join(errors), errors
    )


def _value(key: str, value: Any) -> str:
    """One ``key = value`` line (tomli-w does the quoting and escaping)."""
    return tomli_w.dumps({key: value}, multiline_strings=True)


def _number(value: float) -> int | float:
    """Whole numbers without ".0", so the file reads like what people typed."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


_UNSET: Any = object()


@dataclass
class _KrItem:
    where: str
    existing: KeyResult | None
    fields: KrFields


@dataclass
class _ObjItem:
    where: str
    existing: Objective | None
    fields: ObjectiveFields
    parent: Any  # _UNSET (keep), None (top level), an objective id, or another _ObjItem
    krs: list[_KrItem] = field(default_factory=list)
    row: Objective | None = None  # the row written, once applied


def _fail(where: str, message: str) -> OkrFileError:
    return OkrFileError(f"{where}: {message}")


def _check_keys(where: str, table: Any, allowed: Iterable[str]) -> dict[str, Any]:
    """``table`` as a dict with only ``allowed`` keys (no check when ``allowed`` is empty)."""
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    allowed = tuple(allowed)
    for key in table if allowed else ():
        if key not in allowed:
            raise _fail(where, f"unknown key {key!r} (known: {', '.join(allowed)})")
    return table


def _field_problems(table: dict[str, Any]) -> list[str]:
    """What is wrong with each of a key result's fields on its own (an empty list if nothing)."""
    checks: list[tuple[str, Any]] = [
        ("kind", lambda v: enum_value(Kind, v if isinstance(v, str) else repr(v), "kind")),
        (
            "direction",
            lambda v: enum_value(Direction, v if isinstance(v, str) else repr(v), "direction"),
        ),
        ("start", lambda v: _numeric(v, "start")),
        ("target", lambda v: _numeric(v, "target")),
        ("weight", lambda v: check_weight(_numeric(v, "weight"))),
    ]
    problems = []
    for key, check in checks:
        if key in table:
            try:
                check(table[key])
            except DomainError as exc:
                problems.append(str(exc))
    return problems


def _numeric(value: Any, name: str) -> Any:
    """TOML numbers only: a quoted "42" or a boolean is a mistake worth reporting."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value}")
    return value


class _Reader:
    """Checks a document against the database (through ``s``): every objective and key
    result read, typed and resolved (parents, KPIs), every problem of the file collected."""

    def __init__(self, s: Session, actor: str, document: Any, delete_missing: bool) -> None:
        self.s = s
        self.actor = actor
        self.delete_missing = delete_missing
        doc = _check_keys("the file", document, ("format", "version", "period", "objective"))
        if doc.get("format") != FORMAT:
            raise OkrFileError(f'not an okrtui OKR file: format must be "{FORMAT}"')
        if doc.get("version") != VERSION:
            raise OkrFileError(f"unsupported version {doc.get('version')!r}; this okrtui reads 1")
        self.period = self._period(doc.get("period"))
        assert self.period.id is not None
        self.objectives: dict[int, Objective] = {
            o.id: o
            for o in s.exec(select(Objective).where(Objective.period_id == self.period.id))
            if o.id is not None  # always, for a stored row
        }
        self.krs: dict[int, KeyResult] = {
            kr.id: kr
            for kr in s.exec(
                select(KeyResult).where(col(KeyResult.objective_id).in_(list(self.objectives)))
            )
            if kr.id is not None
        }
        self.kpis = {k.id: k.name for k in s.exec(select(Kpi))}
        raw_items = doc.get("objective", [])
        if not isinstance(raw_items, list):
            raise OkrFileError("objective must be a list of [[objective]] tables")
        self.errors: list[str] = []
        items = [self._collect(self._objective, i, raw) for i, raw in enumerate(raw_items)]
        self.items = [item for item in items if item is not None]
        # Parents too are checked in the same run; a title that names an objective which
        # could not be read is not a second problem (only the objective's own is).
        unread = {
            clean_line(raw["title"]).casefold()
            for raw, item in zip(raw_items, items, strict=True)
            if item is None and isinstance(raw, dict) and isinstance(raw.get("title"), str)
        }
        self._collect(self._resolve_parents, unread)
        if self.errors:
            raise _all_problems(self.errors)

    def _collect(self, check: Any, *args: Any) -> Any:
        """``check(*args)``, or None with its problem noted (to report all in one run)."""
        try:
            return check(*args)
        except OkrFileError as exc:
            self.errors.extend(exc.errors)
            return None

    def _period(self, name: Any) -> Period:
        if not isinstance(name, str) or not name.strip():
            raise OkrFileError('the file must name its period: period = "2026-Q4"')
        wanted = clean_line(name).casefold()
        for period in self.s.exec(select(Period)):
            if period.name.casefold() == wanted:
                if period.state == PeriodState.CLOSED:
                    raise OkrFileError(f"period {period.name} is closed and read-only")
                return period
        raise OkrFileError(f"there is no period {clean_line(name)!r}: create it first")

    def _objective(self, index: int, raw: Any) -> _ObjItem:
        where = f"objective[{index + 1}]"
        table = _check_keys(where, raw, ())  # a table: the keys are checked once it is named
        existing = None
        if "ref" in table:
            existing = self._existing_objective(where, table["ref"])
            where += f" (O-{existing.id})"
        _check_keys(where, table, OBJECTIVE_KEYS)
        if existing is None and "title" not in table:
            raise _fail(where, "a new objective needs a title")
        names: Any = table.get("collaborators", _UNSET)
        if names is not _UNSET and not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            raise _fail(where, 'collaborators must be a list of user names: ["ana", "ben"]')
        if names is _UNSET:
            names = collaborator_names(self.s, existing.id) if existing and existing.id else []
        base = existing
        problems: list[str] = []
        try:
            fields = objective_fields(
                title=table.get("title", base.title if base else None),
                owner=table.get("owner", base.owner if base else self.actor),
                level=table.get("level", base.level if base else None),
                team=table.get("team", base.team if base else None),
                description=table.get("description", base.description if base else ""),
                collaborators=names,
            )
        except DomainError as exc:
            problems.append(str(_fail(where, str(exc))))
        krs = table.get("key_result", [])
        if not isinstance(krs, list):
            problems.append(
                str(_fail(where, "key_result must be a list of [[objective.key_result]] tables"))
            )
            krs = []
        before = len(self.errors)
        kr_items = [
            self._collect(self._key_result, f"{where}.key_result[{i + 1}]", existing, kr)
            for i, kr in enumerate(krs)
        ]
        problems += self.errors[before:]
        del self.errors[before:]
        if problems:
            raise _all_problems(problems)
        item = _ObjItem(where, existing, fields, table.get("parent", _UNSET))
        item.krs = kr_items
        return item

    def _existing_objective(self, where: str, ref: Any) -> Objective:
        oid = parse_reference(ref, "O") if isinstance(ref, str) else None
        if oid is None:
            raise _fail(where, f"ref must be an objective reference like O-3, got {ref!r}")
        if oid in self.objectives:
            return self.objectives[oid]
        other = self.s.get(Objective, oid)
        if other is not None:
            period = self.s.get(Period, other.period_id)
            raise _fail(
                where,
                f"O-{oid} belongs to period {period.name if period else '?'}, "
                f"not {self.period.name}",
            )
        raise _fail(where, f"O-{oid} does not exist (leave out ref to create a new objective)")

    def _key_result(self, where: str, objective: Objective | None, raw: Any) -> _KrItem:
        table = _check_keys(where, raw, ())
        existing = None
        if "ref" in table:
            kr_id = parse_reference(table["ref"], "KR") if isinstance(table["ref"], str) else None
            if kr_id is None:
                raise _fail(
                    where, f"ref must be a key result reference like KR-12, got {table['ref']!r}"
                )
            existing = self.krs.get(kr_id)
            if existing is None or objective is None or existing.objective_id != objective.id:
                owner = f"O-{existing.objective_id}" if existing else None
                if owner is None and self.s.get(KeyResult, kr_id) is None:
                    raise _fail(where, f"KR-{kr_id} does not exist (leave out ref to create it)")
                raise _fail(
                    where,
                    f"KR-{kr_id} is not a key result of this objective"
                    + (f" (it belongs to {owner})" if owner else ""),
                )
            where += f" (KR-{kr_id})"
        _check_keys(where, table, KR_KEYS)
        if existing is None and "title" not in table:
            raise _fail(where, "a new key result needs a title")
        base = existing
        problems = [
            str(_fail(where, message)) for message in _field_problems(table) if message
        ]  # every bad field at once (kind "milestne" and weight = -1 in one run)
        if problems:
            raise _all_problems(problems)
        try:
            kpi_id = self._kpi(table["kpi"]) if "kpi" in table else (base.kpi_id if base else None)
            fields = kr_fields(
                title=table.get("title", base.title if base else None),
                kind=table.get("kind", base.kind if base else "metric"),
                direction=table.get("direction", base.direction if base else "increase"),
                start=_numeric(table.get("start", base.start_value if base else None), "start"),
                target=_numeric(table.get("target", base.target_value if base else None), "target"),
                unit=table.get("unit", base.unit if base else ""),
                owner=table.get("owner", base.owner if base else None),
                weight=_numeric(table.get("weight", base.weight if base else 1.0), "weight"),
                kpi_id=kpi_id,
            )
        except DomainError as exc:
            raise _fail(where, str(exc)) from None
        return _KrItem(where, existing, fields)

    def _kpi(self, value: Any) -> int | None:
        if value in ("", None):
            return None
        if not isinstance(value, str):
            raise ValidationError(f"kpi must be a KPI name or reference, got {value!r}")
        kpi_id = parse_reference(value, "KPI")
        if kpi_id is not None and kpi_id in self.kpis:
            return kpi_id
        wanted = clean_line(value).casefold()
        for key, name in self.kpis.items():
            if name.casefold() == wanted:
                return key
        raise ValidationError(f"there is no KPI {clean_line(value)!r}")

    def _resolve_parents(self, unread: set[str]) -> None:
        """Each objective's parent as an id or an item; every problem noted, then raised."""
        problems: list[str] = []
        seen: dict[int, str] = {}
        titles: dict[str, list[_ObjItem]] = {}
        for item in self.items:
            if item.existing is not None and item.existing.id is not None:
                if item.existing.id in seen:
                    problems.append(
                        f"{item.where}: O-{item.existing.id} appears twice "
                        f"(first in {seen[item.existing.id]})"
                    )
                seen[item.existing.id] = item.where
            titles.setdefault(item.fields.title.casefold(), []).append(item)
        for item in self.items:
            problem = self._resolve_parent(item, seen, titles, unread)
            if problem:
                problems.append(f"{item.where}: {problem}")
        if problems:
            raise OkrFileError(problems[0], problems)
        self._refuse_cycles()

    def _resolve_parent(
        self,
        item: _ObjItem,
        seen: dict[int, str],
        titles: dict[str, list[_ObjItem]],
        unread: set[str],
    ) -> str | None:
        """Resolve ``item.parent`` in place; the problem with it, if any."""
        if item.parent is _UNSET or item.parent in ("", None):
            item.parent = _UNSET if item.parent is _UNSET else None
            return None
        if not isinstance(item.parent, str):
            return f"parent must be a reference or a title, got {item.parent!r}"
        if _OBJECTIVE_REF.fullmatch(item.parent):
            pid = parse_reference(item.parent, "O")
            if pid not in self.objectives:
                return f"parent {item.parent.strip()} is not an objective of {self.period.name}"
            if self.delete_missing and pid not in seen:
                return f"parent O-{pid} is not in the file, so --delete-missing would delete it"
            item.parent = pid
            return None
        wanted = clean_line(item.parent).casefold()
        matches = titles.get(wanted, [])
        if len(matches) != 1:
            if not matches and wanted in unread:
                return None  # an objective that could not be read: its problem is reported
            what = "no objective" if not matches else f"{len(matches)} objectives"
            return f"parent {item.parent!r} names {what} in the file"
        target = matches[0]
        pid = target.existing.id if target.existing else None
        item.parent = pid if pid is not None else target
        return None

    def _final_parent(self, item: _ObjItem) -> Any:
        """The parent after applying: an objective id, an _ObjItem, or None."""
        if item.parent is _UNSET:
            return item.existing.parent_id if item.existing else None
        return item.parent

    def _refuse_cycles(self) -> None:
        by_id = {i.existing.id: i for i in self.items if i.existing is not None}
        for start in self.items:
            node: Any = start
            visited: set[int] = set()
            while node is not None:
                if id(node) in visited:
                    raise _fail(start.where, "its parent chain loops back to itself (a cycle)")
                visited.add(id(node))
                if isinstance(node, _ObjItem):
                    parent = self._final_parent(node)
                else:  # an objective id not in the file keeps its parent
                    row = self.objectives.get(node)
                    parent = row.parent_id if row is not None else None
                node = by_id.get(parent, parent) if isinstance(parent, int) else parent
