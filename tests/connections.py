"""Which PostgreSQL connections of the suite SQLAlchemy's pool owns, and where every other
one was made.

The suite turns warnings into errors, so a psycopg connection garbage-collected while open
fails whichever test is running when the collector gets to it: often a later, unrelated one
(CI failed that way at the teardown of UI tests that touch no such connection).

- A connection SQLAlchemy's pool made is the pool's to close. When a test's engine has been
  let go, a pool may still be collected with an idle connection in it; psycopg is told, as
  psycopg_pool tells it of its own, that the connection belongs to a pool, and says nothing
  then. (``Database.dispose`` closes what comes back to a pool it let go; a test in
  tests/core/storage/test_database.py holds it to that, by the driver connection itself.)
- Any other connection (the change feed's listener, the server setup's) still fails the
  suite when it is left open, and the message names the test and the lines that made it.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import Any

import psycopg
from psycopg import _connection_base
from sqlalchemy import event
from sqlalchemy.pool import Pool


def install() -> None:
    connect: Any = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]

    def connect_and_remember(cls: Any, *args: Any, **kwargs: Any) -> Any:
        connection = connect(cls, *args, **kwargs)
        connection._crm_made = (os.environ.get("PYTEST_CURRENT_TEST", "outside a test"),
                                "".join(traceback.format_stack(limit=10)[:-1]))
        return connection

    setattr(psycopg.Connection, "connect", classmethod(connect_and_remember))  # noqa: B010
    psycopg.connect = psycopg.Connection.connect

    @event.listens_for(Pool, "connect")
    def _owned_by_the_pool(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, psycopg.Connection):
            dbapi_connection._pool = None

    collected: Any = _connection_base.BaseConnection.__del__

    def collected_open(self: Any) -> None:
        if hasattr(self, "pgconn") and not self.closed and not hasattr(self, "_pool"):
            test, where = getattr(self, "_crm_made", ("an unknown test", "(not recorded)"))
            self._pool = None  # (said here, once, with where it was made)
            warnings.warn(f"{self!r}, made in {test}, was garbage-collected while still "
                          f"open. It was made at:\n{where}", ResourceWarning, stacklevel=1)
        collected(self)

    setattr(_connection_base.BaseConnection, "__del__", collected_open)  # noqa: B010
