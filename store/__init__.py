"""Persistence and domain rules for okrtui.

Nothing in this package imports Textual or anything from ``okrtui``/``widgets``:
the CLI builds on it alone so that a shell check-in starts fast.
"""
