"""A lazy table model over the customer list: only the pages on screen are in memory.

The row count comes from one COUNT query; pages of rows are fetched from SQL when a view asks
for them (keyset paging from the previous page when it is cached, OFFSET for a jump), and only
the most recently used pages are kept. Sorting and filtering happen in SQL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from crm_desktop.formatting import Formatter
from crm_desktop.services.customer_list_service import (
    CustomerFilter,
    CustomerListService,
    CustomerRow,
    SortKey,
)

Index = QModelIndex | QPersistentModelIndex


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


class CustomerListModel(QAbstractTableModel):
    def __init__(self, service: CustomerListService, formatter: Formatter, *,
                 page_size: int = 200, max_pages: int = 40) -> None:
        super().__init__()
        self._service = service
        self._formatter = formatter
        self._page_size = page_size
        self._max_pages = max_pages
        self._filter = CustomerFilter()
        self._sort = SortKey.NAME
        self._descending = False
        self._pages: OrderedDict[int, list[CustomerRow]] = OrderedDict()
        self._count = service.count(self._filter)

    # ---- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row, self._formatter)
        if role == CUSTOMER_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "name":
            return f"{row.display_name} · {row.number}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is None:
            return  # not sortable; the view keeps showing the current order
        self._sort = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    # ---- our interface ---------------------------------------------------------------------

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

    def refresh(self) -> None:
        """Re-read everything, e.g. after a save."""
        self.beginResetModel()
        self._pages.clear()
        self._count = self._service.count(self._filter)
        self.endResetModel()

    def customer_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.id if found else None

    def row_at(self, row: int) -> CustomerRow | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self._page_size)
        page = self._page(number)
        return page[offset] if offset < len(page) else None

    def _page(self, number: int) -> list[CustomerRow]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        previous = self._pages.get(number - 1)
        after = previous[-1] if previous and len(previous) == self._page_size else None
        page = self._service.page(
            self._filter, self._sort, descending=self._descending,
            offset=number * self._page_size, limit=self._page_size, after=after,
        )
        self._pages[number] = page
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        return page
