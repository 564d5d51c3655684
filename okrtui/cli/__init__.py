"""The ``okrtui`` command line: one module per command group, no Textual at import.

:mod:`okrtui.cli.main` is the entry point; only ``okrtui`` with no command opens the TUI.
"""
