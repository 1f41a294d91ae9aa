"""Find a customer by typing, as in the customer list's search box, and pick one."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from crm_desktop.gui.shared.widgets import run_after_typing
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService

MATCHES = 8


class CustomerPicker(QWidget):
    chosen_changed = Signal()

    def __init__(self, customers: CustomerListService, *,
                 customer: tuple[int, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._customers = customers
        self.chosen: tuple[int, str] | None = customer
        self.search = QLineEdit()
        self.search.setPlaceholderText("name, phone, e-mail or customer number")
        self.search.setClearButtonEnabled(True)
        self.matches = QListWidget()
        self.matches.setMaximumHeight(120)
        # Room for a name with its phone and e-mail ("Margo Sánchez — 0161 496 0777,
        # margo@example.com") in whatever dialog the picker sits.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 40))
        self.chosen_label = QLabel()
        self.chosen_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.matches)
        layout.addWidget(self.chosen_label)
        self._timer = run_after_typing(self.search, self.look_up)
        self.matches.currentItemChanged.connect(self._chosen)
        if customer is not None:
            self.search.setText(customer[1])
            self.look_up()
        self._show_chosen()

    def look_up(self) -> None:
        self._timer.stop()
        text = self.search.text().strip()
        self.matches.clear()
        if not text:
            return
        rows = self._customers.page(CustomerFilter(text=text), limit=MATCHES)
        for row in rows:
            extra = ", ".join(p for p in (row.phone, row.email) if p)
            item = QListWidgetItem(row.display_name + (f" — {extra}" if extra else ""))
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, (row.id, row.display_name))
            self.matches.addItem(item)
        for i in range(self.matches.count()):
            if self.chosen is not None and self.matches.item(i).data(
                    Qt.ItemDataRole.UserRole)[0] == self.chosen[0]:
                self.matches.setCurrentRow(i)
                return
        if rows:
            self.matches.setCurrentRow(0)

    def _chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            customer_id, name = item.data(Qt.ItemDataRole.UserRole)
            self.chosen = (int(customer_id), str(name))
            self.chosen_changed.emit()
        self._show_chosen()

    def _show_chosen(self) -> None:
        self.chosen_label.setText(f"Chosen: <b>{escape(self.chosen[1])}</b>"
                                  if self.chosen else "")
