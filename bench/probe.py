"""What the benchmark runs in child processes (one process per measurement).

``python -m bench.probe MODE [ARGS]``:

* ``bare``: the start-up baseline, a bare Textual ``App`` (textual only, one ``Label``;
  issue 17; issue 8's also imported sqlmodel) that exits after its first frame.
* ``app [okrtui arguments]``: the real ``okrtui`` command line, exiting after the
  first frame of the alignment tree that shows data.
* ``cursor-bare``: key-to-frame latencies of cursor moves in a ``Tree`` of 10,000
  plain labels (the cursor baseline).
* ``cursor-app DB``: the same moves in okrtui's tree with every node expanded, then
  the time to open the KPI dashboard (when that screen exists), then the same moves
  again while every database call stalls ``STALL_S`` (issue 17: the UI never waits on
  the database).

Start-up probes write ``time.monotonic()`` at their first (data) frame to the file
named by ``OKRTUI_BENCH_STAMP``; the parent started its clock just before spawning
the process, and CLOCK_MONOTONIC is shared by all processes, so the difference is
"start to first frame". Interactive probes print their figures as JSON on stdout.

Frames are timed with a hook on ``App._display``, the step that writes a frame to
the terminal (``pilot.press`` would add 40–60 ms of harness idle-waiting).
"""

import os
import sys
import time
from collections.abc import Callable
from typing import Any

STAMP_ENV = "OKRTUI_BENCH_STAMP"
MOVES = 20  # cursor moves measured per run (alternately down and up)
SETTLE_S = 0.12  # a frame is the last one of a key once nothing is drawn for this long
TREE_LABELS = 10_000
STALL_S = 2.0  # how long every database call takes in the stalled-database moves
STALLED_MOVES = 10


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB, counted from its ``exec``.

    Not ``ru_maxrss``: on Linux a child's high-water mark starts at its parent's RSS
    when it forks, so a benchmark whose parent grew (generating the database, say)
    would report the parent's size for every child. ``VmHWM`` is the new image's own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _hook_first_frame(is_ready: Callable[[Any, Any], bool]) -> None:
    """Patch ``App._display``: at the first frame for which ``is_ready(app, screen)`` holds,
    write the time (and the peak memory so far) to the stamp file and exit the app."""
    from textual.app import App

    original = App._display
    stamp = os.environ[STAMP_ENV]

    def display(self: Any, screen: Any, renderable: Any) -> None:
        original(self, screen, renderable)
        if renderable is None or getattr(self, "_bench_done", False):
            return
        if is_ready(self, screen):
            now = time.monotonic()
            self._bench_done = True
            with open(stamp, "w", encoding="ascii") as f:
                f.write(f"{now!r} {peak_rss_kb()}")
            self.exit()

    App._display = display  # type: ignore[method-assign]


def tree_shows_data(app: Any, screen: Any) -> bool:
    """The alignment tree is on screen with at least one node (found by name, so the
    probe does not depend on how the screen is built), under "what needs you" if that
    came first (it is shown at start when something is owed, issue 19)."""
    if type(screen).__name__ == "NeedsYou":
        screen = next((s for s in app.screen_stack if type(s).__name__ == "TreeScreen"), None)
    if type(screen).__name__ != "TreeScreen" or getattr(screen, "model", None) is None:
        return False
    try:
        tree = screen.query_one("#tree")
    except Exception:
        return False
    return bool(tree.root.children)


def run_bare() -> None:
    """The start-up baseline."""
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("bare Textual app")

    _hook_first_frame(lambda _app, _screen: True)
    Bare().run()


def run_app(argv: list[str]) -> None:
    """The real command line (``okrtui ARGS``) up to its first frame with data."""
    _hook_first_frame(tree_shows_data)
    from okrtui.cli.entry import start

    start(argv)


class FrameClock:
    """Records when frames are drawn, and where the tree's cursor was in each."""

    def __init__(self, app: Any, tree: Any) -> None:
        self.frames: list[tuple[float, int]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), tree.cursor_line))

        app._display = display

    async def settled(self, since: float, timeout: float = 5.0) -> float:
        """Seconds from ``since`` to the last frame drawn before the screen went quiet."""
        import asyncio

        deadline = since + timeout
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
            after = [t for t, _ in self.frames if t >= since]
            if after and time.perf_counter() - after[-1] >= SETTLE_S:
                return after[-1] - since
        raise TimeoutError("no frame was drawn")

    def first_with_cursor(self, since: float, line: int) -> float:
        """Seconds from ``since`` to the first frame showing the cursor on ``line``."""
        for t, cursor in self.frames:
            if t >= since and cursor == line:
                return t - since
        raise TimeoutError(f"no frame showed the cursor on line {line}")


async def press_and_time(app: Any, clock: FrameClock, tree: Any, key: str) -> tuple[float, float]:
    """Send ``key`` as a terminal driver does; seconds to the first frame showing the moved
    cursor, and to the last frame it caused (the detail pane settled)."""
    from textual import events

    line = tree.cursor_line + (1 if key == "down" else -1)
    event = events.Key(key, None)
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)
    settled = await clock.settled(start)
    return clock.first_with_cursor(start, line), settled


