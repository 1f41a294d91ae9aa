"""Save a small database holding data at the current schema, for the migration tests.

    python scripts/make_fixture_database.py

Writes tests/fixtures/databases/crm-<revision>.sqlite3. Run it once per new migration, before
writing the next one, so every historical schema stays tested with real data in it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from crm_desktop.demo_data import generate
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import current_revision, upgrade

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "crm.sqlite3"
        database = Database(f"sqlite:///{source}", clock=lambda: datetime(2026, 1, 5, tzinfo=UTC))
        upgrade(database)
        generate(database, 25, history_per_customer=3, seed=7)
        revision = current_revision(database)
        database.dispose()
        target = ROOT / "tests" / "fixtures" / "databases" / f"crm-{revision}.sqlite3"
        target.unlink(missing_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.execute("VACUUM")
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
