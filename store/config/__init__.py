"""The TOML configuration: locate, load, validate, write the defaults, save one key.

Layers, later winning key by key: built-in defaults, the system file (``/etc/okrtui``,
shared settings on a team server), the user's file. ``OKRTUI_DB`` beats every database
setting (see :meth:`Settings.database_target`).

Bad files are errors that name the file, the line (syntax) or the ``section.key`` (type)
and are never rewritten; unknown keys are only warnings so that an older okrtui can read
a newer file. Nothing here touches the disk at import time, and nothing imports Textual.
"""

from store.config.files import load_settings, render_settings, save_setting
from store.config.settings import (
    TEMPLATE,
    DatabaseSettings,
    ScoringSettings,
    Settings,
    UiSettings,
    UserSettings,
)
from store.errors import ConfigError

__all__ = [
    "TEMPLATE",
    "ConfigError",
    "DatabaseSettings",
    "ScoringSettings",
    "Settings",
    "UiSettings",
    "UserSettings",
    "load_settings",
    "render_settings",
    "save_setting",
]
