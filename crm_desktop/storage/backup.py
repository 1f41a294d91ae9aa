"""Backups of the SQLite database: taken, verified, listed, pruned and unpacked again.

A backup is one file, ``crm-20261204-091500-daily.crmbackup``: a ZIP holding
``manifest.json`` (when, why, the schema, the row count of every table, the shop's name and
last invoice number, the SHA-256 of the database) and ``crm.sqlite3``, compressed.

Taking one: a read transaction is opened on the live file, every table counted, and SQLite's
online backup API copies the database *inside that same transaction*, so the copy holds
exactly the counted rows however busy the other desk is. The copy is then checked
(``PRAGMA integrity_check``, the counts again), compressed, and read back once more (the ZIP's
CRC and the SHA-256) before it gets its real name, with ``os.replace``. Until then it is a
``.partial`` file that nothing lists: a backup killed halfway leaves the database and every
earlier backup as they were. Older copies are pruned only after a new one has verified.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import sqlite3
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from contextlib import closing, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from crm_desktop import __version__
from crm_desktop.errors import BackupError, PassphraseNeededError
from crm_desktop.storage import backup_crypto, pg_backup
from crm_desktop.storage.backup_crypto import KeyPair
from crm_desktop.storage.database import Database

__all__ = ["BackupError", "BackupInfo", "KeepPolicy"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

SUFFIX = ".crmbackup"
PARTIAL = ".partial"
MANIFEST = "manifest.json"
_MEMBERS = {"sqlite": "crm.sqlite3", "postgresql": "crm.pgdump"}
FORMAT = 1
_CHUNK = 1 << 20
_PAGES_PER_STEP = 2048
# A partial file from another computer (a shared folder) this old is what a killed backup
# left behind; one from this computer is when the process that wrote it is gone.
STALE_PARTIAL = timedelta(days=1)
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})-(?P<reason>[a-z0-9-]+)"
                   r"(?P<suffix>\.crmbackup|\.sqlite3)$")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, read from its manifest (nothing is unpacked to list it)."""

    path: Path
    taken_at: datetime
    reason: str
    size: int
    schema: str | None
    app_version: str
    shop_name: str
    tables: dict[str, int] = field(default_factory=dict)
    last_invoice_number: str | None = None
    database_sha256: str = ""
    database_bytes: int = 0
    engine: str = "sqlite"
    # A plain copy of the database file, as versions before backups had manifests made them:
    # it can be restored, but holds no counts to check it against.
    legacy: bool = False
    # Sealed with a passphrase (a copy that left the machine): its manifest is in the clear.
    locked: bool = False

    @property
    def customers(self) -> int | None:
        return self.tables.get("customers")

    @property
    def invoices(self) -> int | None:
        return self.tables.get("invoices")


KEEP_ALL_OF = timedelta(hours=24)


