"""All orders across customers, newest first: filter by state, period and customer or product."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLabel,
    QPushButton,
    QWidget,
)

from crm_desktop.clock import Clock
from crm_desktop.formatting import Formatter, local_zone
from crm_desktop.gui.shared.list_page import ListPage, right_aligned
from crm_desktop.gui.shared.paged_model import FilteredTableModel
from crm_desktop.gui.shared.widgets import breakable
from crm_desktop.models import OrderState
from crm_desktop.services.orders.order_list_service import OrderFilter, OrderListService, OrderRow

STATE_LABELS = {
    OrderState.DRAFT: "Draft", OrderState.CONFIRMED: "Confirmed",
    OrderState.SHIPPED: "Shipped", OrderState.DELIVERED: "Delivered",
    OrderState.CLOSED: "Closed", OrderState.CANCELLED: "Cancelled",
}
CUSTOM = -1
PERIODS = (("Any time", None), ("Last 7 days", 7), ("Last 30 days", 30),
           ("Last 90 days", 90), ("Last 365 days", 365), ("From … to …", CUSTOM))
ORDER_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class OrderListModel(FilteredTableModel[OrderRow, OrderFilter]):
    headers = ("Order", "Date", "Customer", "State", "What", "Total")

    def __init__(self, service: OrderListService, formatter: Formatter) -> None:
        super().__init__(service, OrderFilter(), formatter)
        self._service = service

    def fetch_page(self, offset: int, limit: int, after: OrderRow | None) -> list[OrderRow]:
        return self._service.page(self.filters, offset=offset, limit=limit, after=after)

    def cell(self, row: OrderRow, column: int, role: int) -> Any:
        f = self._formatter
        if role == Qt.ItemDataRole.DisplayRole:
            more = f" and {row.lines - 1} more" if row.lines > 1 else ""
            return (str(row.id), f.date(row.ordered_at), row.customer_name,
                    STATE_LABELS[row.state], f"{row.first_line}{more}",
                    f.money(row.gross_total))[column]
        if role == ORDER_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 5):
            return right_aligned()
        return None


class OrdersPage(ListPage[OrderRow, OrderFilter]):
    noun = ("order", "orders")

    def __init__(self, model: OrderListModel, clock: Clock,
                 parent: QWidget | None = None) -> None:
        super().__init__(model, id_role=ORDER_ID_ROLE, column_widths=(70, 110, 200, 100, 380),
                         search_hint="Customer, product or SKU", parent=parent)
        self._clock = clock
        self._customer: tuple[int, str] | None = None
        self.state_filter = QComboBox()
        self.state_filter.addItem("All states", None)
        for state, label in STATE_LABELS.items():
            self.state_filter.addItem(label, state.value)
        self.period = QComboBox()
        for label, days in PERIODS:
            self.period.addItem(label, days)
        today = clock().astimezone(local_zone()).date()
        self.since = QDateEdit(QDate(today.year, today.month, 1))
        self.until = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.hide()
            edit.dateChanged.connect(self.apply_filters)
        self.customer_label = QLabel()
        self.clear_customer = QPushButton("Show everyone's")
        self.clear_customer.hide()
        for widget in (self.state_filter, self.period, self.since, self.until,
                       self.customer_label, self.clear_customer):
            self.top.addWidget(widget)
        self.state_filter.currentIndexChanged.connect(self.apply_filters)
        self.period.currentIndexChanged.connect(self.apply_filters)
        self.clear_customer.clicked.connect(lambda: self.show_customer(None))
        self.update_count()

    def show_customer(self, customer: tuple[int, str] | None) -> None:
        """Only this customer's orders ("what has Jim ordered before?"), or everyone's."""
        self._customer = customer
        self.customer_label.setText(
            f"Orders of <b>{escape(breakable(customer[1]))}</b>" if customer else "")
        self.clear_customer.setVisible(customer is not None)
        self.apply_filters()

    def current_filter(self) -> OrderFilter:
        state = self.state_filter.currentData()
        days = self.period.currentData()
        custom = days == CUSTOM
        self.since.setVisible(custom)
        self.until.setVisible(custom)
        today: date = self._clock().astimezone(local_zone()).date()
        since: date | None = today - timedelta(days=int(days)) if days else None
        until: date | None = None
        if custom:
            since, until = _day(self.since.date()), _day(self.until.date())
        return OrderFilter(
            state=OrderState(state) if state else None,
            since=since,
            until=until,
            text=self.search_text(),
            customer_id=self._customer[0] if self._customer else None,
        )
