"""Move a shop kept in SQLite into an empty PostgreSQL database, verified to the row.

Every table is copied in one transaction on the server, parents before children and each in
the order of its key, with the ids it had: so invoice numbers, the invoice numbering of each
year and every link between rows come along as they were. The server's id sequences then
continue after the largest id moved. Before the transaction commits, each table is counted
and checksummed on both sides (every value of every row, in key order): one difference and
nothing is kept on the server. The SQLite file is only read: it stays where it was, as it
was, a backup of the shop the moment before it moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from crm_desktop.errors import CrmError
from crm_desktop.models import Base, Customer, User
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import current_revision, head_revision, upgrade

CHUNK = 10_000  # rows read and written at once

Progress = Callable[[int, int], None]  # rows moved so far, of how many


class MoveError(CrmError):
    """The shop could not be moved; the server holds nothing of it."""


@dataclass(frozen=True)
class TableMoved:
    name: str
    rows: int
    checksum: str  # SHA-256 of every value of every row, the same on both sides


@dataclass(frozen=True)
class MoveReport:
    tables: tuple[TableMoved, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def move_shop(source: Database, target: Database, *,
              progress: Progress | None = None) -> MoveReport:
    """Copy the SQLite shop ``source`` into the PostgreSQL database ``target``, which must
    hold no shop yet (it gets the schema if it has none), and verify the copy."""
    if not source.is_sqlite or target.is_sqlite:
        raise MoveError("A shop moves from its SQLite file into a PostgreSQL database.")
    if current_revision(source) != head_revision():
        raise MoveError("Open this shop with this version of the app once before moving "
                        "it: its database is from an older version.")
    upgrade(target)
    with target.read() as session:
        if session.scalar(select(func.count()).select_from(User)) or session.scalar(
                select(func.count()).select_from(Customer)):
            raise MoveError("The server's database already holds a shop. Move into a new, "
                            "empty database, so nothing there is mixed with this one.")
    tables = list(Base.metadata.sorted_tables)
    with source.engine.connect() as reading, target.translate_errors(), \
            target.engine.begin() as writing:
        total = sum(row_count(reading, table) for table in tables)
        for table in reversed(tables):  # what the schema's own set-up put there
            writing.execute(table.delete())
        rebuilt = _drop_secondary_indexes(writing)
        done = 0
        sent: dict[str, tuple[int, str]] = {}  # each table's digest, taken as it is copied
        for table in tables:
            digest = _Digest(table)
            for rows in table_chunks(reading, table):
                _copy(writing, table, rows)
                digest.add(rows)
                done += len(rows)
                if progress is not None:
                    progress(done, total)
            sent[table.name] = digest.result()
        for definition in rebuilt:  # built once over all the rows: far quicker than kept
            writing.exec_driver_sql(definition)  # up to date row by row (trigram ones most)
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement is not False \
                    and table.c.id.primary_key:
                writing.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        report = _compare(sent, writing, tables)
    # Fresh statistics for the planner: a table filled at once has none until autovacuum
    # gets to it, and until then a profile or a search may take the slow way.
    with target.translate_errors(), target.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return report


def verify(source: Connection, target: Connection, tables: list[Table]) -> MoveReport:
    """Each table counted and checksummed on both sides; a difference raises ``MoveError``."""
    return _compare({table.name: _digest(source, table) for table in tables}, target, tables)


def _compare(sent: dict[str, tuple[int, str]], target: Connection,
             tables: list[Table]) -> MoveReport:
    """The server's copy read back and checksummed against what was sent (inside the move,
    a difference rolls everything back)."""
    moved = []
    for table in tables:
        here, there = sent[table.name], _digest(target, table)
        if here != there:
            raise MoveError(
                f"The copy of {table.name} differs from the shop's ({here[0]:,} rows here, "
                f"{there[0]:,} on the server): nothing was kept on the server. The SQLite "
                "file is unchanged.")
        moved.append(TableMoved(table.name, here[0], here[1]))
    return MoveReport(tuple(moved))


def _drop_secondary_indexes(connection: Connection) -> list[str]:
    """Drop the indexes no constraint stands on (inside the move's transaction) and return
    how to build each again."""
    found = connection.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = current_schema() AND NOT EXISTS ("
        " SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.conname = i.indexname AND n.nspname = i.schemaname)").all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _definition in found:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [definition for _name, definition in found]


def row_count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _ordered(table: Table) -> Any:
    return select(table).order_by(*table.primary_key.columns)


def table_chunks(connection: Connection, table: Table) -> Any:
    result = connection.execution_options(yield_per=CHUNK).execute(_ordered(table))
    yield from result.partitions(CHUNK)


def _copy(connection: Connection, table: Table, rows: Any) -> None:
    """Rows into the server by ``COPY … FROM STDIN`` (several times as fast as INSERTs),
    inside the move's transaction."""
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(column.name) for column in table.columns)
    name = connection.dialect.identifier_preparer.format_table(table)
    driver: Any = connection.connection.dbapi_connection  # a psycopg connection
    enums = [i for i, column in enumerate(table.columns) if _python_type(column) is Enum]
    with driver.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
        if not enums:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i in enums:
                if values[i] is not None:
                    values[i] = values[i].value
            copy.write_row(values)


class _Digest:
    """A table's rows, in key order, as one SHA-256 and a count. Each row is hashed as the
    ``repr`` of its values in a form both engines give alike (enums by value, decimals,
    dates and times as text); which columns need that is found once per table."""

    def __init__(self, table: Table) -> None:
        self._sha = hashlib.sha256()
        self._count = 0
        self._convert = [(i, _PLAIN[kind]) for i, column in enumerate(table.columns)
                         if (kind := _python_type(column)) in _PLAIN]

    def add(self, rows: Any) -> None:
        lines = []
        convert = self._convert
        for row in rows:
            values = list(row)
            for i, plain in convert:
                if values[i] is not None:
                    values[i] = plain(values[i])
            lines.append(repr(values))
        if lines:
            self._sha.update(("\n".join(lines) + "\n").encode())
            self._count += len(lines)

    def result(self) -> tuple[int, str]:
        return self._count, self._sha.hexdigest()


_PLAIN: dict[type, Any] = {
    Enum: lambda value: value.value, Decimal: str, datetime: datetime.isoformat,
    date: date.isoformat, bytes: bytes.hex}


def _python_type(column: Any) -> type | None:
    """What a column's values are in Python (enums as Enum), None when its type does not
    say: such a column is hashed as it comes."""
    try:
        kind: type = column.type.python_type
    except NotImplementedError:
        return None
    return Enum if issubclass(kind, Enum) else kind


def _digest(connection: Connection, table: Table) -> tuple[int, str]:
    digest = _Digest(table)
    for rows in table_chunks(connection, table):
        digest.add(rows)
    return digest.result()
