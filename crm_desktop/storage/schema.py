"""Bring a database to the schema this version of the app expects.

On start: refuse a database made by a newer version; before an upgrade, back the file up
(verified, as every backup is: ``storage.backup``), then upgrade.
Alembic is imported only when there is something to upgrade: the revisions this version
knows are read from the migration files' names (``0008_customer_invoice_index.py`` is
revision ``0008``; a test holds them to Alembic's own graph), which keeps ~90 ms of imports
out of every start.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from crm_desktop.errors import NewerDatabaseError, StorageError
from crm_desktop.storage.backup import take_backup
from crm_desktop.storage.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"


# Created by migrations in dialect-specific SQL of their own, so absent from the models:
# SQLite's FTS5 tables (and their shadow tables) and PostgreSQL's trigram GIN indexes.
# Autogenerate and the schema comparison test leave them alone.
UNMODELLED_TABLE_PREFIX = "customer_fts"
UNMODELLED_INDEX_SUFFIX = "_trgm"


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMODELLED_TABLE_PREFIX)
    if type_ == "index":
        return not name.endswith(UNMODELLED_INDEX_SUFFIX)
    return True


def alembic_config(database: Database) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Config values go through configparser interpolation: a literal % must be doubled.
    url = database.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def known_revisions() -> list[str]:
    """The revisions this version of the app has migrations for, oldest first."""
    return sorted(f.name.split("_", 1)[0] for f in VERSIONS_DIR.glob("[0-9]*_*.py"))


def head_revision() -> str:
    return known_revisions()[-1]


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return str(found) if found is not None else None


def check_not_newer(database: Database) -> str | None:
    current = current_revision(database)
    if current is not None and current not in known_revisions():
        raise NewerDatabaseError(
            "This database was last used by a newer version of CRM Desktop "
            f"(schema {current}). Please install that version or newer to open it; "
            "nothing was changed."
        )
    return current


def upgrade(database: Database, backup_dir: Path | None = None) -> Path | None:
    """Upgrade to the newest schema; returns the backup taken, if any."""
    with database.translate_errors():
        return _upgrade(database, backup_dir)


def _upgrade(database: Database, backup_dir: Path | None) -> Path | None:
    current = check_not_newer(database)
    head = head_revision()
    backup: Path | None = None
    db_file = database.sqlite_file
    if (current is not None and current != head and db_file and backup_dir is not None
            and Path(db_file).exists()):
        try:
            backup = take_backup(Path(db_file), backup_dir, reason=f"before-{head}",
                                 now=database.clock()).path
        except (OSError, sqlite3.Error, StorageError) as exc:
            raise StorageError(
                f"The database could not be backed up to {backup_dir} ({exc}), so it was "
                "not upgraded; nothing was changed. Free some disk space or check the "
                "folder's permissions."
            ) from exc
    if current != head:
        from alembic import command  # noqa: PLC0415 - only when there is work

        log.info("upgrading database %s from %s to %s", database.describe(), current, head)
        config = alembic_config(database)
        with (database.engine.connect() as connection,
              _foreign_keys_checked_at_the_end(connection), connection.begin()):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return backup


@contextmanager
def _foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    """SQLite's own recipe for changing a table's schema (its "12 steps"): with foreign keys
    on, the copy-and-rename that batch mode does to a table others refer to (``users``) would
    be refused, so they are switched off around the upgrade and checked once at its end."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, as SQLite requires
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StorageError(f"The upgrade left {len(broken)} broken references; the backup "
                               "made before it holds the database as it was.")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
