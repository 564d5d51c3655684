"""Which tree keys the current user may use on the selected item (store/domain/rights.py rules).

A key the user may not use is shown disabled in the footer rather than hidden, so
people learn the key exists and that the item is someone else's to change; pressing
it does nothing (the service would refuse the write anyway).
"""

from typing import Literal

from store.domain.rights import EditRights
from store.model.enums import PeriodState
from store.model.rows import KrRow, ObjectiveHead, PeriodRow

# Actions that change the selected objective (or, on a KR, its objective).
OBJECTIVE_ACTIONS = frozenset({"add_kr", "move", "delete", "edit"})
# Actions a key result's own owner may also use.
KEY_RESULT_ACTIONS = frozenset({"edit", "check_in"})


def tree_action_allowed(
    rights: EditRights | None,
    kind: Literal["objective", "kr"] | None,
    item_id: int | None,
    objective_id: int | None,
    action: str,
) -> bool | None:
    """True when allowed, None (shown disabled) when the user may not, per the selection.

    ``objective_id`` is the selected item's objective (itself for an objective node).
    Without rights loaded yet everything stays enabled (the action itself explains and
    the service still checks); with nothing selected (an empty period) the keys that act
    on a selection are disabled, so a narrow footer keeps room for the ones that work.
    """
    if rights is None:
        return True
    if kind is None or item_id is None:
        return None if action in OBJECTIVE_ACTIONS | KEY_RESULT_ACTIONS else True
    if kind == "kr" and action in KEY_RESULT_ACTIONS:
        return True if rights.key_result(item_id) else None
    if action == "move" and objective_id is not None:  # moving changes who may edit it
        return True if rights.control(objective_id) else None
    if action in OBJECTIVE_ACTIONS and objective_id is not None:
        return True if rights.objective(objective_id) else None
    return True


def why_disabled(
    period: PeriodRow | None, objective: ObjectiveHead | None, kr: KrRow | None
) -> str:
    """Why the selected item (``kr`` of ``objective``, or the objective) may not be
    changed: a closed period, or someone else's."""
    if period is not None and period.state == PeriodState.CLOSED:
        return f"{period.name} is closed: its objectives and key results are read-only"
    if objective is None:
        return "select an objective or a key result first"
    who = [f"its owner @{objective.owner}"]
    if objective.collaborators:
        who.append("collaborators " + ", ".join(f"@{c}" for c in objective.collaborators))
    what = kr.ref if kr is not None else objective.ref
    if kr is not None and kr.owner and kr.owner != objective.owner:
        who.insert(0, f"the key result's owner @{kr.owner}")
    return (
        f"{what} (of {objective.ref}) may be changed by {', '.join(who)}, the owners of "
        "the objectives above it and admins"
    )
