"""What every command needs: settings, the database and the current user, loaded once.

Shared by the CLI and the TUI; imports no Textual.
"""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from store.config import Settings, load_settings
from store.db.database import Database, open_database
from store.db.target import Target, resolve_target
from store.domain.scoring import Thresholds
from store.identity import User, current_user
from store.paths import default_db_path


@dataclass
class AppContext:
    """Lazily loaded settings, database and user for one okrtui process."""

    db_override: str | None = None
    config_path: Path | None = None
    write_config: bool = True  # False: a missing config is not written (the demo's)
    created: Path | None = None  # the database file this process created on first run
    _db: Database | None = field(default=None, repr=False)

    @cached_property
    def settings(self) -> Settings:
        from store.format import set_achieved_label

        settings = load_settings(self.config_path, create=self.write_config)
        set_achieved_label(settings.scoring.achieved_label)
        return settings

    @cached_property
    def user(self) -> User:
        return current_user(self.settings.user.display_name)

    @property
    def thresholds(self) -> Thresholds:
        s = self.settings.scoring
        return Thresholds(s.overperforming, s.on_track, s.at_risk)

    @property
    def target(self) -> Target:
        if self.db_override:
            return resolve_target(self.db_override)
        return resolve_target(self.settings.database_target())

    def is_default_location(self) -> bool:
        """The per-user default database may be created on first run; others may not."""
        return self.target.path == default_db_path().resolve()

    def database(self, *, create: bool = False, seed: bool = True) -> Database:
        """Open the database once; a first run at the default location creates it.

        A newly created database gets its creator as admin and the current quarter as
        its period unless ``seed`` is false (an import wants it empty).
        """
        if self._db is None:
            target = self.target
            first_run = target.path is not None and not target.path.exists()
            allowed = create or (first_run and self.is_default_location())
            self._db = open_database(target, create=allowed)
            if first_run and allowed:
                self.created = target.path
            if first_run and allowed and seed:
                from store.write.admins import record_first_admin
                from store.write.periods import ensure_period

                # Its creator is its admin by the admin table, not by owning the file.
                record_first_admin(self._db, self.user.username)
                ensure_period(self._db, self.user.username)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
