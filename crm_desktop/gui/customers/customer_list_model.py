"""A lazy table model over the customer list: only the pages on screen are in memory.

The row count comes from one COUNT query; pages of rows are fetched from SQL when a view asks
for them (keyset paging from the previous page when it is cached, OFFSET for a jump), and only
the most recently used pages are kept. Sorting and filtering happen in SQL. A search is ranked
once: the model keeps the matches' ids, best first, and fetches their rows a page at a time.

``fetch`` reads what a filter shows (its count and first page) and touches nothing of Qt, so
the search box can run it on a worker thread; ``show`` then puts the result on screen.

Counting a million customers takes ~50 ms, too long to hold the screen for at every refresh.
Given ``count_later`` (the app's worker), the list counts at most ``AT_ONCE`` rows before it
shows the first page; when there are more, it shows the count it last knew for the same
filter (a refresh after a save: usually still right) or ``AT_ONCE``, and counts exactly on the
worker; a different result puts the list right (as a refresh does, the place kept).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.paged_model import PagedTableModel
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
    CustomerRow,
    SortKey,
)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[CustomerRow, Formatter], str]
    sort: SortKey | None = None
    align_right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", lambda r, f: r.display_name, SortKey.NAME),
    Column("company", "Company", lambda r, f: r.company),
    Column("status", "Status", lambda r, f: f.status(r.status)
           + (f" — {r.lost_reason}" if r.lost_reason and r.status.value == "lost" else ""),
           SortKey.STATUS),
    Column("phone", "Phone", lambda r, f: r.phone),
    Column("email", "E-mail", lambda r, f: r.email),
    Column("tags", "Tags", lambda r, f: ", ".join(r.tags)),
    Column("owner", "Owner", lambda r, f: r.owner_name),
    Column("last_contact", "Last contact", lambda r, f: f.date(r.last_contact_at),
           SortKey.LAST_CONTACT),
    Column("next_follow_up", "Next follow-up", lambda r, f: f.date(r.next_follow_up_at),
           SortKey.NEXT_FOLLOW_UP),
    Column("lifetime_value", "Lifetime value", lambda r, f: f.money(r.lifetime_value),
           SortKey.LIFETIME_VALUE, align_right=True),
)

CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
AT_ONCE = 10_000  # rows counted before the first page shows; the rest on the worker
# Runs the work on a worker, then done(result) or failed(error) on the UI thread.
CountLater = Callable[[Callable[[], int], Callable[[int], None], Callable[[Exception], None]],
                      None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListQuery:
    filters: CustomerFilter
    sort: SortKey = SortKey.NAME
    descending: bool = False


@dataclass(frozen=True)
class ListResult:
    query: ListQuery
    count: int
    ranked: list[int] | None  # a search's matches, best first
    first_page: list[CustomerRow]


class CustomerListModel(PagedTableModel[CustomerRow]):
    headers = tuple(c.title for c in COLUMNS)

    def __init__(self, service: CustomerListService, formatter: Formatter, *,
                 page_size: int = 60, max_pages: int = 100,
                 count_later: CountLater | None = None) -> None:
        """``count_later``: where to count a long list exactly (without it, every count is
        made at once)."""
        super().__init__(page_size=page_size, max_pages=max_pages)
        self._service = service
        self._formatter = formatter
        self._count_later = count_later
        self._filter = CustomerFilter()
        self._sort = SortKey.NAME
        self._descending = False
        self._ranked: list[int] | None = None  # a search's matches, best first
        # The count is this filter's exact one, or the exact one it had just before a refresh
        # (its exact count on its way): a jump may be read back from the end of the list.
        self._trusted = False
        self._awaited = 0  # which exact count is awaited (older ones are dropped)
        self._adopt_count(service.count(self._filter, most=self._at_once))

    def query_for(self, filters: CustomerFilter) -> ListQuery:
        return ListQuery(filters, self._sort, self._descending)

    def fetch(self, query: ListQuery) -> ListResult:
        """What ``query`` shows: its count, a search's ranking and the first page. Only
        services are called, so this may run on a worker thread."""
        service, size = self._service, self._page_size
        if query.filters.is_search:
            ranked, first = service.search_page(query.filters, query.sort,
                                                descending=query.descending, limit=size)
            return ListResult(query, len(ranked), ranked, first)
        count = service.count(query.filters, most=self._at_once)
        first = service.page(query.filters, query.sort, descending=query.descending,
                             limit=size) if count else []
        return ListResult(query, count, None, first)

    def show(self, result: ListResult) -> None:
        same_list = result.query.filters == self._filter and self._trusted
        self.beginResetModel()
        self._filter = result.query.filters
        self._sort, self._descending = result.query.sort, result.query.descending
        self._ranked = result.ranked
        self._pages.clear()
        if result.first_page:
            self._pages[0] = result.first_page
        self._adopt_count(result.count, known=self._count if same_list else None,
                          searched=result.ranked is not None)
        self.endResetModel()

    @property
    def counted(self) -> bool:
        """False while a long list shows only how far it counted (``AT_ONCE``)."""
        return self._trusted

    @property
    def _at_once(self) -> int | None:
        return AT_ONCE if self._count_later is not None else None

    def _adopt_count(self, count: int, *, known: int | None = None,
                     searched: bool = False) -> None:
        """Take ``count`` (as far as it was counted); when it stopped at ``AT_ONCE``, show
        the count ``known`` for this filter meanwhile (if any) and count exactly on the
        worker."""
        self._awaited += 1
        if searched or self._count_later is None or count < AT_ONCE:
            self._count, self._trusted = count, True
            return
        self._trusted = known is not None and known >= AT_ONCE
        self._count = known if known is not None and self._trusted else count
        awaited, filters, service = self._awaited, self._filter, self._service
        self._count_later(lambda: service.count(filters),
                          lambda exact: self._counted(awaited, exact), self._count_failed)

    def _counted(self, awaited: int, count: int) -> None:
        if awaited != self._awaited:
            return  # the list has been read again since
        self._trusted = True
        if count != self._count:
            self.beginResetModel()  # (the place in the list is kept, as at a refresh)
            self._pages.clear()
            self._count = count
            self.endResetModel()

    def _count_failed(self, exc: Exception) -> None:
        # The list goes on with the count it shows; the next refresh counts again.
        log.warning("could not count the customer list: %s", exc)

    def refresh(self) -> None:
        self.show(self.fetch(self.query_for(self._filter)))

    def fetch_page(self, offset: int, limit: int, after: CustomerRow | None
                   ) -> list[CustomerRow]:
        if self._ranked is not None:
            return self._service.rows(self._ranked[offset:offset + limit], self._sort)
        return self._service.page(self._filter, self._sort, descending=self._descending,
                                  offset=offset, limit=limit, after=after,
                                  total=self._count if self._trusted else None)

    def cell(self, row: CustomerRow, column: int, role: int) -> Any:
        spec = COLUMNS[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.text(row, self._formatter)
        if role == CUSTOMER_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and spec.key == "name":
            return f"{row.display_name} · {row.number}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is None:
            return  # not sortable; the view keeps showing the current order
        self._sort = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter
        if self._count:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self._count - 1, len(COLUMNS) - 1))

    @staticmethod
    def is_sortable(column: int) -> bool:
        return 0 <= column < len(COLUMNS) and COLUMNS[column].sort is not None

    @property
    def filters(self) -> CustomerFilter:
        return self._filter

    def set_filter(self, filters: CustomerFilter) -> None:
        if filters != self._filter:
            self._filter = filters
            self.refresh()

    def customer_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.id if found else None
