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

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from store.db.database import Database
from store.domain.validation import clean_line
from store.errors import OkrFileError
from store.io.okr_toml_plan import Change, _Planner
from store.io.okr_toml_read import FORMAT, VERSION, _number, _value
from store.io.textfile import read_text
from store.model.enums import Direction
from store.read.tree import load_tree

# --- export -------------------------------------------------------------------------------


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
            if kr.kind == "metric" and kr.direction == Direction.STAY_BETWEEN:
                lines.append("# a range to hold: start is its low end, target its high end\n")
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
class ApplyResult:
    period: str
    changes: tuple[Change, ...]
    dry_run: bool

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


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
