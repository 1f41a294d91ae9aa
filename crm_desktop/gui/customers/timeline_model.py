"""A lazy table over a customer's timeline: Qt asks for more as the view scrolls down."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from crm_desktop.formatting import Formatter
from crm_desktop.services.customers.timeline_service import (
    KIND_LABELS,
    TimelineEntry,
    TimelineKind,
    TimelineService,
)

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("When", "What", "Summary", "Details", "Who")


class TimelineModel(QAbstractTableModel):
    def __init__(self, service: TimelineService, formatter: Formatter, *,
                 page_size: int = 50) -> None:
        super().__init__()
        self._service = service
        self._formatter = formatter
        self._page_size = page_size
        self._customer_id: int | None = None
        self._kinds: tuple[TimelineKind, ...] = ()
        self._entries: list[TimelineEntry] = []
        self._exhausted = True

    def show_customer(self, customer_id: int | None,
                      kinds: Sequence[TimelineKind] = ()) -> None:
        # The first page loads inside the reset: views ask for more while handling the reset
        # signal, and an insertion nested in a reset breaks Qt's model protocol.
        self.beginResetModel()
        self._customer_id = customer_id
        self._kinds = tuple(kinds)
        self._entries = self._page(None) if customer_id is not None else []
        self._exhausted = customer_id is None or len(self._entries) < self._page_size
        self.endResetModel()

    def set_formatter(self, formatter: Formatter) -> None:
        self._formatter = formatter

    def refresh(self) -> None:
        self.show_customer(self._customer_id, self._kinds)

    def entry(self, row: int) -> TimelineEntry:
        return self._entries[row]

    # ---- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._customer_id is None:
            return
        page = self._page(self._entries[-1] if self._entries else None)
        self._exhausted = len(page) < self._page_size
        if page:
            first = len(self._entries)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._entries.extend(page)
            self.endInsertRows()

    def _page(self, before: TimelineEntry | None) -> list[TimelineEntry]:
        assert self._customer_id is not None
        return self._service.page(self._customer_id, kinds=self._kinds or None, before=before,
                                  limit=self._page_size)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            f = self._formatter
            if column == 0:
                return f.date(entry.at) if entry.date_only else f.date_time(entry.at)
            if column == 1:
                return KIND_LABELS[entry.kind]
            if column == 2:
                if entry.amount is not None:
                    return f"{entry.title} · {f.money(entry.amount)}"
                return entry.title
            if column == 3:
                return entry.detail
            return entry.who
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3):
            return "\n".join(p for p in (entry.title, entry.detail) if p)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
