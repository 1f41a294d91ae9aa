"""The audit log at a million entries: what the owner's *File → Audit log…* waits for.

    python bench/audit_log.py [--entries 1000000] [--database URL]

Without ``--database``, makes a fresh SQLite shop and fills its trail with ``--entries``
entries (three people, changes to 20,000 customers, sign-ins) in bulk; with it, reads that
database's trail as it is (nothing is changed). Prints p50/p95 in ms of: the count behind
the scrollbar, the first page, the next page by key, a jump to the last page, one person's
entries, one kind, one month, and a profile's history of changes; then the CSV export's rows
per second. Goals (issue #18): the log lazy at a million entries, i.e. each of these within
a frame or two (≤ 50 ms), the jump to the end included.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.demo_data import DEMO_PASSWORD
from crm_desktop.models import AuditAction, AuditEntry, Role
from crm_desktop.models.base import table_of
from crm_desktop.services.admin.audit_service import AuditFilter, AuditKind, AuditService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade

CHUNK = 50_000


def fill(database: Database, entries: int) -> None:
    users = UserService(database)
    owner = users.first_run("Sam Owner", "Bench Shop", "US", password=DEMO_PASSWORD)
    rita = users.add("Rita Reception", Role.RECEPTIONIST, owner.as_actor(),
                     first_password=DEMO_PASSWORD)
    rng = random.Random(18)
    start = datetime(2021, 12, 1, tzinfo=UTC)
    step = timedelta(days=5 * 365) / entries
    entities = ["customers", "contact_points", "addresses", "orders", "invoices",
                "follow_ups", "queries", "history_entries"]
    with database.engine.begin() as connection:
        for first in range(0, entries, CHUNK):
            rows = []
            for n in range(first, min(entries, first + CHUNK)):
                customer = rng.randrange(1, 20_001)
                if n % 50 == 0:
                    rows.append({"at": start + step * n, "user_id": rita.id,
                                 "action": AuditAction.SIGN_IN, "entity": "users",
                                 "entity_id": rita.id, "customer_id": None, "changes": "{}"})
                    continue
                rows.append({"at": start + step * n, "user_id": (owner.id, rita.id)[n % 2],
                             "action": AuditAction.UPDATE, "entity": rng.choice(entities),
                             "entity_id": rng.randrange(1, 200_000), "customer_id": customer,
                             "changes": json.dumps({"value": ["0123", f"0{n}"]})})
            connection.execute(table_of(AuditEntry).insert(), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'audit.sqlite3'}"
        database = Database(url)
        upgrade(database)
        if not args.database:
            started = time.perf_counter()
            fill(database, args.entries)
            print(f"filled {args.entries:,} entries in {time.perf_counter() - started:.1f} s")
        users = UserService(database)
        owner = next(u for u in users.list_active() if u.role is Role.OWNER).as_actor()
        rita = next((u for u in users.list_active() if u.role is Role.RECEPTIONIST), None)
        audit = AuditService(database)
        with database.read() as session:
            total = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        print(f"{database.describe()}: {total:,} audit entries")
        everyone = AuditFilter()
        first_page = audit.page(everyone, owner, limit=200)
        last_offset = max(0, total - 200)
        cases = {
            "count (the scrollbar)": lambda: audit.count(everyone, owner),
            "first page (200)": lambda: audit.page(everyone, owner, limit=200),
            "next page by key": lambda: audit.page(everyone, owner, limit=200,
                                                   after=first_page[-1]),
            "jump to the last page": lambda: audit.page(everyone, owner, offset=last_offset,
                                                        limit=200, total=total),
            "one person: count + page": lambda: (
                audit.count(AuditFilter(user_id=rita.id if rita else None), owner),
                audit.page(AuditFilter(user_id=rita.id if rita else None), owner)),
            "sign-ins: count + page": lambda: (
                audit.count(AuditFilter(kind=AuditKind.SIGN_INS), owner),
                audit.page(AuditFilter(kind=AuditKind.SIGN_INS), owner)),
            "one month: count + page": lambda: (
                audit.count(AuditFilter(since=date(2024, 3, 1), until=date(2024, 3, 31)),
                            owner),
                audit.page(AuditFilter(since=date(2024, 3, 1), until=date(2024, 3, 31)),
                           owner)),
            "a profile's history of changes": lambda: audit.customer_changes(4242, owner),
        }
        for name, call in cases.items():
            p50, p95 = percentiles(call, repeat=10)
            print(f"{name:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
        started = time.perf_counter()
        written = audit.write_csv(io.StringIO(), AuditFilter(since=date(2025, 1, 1)), owner)
        seconds = time.perf_counter() - started
        print(f"CSV export: {written:,} entries in {seconds:.1f} s ({written / seconds:,.0f}/s)")
        database.dispose()


if __name__ == "__main__":
    main()
