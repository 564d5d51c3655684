"""Where okrtui keeps its files. Directories are created on call, never at import."""

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "okrtui"
SYSTEM_CONFIG = Path("/etc/okrtui/config.toml")


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False, ensure_exists=False)


def config_file() -> Path:
    """The user's config file: ``$OKRTUI_CONFIG`` or the platform config dir."""
    override = os.environ.get("OKRTUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(_dirs().user_config_dir) / "config.toml"


def system_config_file() -> Path:
    """The system-wide config read before the user's (a team server's shared settings)."""
    override = os.environ.get("OKRTUI_SYSTEM_CONFIG")
    return Path(override) if override else SYSTEM_CONFIG


def data_dir() -> Path:
    """The user's data directory (not created here)."""
    return Path(_dirs().user_data_dir)


def default_db_path() -> Path:
    """The per-user database used when neither config nor ``OKRTUI_DB`` names one."""
    return data_dir() / "okrtui.db"
