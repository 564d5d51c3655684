"""Objectives and key results from a screen: the form, then the write off the event loop.

The forms (``okrtui.modals.objective_form``, ``okrtui.modals.kr_form``) return what was
entered; these flows write it in a thread worker and open the form again with the
refusal when the store refuses it (a closed period, no right to change it).
"""

from dataclasses import asdict
from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

from okrtui.modals.kr_form import KeyResultForm as KrModal
from okrtui.modals.kr_form import KrEntry
from okrtui.modals.objective_form import ObjectiveEntry
from okrtui.modals.objective_form import ObjectiveForm as ObjectiveModal
from okrtui.screens.base import edit_until_saved, off_loop
from store.model.rows import KrRow, ObjectiveRow

if TYPE_CHECKING:
    from okrtui.app import OkrApp


async def objective_flow(
    node: DOMNode,
    *,
    period_id: int,
    parent: ObjectiveRow | None = None,
    existing: ObjectiveRow | None = None,
    holds: bool = True,
) -> int | None:
    """Create an objective in ``period_id`` (under ``parent``) or edit ``existing``; its id,
    or None when cancelled. Call from an async worker of ``node``."""
    from store.write.objectives import create_objective, update_objective

    app = cast("OkrApp", node.app)

    def write(entry: ObjectiveEntry) -> int:
        values = asdict(entry)
        if existing is not None:
            return update_objective(app.db, app.username, existing.id, **values).id
        return create_objective(app.db, app.username, period_id=period_id,
                                parent_id=parent.id if parent else None, **values).id  # fmt: skip

    return await edit_until_saved(
        node,
        lambda draft, error: ObjectiveModal(
            username=app.username,
            parent=parent,
            existing=existing,
            holds=holds,
            draft=draft,
            error=error,
        ),
        write,
    )


async def key_result_flow(
    node: DOMNode, *, objective: ObjectiveRow, existing: KrRow | None = None
) -> int | None:
    """Add a KR to ``objective`` or edit ``existing``; its id, or None when cancelled.
    The KPIs it may follow are read first, off the loop."""
    from store.read.kpi_panels import kpi_panels
    from store.write.key_results import create_key_result, update_key_result

    app = cast("OkrApp", node.app)
    kpis = await off_loop(node, lambda: [(p.id, p.name) for p in kpi_panels(app.db, last=1)])

    def write(entry: KrEntry) -> int:
        values = asdict(entry)
        if existing is not None:
            return update_key_result(app.db, app.username, existing.id, **values).id
        saved = create_key_result(app.db, app.username, objective_id=objective.id, **values)
        for warning in saved.warnings:
            app.call_from_thread(app.notify, warning, severity="warning")
        return saved.id

    return await edit_until_saved(
        node,
        lambda draft, error: KrModal(
            objective=objective, kpis=kpis, existing=existing, draft=draft, error=error
        ),
        write,
    )


async def comment_flow(node: DOMNode, kind: str, subject_id: int, title: str) -> int | None:
    """Comment on an objective or key result; the comment's id, or None when cancelled.
    The people a mention may name are read first, off the loop."""
    from okrtui.modals.comment_form import CommentEntry, CommentForm
    from store.identity import team_of
    from store.read.comments import known_people
    from store.write.comments import Subject, add_comment

    app = cast("OkrApp", node.app)
    subject = Subject(kind, subject_id)
    team = app.ctx.settings.team.get("name")
    members, known = await off_loop(node, lambda: (team_of(team), known_people(app.db)))

    def write(entry: CommentEntry) -> int:
        return add_comment(app.db, app.username, subject, entry.body, also_known=members)

    return await edit_until_saved(
        node,
        lambda draft, error: CommentForm(
            subject.ref, title, known | members, draft=draft, error=error
        ),
        write,
    )
