"""The order list at scale: opening, paging, filtering, searching by customer or product.

    python bench/orders.py --database sqlite:////path/to/crm.sqlite3

Use a database filled by ``crm-desktop demo-data --customers 100000`` (about 80,000 orders).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from functools import partial

from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.models import OrderState
from crm_desktop.services.orders.order_list_service import OrderFilter, OrderListService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    database = Database(args.database)
    upgrade(database)
    service = OrderListService(database)
    total = service.count(OrderFilter())
    print(f"{database.describe()}: {total:,} orders")
    first = service.page(OrderFilter())
    cases = {
        "count + first page": OrderFilter(),
        "delivered, last 30 days": OrderFilter(state=OrderState.DELIVERED,
                                               since=datetime.now(UTC).date() - timedelta(30)),
        "customer “smith”": OrderFilter(text="smith"),
        "product “solution”": OrderFilter(text="solution"),
    }
    for label, filters in cases.items():
        p50, p95 = percentiles(partial(lambda f: (service.count(f), service.page(f)), filters))
        print(f"{label:32s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    p50, p95 = percentiles(lambda: service.page(OrderFilter(), after=first[-1]))
    print(f"{'next page by keyset':32s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    p50, p95 = percentiles(lambda: service.page(OrderFilter(), offset=total - 200))
    print(f"{'last page by OFFSET':32s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
