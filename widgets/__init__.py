"""Reusable presentational Textual widgets.

They take plain values and post Messages; they never touch the database
(nothing here imports ``store.db.database``, ``store.write`` or ``store.read.tree``).
"""
