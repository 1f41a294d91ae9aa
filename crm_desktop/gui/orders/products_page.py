"""The catalogue: what the shop sells, at what price and tax rate."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.formatting import Formatter
from crm_desktop.gui.shared.widgets import read_only_table
from crm_desktop.services.orders.order_service import ProductView

HEADERS = ("SKU", "Name", "Unit price", "Tax", "Unit", "")


class ProductsPage(QWidget):
    add = Signal()
    edit = Signal(int)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.products: list[ProductView] = []
        self.add_button = QPushButton("&New product…")
        self.edit_button = QPushButton("&Edit…")
        self.show_retired = QCheckBox("Show retired products")
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)
        bar.addStretch(1)
        bar.addWidget(self.show_retired)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        read_only_table(self.table)
        self.table.setColumnWidth(1, 320)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self._edit_current)
        self.table.doubleClicked.connect(lambda _index: self._edit_current())
        self.show_retired.toggled.connect(self.refresh_requested)

    def show_products(self, products: list[ProductView], formatter: Formatter) -> None:
        self.products = products
        self.table.setRowCount(len(products))
        for r, p in enumerate(products):
            cells = (p.sku, p.name, formatter.money(p.unit_price),
                     f"{formatter.number(p.tax_rate)} %", p.unit,
                     "" if p.active else "retired")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)

    def _edit_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.products):
            self.edit.emit(self.products[row].id)
