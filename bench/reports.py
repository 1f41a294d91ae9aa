"""The owner's reports and the customers we may lose, on a demo shop: p50/p95 of each, for
the periods the page offers; and Today, the day and (on its worker) its few customers we may
lose.

    python bench/reports.py --database sqlite:////path/to/crm.sqlite3 [--repeat 10]

Use a database filled by ``crm-desktop demo-data --customers 100000``. Target: each report
and the at-risk list in 200 ms or less.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.actor import SYSTEM
from crm_desktop.documents.report_document import PeriodChoice, Report, period_for
from crm_desktop.services.follow_ups.follow_up_service import FollowUpService, TodayScope
from crm_desktop.services.reports.report_service import ReportService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    database = Database(args.database)
    upgrade(database)
    reports = ReportService(database)
    today = reports.today()
    print(f"{database.describe()}, as of {today}")
    print(f"{'report':44} {'p50 ms':>8} {'p95 ms':>8}  figures")
    year, month = (period_for(PeriodChoice.THIS_YEAR, today),
                   period_for(PeriodChoice.LAST_MONTH, today))
    cases: list[tuple[str, Callable[[], Report]]] = [
        ("sales, this year", lambda: reports.sales(year, SYSTEM)),
        ("sales, last month", lambda: reports.sales(month, SYSTEM)),
        ("money owed", lambda: reports.money_owed(SYSTEM)),
        ("follow-ups, this year", lambda: reports.follow_ups(year, SYSTEM)),
        ("queries, this year", lambda: reports.queries(year, SYSTEM)),
        ("complaints and wins, this year", lambda: reports.feedback(year, SYSTEM)),
        ("customers, this year", lambda: reports.customers(year, SYSTEM)),
        ("customers we may lose (the list)", lambda: reports.at_risk_report(SYSTEM)),
    ]
    for name, work in cases:
        report = work()
        p50, p95 = percentiles(work, args.repeat)
        shown = ", ".join(f"{f.label} {f.value}" for f in report.figures[:3])
        print(f"{name:44} {p50:8.1f} {p95:8.1f}  {shown}")
    first = report.tables[0].rows[:3]
    for row in first:
        print(f"    score {row.cells[0]}: {row.cells[1]} — {row.cells[2]}")
    follow_ups = FollowUpService(database)
    p50, p95 = percentiles(lambda: follow_ups.today(TodayScope(None)), args.repeat)
    print(f"{'Today, the day itself':44} {p50:8.1f} {p95:8.1f}")
    p50, p95 = percentiles(follow_ups.at_risk, args.repeat)
    print(f"{'Today, its 3 customers we may lose (worker)':44} {p50:8.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
