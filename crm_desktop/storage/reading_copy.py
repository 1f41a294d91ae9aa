"""A shared shop's reading copy: the whole shop in one SQLite file on this desk, for the day
the computer that holds the shop cannot be reached.

A shared shop's backups are ``pg_dump`` archives, which need a PostgreSQL server to be
read. So with every backup a desk on a shared shop also writes this copy (every table, row
for row, checked by count and checksum as a move is, ``move_shop.verify``), under a
temporary name renamed when whole. When the server does not answer at start, the desk can
open it read only.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from crm_desktop.models import Base
from crm_desktop.storage.database import Database
from crm_desktop.storage.move_shop import MoveReport, row_count, table_chunks, verify
from crm_desktop.storage.schema import upgrade

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def write_reading_copy(source: Database, target: Path, *,
                       progress: Progress | None = None) -> MoveReport:
    """Copy the shared shop ``source`` into the SQLite file ``target`` (replaced only once
    the new copy is whole and checked)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = Database(f"sqlite:///{partial}")
    try:
        upgrade(copy)
        tables = list(Base.metadata.sorted_tables)
        with source.engine.connect() as reading, copy.engine.begin() as writing:
            for table in reversed(tables):  # what the schema's own set-up put there
                writing.execute(table.delete())
            total = sum(row_count(reading, table) for table in tables)
            done = 0
            raw: Any = writing.connection.dbapi_connection  # the rows go in as they come
            for table in tables:
                names = ", ".join(f'"{column.name}"' for column in table.columns)
                marks = ", ".join("?" for _column in table.columns)
                insert = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
                for rows in table_chunks(reading, table):
                    raw.executemany(insert, rows)
                    done += len(rows)
                    if progress is not None:
                        progress(done, total)
            report = verify(reading, writing, tables)
    except BaseException:
        copy.dispose()
        partial.unlink(missing_ok=True)
        raise
    copy.dispose()
    with closing(sqlite3.connect(partial)) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
    partial.replace(target)
    log.info("reading copy of the shared shop written: %s (%d rows)", target, report.rows)
    return report
