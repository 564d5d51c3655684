"""okrtui's own commands for the ctrl+p palette: jump, check in, switch period, and more.

The palette is the "I know what I want, not where it is" path: type a few
letters of an objective or KR and land on it in the tree, or check it in
directly. Items are read once when the palette opens (store/read/finder.py: two narrow
queries), not on every keystroke; on a big organisation only a shortlist of them is
fuzzy-scored per keystroke.
"""

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Literal, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from store.errors import DatabaseError
from store.model.enums import PeriodState
from store.model.rows import PeriodRow
from store.read.finder import findables, shortlist

if TYPE_CHECKING:
    from okrtui.app import OkrApp
    from okrtui.screens.tree import NodeRef

# What a command does: a callback, or (kind, id, check in?) for an objective or KR, made
# into a callback only when it is a hit (the big organisation has 70,000 entries).
Target = Callable[[], object] | tuple[Literal["objective", "kr"], int, bool]
Command = tuple[str, str, Target]  # (title, help, what it does)
FUZZY_ALL = 2_000  # up to this many entries every one is fuzzy-scored on each keystroke
SHORTLIST = 300  # beyond, only this many (store.read.finder.shortlist): ≈2 ms each 100


def highlight(matcher: Matcher, title: str) -> Content:
    """``title`` as plain text with the typed letters highlighted.

    ``Matcher.highlight`` parses its candidate as markup: an objective titled
    ``[@click=app.quit]…`` by another member became a live action in this user's palette,
    and ``[/]`` crashed it. Here the title is never markup; the offsets are the matcher's.
    """
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        # Offsets index the lowered title, which may be longer ('İ'.lower() is two
        # characters): a highlight slightly off beats an IndexError.
        if offset < len(title) and not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def plain(text: str) -> str:
    """Help text the palette shows as it is.

    The palette renders ``help`` with ``Content.from_markup``, which passes a Content
    through unchanged; ``textual.markup.escape`` is not enough (it leaves ``[$accent]``,
    ``[B]`` and ``[ @click=…]`` as markup). Owners and period names are other people's
    text. Typed ``str`` because that is what ``Hit.help`` declares.
    """
    return cast(str, Content(text))


class OkrCommands(Provider):
    """Commands over the data: objectives, key results, periods; and the main actions."""

    @property
    def okr(self) -> "OkrApp":
        return cast("OkrApp", self.app)

    async def startup(self) -> None:
        self.items: list[Command] = [*self._actions(), *self._periods(), *self._tree_items()]
        self._lowered = [title.lower() for title, _help, _callback in self.items]

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
        period = self.okr.period
        if period is None:
            return []
        try:
            found = findables(self.okr.db, period.id, self.okr.username)
        except DatabaseError:
            return []
        open_period = period.state != PeriodState.CLOSED
        items: list[Command] = []
        for item in found:
            label = f"{item.ref} {item.title}"
            if item.kind == "objective":
                items.append((label, f"objective · @{item.owner}", ("objective", item.id, False)))
                continue
            items.append((label, f"key result · @{item.owner}", ("kr", item.id, False)))
            if open_period and item.editable:  # only what the user may check in
                items.append((f"Check in {label}", f"@{item.owner}", ("kr", item.id, True)))
        return items

    async def discover(self) -> Hits:
        for title, help_text, target in self._actions():
            yield DiscoveryHit(
                Content(title), self._callback(target), text=title, help=plain(help_text)
            )

    async def search(self, query: str) -> Hits:
        """Hits whose title holds every word typed (in any order), ranked by Textual's
        fuzzy matcher: "churn" no longer finds "Check in KR-3 Migrate…" through letters
        scattered over three words."""
        matcher = self.matcher(query)
        indexes: Iterable[int] = range(len(self.items))
        if len(self.items) > FUZZY_ALL:  # a big organisation: fuzzy-score a shortlist only
            indexes = shortlist(self._lowered, query, SHORTLIST)
        words = query.lower().split()
        for index in indexes:
            if not all(word in self._lowered[index] for word in words):
                continue
            title, help_text, target = self.items[index]
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, highlight(matcher, title), self._callback(target), text=title,
                          help=plain(help_text))  # fmt: skip

    def _callback(self, target: Target) -> Callable[[], object]:
        if callable(target):
            return target
        from okrtui.screens.tree import NodeRef

        kind, item_id, check_in = target
        return partial(self._jump, NodeRef(kind, item_id), check_in)

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
