"""The database handle: one engine, and one session per user action.

SQLite (the default, in the user's data folder) runs with WAL, ``synchronous=FULL``, foreign keys
and a busy timeout; a transaction that writes begins IMMEDIATE, so concurrent writers queue.
PostgreSQL is reached through the same URL option. Services only ever see
``Database.transaction()`` and ``Database.read()``; nothing dialect-specific leaks into them.
"""

from __future__ import annotations

import bisect
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.clock import Clock, utc_now
from crm_desktop.errors import (
    ConflictError,
    LinkRefusedError,
    PermissionDeniedError,
    ServerUnreachableError,
    StorageError,
)
from crm_desktop.permissions import Permission, authorize
from crm_desktop.storage.audit import install_audit_hooks

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITES = "crm_writes"  # execution option: this transaction will write
SQLITE_BUSY_SNAPSHOT = 517  # extended result code: a read snapshot cannot be upgraded to write
READ_ONLY_MESSAGE = (
    "This is a backup opened to look inside: nothing in it can be changed. Close its window "
    "to go back to the shop."
)
CONFLICT_MESSAGE = (
    "Someone else saved a change to this record after you opened it. "
    "Reopen it to see their change, then make yours again."
)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so a
        # service's reads and writes share one snapshot (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")  # SQLite itself refuses any write
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A user action that writes takes the write lock at its start (IMMEDIATE): a second
        # desk saving at the same moment then waits its turn for up to the busy timeout,
        # instead of reading first and being refused when it tries to write. Reads stay
        # deferred and never wait.
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _known_storage_error(exc: DBAPIError) -> StorageError | None:
    text = str(exc.orig).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            "The database is busy with another task. Please try again in a moment."
        )
    if "unable to open database file" in text:
        # A read-only mount or folder (WAL needs to create files beside the database), an
        # unplugged drive or a folder that is not there.
        return StorageError(
            "The database file cannot be opened for writing. Its folder may be read-only, on a "
            "drive that is not connected, or gone. Check where the database is kept."
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return StorageError(
            "The database is read-only, so nothing can be saved. Check the file's permissions."
        )
    if "disk is full" in text or "no space left" in text or "disk full" in text:
        return StorageError("The disk is full, so nothing can be saved. Free some space.")
    if "certificate verify failed" in text:
        return LinkRefusedError(
            "The shared shop's server shows another certificate than the one this desk "
            "trusts: it may have been set up again, or another computer is pretending to be "
            "it. Nothing was sent to it. Connect again with the code the shop's computer shows "
            "now (File → Share this shop… there, or its terminal setup).")
    if "password authentication failed" in text:
        return LinkRefusedError(
            "The shared shop no longer accepts this desk's password: its server was set up "
            "again, which gives a new one. Connect again with the new code and password.")
    if isinstance(exc, OperationalError) and (
        "connection" in text or "could not connect" in text or "server closed" in text
    ):
        return ServerUnreachableError()
    return None


def _verified(session: Session, actor: Actor, permission: Permission | None) -> Actor:
    if actor is SYSTEM:
        return actor
    user_id, name, _role = authorize(session, actor.user_id, permission)
    return Actor(user_id, name)


class OwnWrites:
    """What this desk wrote to the audit trail itself, so that its change feed
    (``change_feed``) passes over its own saves: on SQLite the ranges of entry ids its
    transactions wrote (a writer holds the only write lock, so its entries are the ids
    between the largest before and after); on PostgreSQL the server processes of its
    connections, which each change notice names."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ranges: list[tuple[int, int]] = []  # (first, last), sorted
        self.backend_pids: set[int] = set()

    def add(self, first: int, last: int) -> None:
        with self._lock:
            bisect.insort(self._ranges, (first, last))

    def wrote(self, entry_id: int) -> bool:
        with self._lock:
            at = bisect.bisect_right(self._ranges, (entry_id, float("inf"))) - 1
            return at >= 0 and self._ranges[at][0] <= entry_id <= self._ranges[at][1]

    def covers(self, first: int, last: int) -> bool:
        """Whether every id from ``first`` to ``last`` is one this desk wrote."""
        if first > last:
            return True
        with self._lock:
            for start, end in self._ranges:
                if end < first:
                    continue
                if start > first:
                    return False
                first = end + 1
                if first > last:
                    return True
            return first > last

    def forget_up_to(self, entry_id: int) -> None:
        """The feed has read past ``entry_id``: those ranges are no longer needed."""
        with self._lock:
            self._ranges = [r for r in self._ranges if r[1] > entry_id]


def _largest_audit_id(connection: Any) -> int:
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        row = cursor.execute("SELECT max(id) FROM audit_entries").fetchone()
    finally:
        cursor.close()
    return int(row[0] or 0)


def _track_own_writes(engine: Engine, own: OwnWrites, *, sqlite: bool) -> None:
    if not sqlite:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            own.backend_pids.add(dbapi_connection.info.backend_pid)
        return

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:  # (after the BEGIN IMMEDIATE above)
        if connection.get_execution_options().get(_WRITES, False):
            connection.info["crm_audit_before"] = _largest_audit_id(connection)

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:  # (before the driver commits)
        before = connection.info.pop("crm_audit_before", None)
        if before is not None:
            after = _largest_audit_id(connection)
            if after > before:
                own.add(before + 1, after)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        connection.info.pop("crm_audit_before", None)


def _configure_postgresql_read_only(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Every transaction on this connection is READ ONLY: the server refuses any write.
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.autocommit = False


def _close_on_return(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.close()


class Database:
    def __init__(self, url: str, *, clock: Clock = utc_now, echo: bool = False,
                 busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, read_only: bool = False
                 ) -> None:
        """``read_only``: a copy to look inside (a backup opened): no transaction is begun
        for anyone, and the database itself refuses writes too."""
        self.url = make_url(url)
        self.clock = clock
        self.read_only = read_only
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_ms, read_only=read_only)
        elif read_only:
            _configure_postgresql_read_only(self.engine)
        self.own_writes = OwnWrites()
        if not read_only:
            _track_own_writes(self.engine, self.own_writes, sqlite=self.is_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        install_audit_hooks(self._sessions, clock)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_file(self) -> str | None:
        """The file behind a SQLite URL, or None for memory databases and PostgreSQL."""
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return self.url.database

    def describe(self) -> str:
        """Where the shop is, for people and logs: no password, no connection options."""
        return self.url.set(query={}).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self, actor: Actor, permission: Permission | None) -> Iterator[Session]:
        """One user action: commit on success, roll back everything on any error.

        Before anything else, in the same transaction, the acting person is looked up: they
        must exist, be switched on and hold ``permission`` (None: any such person, for what
        one does to one's own account). The session's actor is then the one the database
        knows, so the trail names them as they are."""
        if self.read_only:
            raise PermissionDeniedError(READ_ONLY_MESSAGE)
        with self.translate_errors(), self._sessions() as session, session.begin():
            session.connection(execution_options={_WRITES: True})
            session.info["actor"] = _verified(session, actor, permission)
            yield session

    @contextmanager
    def read(self, actor: Actor | None = None, permission: Permission | None = None, *,
             snapshot: bool = False) -> Iterator[Session]:
        """A read-only look. Closing ends the transaction without expiring what was loaded,
        so values read here stay usable afterwards; any attempt to write is refused. Reads
        that not everyone may make (revenue, the audit log, an export) name the ``actor``
        and the ``permission``, checked as for a write. ``snapshot``: every statement sees
        the database at the same moment (SQLite's read transactions always do; PostgreSQL's
        need REPEATABLE READ), for what must be consistent across tables, such as an
        archive."""
        with self.translate_errors(), self._sessions() as session:
            session.info["read_only"] = True
            if snapshot and not self.is_sqlite:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            if actor is not None:
                _verified(session, actor, permission)
            yield session

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Database errors as the app's known errors (busy, read-only, full, unreachable,
        conflict); anything else passes through to be reported as a bug."""
        try:
            yield
        except StaleDataError as exc:
            raise ConflictError(CONFLICT_MESSAGE) from exc
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlite_errorcode", None) == SQLITE_BUSY_SNAPSHOT:
                # Our snapshot is older than another connection's commit: the same situation
                # as a stale version, so the same message.
                raise ConflictError(CONFLICT_MESSAGE) from exc
            known = _known_storage_error(exc)
            if known is None:
                raise
            log.warning("storage error: %s", exc)
            raise known from exc

    def dispose(self) -> None:
        """Close every connection. One in use at this moment (a worker finishing a read)
        goes back to the pool it came from when done: it is closed there and then, instead
        of lying open in a pool nobody holds until the garbage collector finds it."""
        old = self.engine.pool
        self.engine.dispose()
        event.listen(old, "checkin", _close_on_return)
