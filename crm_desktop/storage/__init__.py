"""Storage: the engine and its pragmas, audit hooks, Alembic migrations, backups."""

from crm_desktop.storage.database import Database

__all__ = ["Database"]
