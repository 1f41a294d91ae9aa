"""Deleted customers: restore them within 30 days; the owner can purge them for good."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.access import Access
from crm_desktop.gui.shared.widgets import read_only_table
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.customer_service import TRASH_DAYS, TrashRow

HEADERS = ("Name", "Deleted", "By", "Goes for good on")


class TrashPage(QWidget):
    restore = Signal(list)  # customer ids
    purge = Signal(list)

    def __init__(self, access: Access, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TrashRow] = []
        intro = QLabel(f"Deleted customers stay here for {TRASH_DAYS} days. Restore brings "
                       "them back with everything they had. Customers with orders or invoices "
                       "are kept, because the books must show whom they sold to.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        read_only_table(self.table, many=True)
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 190)
        self.table.setColumnWidth(2, 160)
        self.restore_button = QPushButton("&Restore")
        self.purge_button = QPushButton("&Purge now…")
        access.gate(Permission.DELETE_CUSTOMERS, self.restore_button)
        access.gate(Permission.PURGE_CUSTOMERS, self.purge_button)
        self.empty_label = QLabel("The trash is empty.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.purge_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        self.restore_button.clicked.connect(lambda: self._emit(self.restore))
        self.purge_button.clicked.connect(lambda: self._emit(self.purge))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def show_rows(self, rows: list[TrashRow], formatter: Formatter) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            kept = "kept: has orders or invoices" if row.kept_for_records else \
                formatter.date(row.purge_on)
            for c, text in enumerate((row.display_name, formatter.date_time(row.deleted_at),
                                      row.deleted_by, kept)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                self.table.setItem(r, c, item)
        self.empty_label.setVisible(not rows)
        self._selection_changed()

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.rows[r].id for r in rows]

    def _selection_changed(self) -> None:
        chosen = bool(self.table.selectedIndexes())
        self.restore_button.setEnabled(chosen)
        self.purge_button.setEnabled(chosen)

    def _emit(self, signal: SignalInstance) -> None:
        ids = self.selected_ids()
        if ids:
            signal.emit(ids)
