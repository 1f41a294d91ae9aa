"""*Export everything*: the whole shop as one documented archive, so it is never locked in.

A ZIP holding ``manifest.json`` (the format, the app and schema versions, when, and each
table with its columns, types and row count), ``README.txt`` (how to read it) and one
``tables/<table>.jsonl`` per table: one JSON object per line, one line per row. Every table
of the schema is in it, found from the models, so a table added later cannot be forgotten.
Values: text and numbers as they are, money as a decimal string ("12.50"), times in ISO
8601 with their UTC offset, binary data (the logo) in base64. Secrets never leave: password
hashes are left out (the column is named in the manifest as withheld).
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select

from crm_desktop import __version__
from crm_desktop.actor import Actor
from crm_desktop.models import Base
from crm_desktop.permissions import Permission
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import current_revision

ARCHIVE_FORMAT = "crm-desktop-shop-archive"
ARCHIVE_VERSION = 1
# Never exported, whoever asks: what would let someone sign in as another person.
WITHHELD = {"users": frozenset({"password_hash"})}
_BATCH = 2000

_README = """CRM Desktop: the whole shop, exported {at}

This archive holds every record of the shop, to keep, to move to another program, or to
read in a spreadsheet or a script. Nothing in it is encrypted: keep it safe.

  manifest.json        the format ({format}, version {version}), the app version, the
                       database schema revision, and each table: its columns, their types
                       and how many rows it has
  tables/NAME.jsonl    one line per row, each line a JSON object of column: value

Values: text and whole numbers as they are; amounts of money as decimal strings ("12.50");
times in ISO 8601 with their UTC offset; dates as YYYY-MM-DD; pictures in base64. A column
named *_id refers to the row with that id in the table its name says (customer_id: the
customers table). Passwords are never exported.
"""


def json_value(value: Any) -> Any:
    """A column's value as JSON holds it (the archive's and a personal export's rules)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def export_shop(database: Database, path: Path, actor: Actor, *,
                progress: Callable[[int, int], None] = lambda _d, _t: None) -> dict[str, int]:
    """Write the archive to ``path`` (through a ``.part`` file, so a half-written archive
    never takes the name); returns the rows written per table."""
    tables: list[Table] = list(Base.metadata.sorted_tables)
    counts: dict[str, int] = {}
    partial = path.with_name(path.name + ".part")
    # One read transaction for the whole archive: every table at the same moment.
    with database.read(actor, Permission.EXPORT_EVERYTHING, snapshot=True) as session:
        totals = {t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
                  for t in tables}
        grand_total, done = sum(totals.values()), 0
        manifest_tables: dict[str, Any] = {}
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in tables:
                withheld = WITHHELD.get(table.name, frozenset())
                columns = [c for c in table.columns if c.name not in withheld]
                order = list(table.primary_key.columns) or columns[:1]
                written = 0
                with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                    result = session.execute(select(*columns).order_by(*order)
                                             .execution_options(yield_per=_BATCH))
                    for row in result:
                        line = {c.name: json_value(v) for c, v in zip(columns, row, strict=True)}
                        out.write(json.dumps(line, ensure_ascii=False).encode("utf-8"))
                        out.write(b"\n")
                        written += 1
                        if written % _BATCH == 0:
                            progress(done + written, grand_total)
                done += written
                counts[table.name] = written
                manifest_tables[table.name] = {
                    "rows": written,
                    "columns": {c.name: str(c.type) for c in columns},
                    **({"withheld": sorted(withheld)} if withheld else {}),
                }
            at = database.clock().isoformat()
            manifest = {"format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION,
                        "app_version": __version__, "schema_revision":
                        current_revision(database), "exported_at": at,
                        "exported_by": actor.display_name, "tables": manifest_tables}
            archive.writestr("manifest.json", json.dumps(manifest, indent=2,
                                                         ensure_ascii=False))
            archive.writestr("README.txt", _README.format(at=at, format=ARCHIVE_FORMAT,
                                                          version=ARCHIVE_VERSION))
    partial.replace(path)
    progress(grand_total, grand_total)
    return counts


class ShopArchiveService:
    """``export_shop`` for the GUI, which hands services out rather than the database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def export(self, path: Path, actor: Actor, *,
               progress: Callable[[int, int], None] = lambda _d, _t: None) -> dict[str, int]:
        return export_shop(self._db, path, actor, progress=progress)
