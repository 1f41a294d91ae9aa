"""All invoices, newest first: unpaid, overdue, not yet printed, drafts… and batch printing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QPushButton,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.list_page import ListPage, right_aligned
from crm_desktop.gui.shared.paged_model import FilteredTableModel, roles
from crm_desktop.services.invoices.invoice_list_service import (
    SHOW_LABELS,
    InvoiceFilter,
    InvoiceListService,
    InvoiceRow,
    InvoiceShow,
)
from crm_desktop.services.invoices.invoice_service import STATUS_LABELS, InvoiceStatus

INVOICE_ID_ROLE = Qt.ItemDataRole.UserRole + 3
OVERDUE = QColor("#b3261e")


class InvoiceListModel(FilteredTableModel[InvoiceRow, InvoiceFilter]):
    answered_roles = roles(Qt.ItemDataRole.ForegroundRole)
    headers = ("Number", "Date", "Customer", "Status", "Due", "Total", "Still due", "Printed")

    def __init__(self, service: InvoiceListService, formatter: Formatter) -> None:
        super().__init__(service, InvoiceFilter(), formatter)
        self._service = service

    def fetch_page(self, offset: int, limit: int, after: InvoiceRow | None) -> list[InvoiceRow]:
        return self._service.page(self.filters, offset=offset, limit=limit, after=after)

    def cell(self, row: InvoiceRow, column: int, role: int) -> Any:
        f = self._formatter
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.number or "(draft)", f.date(row.issued_on), row.customer_name,
                    STATUS_LABELS[row.status], f.date(row.due_on), f.money(row.gross_total),
                    f.money(row.balance) if row.balance else "",
                    "✓" if row.printed else "")[column]
        if role == INVOICE_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and row.status is InvoiceStatus.OVERDUE:
            return QBrush(OVERDUE)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (5, 6):
            return right_aligned()
        return None


class InvoicesPage(ListPage[InvoiceRow, InvoiceFilter]):
    noun = ("invoice", "invoices")
    new_invoice = Signal()
    print_unprinted = Signal()

    def __init__(self, model: InvoiceListModel, parent: QWidget | None = None) -> None:
        super().__init__(model, id_role=INVOICE_ID_ROLE,
                         column_widths=(125, 100, 200, 90, 100, 100, 100),
                         search_hint="Invoice number or customer", parent=parent)
        self.show_filter = QComboBox()
        for show, label in SHOW_LABELS.items():
            self.show_filter.addItem(label, show.value)
        self.new_button = QPushButton("&New invoice…")
        self.print_button = QPushButton("&Print unprinted…")
        self.print_button.setToolTip("Print every issued invoice nobody has printed yet, "
                                     "each marked printed as it goes")
        for widget in (self.show_filter, self.new_button, self.print_button):
            self.top.addWidget(widget)
        self.show_filter.currentIndexChanged.connect(self.apply_filters)
        self.new_button.clicked.connect(self.new_invoice)
        self.print_button.clicked.connect(self.print_unprinted)
        self.update_count()

    def show_only(self, show: InvoiceShow) -> None:
        self.show_filter.setCurrentIndex(self.show_filter.findData(show.value))

    def current_filter(self) -> InvoiceFilter:
        return InvoiceFilter(show=InvoiceShow(self.show_filter.currentData()),
                             text=self.search_text())
