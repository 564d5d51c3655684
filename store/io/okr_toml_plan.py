"""The changes an OKR TOML file makes (a diff per objective and key result, deletions with
``--delete-missing``), and applying them in the caller's transaction, parents first."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, delete, func, select

from store.domain.validation import clean_line
from store.io.okr_toml_read import _UNSET, _KrItem, _ObjItem, _Reader
from store.model.tables import CheckIn, Collaborator, KeyResult, Objective, utcnow
from store.write.common import log_activity
from store.write.guards import (
    require_key_result_edit,
    require_new_objective,
    require_objective_control,
    require_objective_edit,
)
from store.write.objectives import collaborator_names
from store.write.okr_fields import (
    KrFields,
    insert_key_result,
    insert_objective,
)


@dataclass(frozen=True)
class Change:
    """One change the file makes: ``create``, ``update`` or ``delete`` of an item."""

    action: str
    ref: str
    text: str


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


class _Planner(_Reader):
    """Lists a checked document's changes against the database, and applies them."""

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
