"""Copies of the SQLite file, taken with SQLite's online backup API (safe while in WAL mode)."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

KEEP_BACKUPS = 7  # a week of daily copies; each is as big as the database


def backup_sqlite(db_file: Path, backup_dir: Path, reason: str, now: datetime) -> Path:
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"{db_file.stem}-{now.astimezone(UTC):%Y%m%d-%H%M%S}-{reason}.sqlite3"
    with (
        closing(sqlite3.connect(db_file)) as source,
        closing(sqlite3.connect(target)) as destination,
    ):
        source.backup(destination)
    log.info("backed up %s to %s", db_file, target)
    prune_backups(backup_dir, db_file.stem)
    return target


def prune_backups(backup_dir: Path, stem: str, keep: int = KEEP_BACKUPS) -> None:
    backups = sorted(backup_dir.glob(f"{stem}-*.sqlite3"))
    for old in backups[:-keep]:
        old.unlink()


def latest_backup_time(backup_dir: Path, stem: str) -> datetime | None:
    """When the newest copy was taken, read from its name (the app's clock, in UTC)."""
    times = []
    for path in backup_dir.glob(f"{stem}-*.sqlite3"):
        stamp = path.name.removeprefix(f"{stem}-")[:15]
        try:
            times.append(datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=UTC))
        except ValueError:
            continue
    return max(times, default=None)
