"""What the other desks saved, a moment after they commit it.

Every write leaves audit entries in its own transaction (``storage/audit.py``), so the trail
says what changed, for which customer, by whom. A desk learns that there is something new to
read without asking the database over and over:

- **SQLite** (two app windows on one file): ``PRAGMA data_version`` on a connection of the
  feed's own changes when any other connection commits. The feed then reads the entries after
  the last one it read. SQLite has one writer at a time, which numbers its entries while it
  holds the lock, so "after the last one read" misses none.
- **PostgreSQL**: each statement that writes entries sends ``NOTIFY crm_changes`` with its
  schema and the first and last id it wrote (a trigger, migration 0013); the server delivers
  it when the transaction commits, and never for one rolled back. The feed ``LISTEN``s on a
  connection of its own and reads those ids. ("After the last one read" would not do there:
  a transaction may commit its lower ids after another's higher ones.)

A desk's own saves are passed over (``Database.own_writes``): it has announced them already.
``poll`` never waits: it is called about once a second, off the GUI thread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from crm_desktop.errors import ServerUnreachableError
from crm_desktop.models import AuditAction, AuditEntry, Customer, User, customer_name
from crm_desktop.storage.database import Database
from crm_desktop.storage.pg_backup import conninfo

log = logging.getLogger(__name__)

CHANNEL = "crm_changes"
MOST_AT_ONCE = 2_000  # entries read in one poll; beyond that a desk refreshes everything
_REMEMBERED = 20_000  # ids read on PostgreSQL, so that overlapping notices read each once


@dataclass(frozen=True)
class SavedElsewhere:
    """One audit entry written at another desk."""

    entry_id: int
    at: datetime
    user_id: int | None
    user_name: str  # "" for the app itself
    action: AuditAction
    entity: str  # the table, e.g. "customers", "contact_points"
    entity_id: int | None
    customer_id: int | None
    customer_name: str  # "" when it concerns no customer (or one since purged)
    fields: tuple[str, ...]  # the columns it changed (for a new row: those it filled)
    values: dict[str, Any]  # for a new row, what it was made with (e.g. a call's "kind")


@dataclass(frozen=True)
class Arrivals:
    """What one poll found. ``everything``: more than could be read at once, or the link to
    the server was lost and notices may have been missed; whoever shows anything should
    read it again."""

    saved: tuple[SavedElsewhere, ...] = ()
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.saved) or self.everything


class ChangeFeed:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._sqlite: sqlite3.Connection | None = None
        self._version = -1
        self._last = 0  # SQLite: the newest entry read
        self._listener: Any = None  # PostgreSQL: a psycopg connection that LISTENs
        self._schema = ""  # PostgreSQL: where this shop's tables are
        self._lost = False  # PostgreSQL: the listening connection broke; say so once back
        self._seen: deque[int] = deque(maxlen=_REMEMBERED)
        self._seen_set: set[int] = set()

    @property
    def available(self) -> bool:
        """False for a database no other desk can share (SQLite in memory)."""
        return not self._db.is_sqlite or self._db.sqlite_file is not None

    def start(self) -> None:
        """Begin watching: what is saved from now on will be reported."""
        if not self.available:
            return
        if self._db.is_sqlite:
            with self._db.read() as session:
                self._last = int(session.scalar(select(func.max(AuditEntry.id))) or 0)
            self._version = self._data_version()
        else:
            self._listen()

    def poll(self, *, wait: float = 0.0) -> Arrivals:
        """What other desks committed since the last poll. It does not wait for one, unless
        ``wait`` (seconds) on PostgreSQL, where a notice crosses the network: for a test
        that has just saved at the other desk. Raises ``ServerUnreachableError`` while the
        database cannot be reached."""
        if not self.available:
            return Arrivals()
        if self._db.is_sqlite:
            return self._poll_sqlite()
        return self._poll_postgresql(wait)

    def close(self) -> None:
        for connection in (self._sqlite, self._listener):
            if connection is not None:
                try:
                    connection.close()
                except Exception:  # closing a broken link: nothing left to do
                    log.debug("closing the change feed's connection failed", exc_info=True)
        self._sqlite = self._listener = None

    # ---- SQLite ------------------------------------------------------------------------------

    def _data_version(self) -> int:
        if self._sqlite is None:
            file = self._db.sqlite_file
            assert file is not None
            # Its own connection: the counter changes for commits made by other connections.
            self._sqlite = sqlite3.connect(file, check_same_thread=False,
                                           isolation_level=None)
        return int(self._sqlite.execute("PRAGMA data_version").fetchone()[0])

    def _poll_sqlite(self) -> Arrivals:
        version = self._data_version()
        if version == self._version:
            return Arrivals()
        self._version = version
        own = self._db.own_writes
        with self._db.read() as session:
            newest = int(session.scalar(select(func.max(AuditEntry.id))) or 0)
        if own.covers(self._last + 1, newest):  # only this desk's own saves: nothing to read
            self._last = newest
            own.forget_up_to(newest)
            return Arrivals()
        entries, more = self._read(AuditEntry.id > self._last)
        if entries:
            # More than one read holds: the rest is not read one by one, as whoever shows
            # anything reads everything again; so none of it is left to announce later.
            self._last = max(entries[-1].entry_id, newest) if more else entries[-1].entry_id
        others = tuple(e for e in entries if not own.wrote(e.entry_id))
        own.forget_up_to(self._last)
        return Arrivals(others, more)

    # ---- PostgreSQL --------------------------------------------------------------------------

    def _listen(self) -> None:
        import psycopg  # noqa: PLC0415 - only a desk on PostgreSQL needs it

        url = self._db.url
        try:
            self._listener = psycopg.connect(conninfo(url), password=url.password or "",
                                             connect_timeout=5, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ServerUnreachableError from exc
        self._listener.execute(f"LISTEN {CHANNEL}")
        row = self._listener.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = 'audit_entries'::regclass").fetchone()
        self._schema = row[0]

    def _poll_postgresql(self, wait: float) -> Arrivals:
        import psycopg  # noqa: PLC0415

        if self._listener is None or self._listener.closed:
            self._listen()
            if self._lost:  # what was said while we were away is lost: read it all
                self._lost = False
                return Arrivals(everything=True)
        try:
            ranges = []
            own = self._db.own_writes.backend_pids
            notices = list(self._listener.notifies(timeout=wait, stop_after=1)) if wait else []
            notices += self._listener.notifies(timeout=0)
            for notice in notices:
                schema, first, last = notice.payload.split()
                if schema == self._schema and notice.pid not in own:
                    ranges.append((int(first), int(last)))
        except psycopg.OperationalError as exc:
            # Said at once (the desk shows it); the next poll connects again, and then
            # everything is read afresh, since what was saved meanwhile was not heard.
            log.warning("lost the shared database's change notices: %s", exc)
            self._lost = True
            self.close()
            raise ServerUnreachableError from exc
        if not ranges:
            return Arrivals()
        entries, more = self._read(or_(*(AuditEntry.id.between(first, last)
                                         for first, last in ranges)))
        fresh = []
        for entry in entries:
            if entry.entry_id not in self._seen_set:
                if len(self._seen) == self._seen.maxlen:
                    self._seen_set.discard(self._seen[0])
                self._seen.append(entry.entry_id)
                self._seen_set.add(entry.entry_id)
                fresh.append(entry)
        return Arrivals(tuple(fresh), more)

    # ---- both --------------------------------------------------------------------------------

    def _read(self, which: ColumnElement[bool]) -> tuple[list[SavedElsewhere], bool]:
        with self._db.read() as session:
            rows = session.execute(
                select(AuditEntry.id, AuditEntry.at, AuditEntry.user_id, User.display_name,
                       AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                       AuditEntry.customer_id, AuditEntry.changes, Customer.first_name,
                       Customer.last_name, Customer.company)
                .outerjoin(User, User.id == AuditEntry.user_id)
                .outerjoin(Customer, Customer.id == AuditEntry.customer_id)
                .where(and_(which))
                .order_by(AuditEntry.id).limit(MOST_AT_ONCE + 1)).all()
        more = len(rows) > MOST_AT_ONCE
        saved = []
        for row in rows[:MOST_AT_ONCE]:
            changes = _parsed(row.changes)
            name = ("" if row.customer_id is None or row.first_name is None else
                    customer_name(row.first_name, row.last_name, row.company, row.customer_id))
            saved.append(SavedElsewhere(
                row.id, row.at, row.user_id, row.display_name or "", row.action, row.entity,
                row.entity_id, row.customer_id, name,
                tuple(key for key in changes if key != "key"),
                changes if row.action is AuditAction.CREATE else {}))
        return saved, more


def _parsed(changes: str) -> dict[str, Any]:
    try:
        parsed = json.loads(changes or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
