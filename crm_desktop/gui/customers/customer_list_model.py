"""A lazy table model over the customer list: only the pages on screen are in memory.

The row count comes from one COUNT query; pages of rows are fetched from SQL when a view asks
for them (keyset paging from the previous page when it is cached, OFFSET for a jump), and only
the most recently used pages are kept. Sorting and filtering happen in SQL. A search is ranked
once: the model keeps the matches' ids, best first, and fetches their rows a page at a time.

``fetch`` reads what a filter shows (its count and first page) and touches nothing of Qt, so
the search box can run it on a worker thread; ``show`` then puts the result on screen.
"""

from __future__ import annotations

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
                 page_size: int = 60, max_pages: int = 100) -> None:
        super().__init__(page_size=page_size, max_pages=max_pages)
        self._service = service
        self._formatter = formatter
        self._filter = CustomerFilter()
        self._sort = SortKey.NAME
        self._descending = False
        self._ranked: list[int] | None = None  # a search's matches, best first
        self._count = service.count(self._filter)

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
        count = service.count(query.filters)
        first = service.page(query.filters, query.sort, descending=query.descending,
                             limit=size) if count else []
        return ListResult(query, count, None, first)

    def show(self, result: ListResult) -> None:
        self.beginResetModel()
        self._filter = result.query.filters
        self._sort, self._descending = result.query.sort, result.query.descending
        self._ranked = result.ranked
        self._pages.clear()
        if result.first_page:
            self._pages[0] = result.first_page
        self._count = result.count
        self.endResetModel()

    def refresh(self) -> None:
        self.show(self.fetch(self.query_for(self._filter)))

    def fetch_page(self, offset: int, limit: int, after: CustomerRow | None
                   ) -> list[CustomerRow]:
        if self._ranked is not None:
            return self._service.rows(self._ranked[offset:offset + limit], self._sort)
        return self._service.page(self._filter, self._sort, descending=self._descending,
                                  offset=offset, limit=limit, after=after, total=self._count)

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
