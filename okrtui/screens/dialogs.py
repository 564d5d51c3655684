"""Temporary re-export for ``okrtui/screens/tree.py`` (outside this branch's files): the
dialogs live in :mod:`okrtui.modals.dialogs`. Delete once tree.py imports them there."""

from okrtui.modals.dialogs import ConfirmDialog, NoteViewer, PickDialog

__all__ = ["ConfirmDialog", "NoteViewer", "PickDialog"]
