"""The shop's backups: taken (on demand, on a schedule), copied to a second place the owner
chooses, kept by a schedule, listed, verified and restored.

Where and how often are settings of the machine that holds the database (a USB stick is
plugged into a machine, not into the shop), kept in ``backups.json`` in its config folder and
changed by the owner only. The files themselves are made and checked by ``storage.backup``.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from crm_desktop.actor import SYSTEM, Actor
from crm_desktop.clock import Clock, utc_now
from crm_desktop.errors import (
    BackupError,
    CrmError,
    NewerDatabaseError,
    StorageError,
    ValidationError,
)
from crm_desktop.models import AuditAction, Customer, User
from crm_desktop.permissions import Permission
from crm_desktop.storage import pg_backup
from crm_desktop.storage.audit import record_event
from crm_desktop.storage.backup import (
    BackupInfo,
    KeepPolicy,
    Progress,
    copy_backup,
    extract,
    find_backups,
    install,
    partial_name,
    prune,
    read_info,
    remove_database_file,
    remove_stale_partials,
    take_backup,
    take_pg_backup,
    verify,
)
from crm_desktop.storage.backup_crypto import MIN_PASSPHRASE, KeyPair, new_key_pair
from crm_desktop.storage.database import Database
from crm_desktop.storage.reading_copy import write_reading_copy
from crm_desktop.storage.schema import current_revision, known_revisions, upgrade

log = logging.getLogger(__name__)

THIS_COMPUTER = "This computer"
SECOND_PLACE = "Second place"


@dataclass(frozen=True)
class BackupSettings:
    second_place: Path | None = None
    keep: KeepPolicy = field(default_factory=KeepPolicy)
    # While the app runs, and at start when the newest backup is older than this.
    every_hours: int = 4
    # The copies in the second place (and `backup --to`) sealed with the owner's passphrase.
    lock_copies: bool = False

    def errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not 1 <= self.every_hours <= 24 * 7:
            errors["every_hours"] = "Back up at least once a week: between 1 and 168 hours."
        for name, value in (("daily", self.keep.daily), ("weekly", self.keep.weekly),
                            ("monthly", self.keep.monthly)):
            if not 0 <= value <= 1000:
                errors[f"keep_{name}"] = "Between 0 and 1,000."
        if self.keep.daily < 1:
            errors["keep_daily"] = "Keep at least the newest daily backup."
        limit = self.keep.max_total_bytes
        if limit is not None and limit < 1 << 20:
            errors["max_total_bytes"] = "At least 1 MB, or no limit."
        if self.second_place is not None:
            text = str(self.second_place)
            if not self.second_place.is_absolute() or any(ord(c) < 32 for c in text):
                errors["second_place"] = "Choose a folder (a full path)."
        return errors


@dataclass(frozen=True)
class BackupOutcome:
    backup: BackupInfo
    second_copy: Path | None
    # Why the second place got no copy (missing, full, not writable); the backup on this
    # computer was made all the same.
    warning: str | None
    pruned: int


@dataclass(frozen=True)
class ListedBackup:
    info: BackupInfo
    place: str


@dataclass(frozen=True)
class PreparedRestore:
    """A backup unpacked and verified beside the database, waiting to replace it once the
    app has let go of the database; and the backup just taken of what it replaces."""

    staged: Path
    restoring: BackupInfo
    safety_copy: BackupInfo | None  # None: there was no shop yet (a fresh install)
    by_username: str = ""  # who restored it, for the restored shop's audit trail
    by_name: str = ""


class BackupView:
    """A backup opened to look inside: a private copy of its database, upgraded to this
    version's schema and opened read only. ``close`` lets go of it and removes the copy
    (it holds the shop's personal data)."""

    def __init__(self, database: Database, info: BackupInfo, remove: Callable[[], None]
                 ) -> None:
        self.database = database
        self.info = info
        self._remove: Callable[[], None] | None = remove

    def close(self) -> None:
        if self._remove is None:
            return
        remove, self._remove = self._remove, None
        self.database.dispose()
        try:
            remove()
        except (OSError, StorageError) as exc:  # left for the next backup's tidying
            log.warning("the copy of %s looked inside was not removed: %s",
                        self.info.path.name, exc)


class BackupService:
    def __init__(self, database: Database, backup_dir: Path, settings_file: Path) -> None:
        self._db = database
        self.backup_dir = backup_dir
        self._settings_file = settings_file

    @property
    def available(self) -> bool:
        """A SQLite file can always be backed up; a shared PostgreSQL database needs
        PostgreSQL's tools on this computer."""
        return self._db.sqlite_file is not None or pg_backup.tools_installed()

    @property
    def stem(self) -> str:
        """How this shop's backup files begin."""
        if self._db.sqlite_file is not None:
            return Path(self._db.sqlite_file).stem
        return re.sub(r"[^A-Za-z0-9_]", "_", self._db.url.database or "shop") or "shop"

    def _take(self, reason: str, progress: Progress | None) -> BackupInfo:
        now = self._db.clock()
        if self._db.sqlite_file is not None:
            return take_backup(Path(self._db.sqlite_file), self.backup_dir, reason=reason,
                               now=now, progress=progress)
        return take_pg_backup(self._db, self.backup_dir, stem=self.stem, reason=reason,
                              now=now, progress=progress)

    # ---- settings ------------------------------------------------------------------------

    def _read_file(self) -> dict[str, Any]:
        try:
            raw = json.loads(self._settings_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("backup settings unreadable, using the defaults: %s", exc)
            return {}
        return raw if isinstance(raw, dict) else {}

    def _write_file(self, data: dict[str, Any]) -> None:
        self._settings_file.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_name(self._settings_file, "new")
        partial.write_text(json.dumps(data, indent=2), encoding="utf-8")
        partial.replace(self._settings_file)

    def settings(self) -> BackupSettings:
        raw = self._read_file()
        try:
            keep = raw.get("keep", {})
            limit = keep.get("max_total_bytes")
            settings = BackupSettings(
                second_place=Path(raw["second_place"]) if raw.get("second_place") else None,
                keep=KeepPolicy(daily=int(keep.get("daily", 7)),
                                weekly=int(keep.get("weekly", 4)),
                                monthly=int(keep.get("monthly", 12)),
                                max_total_bytes=int(limit) if limit is not None else None),
                every_hours=int(raw.get("every_hours", 4)),
                lock_copies=raw.get("lock_copies") is True and self.key_pair() is not None)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            log.warning("backup settings unreadable, using the defaults: %s", exc)
            return BackupSettings()
        return settings if not settings.errors() else BackupSettings()

    def save_settings(self, settings: BackupSettings, actor: Actor) -> BackupSettings:
        with self._db.read(actor, Permission.CHANGE_SETTINGS):
            pass  # the owner's, checked against the database
        errors = settings.errors()
        if settings.lock_copies and self.key_pair() is None:
            errors["passphrase"] = "Choose a passphrase to lock the copies with."
        if errors:
            raise ValidationError(errors)
        keep = settings.keep
        data = self._read_file()
        data.update({
            "second_place": str(settings.second_place) if settings.second_place else None,
            "keep": {"daily": keep.daily, "weekly": keep.weekly, "monthly": keep.monthly,
                     "max_total_bytes": keep.max_total_bytes},
            "every_hours": settings.every_hours, "lock_copies": settings.lock_copies})
        self._write_file(data)
        log.info("backup settings changed")
        return settings

    def key_pair(self) -> KeyPair | None:
        """What locks the copies: a public key, and the private key locked by the owner's
        passphrase (which is stored nowhere)."""
        raw = self._read_file().get("keys")
        if raw is None:
            return None
        try:
            return KeyPair.from_json(raw)
        except (ValueError, TypeError) as exc:
            log.warning("the backup lock in the settings is unreadable: %s", exc)
            return None

    def set_passphrase(self, passphrase: str, actor: Actor) -> KeyPair:
        """A new passphrase for the copies made from now on (those made before still open
        with the passphrase they were locked with)."""
        with self._db.read(actor, Permission.CHANGE_SETTINGS):
            pass
        if len(passphrase.strip()) < MIN_PASSPHRASE:
            raise ValidationError.single(
                "passphrase", f"At least {MIN_PASSPHRASE} characters: a few words you will "
                "remember, and write down somewhere safe away from the computer.")
        try:
            passphrase.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError.single("passphrase", "That passphrase holds characters "
                                         "that cannot be typed again; choose another.") from exc
        data = self._read_file()
        keys = new_key_pair(passphrase)
        data["keys"] = keys.to_json()
        self._write_file(data)
        log.info("backup passphrase changed")
        return keys

    # ---- backing up ----------------------------------------------------------------------

    def back_up(self, actor: Actor, *, reason: str = "manual",
                progress: Progress | None = None) -> BackupOutcome:
        """A verified backup on this computer, a copy in the second place if one is set, and
        both pruned to the schedule."""
        with self._db.read(actor, Permission.BACK_UP):
            pass
        settings = self.settings()
        try:
            info = self._take(reason, progress)
        except OSError as exc:
            raise StorageError(f"The backup could not be written to {self.backup_dir}: "
                               f"{_why(exc)}. The database itself is untouched.") from exc
        pruned = len(prune(self.backup_dir, self.stem, settings.keep))
        if not self._db.is_sqlite and self._reading_copy_due(settings):
            self._write_reading_copy()
        second_copy, warning = None, None
        if settings.second_place is not None:
            second_copy, warning = self._copy_to_second_place(info, settings)
            if second_copy is not None:
                pruned += len(prune(settings.second_place, self.stem, settings.keep))
        return BackupOutcome(info, second_copy, warning, pruned)

    @property
    def reading_copy(self) -> Path:
        """A shared shop's reading copy on this desk (``storage/reading_copy.py``)."""
        return self.backup_dir / f"{self.stem}-reading-copy.sqlite3"

    def reading_copy_written(self) -> datetime | None:
        """When this desk's reading copy was written (its file's time), None if it has none."""
        try:
            return datetime.fromtimestamp(self.reading_copy.stat().st_mtime, UTC)
        except OSError:
            return None

    def _reading_copy_due(self, settings: BackupSettings) -> bool:
        """None yet, or older than the backups' own interval: a big shop's copy takes
        minutes, which a backup on closing should not add each time."""
        written = self.reading_copy_written()
        return written is None or utc_now() - written >= timedelta(hours=settings.every_hours)

    def _write_reading_copy(self) -> None:
        """With a shared shop's backup, the copy this desk can open alone. Not having one is
        logged, not fatal: the backup itself was made."""
        try:
            write_reading_copy(self._db, self.reading_copy)
        except (OSError, CrmError, SQLAlchemyError) as exc:
            log.warning("no reading copy of the shared shop was written: %s", exc)

    def open_reading_copy(self) -> BackupView | None:
        """The reading copy, opened read only (None when this desk has none): for the day
        the shared shop's server cannot be reached."""
        copy, taken = self.reading_copy, self.reading_copy_written()
        if taken is None:
            return None
        database = Database(_sqlite_url(copy), clock=self._db.clock, read_only=True)
        try:
            with database.read() as session:
                customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        except BaseException:  # (a copy that cannot be read: its connection is let go)
            database.dispose()
            raise
        info = BackupInfo(copy, taken, "reading copy", copy.stat().st_size, None, "",
                          self.stem, {"customers": int(customers)})
        return BackupView(database, info, lambda: None)  # kept: the next one replaces it

    def _copy_to_second_place(self, info: BackupInfo, settings: BackupSettings
                              ) -> tuple[Path | None, str | None]:
        place = settings.second_place
        assert place is not None
        # A missing folder is not made: under an unplugged stick's mount point it would
        # quietly fill this computer's own disk instead.
        if not place.is_dir():
            return None, (f"The second backup place, {place}, is not there (is the drive "
                          "plugged in?). The backup on this computer was made.")
        try:
            return copy_backup(info, place, self._lock_for(settings)), None
        except (OSError, BackupError) as exc:
            why = _why(exc) if isinstance(exc, OSError) else str(exc)
            log.warning("no copy in the second place %s: %s", place, why)
            return None, (f"No copy could be put in the second backup place, {place}: {why}. "
                          "The backup on this computer was made.")

    def _lock_for(self, settings: BackupSettings) -> KeyPair | None:
        return self.key_pair() if settings.lock_copies else None

    def copy_to(self, info: BackupInfo, folder: Path) -> Path:
        """A copy for somewhere else (``backup --to``), locked as the second place's are."""
        try:
            return copy_backup(info, folder, self._lock_for(self.settings()))
        except OSError as exc:
            raise StorageError(f"No copy could be put in {folder}: {_why(exc)}.") from exc

    def newest(self) -> BackupInfo | None:
        backups, _unreadable = find_backups([self.backup_dir], self.stem)
        return backups[0] if backups else None

    def is_due(self) -> bool:
        """The newest backup on this computer is older than the schedule asks (or there is
        none, and the database holds something)."""
        if not self.available:
            return False
        newest = self.newest()
        if newest is None:
            return current_revision(self._db) is not None
        age = self._db.clock() - newest.taken_at
        return age >= timedelta(hours=self.settings().every_hours)

    # ---- listing, verifying, restoring ---------------------------------------------------

    def backups(self) -> tuple[list[ListedBackup], list[Path]]:
        """Every backup in both places, newest first, and the files that cannot be read."""
        stem = self.stem
        listed: list[ListedBackup] = []
        unreadable: list[Path] = []
        places = [(self.backup_dir, THIS_COMPUTER)]
        second = self.settings().second_place
        if second is not None and second.resolve() != self.backup_dir.resolve():
            places.append((second, SECOND_PLACE))
        for folder, place in places:
            found, bad = find_backups([folder], stem)
            listed.extend(ListedBackup(info, place) for info in found)
            unreadable.extend(bad)
        listed.sort(key=lambda entry: entry.info.taken_at, reverse=True)
        return listed, unreadable

    def describe(self, path: Path) -> BackupInfo:
        return read_info(path)

    def verify(self, path: Path, progress: Progress | None = None, *,
               passphrase: str | None = None) -> BackupInfo:
        try:
            return verify(path, progress, passphrase=passphrase)
        except OSError as exc:
            raise BackupError(f"{path.name} could not be checked: {_why(exc)}.") from exc

    def prepare_restore(self, path: Path, actor: Actor, progress: Progress | None = None, *,
                        passphrase: str | None = None) -> PreparedRestore:
        """Check the backup, back up the database as it is now, and unpack the backup beside
        it. Nothing is replaced yet: ``complete_restore`` does that once the app has let go
        of the database."""
        with self._db.read(actor, Permission.RESTORE_BACKUP) as session:
            person = session.get(User, actor.user_id) if actor.user_id is not None else None
            username, name = (person.username, person.display_name) if person else ("", "")
        info = read_info(path)
        engine = "sqlite" if self._db.sqlite_file is not None else "postgresql"
        if info.engine != engine and not info.legacy:
            kinds = {"sqlite": "a single computer's shop (SQLite)",
                     "postgresql": "a shared shop (PostgreSQL)"}
            raise BackupError(f"{path.name} is a backup of {kinds[info.engine]}, and this "
                              f"desk works on {kinds[engine]}; nothing was changed.")
        self._check_known_schema(path, info)
        report = progress or (lambda _done, _total: None)
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        staged = partial_name(self.backup_dir / path.name, "restoring")
        try:
            self._check_known_schema(path, extract(
                path, staged, lambda done, total: report(done // 2, total),
                passphrase=passphrase))
            safety = None
            if self._holds_a_shop():
                safety = self._take("before-restore",
                                    lambda done, total: report(500 + done // 2, total))
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        log.info("restore of %s prepared; the database as it was is in %s", path.name,
                 safety.path.name if safety else "(nothing: a new shop)")
        return PreparedRestore(staged, info, safety, username, name)

    def open_read_only(self, path: Path, actor: Actor, progress: Progress | None = None, *,
                       passphrase: str | None = None) -> BackupView:
        """Look inside a backup without replacing anything ("what did Margo's note say last
        month?"): the backup is checked and unpacked into a private copy (a file beside this
        computer's backups, or a scratch database on the shared shop's server), upgraded if
        it is of an older version, and opened read only."""
        with self._db.read(actor, Permission.RESTORE_BACKUP):
            pass  # it holds everything the shop held: the owner's, as restoring is
        info = read_info(path)
        self._check_known_schema(path, info)
        shared = info.engine == "postgresql" and not info.legacy
        if shared and self._db.is_sqlite:
            raise BackupError(
                f"{path.name} is a backup of a shared shop (PostgreSQL). Look inside it at a "
                "desk that works on the shared database: it is opened on its server.")
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.backup_dir)
        copy = partial_name(self.backup_dir / path.name, f"look-{secrets.token_hex(4)}")
        try:
            # An older kind of copy says which version made it only once it is unpacked.
            self._check_known_schema(path, extract(path, copy, progress, passphrase=passphrase))
            if shared:
                return self._open_pg_copy(copy, info)
            _upgrade_copy(_sqlite_url(copy), self._db.clock)
            with closing(sqlite3.connect(copy)) as connection:
                # One file, nothing beside it: a read-only look writes no journal.
                connection.execute("PRAGMA journal_mode = DELETE")
        except BaseException:
            remove_database_file(copy)
            raise
        log.info("looking inside %s", path.name)
        return BackupView(Database(_sqlite_url(copy), clock=self._db.clock, read_only=True),
                          info, lambda: remove_database_file(copy))

    def _open_pg_copy(self, dump: Path, info: BackupInfo) -> BackupView:
        server = self._db.engine.execution_options(isolation_level="AUTOCOMMIT")
        try:
            with self._db.translate_errors(), server.connect() as connection:
                pg_backup.drop_stale_scratches(connection, self._db.url)
                scratch = pg_backup.create_scratch(connection, self._db.url, dump)
        finally:
            dump.unlink(missing_ok=True)
        url = scratch.render_as_string(hide_password=False)
        try:
            _upgrade_copy(url, self._db.clock)
        except BaseException:
            self._drop_scratch(str(scratch.database))
            raise
        log.info("looking inside %s (in a scratch database)", info.path.name)
        return BackupView(Database(url, clock=self._db.clock, read_only=True), info,
                          lambda: self._drop_scratch(str(scratch.database)))

    def _drop_scratch(self, name: str) -> None:
        server = self._db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with self._db.translate_errors(), server.connect() as connection:
            pg_backup.drop_scratch(connection, name)

    @staticmethod
    def _check_known_schema(path: Path, info: BackupInfo) -> None:
        if info.schema is not None and info.schema not in known_revisions():
            raise NewerDatabaseError(
                f"{path.name} was made by a newer version of CRM Desktop (schema "
                f"{info.schema}). Install that version or newer to open it; nothing was "
                "changed.")

    def _holds_a_shop(self) -> bool:
        """Anything to keep: a fresh install (no schema, or no one set up yet) is not."""
        if current_revision(self._db) is None:
            return False
        with self._db.read() as session:
            return bool(session.scalar(select(func.count()).select_from(User)))

    def complete_restore(self, prepared: PreparedRestore) -> BackupInfo:
        """Replace the database with the prepared backup and bring it up to this version's
        schema (an older backup is upgraded as on start). Every connection of this app is
        closed first: the caller has stopped using the database, and may use it again
        after."""
        self._db.dispose()
        try:
            if self._db.sqlite_file is not None:
                install(prepared.staged, Path(self._db.sqlite_file))
            else:
                with self._db.engine.connect() as connection:
                    pg_backup.restore(connection, self._db.url, prepared.staged)
        finally:
            prepared.staged.unlink(missing_ok=True)
        log.info("restored the database from %s", prepared.restoring.path.name)
        upgrade(self._db, self.backup_dir)
        self._record_restore(prepared)
        return prepared.restoring

    def _record_restore(self, prepared: PreparedRestore) -> None:
        """The restored trail is the backup's: it learns that it was put back, when, by whom
        (as this shop knows them, if it does) and what it replaced."""
        restoring, safety = prepared.restoring, prepared.safety_copy
        with self._db.transaction(SYSTEM, None) as session:
            user_id = session.scalar(select(User.id).where(
                User.username == prepared.by_username)) if prepared.by_username else None
            details = {"backup": [None, restoring.path.name],
                       "taken": [None, restoring.taken_at.isoformat(timespec="minutes")],
                       "by": [None, prepared.by_name]}
            if safety is not None:
                details["the shop before"] = [None, safety.path.name]
            record_event(session, AuditAction.RESTORE, user_id, self._db.clock(),
                         entity="shop", **details)

    @staticmethod
    def cancel_restore(prepared: PreparedRestore) -> None:
        prepared.staged.unlink(missing_ok=True)


def _upgrade_copy(url: str, clock: Clock) -> None:
    """A copy of an older version's backup, brought to this version's schema as a restore
    would bring it (without a backup of the copy first)."""
    copy = Database(url, clock=clock)
    try:
        upgrade(copy, None)
    except SQLAlchemyError as exc:  # what it holds is not what its version's schema says
        log.warning("a backup's copy could not be upgraded: %s", exc)
        raise BackupError("The backup could not be brought to this version of CRM Desktop: "
                          "it does not hold a shop's database as its version made it.") from exc
    finally:
        copy.dispose()


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _why(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "it may not be written to"
    return exc.strerror or str(exc)
