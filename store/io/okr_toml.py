"""A period's OKRs as a readable TOML file, and applying such a file back.

Teams keep their OKRs in git and review changes as diffs, so the file is
written for people: one ``[[objective]]`` table per objective in tree order,
its key results nested as ``[[objective.key_result]]``, only definitions (the
check-in history stays in the database)::

    format = "okrtui-okrs"
    version = 1
    period = "2026-Q4"

    [[objective]]
    ref = "O-6"
    title = "Become the No. 1 standalone goal management product"
    owner = "ana"
    parent = "O-3"            # left out at the top level

    [[objective.key_result]]
    ref = "KR-12"
    title = "Grow MRR to $1.0M"
    target = 1000000

Applying (:func:`apply_toml`) matches items by reference: an item with a
``ref`` updates that objective or key result, one without is created. A key
left out of an existing item leaves that field as it is. ``parent`` names an
objective by reference or by the title of an objective in the same file (so a
new objective can sit under another new one); ``parent = ""`` is the top level.
Nothing is deleted unless ``delete_missing`` is set: then the period's
objectives and key results the file does not mention are deleted.

Everything is checked first, with the service's rules, and errors name the
item (``objective[3] (O-6).key_result[1]: target ...``); then the whole file is
applied in one transaction, or not at all. A dry run reports the same changes
and writes nothing.
"""

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w
from sqlmodel import Session, col, delete, func, select

