"""The rows behind a figure: the invoices of a month, the follow-ups a person missed, the
customers lost for a reason. Each opens its customer (or invoice)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.documents.report_document import Row, Table
from crm_desktop.formatting import Formatter
from crm_desktop.gui.reports.report_view import ReportTable


class BehindDialog(QDialog):
    open_row = Signal(object)  # a Row
    export_csv = Signal(object)  # the Table

    def __init__(self, table: Table, formatter: Formatter, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(table.title)
        self.resize(900, 480)
        self.table = ReportTable(table, formatter, fit=False)
        count = len(table.rows)
        said = table.note or f"{count:,} row{'s' if count != 1 else ''}."
        heading = QLabel(f"<b>{escape(table.title)}</b>: {escape(said)}"
                         + (" Double-click one to open it." if count else ""))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("&Open")
        self.csv_button = QPushButton("Export &CSV…")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.csv_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.open_row.connect(self.open_row)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.open_button.clicked.connect(self._open)
        self.csv_button.clicked.connect(lambda: self.export_csv.emit(table))
        self.csv_button.setEnabled(bool(count))
        self._chosen()

    def _current(self) -> Row | None:
        return self.table.current() if self.table.selectedItems() else None

    def _chosen(self) -> None:
        row = self._current()
        self.open_button.setEnabled(row is not None and (row.customer_id is not None
                                                         or row.invoice_id is not None))

    def _open(self) -> None:
        row = self._current()
        if row is not None:
            self.open_row.emit(row)
