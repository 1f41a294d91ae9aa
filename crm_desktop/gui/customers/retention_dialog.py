"""*Customer → Customers to review…*: the customers the shop has not heard from for the
retention period, to erase their personal data or keep them, a few or all at once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.background import Background
from crm_desktop.gui.shared.errors import show_error
from crm_desktop.services.customers.retention import RetentionReview

COLUMNS = ("Customer", "Last contact or order", "Invoices (kept)", "Kept at a review")


class RetentionDialog(QDialog):
    open_customer = Signal(int)
    keep = Signal(list)  # customer ids
    erase = Signal(list)

    def __init__(self, load: Callable[[], RetentionReview], background: Background,
                 formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Customers to review")
        self.resize(760, 520)
        self._load = load
        self._background = background
        self._formatter = formatter
        self.review: RetentionReview | None = None

        self.summary = QLabel("Looking for customers the shop has not heard from…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 170)
        self.table.doubleClicked.connect(self._open)
        self.open_button = QPushButton("&Open profile")
        self.select_all_button = QPushButton("Select &all")
        self.keep_button = QPushButton("&Keep")
        self.keep_button.setToolTip("Keep them: asked about again only after another period "
                                    "without contact")
        self.erase_button = QPushButton("&Erase personal data…")
        close = QPushButton("Close")
        self.open_button.clicked.connect(self._open)
        self.select_all_button.clicked.connect(self.table.selectAll)
        self.keep_button.clicked.connect(lambda: self.keep.emit(self.selected_ids()))
        self.erase_button.clicked.connect(lambda: self.erase.emit(self.selected_ids()))
        close.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        buttons = QHBoxLayout()
        for button in (self.open_button, self.select_all_button, self.keep_button,
                       self.erase_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._selection_changed()

    def refresh(self) -> None:
        self._background.run(self._load, self._show, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.summary.setText("The list could not be made.")
        show_error(self, exc)

    def _show(self, review: RetentionReview) -> None:
        self.review = review
        f = self._formatter
        since = f.date(review.cutoff)
        if review.total == 0:
            self.summary.setText(f"Nobody to review: every customer has had a contact or an "
                                 f"order in the last {review.years} years (since {since}).")
        else:
            shown = (f" The {len(review.rows):,} quiet longest are listed."
                     if len(review.rows) < review.total else "")
            self.summary.setText(
                f"<b>{review.total:,} customer(s)</b> have had no contact or order for "
                f"{review.years} years (since {since}).{shown} Erase their personal data, or "
                "keep them. Their invoices are kept either way, as the law asks.")
        self.table.setRowCount(len(review.rows))
        for row, item in enumerate(review.rows):
            cells = (item.display_name, f.date(item.last_activity_at), f"{item.invoices:,}",
                     f.date(item.kept_at) if item.kept_at else "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                self.table.setItem(row, column, cell)
        self._selection_changed()

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        items = [self.table.item(row, 0) for row in rows]
        return [int(item.data(Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def _selection_changed(self) -> None:
        count = len(self.selected_ids())
        self.open_button.setEnabled(count == 1)
        self.keep_button.setEnabled(count > 0)
        self.erase_button.setEnabled(count > 0)
        self.select_all_button.setEnabled(self.table.rowCount() > 0)

    def _open(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.open_customer.emit(ids[0])