@dataclass(frozen=True)
class KeepPolicy:
    """Which backups stay: every one of the last day (one made by hand before something
    risky is not pruned by the next on schedule), and the newest of each of the last
    ``daily`` days, ``weekly`` weeks and ``monthly`` months that have one; within
    ``max_total_bytes`` if set (the oldest go first; the newest always stays)."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12
    max_total_bytes: int | None = None


def backup_name(stem: str, taken_at: datetime, reason: str) -> str:
    return f"{stem}-{taken_at.astimezone(UTC):%Y%m%d-%H%M%S}-{reason}{SUFFIX}"


# ---- taking a backup -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Snapshot:
    """What was counted in the transaction the copy was made in."""

    tables: dict[str, int]
    shop_name: str
    last_invoice_number: str | None
    schema: str | None


def take_backup(db_file: Path, folder: Path, *, reason: str, now: datetime,
                progress: Progress | None = None) -> BackupInfo:
    """Back the SQLite database ``db_file`` up into ``folder``, verified; returns what the
    new backup holds."""

    def produce(copy: Path, report: Progress) -> _Snapshot:
        snapshot = _copy(db_file, copy, report)
        _check_database(copy, snapshot.tables, what="The copy")
        return snapshot

    return _take(folder, db_file.stem, reason=reason, now=now, engine="sqlite", produce=produce,
                 progress=progress)


def take_pg_backup(database: Database, folder: Path, *, stem: str, reason: str,
                   now: datetime, progress: Progress | None = None) -> BackupInfo:
    """Back the shared PostgreSQL database up into ``folder`` with ``pg_dump``, checked
    with ``pg_restore --list``."""

    def produce(dump: Path, report: Progress) -> _Snapshot:
        with database.engine.connect().execution_options(
                isolation_level="REPEATABLE READ") as connection, connection.begin():
            tables = pg_backup.count_tables(connection, pg_backup.current_schema(connection))

            def one(sql: str) -> tuple[object, ...] | None:
                row = connection.execute(text(sql)).first()
                return tuple(row) if row is not None else None

            shop_name, last_number = _headline(one, tables)
            revision = (one("SELECT version_num FROM alembic_version")
                        if "alembic_version" in tables else None)
            report(50, 1000)
            pg_backup.dump(connection, database.url, dump)
        report(500, 1000)
        pg_backup.check_dump(dump, tables, "The dump")
        return _Snapshot(tables, shop_name, last_number, str(revision[0]) if revision else None)

    return _take(folder, stem, reason=reason, now=now, engine="postgresql", produce=produce,
                 progress=progress)


def _take(folder: Path, stem: str, *, reason: str, now: datetime, engine: str,
          produce: Callable[[Path, Progress], _Snapshot],
          progress: Progress | None) -> BackupInfo:
    report = progress or (lambda _done, _total: None)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(folder)
    target = folder / backup_name(stem, now, reason)
    payload = partial_name(target, "db")
    partial_zip = partial_name(target, "zip")
    member = _MEMBERS[engine]
    try:
        snapshot = produce(payload, report)
        digest, size = _sha256(payload)
        manifest = {
            "format": FORMAT, "app": "CRM Desktop", "app_version": __version__,
            "engine": engine, "member": member, "taken_at": now.astimezone(UTC).isoformat(),
            "reason": reason, "schema": snapshot.schema, "shop_name": snapshot.shop_name,
            "tables": snapshot.tables, "last_invoice_number": snapshot.last_invoice_number,
            "database_sha256": digest, "database_bytes": size,
        }
        # A custom-format dump is compressed already.
        _write_zip(partial_zip, manifest, payload, member, report,
                   compress=engine == "sqlite")
        _check_zip(partial_zip, member, digest)
        report(1000, 1000)
        partial_zip.replace(target)
        _sync_folder(folder)
    finally:
        remove_database_file(payload)
        remove_database_file(partial_zip)
    log.info("backed up to %s (%d bytes, verified)", target, target.stat().st_size)
    return read_info(target)


def _copy(db_file: Path, target: Path, report: Progress) -> _Snapshot:
    """Count every table and copy the database in one read transaction (one snapshot)."""
    uri = f"{db_file.resolve().as_uri()}?mode=ro"
    with (closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as source,
          closing(sqlite3.connect(target)) as copy):
        source.execute("BEGIN")
        tables = _counts(source)

        def one(sql: str) -> tuple[object, ...] | None:
            row = source.execute(sql).fetchone()
            return tuple(row) if row is not None else None

        shop_name, last_number = _headline(one, tables)

        def step(_status: int, remaining: int, total: int) -> None:
            report((total - remaining) * 500 // max(total, 1), 1000)

        source.backup(copy, pages=_PAGES_PER_STEP, progress=step)
        source.execute("COMMIT")
        # The copy is one file: opened later to be checked (read only), a write-ahead log
        # would leave -wal and -shm files beside it.
        copy.execute("PRAGMA journal_mode = DELETE")
    return _Snapshot(tables, shop_name, last_number, _schema(target))


def _counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    return {name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in names}


def _headline(one: Callable[[str], tuple[object, ...] | None], tables: dict[str, int]
              ) -> tuple[str, str | None]:
    """The shop's name and its last invoice number, for the list of backups (an empty
    database has neither)."""
    shop_name = ""
    if "settings" in tables:
        row = one("SELECT value FROM settings WHERE key = 'shop_name'")
        with suppress(ValueError, TypeError):
            shop_name = str(json.loads(str(row[0]))) if row else ""
    last: str | None = None
    if "invoices" in tables:
        row = one("SELECT number FROM invoices WHERE number IS NOT NULL "
                  "ORDER BY issued_on DESC, id DESC LIMIT 1")
        last = str(row[0]) if row else None
    return shop_name, last


def _schema(db_file: Path) -> str | None:
    with closing(sqlite3.connect(db_file)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
    return str(row[0]) if row else None


def _has_table(db_file: Path, name: str) -> bool:
    with closing(sqlite3.connect(f"{db_file.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (name,)).fetchone() is not None


def _check_database(db_file: Path, expected: dict[str, int] | None, *, what: str) -> None:
    """``what`` is a whole SQLite database, intact, holding ``expected`` rows per table."""
    try:
        with closing(sqlite3.connect(f"{db_file.resolve().as_uri()}?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            counts = _counts(db)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a readable database ({exc}).") from exc
    if problems != ["ok"]:
        raise BackupError(f"{what} is damaged: {problems[0]}")
    if expected is not None and counts != expected:
        differ = sorted(name for name in set(counts) | set(expected)
                        if counts.get(name) != expected.get(name))
        raise BackupError(f"{what} does not hold the rows it should (tables {', '.join(differ)}"
                          " differ).")


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_zip(target: Path, manifest: dict[str, Any], payload: Path, member: str,
               report: Progress, *, compress: bool) -> None:
    total = max(payload.stat().st_size, 1)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        out.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with payload.open("rb") as source, out.open(info, "w", force_zip64=True) as written:
            done = 0
            while chunk := source.read(_CHUNK):
                written.write(chunk)
                done += len(chunk)
                report(500 + done * 400 // total, 1000)
    with target.open("rb+") as finished:
        os.fsync(finished.fileno())


def _check_zip(path: Path, member: str, digest: str) -> None:
    """Read the payload back out of the ZIP: the CRC and the SHA-256 must match."""
    found = _member_digest(path, member, lambda _chunk: None)
    if found != digest:
        raise BackupError(f"{path.name} did not read back as written.")


def _member_digest(path: Path, name: str, sink: Callable[[bytes], object], *,
                   what: str | None = None) -> str:
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as archive, archive.open(name) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                sink(chunk)
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error) as exc:
        raise BackupError(f"{what or path.name} is damaged ({exc}).") from exc
    return digest.hexdigest()


def _sync_folder(folder: Path) -> None:
    """The new name survives a power cut too (POSIX; Windows has no folder handles)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def partial_name(target: Path, what: str) -> Path:
    """A hidden name for a file being written, saying which process on which computer
    writes it."""
    return target.with_name(f".{target.name}.{what}.{_HOST}.{os.getpid()}{PARTIAL}")


