"""Moved: tree lines are drawn by widgets/okr_tree.py, the detail pane by widgets/detail.py.

What stays here is the one name a module outside the tree still imports
(okrtui/screens/checkin.py); it goes when that import is rewritten.
"""

from widgets.okr_tree import current_value

__all__ = ["current_value"]
