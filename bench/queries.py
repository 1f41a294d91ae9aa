"""Queries and the tally at scale: the lists a person opens, and the tally's three readings.

    python bench/queries.py --database sqlite:////path/to/crm.sqlite3

Use a database filled by ``crm-desktop demo-data --customers 100000`` (about 3,000 open
queries and 4,000 complaints, wins, suggestions and ratings over two years).
"""

from __future__ import annotations

import argparse
from functools import partial

from sqlalchemy import select
from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.models import FeedbackKind, User
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.queries.query_service import QueryFilter, QueryScope, QueryService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    database = Database(args.database)
    upgrade(database)
    queries = QueryService(database)
    feedback = FeedbackService(database)
    with database.read() as session:
        user_id = session.scalar(select(User.id).order_by(User.id).limit(1))
    everyone = QueryFilter(scope=QueryScope.EVERYONE)
    print(f"{database.describe()}: {queries.count(everyone):,} open queries, "
          f"{queries.count(QueryFilter(scope=QueryScope.EVERYONE, include_done=True)):,} in all")
    cases = {
        "mine: count + first page": QueryFilter(user_id=user_id),
        "everyone's: count + first page": everyone,
        "unassigned: count + first page": QueryFilter(scope=QueryScope.UNASSIGNED),
        "all, with closed: count + page": QueryFilter(scope=QueryScope.EVERYONE,
                                                      include_done=True),
    }
    for label, filters in cases.items():
        p50, p95 = percentiles(partial(
            lambda f: (queries.count(f), queries.page(f, limit=100)), filters))
        print(f"{label:34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    p50, p95 = percentiles(lambda: queries.waiting_counts(user_id))
    print(f"{'navigation badge':34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    for days in (30, 365):
        p50, p95 = percentiles(partial(feedback.tally, FeedbackKind.COMPLAINT, days))
        print(f"{f'tally, {days} days':34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    p50, p95 = percentiles(lambda: feedback.trend(FeedbackKind.COMPLAINT))
    print(f"{'trend chart, 12 months':34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    p50, p95 = percentiles(feedback.ratings)
    print(f"{'ratings overall':34s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
