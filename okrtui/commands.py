"""okrtui's own commands for the ctrl+p palette: jump, check in, switch period, and more.

The palette is the "I know what I want, not where it is" path: type a few
letters of an objective or KR and land on it in the tree, or check it in
directly. Items are read once when the palette opens (one read model), not on
every keystroke.
"""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from store.db import DatabaseError
from store.queries import PeriodRow, load_tree

if TYPE_CHECKING:
    from okrtui.app import OkrApp
    from okrtui.screens.tree import NodeRef

Command = tuple[str, str, Callable[[], object]]  # (title, help, callback)


class OkrCommands(Provider):
    """Commands over the data: objectives, key results, periods; and the main actions."""

    @property
    def okr(self) -> "OkrApp":
        return cast("OkrApp", self.app)

    async def startup(self) -> None:
        self.items: list[Command] = [*self._actions(), *self._periods(), *self._tree_items()]

    def _actions(self) -> list[Command]:
        app = self.okr
        return [
            ("Weekly check-in", "Walk through all my key results", app.action_weekly),
            ("New objective", "Create an objective in the tree", self._new_objective),
            (
                "Toggle dark/light theme",
                "Switch between the dark and light theme",
                self._toggle_theme,
            ),
        ]

    def _periods(self) -> list[Command]:
        try:
            periods = self.okr.periods()
        except DatabaseError:
            return []
        return [
            (
                f"Switch period: {p.name}",
                f"{p.starts_on} → {p.ends_on} ({p.state.value})",
                partial(self._switch_period, p),
            )
            for p in periods
        ]

    def _tree_items(self) -> list[Command]:
        from okrtui.screens.tree import NodeRef

        period = self.okr.period
        if period is None:
            return []
        try:
            model = load_tree(self.okr.db, period.id, self.okr.thresholds)
        except DatabaseError:
            return []
        items: list[Command] = []
        for _, row in model.walk():
            ref = NodeRef("objective", row.id)
            items.append(
                (
                    f"{row.ref} {row.title}",
                    f"objective · @{row.owner}",
                    partial(self._jump, ref, False),
                )
            )
            for kr in row.key_results:
                ref = NodeRef("kr", kr.id)
                items.append(
                    (
                        f"{kr.ref} {kr.title}",
                        f"key result · @{kr.owner}",
                        partial(self._jump, ref, False),
                    )
                )
                items.append(
                    (
                        f"Check in {kr.ref} {kr.title}",
                        f"@{kr.owner}",
                        partial(self._jump, ref, True),
                    )
                )
        return items

    async def discover(self) -> Hits:
        for title, help_text, callback in self._actions():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.items:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

    # --- what the commands do -------------------------------------------------------

    def _tree(self) -> object:
        from okrtui.screens.tree import TreeScreen

        self.okr.action_switch_to("tree")
        screen = self.okr.screen
        return screen if isinstance(screen, TreeScreen) else None

    def _jump(self, ref: "NodeRef", check_in: bool) -> None:
        from okrtui.screens.tree import TreeScreen

        screen = self._tree()
        if isinstance(screen, TreeScreen):
            screen.show_item(ref, check_in=check_in)

    def _new_objective(self) -> None:
        from okrtui.screens.tree import TreeScreen

        screen = self._tree()
        if isinstance(screen, TreeScreen):
            screen.action_new_objective()

    def _switch_period(self, period: PeriodRow) -> None:
        self._tree()
        self.okr.period = period  # the tree screen watches it and reloads

    def _toggle_theme(self) -> None:
        app = self.okr
        app.theme = "textual-light" if app.current_theme.dark else "textual-dark"
