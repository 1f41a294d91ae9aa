"""Write a new Alembic migration by comparing the models with the newest schema.

    python scripts/new_migration.py "add the invoice printed flag"

Review the generated file, then run scripts/make_fixture_database.py so the migration tests
get a saved database for the new revision.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import MIGRATIONS_DIR, alembic_config, upgrade


def main(message: str) -> int:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    next_id = f"{int(head or '0') + 1:04d}"
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'compare.sqlite3'}")
        upgrade(database)
        config = alembic_config(database)
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True, rev_id=next_id)
        database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(" ".join(sys.argv[1:]) or "schema change"))
