"""Follow-ups at scale: the Today page, reminders and suggestions on a big database.

    python bench/follow_ups.py                       # a fresh 100,000-customer database
    python bench/follow_ups.py --database sqlite:////path/to/crm.sqlite3

The fresh database has 100,000 customers, 500,000 history entries and 50,000 open
follow-ups (half the customers have one, due from ten days ago to forty days ahead).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.actor import SYSTEM
from crm_desktop.demo_data import generate
from crm_desktop.models import Customer, FollowUp, FollowUpState, User
from crm_desktop.services.follow_ups.follow_up_service import FollowUpService, TodayScope
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="an existing database (default: a fresh one)")
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        database = Database(url)
        upgrade(database)
        if not args.database:
            started = time.perf_counter()
            generate(database, args.customers, history_per_customer=5, follow_up_share=0.5)
            print(f"generated in {time.perf_counter() - started:.0f} s")
        run(database)
        database.dispose()
    return 0


def run(database: Database) -> None:
    with database.read() as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        open_ones = session.scalar(select(func.count()).select_from(FollowUp)
                                   .where(FollowUp.state == FollowUpState.OPEN))
        user = session.scalars(select(User).order_by(User.id).limit(1)).one()
    actor = SYSTEM.__class__(user.id, user.display_name)
    service = FollowUpService(database)
    print(f"{database.describe()}: {customers:,} customers, {open_ones:,} open follow-ups")
    started = time.perf_counter()
    made = service.refresh_suggestions(actor)
    print(f"{'suggestions, first pass':34s} {1000 * (time.perf_counter() - started):8.2f} ms"
          f"   ({made:,} proposed)")
    started = time.perf_counter()
    claimed = service.claim_reminders(TodayScope(user.id), actor)
    print(f"{'reminders, first claim':34s} {1000 * (time.perf_counter() - started):8.2f} ms"
          f"   ({len(claimed):,} announced; at most 500 at a time)")
    while service.claim_reminders(TodayScope(user.id), actor):
        pass  # the demo's backlog: announce it all, so what follows measures a quiet minute
    cases = {
        "Today, mine": lambda: service.today(TodayScope(user.id)),
        "Today, everyone's": lambda: service.today(TodayScope(None)),
        "reminder check (nothing new)": lambda: service.claim_reminders(TodayScope(user.id),
                                                                        actor),
        "navigation badge": lambda: service.due_count(TodayScope(user.id)),
        "suggestions again (nothing new)": lambda: service.refresh_suggestions(actor),
        "one customer's follow-ups": lambda: service.for_customer(customers // 2),
    }
    for label, fn in cases.items():
        p50, p95 = percentiles(fn)
        print(f"{label:34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    day = service.today(TodayScope(None))
    print(f"everyone's day: {day.overdue.total:,} overdue, {day.due_today.total:,} due today, "
          f"{day.suggestions.total:,} suggested, {day.upcoming.total:,} this week, "
          f"{day.dates.total:,} dates, {day.quiet.total:,} gone quiet")


if __name__ == "__main__":
    raise SystemExit(main())
