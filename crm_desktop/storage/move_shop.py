"""Move a shop kept in SQLite into an empty PostgreSQL database, verified to the row.

Every table is copied in one transaction on the server, parents before children and each in
the order of its key, with the ids it had: so invoice numbers, the invoice numbering of each
year and every link between rows come along as they were. The server's id sequences then
continue after the largest id moved. Before the transaction commits, each table is counted
and checksummed on both sides (every value of every row, in key order): one difference and
nothing is kept on the server. The SQLite file is only read: it stays where it was, as it
was, a backup of the shop the moment before it moved.

Rows travel as the drivers give them, in one plain form both engines can be asked for
(``table_chunks``: times as the text of their UTC wall time, amounts as floats, flags as 0
or 1), and never through SQLAlchemy's conversions to Python objects and back, which took
half of the time (a 100,000-customer shop: 172 s before, 93 s since; docs/benchmarks.md).
The checksum is of that plain form, taken independently on each side, so it compares what
each database holds, not what was sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Numeric, Table, func, select, text

from crm_desktop.errors import CrmError
from crm_desktop.models import Base, Customer, User
from crm_desktop.models.base import UTCDateTime
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
        # A time comes as the text of its UTC wall time (``table_chunks``): read it as UTC.
        writing.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
        total = sum(row_count(reading, table) for table in tables)
        for table in reversed(tables):  # what the schema's own set-up put there
            writing.execute(table.delete())
        rebuilt = _drop_secondary_indexes(writing)
        done = 0
        sent: dict[str, tuple[int, str]] = {}  # each table's digest, taken as it is copied
        for table in tables:
            digest = _Digest()
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


def _copy(connection: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Rows (as ``table_chunks`` gives them) into the server by ``COPY … FROM STDIN``
    (several times as fast as INSERTs), inside the move's transaction."""
    columns = ", ".join(_quoted(connection, column.name) for column in table.columns)
    driver: Any = connection.connection.dbapi_connection  # a psycopg connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {_table_name(connection, table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _table_name(connection: Connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def row_count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def table_chunks(connection: Connection, table: Table) -> Iterator[list[tuple[Any, ...]]]:
    """A table's rows in key order, ``CHUNK`` at a time, in one plain form both engines give
    alike (``_plain``): straight from the driver, with none of SQLAlchemy's conversions, so
    that a move or a copy spends its time on the rows and not on turning them into Python
    objects and back. Each such row goes as it is into the other engine: SQLite takes it
    as it stores it; PostgreSQL reads the text of a time as UTC (the move sets its session
    so), 0/1 as false/true, a float of a two-decimal amount as that amount."""
    sqlite = connection.dialect.name == "sqlite"
    columns = ", ".join(_plain(connection, column, sqlite=sqlite) for column in table.columns)
    order = ", ".join(_quoted(connection, column.name) for column in table.primary_key.columns)
    query = f"SELECT {columns} FROM {_table_name(connection, table)} ORDER BY {order}"
    driver: Any = connection.connection.dbapi_connection
    # On PostgreSQL a cursor on the server, so a million rows are never all in memory.
    cursor = driver.cursor() if sqlite else driver.cursor(name=f"crm_rows_{table.name}",
                                                          binary=True)
    try:
        cursor.execute(query)
        while rows := cursor.fetchmany(CHUNK):
            yield rows
    finally:
        cursor.close()


def _plain(connection: Connection, column: Any, *, sqlite: bool) -> str:
    """The column as ``table_chunks`` selects it: a time as the text of its UTC wall time to
    the microsecond (as SQLite keeps it; a time SQLite holds without a fraction is given
    one); an amount as a float (exact for its digits: at most 14) with no minus zero; a
    flag as 0 or 1; a day as its ISO text; anything else as it is."""
    name = _quoted(connection, column.name)
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return (f"CASE WHEN length({name}) = 19 THEN {name} || '.000000' ELSE {name} END"
                if sqlite else f"to_char({name} AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD HH24:MI:SS.US')")
    if isinstance(kind, Boolean):
        return f"CAST({name} AS INTEGER)"
    if isinstance(kind, Numeric):  # (Double too: -0.0 + 0.0 is 0.0)
        return f"CAST({name} AS REAL) + 0.0" if sqlite else f"CAST({name} AS float8) + 0"
    if isinstance(kind, Date) and not sqlite:
        return f"to_char({name}, 'YYYY-MM-DD')"
    return name


class _Digest:
    """A table's rows (as ``table_chunks`` gives them, in key order) as a count and one
    SHA-256 of their ``repr``: the same on both engines for the same rows, however they
    come in chunks."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._count = 0

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._sha.update(repr(rows)[1:-1].encode("utf-8", "surrogatepass") + b", ")
            self._count += len(rows)

    def result(self) -> tuple[int, str]:
        return self._count, self._sha.hexdigest()


def _digest(connection: Connection, table: Table) -> tuple[int, str]:
    digest = _Digest()
    for rows in table_chunks(connection, table):
        digest.add(rows)
    return digest.result()
