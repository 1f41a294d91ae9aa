"""A lazy table over rows that live in SQL: a COUNT for the scrollbar, pages on demand.

Only the pages a view looks at are fetched (keyset paging from the previous page when it is
cached, OFFSET for a jump), and only the most recently used pages are kept. Subclasses say
how to count, how to fetch a page and how to show a row.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from crm_desktop.formatting import Formatter

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
Filter = TypeVar("Filter")
Filter_contra = TypeVar("Filter_contra", contravariant=True)

LONG_CELL = 40  # characters: longer cells get their whole text as a tooltip


class Counter(Protocol[Filter_contra]):
    def count(self, filters: Filter_contra) -> int: ...


def roles(*answered: Qt.ItemDataRole) -> frozenset[int]:
    """The roles a model's ``cell`` answers: text, tooltip and alignment, its own user roles,
    and those named (such as the colour of an overdue row)."""
    return frozenset(int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                      Qt.ItemDataRole.TextAlignmentRole, *answered)) | frozenset(
        range(Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 16))


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    headers: tuple[str, ...] = ()
    # The roles ``cell`` may answer. A view asks each cell for seven or more roles as it
    # paints (decoration, check state, background...): those get None without a page lookup.
    answered_roles: frozenset[int] = roles()

    def __init__(self, *, page_size: int = 200, max_pages: int = 40) -> None:
        super().__init__()
        self._page_size = page_size
        self._max_pages = max_pages
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._count = 0

    # ---- for subclasses ------------------------------------------------------------------------

    def count_rows(self) -> int:
        raise NotImplementedError

    def fetch_page(self, offset: int, limit: int, after: Row | None) -> list[Row]:
        raise NotImplementedError

    def cell(self, row: Row, column: int, role: int) -> Any:
        raise NotImplementedError

    # ---- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.answered_roles or not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        value = self.cell(row, index.column(), role)
        if value is None and role == Qt.ItemDataRole.ToolTipRole:
            # A long cell is elided by the view: its whole text is one hover away.
            text = self.cell(row, index.column(), Qt.ItemDataRole.DisplayRole)
            return text if isinstance(text, str) and len(text) > LONG_CELL else None
        return value

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    @property
    def page_size(self) -> int:
        return self._page_size

    # ---- paging --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read everything, e.g. after a save or a new filter."""
        self.beginResetModel()
        self._pages.clear()
        self._count = self.count_rows()
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self._page_size)
        page = self._page(number)
        return page[offset] if offset < len(page) else None

    def _page(self, number: int) -> list[Row]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        previous = self._pages.get(number - 1)
        after = previous[-1] if previous and len(previous) == self._page_size else None
        page = self.fetch_page(number * self._page_size, self._page_size, after)
        self._pages[number] = page
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        return page


class FilteredTableModel(PagedTableModel[Row], Generic[Row, Filter]):
    """A paged table over one list service: the filter it shows and the formatter it shows
    rows with. Subclasses fetch pages and draw cells."""

    def __init__(self, counter: Counter[Filter], filters: Filter, formatter: Formatter, *,
                 page_size: int = 200) -> None:
        super().__init__(page_size=page_size)
        self._counter = counter
        self._formatter = formatter
        self.filters = filters
        self._count = counter.count(filters)

    def set_filter(self, filters: Filter) -> None:
        if filters != self.filters:
            self.filters = filters
            self.refresh()

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def count_rows(self) -> int:
        return self._counter.count(self.filters)
