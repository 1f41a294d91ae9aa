"""Customer list at scale: how long the lazy list takes to open, page, jump and filter.

    python bench/customer_list.py [--customers 100000] [--database URL]

Without --database it seeds a fresh SQLite database in a temporary folder with demo data.
Prints figures; it asserts nothing (performance targets live here, not in unit tests).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.demo_data import generate
from crm_desktop.formatting import Formatter
from crm_desktop.gui.customers.customer_list_model import CustomerListModel
from crm_desktop.gui.shared.background import Background
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
    SortKey,
)
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    database = Database(url)
    upgrade(database)
    service = CustomerListService(database)
    if service.count(CustomerFilter()) < args.customers:
        start = time.perf_counter()
        generate(database, args.customers - service.count(CustomerFilter()))
        print(f"seeded {args.customers:,} customers in {time.perf_counter() - start:.1f} s")
    total = service.count(CustomerFilter())
    print(f"database: {database.describe()}  customers: {total:,}")

    app = QApplication.instance() or QApplication(sys.argv)
    formatter = Formatter()

    # As the app makes it: a long list counted exactly on the worker, after its first page
    # shows. Each timed step is followed, untimed, by that count (the worker's wait).
    background = Background()

    def open_list() -> None:
        model = CustomerListModel(service, formatter, count_later=background.run)
        model.index(0, 0).data()

    rows: list[tuple[str, tuple[float, float]]] = [
        ("open list (first page shown)", percentiles(open_list, then=background.wait)),
        ("  the exact count, on the worker", percentiles(
            partial(service.count, CustomerFilter())))]
    model = CustomerListModel(service, formatter, count_later=background.run)
    background.wait()

    def jump_to_the_end() -> None:
        model.refresh()
        model.index(total - 1, 0).data()

    rows.append(("refresh and jump to the last row",
                 percentiles(jump_to_the_end, then=background.wait)))
    first = service.page(CustomerFilter(), limit=200)
    rows.append(("next page by keyset", percentiles(
        lambda: service.page(CustomerFilter(), limit=200, after=first[-1]))))
    for sort in (SortKey.LAST_CONTACT, SortKey.LIFETIME_VALUE):
        rows.append((f"first page sorted by {sort.value} desc", percentiles(
            partial(service.page, CustomerFilter(), sort, descending=True, limit=200))))
    for text in ("smi", "0134", "jim"):
        query = model.query_for(CustomerFilter(text=text))
        rows.append((f"search “{text}” (rank + first page)", percentiles(
            partial(model.fetch, query), repeat=10)))
    for label, (p50, p95) in rows:
        print(f"{label:50s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")

    start = time.perf_counter()
    scroller = CustomerListModel(service, formatter)
    size = scroller.page_size
    for row in range(0, total, size):
        scroller.index(row, 0).data()
    elapsed = time.perf_counter() - start
    pages = -(-total // size)
    print(f"scroll top to bottom, every page: {elapsed:.2f} s for {pages:,} pages "
          f"({elapsed / pages * 1000:.2f} ms a page)")
    del app
    database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