from store.db.database import Database
from store.domain.validation import clean_line, parse_reference
from store.errors import DomainError, OkrFileError, ValidationError
from store.io.textfile import read_text
from store.model.enums import Direction, Kind, PeriodState
from store.model.tables import CheckIn, Collaborator, KeyResult, Kpi, Objective, Period, utcnow
from store.queries import load_tree
from store.write.checkins import enum_value
from store.write.common import log_activity
from store.write.guards import (
    require_key_result_edit,
    require_new_objective,
    require_objective_control,
    require_objective_edit,
)
from store.write.key_results import check_weight
from store.write.objectives import collaborator_names
from store.write.okr_fields import (
    KrFields,
    ObjectiveFields,
    insert_key_result,
    insert_objective,
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


# --- export -------------------------------------------------------------------------------


def _value(key: str, value: Any) -> str:
    """One ``key = value`` line (tomli-w does the quoting and escaping)."""
    return tomli_w.dumps({key: value}, multiline_strings=True)


def _number(value: float) -> int | float:
    """Whole numbers without ".0", so the file reads like what people typed."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def export_toml(db: Database, period_id: int, today: date | None = None) -> str:
    """A period's objectives and key results as TOML text, in tree order."""
    tree = load_tree(db, period_id)
    p = tree.period
    lines = [
        f"# okrtui OKRs of {clean_line(p.name)} ({p.starts_on} → {p.ends_on}), "
        f"exported {(today or date.today()).isoformat()}.\n",
        "# Apply changes with: okrtui import FILE.toml   (preview first with --dry-run)\n",
        "# An item with a ref updates it, one without is created; a key left out stays as\n",
        "# it is. Nothing is deleted unless you add --delete-missing.\n",
        "\n",
        _value("format", FORMAT),
        _value("version", VERSION),
        _value("period", p.name),
    ]
    for _depth, row in tree.walk():
        lines += [
            "\n",
            "[[objective]]\n",
            _value("ref", row.ref),
            _value("title", row.title),
            _value("owner", row.owner),
        ]
        if row.parent_id is not None and row.parent_id in tree.objectives:
            lines.append(_value("parent", f"O-{row.parent_id}"))
        lines.append(_value("level", row.level.value))
        if row.team:
            lines.append(_value("team", row.team))
        if row.collaborators:
            lines.append(_value("collaborators", list(row.collaborators)))
        if row.description:
            lines.append(_value("description", row.description))
        for kr in row.key_results:
            lines += [
                "\n",
                "[[objective.key_result]]\n",
                _value("ref", kr.ref),
                _value("title", kr.title),
                _value("kind", kr.kind.value),
            ]
            if kr.kind == "metric":
                lines.append(_value("direction", kr.direction.value))
            for key, number in (("start", kr.start), ("target", kr.target)):
                if number is not None and kr.kind == "metric":
                    lines.append(_value(key, _number(number)))
            if kr.unit and kr.kind == "metric":
                lines.append(_value("unit", kr.unit))
            lines.append(_value("owner", kr.owner))
            if kr.weight != 1:
                lines.append(_value("weight", _number(kr.weight)))
            if kr.kpi_name:
                lines.append(_value("kpi", kr.kpi_name))
    return "".join(lines)


# --- reading ------------------------------------------------------------------------------


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error is reported with its line and column."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise OkrFileError(f"not valid TOML: {exc}") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    return parse_toml(read_text(path, OkrFileError))


# --- planning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change the file makes: ``create``, ``update`` or ``delete`` of an item."""

    action: str
    ref: str
    text: str


@dataclass(frozen=True)
class ApplyResult:
    period: str
    changes: tuple[Change, ...]
    dry_run: bool

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


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


class _Planner:
    """Checks a document against the database (through ``s``) and lists its changes."""

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

    # --- what changes ---------------------------------------------------------------------

    def changes(self) -> list[Change]:
        out: list[Change] = []
        for item in self.items:
            out += self._objective_changes(item)
        if self.delete_missing:
            out += self._deletions()
        return out

    def _objective_diffs(self, item: _ObjItem) -> list[str]:
        """What the file changes in an existing objective, as "field old → new" texts."""
        f, row = item.fields, item.existing
        assert row is not None and row.id is not None
        diffs = [
            f"{name} {_show(old)} → {_show(new)}"
            for name, old, new in (
                ("title", row.title, f.title),
                ("owner", row.owner, f.owner),
                ("level", row.level.value, f.level.value if f.level else row.level.value),
                ("team", row.team, f.team),
                ("description", row.description, f.description),
            )
            if old != new
        ]
        if tuple(collaborator_names(self.s, row.id)) != f.collaborators:
            diffs.append(f"collaborators → {', '.join(f.collaborators) or 'none'}")
        if item.parent is not _UNSET and self._parent_id_if_known(item) != row.parent_id:
            diffs.append(f"parent → {self._parent_text(item.parent)}")
        return diffs

    def _objective_changes(self, item: _ObjItem) -> list[Change]:
        f, row = item.fields, item.existing
        out = []
        if row is None:
            out.append(Change("create", "objective", f"create objective “{f.title}”"))
        else:
            diffs = self._objective_diffs(item)
            if diffs:
                out.append(
                    Change("update", f"O-{row.id}", f"update O-{row.id}: " + "; ".join(diffs))
                )
        owner = f"O-{row.id}" if row is not None else f"“{f.title}”"
        for kr in item.krs:
            out += _kr_changes(kr, owner)
        return out

    def _parent_id_if_known(self, item: _ObjItem) -> Any:
        parent = item.parent
        if isinstance(parent, _ObjItem):
            return parent.existing.id if parent.existing else parent
        return parent

    @staticmethod
    def _parent_text(parent: Any) -> str:
        if parent is None:
            return "top level"
        if isinstance(parent, _ObjItem):
            return f"new objective “{parent.fields.title}”"
        return f"O-{parent}"

    def _deletions(self) -> list[Change]:
        out = []
        kept_objectives = {i.existing.id for i in self.items if i.existing is not None}
        kept_krs = {k.existing.id for i in self.items for k in i.krs if k.existing is not None}
        for oid, row in self.objectives.items():
            if oid not in kept_objectives:
                out.append(
                    Change(
                        "delete",
                        f"O-{oid}",
                        f"delete O-{oid} “{row.title}” with its "
                        f"key results and {self._check_ins(oid)} check-in(s)",
                    )
                )
        for kr_id, kr in self.krs.items():
            if kr.objective_id in kept_objectives and kr_id not in kept_krs:
                count = self.s.exec(
                    select(func.count()).select_from(CheckIn).where(CheckIn.key_result_id == kr_id)
                ).one()
                out.append(
                    Change(
                        "delete",
                        f"KR-{kr_id}",
                        f"delete KR-{kr_id} “{kr.title}” with {count} check-in(s)",
                    )
                )
        return out

    def _check_ins(self, objective_id: int) -> int:
        return self.s.exec(
            select(func.count())
            .select_from(CheckIn)
            .join(KeyResult, col(KeyResult.id) == CheckIn.key_result_id)
            .where(KeyResult.objective_id == objective_id)
        ).one()

    # --- applying -------------------------------------------------------------------------

    def apply(self, changes: list[Change]) -> None:
        """Write the planned changes in the planner's session (parents before children)."""
        assert self.period.id is not None
        for item in self._parents_first():
            parent_value = self._final_parent(item)
            parent = (
                parent_value.row
                if isinstance(parent_value, _ObjItem)
                else (self.objectives.get(parent_value) if parent_value is not None else None)
            )
            if item.existing is None:
                require_new_objective(
                    self.s, self.actor, item.fields.owner, parent.id if parent else None
                )
                item.row = insert_objective(
                    self.s, self.actor, self.period.id, item.fields, parent=parent
                )
            else:
                item.row = self._update_objective(item, parent)
            for kr in item.krs:
                if kr.existing is None:
                    require_objective_edit(self.s, self.actor, item.row.id or 0)
                    insert_key_result(self.s, self.actor, item.row, kr.fields)
                else:
                    self._update_kr(kr)
        for change in changes:
            if change.action != "delete":
                continue
            kind, key = change.ref.split("-")
            row: Objective | KeyResult | None = (
                self.s.get(Objective, int(key)) if kind == "O" else self.s.get(KeyResult, int(key))
            )
            if row is not None:
                oid = row.id if isinstance(row, Objective) else row.objective_id
                assert oid is not None
                require_objective_edit(self.s, self.actor, oid)
                log_activity(
                    self.s,
                    self.actor,
                    "objective" if kind == "O" else "key_result",
                    int(key),
                    "delete",
                    title=row.title,
                    source="okr file",
                )
                self.s.delete(row)
                self.s.flush()

    def _parents_first(self) -> list[_ObjItem]:
        ordered: list[_ObjItem] = []
        placed: set[int] = set()

        def place(item: _ObjItem) -> None:
            if id(item) in placed:
                return
            placed.add(id(item))
            parent = self._final_parent(item)
            if isinstance(parent, _ObjItem):
                place(parent)
            ordered.append(item)

        for item in self.items:
            place(item)
        return ordered

    def _update_objective(self, item: _ObjItem, parent: Objective | None) -> Objective:
        row, f = item.existing, item.fields
        assert row is not None and row.id is not None
        diffs = self._objective_diffs(item)
        if not diffs:
            return row
        require_objective_edit(self.s, self.actor, row.id)
        if {"owner", "collaborators", "parent"} & {diff.split()[0] for diff in diffs}:
            require_objective_control(self.s, self.actor, row.id)
        row.title, row.owner, row.team, row.description = f.title, f.owner, f.team, f.description
        if f.level is not None:
            row.level = f.level
        if item.parent is not _UNSET:
            row.parent_id = parent.id if parent is not None else None
        if tuple(collaborator_names(self.s, row.id)) != f.collaborators:  # else left alone
            self.s.exec(delete(Collaborator).where(col(Collaborator.objective_id) == row.id))
            for name in f.collaborators:
                self.s.add(Collaborator(objective_id=row.id, username=name))
        row.updated_at = utcnow()
        log_activity(
            self.s, self.actor, "objective", row.id, "update", changes=diffs, source="okr file"
        )
        return row

    def _update_kr(self, item: _KrItem) -> None:
        kr, f = item.existing, item.fields
        assert kr is not None
        if not _kr_diffs(kr, f):
            return
        require_key_result_edit(self.s, self.actor, kr.id or 0)
        kr.title, kr.kind, kr.direction = f.title, f.kind, f.direction
        kr.start_value, kr.target_value, kr.unit = f.start, f.target, f.unit
        kr.owner = f.owner or kr.owner
        kr.weight, kr.kpi_id = f.weight, f.kpi_id
        kr.updated_at = utcnow()
        log_activity(
            self.s,
            self.actor,
            "key_result",
            kr.id,
            "update",
            changes=_kr_diffs(kr, f),
            source="okr file",
        )


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


def _show(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:g}"
    text = "none" if value in (None, "") else clean_line(str(value))
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


def _kr_diffs(kr: KeyResult, f: KrFields) -> list[str]:
    pairs = (
        ("title", kr.title, f.title),
        ("kind", kr.kind.value, f.kind.value),
        ("direction", kr.direction.value, f.direction.value),
        ("start", kr.start_value, f.start),
        ("target", kr.target_value, f.target),
        ("unit", kr.unit, f.unit),
        ("owner", kr.owner, f.owner or kr.owner),
        ("weight", kr.weight, f.weight),
        ("kpi", kr.kpi_id, f.kpi_id),
    )
    return [f"{name} {_show(old)} → {_show(new)}" for name, old, new in pairs if old != new]


def _kr_changes(item: _KrItem, owner: str) -> list[Change]:
    if item.existing is None:
        return [
            Change("create", "key_result", f"create key result “{item.fields.title}” in {owner}")
        ]
    diffs = _kr_diffs(item.existing, item.fields)
    if not diffs:
        return []
    ref = f"KR-{item.existing.id}"
    return [Change("update", ref, f"update {ref}: " + "; ".join(diffs))]


def apply_toml(
    db: Database,
    actor: str,
    document: Any,
    *,
    delete_missing: bool = False,
    dry_run: bool = False,
) -> ApplyResult:
    """Apply an OKR file to its period: all or nothing; a dry run only lists the changes."""
    if dry_run:
        with db.read() as conn:
            planner = _Planner(Session(bind=conn), actor, document, delete_missing)
            return ApplyResult(planner.period.name, tuple(planner.changes()), True)
    with db.write() as s:
        planner = _Planner(s, actor, document, delete_missing)
        changes = planner.changes()
        planner.apply(changes)
        return ApplyResult(planner.period.name, tuple(changes), False)
