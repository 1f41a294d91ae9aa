"""Backups of the shared PostgreSQL database, with PostgreSQL's own tools.

``pg_dump`` writes the shop's schema in its custom format, from a snapshot exported by a
REPEATABLE READ transaction that first counted every table, so the manifest's counts are of
exactly what the dump holds. The dump is checked with ``pg_restore --list`` (every table's
data must be in it) and goes into the same one-file backup as a SQLite copy. Restoring runs
``pg_restore`` in a single transaction, replacing the shop's tables.

The database password travels to the tools in their environment (``PGPASSWORD``), never on
a command line that the process list would show, and no command line is logged.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from crm_desktop.errors import BackupError, StorageError

log = logging.getLogger(__name__)

INSTALL_HINT = ("PostgreSQL's tools (pg_dump, pg_restore) are not installed on this computer. "
                "On Debian or Ubuntu: sudo apt install postgresql-client. On Windows and "
                "macOS they come with PostgreSQL's installer.")
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT) - (SCHEMA )?")
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (?P<schema>\S+) (?P<table>\S+) ")


def tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on the PATH (Debian's wrapper picks the version that
    fits the server), else the newest in PostgreSQL's own folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = [path for root in _TOOL_FOLDERS if root.is_dir()
                  for path in root.glob(f"*/bin/{name}*") if path.stem == name]
    if not candidates:
        raise StorageError(INSTALL_HINT)
    return str(max(candidates, key=lambda path: _version(path.parent.parent.name)))


_TOOL_FOLDERS = (Path("/usr/lib/postgresql"), Path("C:/Program Files/PostgreSQL"),
                 Path("/Applications/Postgres.app/Contents/Versions"))


def _version(folder_name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder_name))


def tools_installed() -> bool:
    try:
        tool("pg_dump")
        tool("pg_restore")
    except StorageError:
        return False
    return True


def conninfo(url: URL) -> str:
    """libpq's connection string for ``url``, without the password (which goes in the
    environment for the client tools, or as its own argument to psycopg)."""
    # psycopg only when PostgreSQL is used: a desk on SQLite does not load it to start.
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415

    options = {key: str(value) for key, value in url.query.items()
               if key in {"options", "sslmode", "sslrootcert", "sslcert", "sslkey"}}
    return make_conninfo(host=url.host or "", port=str(url.port or ""),
                         dbname=url.database or "", user=url.username or "", **options)


def _connection_info(url: URL) -> tuple[str, dict[str, str]]:
    """libpq's connection string for ``url`` and the environment that carries the
    password."""
    info = conninfo(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return info, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StorageError(f"{what} could not be started ({exc.strerror or exc}).") from exc
    if done.returncode != 0:
        # pg_dump's own words; they name objects, never the password (it is not in them).
        detail = done.stderr.strip().splitlines()[-1:] or ["no reason given"]
        log.warning("%s failed (%d): %s", what, done.returncode, done.stderr.strip()[-2000:])
        raise StorageError(f"{what} failed: {detail[0]}")
    return done.stdout


def current_schema(connection: Connection) -> str:
    return str(connection.scalar(text("SELECT current_schema()")))


def count_tables(connection: Connection, schema: str) -> dict[str, int]:
    names = connection.scalars(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"), {"schema": schema}).all()
    return {str(name): int(connection.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)
            for name in names}


def dump(connection: Connection, url: URL, target: Path) -> None:
    """Dump the shop's schema from the snapshot ``connection``'s transaction sees (it must
    be a REPEATABLE READ transaction that stays open until this returns)."""
    snapshot = str(connection.scalar(text("SELECT pg_export_snapshot()")))
    info, env = _connection_info(url)
    _run([tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
          f"--schema={current_schema(connection)}", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={info}"], env, "pg_dump")


def table_data_in(dump_file: Path) -> set[str]:
    """The tables whose rows the dump holds, read from its table of contents."""
    listing = _run([tool("pg_restore"), "--list", str(dump_file)], dict(os.environ),
                   "pg_restore --list")
    return {match["table"] for line in listing.splitlines()
            if (match := _TABLE_DATA.match(line))}


def check_dump(dump_file: Path, tables: dict[str, int], what: str) -> None:
    try:
        found = table_data_in(dump_file)
    except StorageError as exc:
        raise BackupError(f"{what} is damaged ({exc.message}).") from exc
    missing = sorted(set(tables) - found)
    if missing:
        raise BackupError(f"{what} does not hold the rows it should (tables "
                          f"{', '.join(missing)} are missing).")


def restore(connection: Connection, url: URL, dump_file: Path) -> None:
    """Replace the shop's tables with the dump's, in one transaction of pg_restore's. Tables
    the dump does not know (a newer version's) are dropped first, in ``connection``'s
    transaction, which the caller commits."""
    schema = current_schema(connection)
    listing = _run([tool("pg_restore"), "--list", str(dump_file)], dict(os.environ),
                   "pg_restore --list")
    in_dump = {m["table"] for line in listing.splitlines() if (m := _TABLE_DATA.match(line))}
    for name in sorted(set(count_tables(connection, schema)) - in_dump):
        connection.execute(text(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE'))
    connection.commit()
    # The schema itself stays (it may be "public", or hold pg_trgm): only what is in it.
    chosen = dump_file.with_name(dump_file.name + ".list")
    chosen.write_text("\n".join(line for line in listing.splitlines()
                                if not _SCHEMA_ENTRY.match(line)) + "\n", encoding="utf-8")
    info, env = _connection_info(url)
    try:
        _run([tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
              "--exit-on-error", "--no-owner", "--no-privileges", f"--use-list={chosen}",
              f"--dbname={info}", str(dump_file)], env, "pg_restore")
    finally:
        chosen.unlink(missing_ok=True)


# ---- a backup opened to look inside ----------------------------------------------------------

SCRATCH_MARK = "_look_"  # in the name of a scratch database holding a backup to look inside


def extension_schemas(connection: Connection) -> dict[str, str]:
    """The extensions the shop's schema leans on (pg_trgm for the search), and the schema
    each lives in: a dump of one schema does not carry them."""
    rows = connection.execute(text(
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n "
        "ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'")).all()
    return {str(name): str(schema) for name, schema in rows}


def create_scratch(server: Connection, url: URL, dump_file: Path) -> URL:
    """A new database on the shop's server (``server`` is an AUTOCOMMIT connection to the
    shop's own) holding the dump, with the shop's schema and extensions: the URL that reaches
    it. ``drop_scratch`` removes it."""
    schema = current_schema(server)
    extensions = extension_schemas(server)
    name = f"{_scratch_prefix(url)}{int(time.time())}_{secrets.token_hex(4)}"
    try:
        server.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:
        if "permission denied" not in str(exc.orig).lower():
            raise
        raise StorageError(
            "The shared database's role may not create databases, which looking inside a "
            "backup of the shared shop needs (a scratch database, removed when its window "
            "closes). The server's administrator can allow it: ALTER ROLE … CREATEDB."
        ) from exc
    scratch = url.set(database=name)
    try:
        engine = create_engine(scratch, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                for wanted in {schema, *extensions.values()} - {"public"}:
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{wanted}"'))
                for extension, where in extensions.items():
                    connection.execute(text(
                        f'CREATE EXTENSION IF NOT EXISTS "{extension}" SCHEMA "{where}"'))
            with engine.connect() as connection:
                restore(connection, scratch, dump_file)
        finally:
            engine.dispose()
    except BaseException:
        drop_scratch(server, name)
        raise
    return scratch


def drop_scratch(server: Connection, name: str) -> None:
    """Remove a scratch database, closing whatever still uses it."""
    if SCRATCH_MARK not in name:
        raise ValueError(f"{name} is not a scratch database")
    server.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _scratch_prefix(url: URL) -> str:
    # The shop's database name, cut so that the whole name stays within PostgreSQL's 63
    # bytes: prefix, the time it was made (seconds) and a random part.
    return f"{(url.database or 'shop')[:36]}{SCRATCH_MARK}"


def drop_stale_scratches(server: Connection, url: URL, *, older_than_s: int = 3600) -> None:
    """What a desk killed while it looked inside a backup left on the server. One still
    open at another desk is in use, and stays; so does one made in the last hour, which
    another desk may be filling (no connection shows while its schema is created)."""
    prefix = _scratch_prefix(url)
    names = server.scalars(text(
        "SELECT datname FROM pg_database WHERE starts_with(datname, :prefix) AND NOT EXISTS "
        "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = pg_database.datname)"),
        {"prefix": prefix}).all()
    now = time.time()
    for name in names:
        made = name[len(prefix):].split("_", 1)[0]
        if made.isdigit() and now - int(made) < older_than_s:
            continue
        try:
            server.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        except DBAPIError as exc:
            log.info("scratch database %s left in place: %s", name, exc.orig)