_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def remove_stale_partials(folder: Path) -> None:
    """What a backup killed halfway left behind (never a file still being written)."""
    for partial in folder.glob(f".*{PARTIAL}*"):  # and SQLite's -journal, -wal beside it
        name = partial.name[:partial.name.rindex(PARTIAL)]
        *_, host, pid = name.rsplit(".", 2)
        with suppress(OSError, ValueError):
            if host == _HOST and os.name == "posix":  # (Windows' os.kill would end it)
                stale = not _running(int(pid))
            else:
                age = time.time() - partial.stat().st_mtime
                stale = age > STALE_PARTIAL.total_seconds()
            if stale:
                partial.unlink()


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


# ---- reading, verifying, unpacking -----------------------------------------------------------

def read_info(path: Path) -> BackupInfo:
    """What the backup at ``path`` says it holds (its manifest: nothing is unpacked)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BackupError(f"{path.name} cannot be read ({exc.strerror or exc}).") from exc
    if _is_sqlite(path):
        return _legacy_info(path, size)
    try:
        if backup_crypto.is_locked(path):
            manifest = backup_crypto.read_header(path)["manifest"]
            locked = True
        else:
            with zipfile.ZipFile(path) as archive:
                manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
            locked = False
        taken_at = datetime.fromisoformat(str(manifest["taken_at"]))
        tables = {str(name): int(count) for name, count in dict(manifest["tables"]).items()}
        engine = str(manifest.get("engine", "sqlite"))
        if (manifest.get("format") != FORMAT or taken_at.tzinfo is None
                or engine not in _MEMBERS):
            raise ValueError("not a format this version knows")
        return BackupInfo(
            path=path, taken_at=taken_at, reason=str(manifest.get("reason", "")), size=size,
            schema=_optional(manifest.get("schema")),
            app_version=str(manifest.get("app_version", "")),
            shop_name=str(manifest.get("shop_name", "")), tables=tables,
            last_invoice_number=_optional(manifest.get("last_invoice_number")),
            database_sha256=str(manifest["database_sha256"]),
            database_bytes=int(manifest["database_bytes"]), engine=engine, locked=locked)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError,
            UnicodeDecodeError, OverflowError, OSError) as exc:
        raise BackupError(f"{path.name} is not a CRM Desktop backup.") from exc


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _legacy_info(path: Path, size: int) -> BackupInfo:
    match = _NAME.match(path.name)
    if match:
        taken_at = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
        reason = match["reason"]
    else:
        taken_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        reason = "copy"
    return BackupInfo(path=path, taken_at=taken_at, reason=reason, size=size, schema=None,
                      app_version="", shop_name="", database_bytes=size, legacy=True)


def verify(path: Path, progress: Progress | None = None, *,
           passphrase: str | None = None) -> BackupInfo:
    """Check a backup through and through: unpacked to a temporary file beside it, its
    SHA-256 must match its manifest, and then a SQLite copy must pass ``integrity_check``
    with every table's count as counted, and a PostgreSQL dump must list every table's data
    (``pg_restore --list``)."""
    folder = path.parent
    scratch = partial_name(folder / path.name, "verify")
    try:
        return extract(path, scratch, progress, passphrase=passphrase)
    finally:
        remove_database_file(scratch)


def extract(path: Path, target: Path, progress: Progress | None = None, *,
            passphrase: str | None = None) -> BackupInfo:
    """Unpack the backup's database to ``target``, checked as ``verify`` checks it. A
    locked backup needs its passphrase (``PassphraseNeededError`` without one)."""
    report = progress or (lambda _done, _total: None)
    info = read_info(path)
    if not info.locked:
        return _extract(path, info, target, report, name=path.name)
    if passphrase is None:
        raise PassphraseNeededError(f"{path.name} is locked with a passphrase.")
    opened = partial_name(target, "unlocked")
    try:
        backup_crypto.unlock_file(path, opened, passphrase,
                                  lambda done, total: report(done * 300 // total, 1000))
        _extract(opened, info, target,
                 lambda done, total: report(300 + done * 700 // max(total, 1), 1000),
                 name=path.name)
    finally:
        with suppress(FileNotFoundError):
            opened.unlink()
    return info


def _extract(path: Path, info: BackupInfo, target: Path, report: Progress, *,
             name: str) -> BackupInfo:
    if info.legacy:
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                         ) as source, closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{name} is not a readable database ({exc}).") from exc
        _check_database(target, None, what=name)
        revision = _schema(target)
        if revision is None or not _has_table(target, "customers"):
            raise BackupError(f"{name} is a database, but not a CRM Desktop shop's.")
        report(1000, 1000)
        return replace(info, schema=revision)
    written = 0
    total = max(info.database_bytes, 1)
    with target.open("wb") as out:
        def sink(chunk: bytes) -> None:
            nonlocal written
            out.write(chunk)
            written += len(chunk)
            report(written * 800 // total, 1000)

        digest = _member_digest(path, _MEMBERS[info.engine], sink, what=name)
        out.flush()
        os.fsync(out.fileno())
    if digest != info.database_sha256:
        raise BackupError(f"{name} is damaged: its database does not match its checksum.")
    if info.engine == "postgresql":
        pg_backup.check_dump(target, info.tables, name)
    else:
        _check_database(target, info.tables, what=name)
    report(1000, 1000)
    return info


def find_backups(folders: Iterable[Path], stem: str) -> tuple[list[BackupInfo], list[Path]]:
    """The backups in ``folders``, newest first, and the files there that look like backups
    but cannot be read."""
    found: list[BackupInfo] = []
    unreadable: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"{stem}-*")):
            match = _NAME.match(path.name)
            if not match or match["stem"] != stem:
                continue
            try:
                found.append(read_info(path))
            except BackupError:
                unreadable.append(path)
    found.sort(key=lambda info: info.taken_at, reverse=True)
    return found, unreadable


def latest_backup_time(backup_dir: Path, stem: str) -> datetime | None:
    """When the newest backup in ``backup_dir`` was taken."""
    backups, _unreadable = find_backups([backup_dir], stem)
    return backups[0].taken_at if backups else None


# ---- what to keep ----------------------------------------------------------------------------

def to_keep(backups: list[BackupInfo], policy: KeepPolicy) -> list[BackupInfo]:
    """The backups ``policy`` keeps, newest first."""
    newest_first = sorted(backups, key=lambda info: info.taken_at, reverse=True)
    if not newest_first:
        return []
    since = newest_first[0].taken_at - KEEP_ALL_OF
    kept = {info.path for info in newest_first if info.taken_at >= since}
    periods: tuple[tuple[Callable[[datetime], object], int], ...] = (
        (lambda at: at.date(), policy.daily),
        (lambda at: at.isocalendar()[:2], policy.weekly),
        (lambda at: (at.year, at.month), policy.monthly),
    )
    for period_of, how_many in periods:
        seen: set[object] = set()
        for info in newest_first:
            period = period_of(info.taken_at.astimezone(UTC))
            if period not in seen and len(seen) < how_many:
                seen.add(period)
                kept.add(info.path)
    keeping = [info for info in newest_first if info.path in kept]
    if policy.max_total_bytes is not None:
        while len(keeping) > 1 and sum(i.size for i in keeping) > policy.max_total_bytes:
            keeping.pop()
    return keeping


def prune(folder: Path, stem: str, policy: KeepPolicy) -> list[Path]:
    """Delete the backups in ``folder`` that ``policy`` does not keep; returns them."""
    backups, _unreadable = find_backups([folder], stem)
    keep = {info.path for info in to_keep(backups, policy)}
    removed = []
    for info in backups:
        if info.path not in keep:
            with suppress(FileNotFoundError):
                info.path.unlink()
            removed.append(info.path)
    if removed:
        log.info("pruned %d old backup(s) in %s", len(removed), folder)
    return removed


def copy_backup(info: BackupInfo, folder: Path, keys: KeyPair | None = None) -> Path:
    """Copy a verified backup into a second ``folder``, locked to ``keys`` if given; the copy
    is read back and compared with what was written before it gets its name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / info.path.name
    partial = partial_name(target, "copy")
    try:
        if keys is None:
            digest = hashlib.sha256()
            with info.path.open("rb") as source, partial.open("wb") as out:
                _copy_stream(source, out, digest)
                out.flush()
                os.fsync(out.fileno())
            written = digest.hexdigest()
        else:
            with zipfile.ZipFile(info.path) as archive:
                manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
            written = backup_crypto.lock_file(info.path, partial, keys, manifest)
        if _sha256(partial)[0] != written:
            raise BackupError(f"The copy in {folder} did not read back as written.")
        partial.replace(target)
        _sync_folder(folder)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()
    return target


def _copy_stream(source: IO[bytes], out: IO[bytes], digest: Any) -> None:
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        out.write(chunk)


def remove_database_file(path: Path) -> None:
    """Remove a (copy of a) database and what SQLite may have left beside it."""
    for companion in ("-wal", "-shm", "-journal", ""):
        with suppress(FileNotFoundError):
            path.with_name(path.name + companion).unlink()


def install(staged: Path, db_file: Path) -> None:
    """Put a restored database in place of ``db_file`` (every connection to it closed).
    The old file's write-ahead log goes first: it belongs to the database being replaced."""
    for companion in ("-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            db_file.with_name(db_file.name + companion).unlink()
    staged.replace(db_file)
    _sync_folder(db_file.parent)
