"""Where the app keeps its files: the user's data, config and log folders (platformdirs).

Tests point these at a temporary folder with ``CRM_DESKTOP_HOME``, so no test ever touches a
real user folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from crm_desktop import APP_ID

HOME_ENV = "CRM_DESKTOP_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def database_file(self) -> Path:
        return self.data_dir / "crm.sqlite3"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def backup_settings_file(self) -> Path:
        """Where this machine's backups also go and how many are kept (owner's settings)."""
        return self.config_dir / "backups.json"

    @property
    def settings_file(self) -> Path:
        """Per-machine UI state (window geometry, columns); shop settings live in the database."""
        return self.config_dir / "ui-state.ini"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "crm-desktop.log"

    def default_database_url(self) -> str:
        return f"sqlite:///{self.database_file}"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths() -> AppPaths:
    override = os.environ.get(HOME_ENV)
    if override:
        root = Path(override)
        return AppPaths(root / "data", root / "config", root / "log")
    return AppPaths(
        Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
    )
