"""``crm-desktop backup …`` and ``crm-desktop restore FILE``: the shop's backups from the
command line, with the machine's authority (it needs the database file itself).

    crm-desktop backup [--to DIR]        back up now (verified), also into DIR if given
    crm-desktop backup list              the backups in the data folder and the second place
    crm-desktop backup verify FILE       check a backup through and through
    crm-desktop restore FILE             put a backup in place of the database (the database
                                         as it was is backed up first)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from crm_desktop.actor import SYSTEM
from crm_desktop.paths import AppPaths
from crm_desktop.storage.backup import BackupInfo
from crm_desktop.storage.backup_crypto import is_locked
from crm_desktop.storage.database import Database


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser("backup", help="back the shop up now, list or verify backups")
    backup.add_argument("--to", metavar="DIR", type=Path,
                        help="also put a copy in this folder (a USB stick, a share)")
    actions = backup.add_subparsers(dest="backup_command", metavar="ACTION")
    actions.add_parser("list", help="the backups found, newest first")
    verify = actions.add_parser("verify", help="check a backup: unpacked, checksum, "
                                               "integrity and every table's rows")
    verify.add_argument("file", metavar="FILE", type=Path)
    restore = commands.add_parser("restore", help="replace the database with a backup (the "
                                                  "database as it is now is backed up first)")
    restore.add_argument("file", metavar="FILE", type=Path)


def describe(info: BackupInfo) -> str:
    counts = ("older copy, no counts" if info.legacy else
              f"{info.customers or 0:,} customers, {info.invoices or 0:,} invoices, last "
              f"invoice {info.last_invoice_number or '—'}")
    counts += ", locked with a passphrase" if info.locked else ""
    return (f"{info.taken_at.astimezone():%Y-%m-%d %H:%M}  {info.reason:<18} "
            f"{info.size / 1e6:8.1f} MB  {counts}  {info.path}")


def _passphrase_if_locked(path: Path) -> str | None:
    """A locked backup's passphrase, asked at a prompt (never an argument)."""
    if not is_locked(path):
        return None
    return getpass.getpass(f"Passphrase for {path.name}: ")


def run(database: Database, args: argparse.Namespace, paths: AppPaths) -> int:
    from crm_desktop.services.admin.backup_service import BackupService  # noqa: PLC0415

    service = BackupService(database, paths.backup_dir, paths.backup_settings_file)
    if args.command == "restore":
        prepared = service.prepare_restore(args.file, SYSTEM,
                                           passphrase=_passphrase_if_locked(args.file))
        service.complete_restore(prepared)  # and upgraded, if it is of an older version
        print(f"restored {describe(prepared.restoring)}")
        if prepared.safety_copy is not None:
            print(f"the database as it was is in {prepared.safety_copy.path}")
        return 0
    if args.backup_command == "list":
        listed, unreadable = service.backups()
        for entry in listed:
            print(f"{entry.place:<14} {describe(entry.info)}")
        for path in unreadable:
            print(f"{'unreadable':<14} {path}")
        if not listed:
            print("no backups yet")
        return 0
    if args.backup_command == "verify":
        info = service.verify(args.file, passphrase=_passphrase_if_locked(args.file))
        print(f"verified: {describe(info)}")
        return 0
    outcome = service.back_up(SYSTEM, reason="manual")
    print(f"backed up and verified: {describe(outcome.backup)}")
    if outcome.second_copy:
        print(f"copy in the second place: {outcome.second_copy}")
    if args.to is not None:
        print(f"copy: {service.copy_to(outcome.backup, args.to)}")
    if outcome.warning:
        print(f"crm-desktop: warning: {outcome.warning}", file=sys.stderr)
    return 0
