"""How long the shop's backups take, on a filled database.

    python bench/backup.py --database sqlite:////path/to/crm.sqlite3 [--repeat 3]

Make a database with ``crm-desktop demo-data --customers 100000``. Prints, in seconds (the
median of ``--repeat`` runs) and MB: a backup (counted, copied at one moment, checked,
compressed, read back), a verify, a copy locked with a passphrase for the second place, the
locked copy opened and verified, and the restore's preparing (unpacked, checked and the shop
as it is backed up first). None of them runs on the UI thread; the goal is that a scheduled
backup of a 100,000-customer shop is done within a minute on a five-year-old laptop, and a
restore within two. The database itself is not changed; backups go to a temporary folder.
It asserts nothing: performance targets live here, not in the unit tests.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from crm_desktop.actor import SYSTEM
from crm_desktop.services.admin.backup_service import BackupService, BackupSettings
from crm_desktop.storage.backup import BackupInfo, copy_backup, verify
from crm_desktop.storage.database import Database

T = TypeVar("T")
PASSPHRASE = "a passphrase for the bench"
GOALS_S = {"back up (checked)": 60.0, "prepare a restore": 120.0}


def timed(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    database = Database(args.database)
    with tempfile.TemporaryDirectory(prefix="crm-bench-backup-") as scratch:
        folder = Path(scratch)
        service = BackupService(database, folder / "backups", folder / "backups.json")
        service.set_passphrase(PASSPHRASE, SYSTEM)
        service.save_settings(BackupSettings(lock_copies=True), SYSTEM)
        keys = service.key_pair()
        rows: list[tuple[str, float, str]] = []

        seconds, outcome = timed(args.repeat, lambda: service.back_up(SYSTEM))
        info: BackupInfo = outcome.backup
        size = f"{info.size / 1e6:.1f} MB of {info.database_bytes / 1e6:.1f} MB"
        rows.append(("back up (checked)", seconds, size))
        seconds, _ = timed(args.repeat, lambda: verify(info.path))
        rows.append(("verify", seconds, ""))
        seconds, locked = timed(args.repeat, lambda: copy_backup(info, folder / "away", keys))
        rows.append(("locked copy for the stick", seconds, f"{locked.stat().st_size / 1e6:.1f} MB"))
        seconds, _ = timed(args.repeat, lambda: verify(locked, passphrase=PASSPHRASE))
        rows.append(("open and verify the locked copy", seconds, ""))

        def prepare() -> object:
            prepared = service.prepare_restore(info.path, SYSTEM)
            BackupService.cancel_restore(prepared)
            return prepared

        seconds, _ = timed(1, prepare)
        rows.append(("prepare a restore", seconds, "incl. a backup of the shop as it is"))
        print(f"{info.customers:,} customers, {info.invoices:,} invoices "
              f"({database.describe()})")
        for what, seconds, note in rows:
            goal = GOALS_S.get(what)
            print(f"{what:<34} {seconds:7.2f} s" + (f"   goal ≤ {goal:.0f} s" if goal else "")
                  + (f"   {note}" if note else ""))
    database.dispose()


if __name__ == "__main__":
    main()
