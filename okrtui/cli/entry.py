"""The ``okrtui`` script: no cyclic garbage collection while okrtui starts.

Loading okrtui's modules and Textual's, and building the first screen, allocates some
hundred thousand objects that all stay alive: Python's collector walked them ≈260
times before the first frame, ≈95 ms on the demo database and ≈140 ms on the large
organisation, against ≈20 ms for a bare Textual app (bench/README.md). Collections
resume when a subcommand starts (``okrtui.cli.main.main``), or in the TUI once its
first frame with data is out and the start-up heap is frozen (``okrtui.app``).
"""

import gc


def start(argv: list[str] | None = None) -> None:
    """The console script (and ``python -m okrtui``)."""
    gc.disable()
    from okrtui.cli.main import main

    main.main(args=argv, prog_name="okrtui")