async def alternate_moves(app: Any, tree: Any, pilot: Any) -> dict[str, list[float]]:
    """``MOVES`` cursor moves, alternately down and up (the view never scrolls)."""
    await pilot.pause(0.3)
    clock = FrameClock(app, tree)
    frame, settled = [], []
    for i in range(MOVES):
        first, last = await press_and_time(app, clock, tree, "down" if i % 2 == 0 else "up")
        frame.append(first)
        settled.append(last)
    return {"moves": frame, "settled": settled}


def run_cursor_bare() -> dict[str, Any]:
    """Cursor moves in a Tree of 10,000 plain labels."""
    import asyncio

    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import Tree

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            tree: Tree[None] = Tree("labels")
            tree.show_root = False
            for i in range(TREE_LABELS):
                tree.root.add_leaf(Text(f"label {i}"))
            tree.root.expand()
            yield tree

    async def measure() -> dict[str, Any]:
        app = Plain()
        async with app.run_test(size=(120, 40)) as pilot:
            tree = app.query_one(Tree)
            tree.focus()
            await pilot.pause()
            tree.move_cursor(tree.root.children[TREE_LABELS // 2])
            return await alternate_moves(app, tree, pilot)

    return asyncio.run(measure())


def expand_everything(screen: Any) -> int:
    """Expand every objective of okrtui's tree (children are added lazily on expansion).

    Uses the tree widget's own ``populate`` under ``prevent(NodeExpanded)``, as the screen
    does when it restores expansions: posting 10,000 expansion messages would take the
    benchmark minutes without measuring anything more.
    """
    from textual.widgets import Tree

    tree = screen.query_one("#tree")
    queue = list(tree.root.children)
    count = 0
    with tree.prevent(Tree.NodeExpanded):
        while queue:
            node = queue.pop()
            if node.data is None or node.data.kind != "objective":
                continue
            screen.okr_tree.populate(node)
            node.expand()
            count += 1
            queue.extend(node.children)
    return count


def stall_database(seconds: float) -> None:
    """Make every database call of okrtui wait ``seconds`` first: ``Database``'s four
    ways in (plain and ORM, reads and writes) and the change watcher's own connection.
    Whatever runs on the event loop then shows in the key-to-frame times."""
    from store.db.database import Database
    from store.db.watch import ChangeWatcher

    def stalled(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            time.sleep(seconds)
            return original(*args, **kwargs)

        return call

    for name in ("plain_read", "plain_write", "read", "write"):
        setattr(Database, name, stalled(getattr(Database, name)))
    ChangeWatcher._read = stalled(ChangeWatcher._read)  # type: ignore[method-assign]


async def stalled_moves(app: Any, tree: Any, pilot: Any) -> list[float]:
    """Key to first frame of ``STALLED_MOVES`` cursor moves while the database stalls."""
    stall_database(STALL_S)
    await pilot.pause(0.3)
    clock = FrameClock(app, tree)
    moves = []
    for i in range(STALLED_MOVES):
        first, _ = await press_and_time(app, clock, tree, "down" if i % 2 == 0 else "up")
        moves.append(first)
    return moves


def find_kpi_screen() -> type | None:
    """okrtui's KPI dashboard screen class (``okrtui.screens.kpis.KpiScreen``), if present."""
    try:
        from okrtui.screens import kpis
    except ImportError:
        return None
    screen = getattr(kpis, "KpiScreen", None)
    return screen if isinstance(screen, type) else None


def run_cursor_app(db_path: str) -> dict[str, Any]:
    """Cursor moves in okrtui's fully expanded tree; then opening the KPI dashboard."""
    import asyncio

    from okrtui.app import OkrApp
    from okrtui.context import AppContext

    ctx = AppContext(db_override=db_path)
    db = ctx.database()

    async def measure() -> dict[str, Any]:
        app = OkrApp(ctx, db)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            expanded = expand_everything(screen)
            await pilot.pause()
            tree = screen.query_one("#tree")
            # Start on an objective in the middle of the tree, whose next line is its first KR.
            middle = tree.get_node_at_line(tree.last_line // 2)
            while middle is not None and (middle.data is None or middle.data.kind != "objective"
                                          or not middle.children):  # fmt: skip
                middle = tree.get_node_at_line(middle.line + 1)
            assert middle is not None, "no objective with children in the tree"
            tree.move_cursor(middle)
            tree.scroll_to_node(middle, animate=False)
            result: dict[str, Any] = await alternate_moves(app, tree, pilot)
            result.update(lines=tree.last_line + 1, expanded=expanded)
            dashboard = find_kpi_screen()
            if dashboard is not None:
                clock = FrameClock(app, tree)
                opens = []
                for _ in range(5):
                    start = time.perf_counter()
                    await app.push_screen(dashboard())
                    opens.append(await clock.settled(start))
                    app.pop_screen()
                    await pilot.pause(0.2)
                result["kpi_screen"] = f"{dashboard.__module__}.{dashboard.__qualname__}"
                result["kpi_opens"] = opens
            result["stalled_moves"] = await stalled_moves(app, tree, pilot)
            return result

    result = asyncio.run(measure())
    result["maxrss_kb"] = peak_rss_kb()
    db.close()
    return result


def main(argv: list[str]) -> None:
    import json

    mode, rest = argv[0], argv[1:]
    if mode == "bare":
        run_bare()
    elif mode == "app":
        run_app(rest)
    elif mode == "cursor-bare":
        print(json.dumps(run_cursor_bare()))
    elif mode == "cursor-app":
        print(json.dumps(run_cursor_app(rest[0])))
    else:
        raise SystemExit(f"unknown probe {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
