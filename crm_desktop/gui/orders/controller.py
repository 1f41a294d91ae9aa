"""Orders and the product catalogue: the order list, the order window, products."""

from __future__ import annotations

from PySide6.QtCore import Signal

from crm_desktop.formatting import Formatter
from crm_desktop.gui.orders.order_dialog import OrderDialog
from crm_desktop.gui.orders.orders_page import OrderListModel, OrdersPage
from crm_desktop.gui.orders.product_dialog import ProductDialog
from crm_desktop.gui.orders.products_page import ProductsPage
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.permissions import Permission
from crm_desktop.services.orders.order_list_service import OrderListService
from crm_desktop.services.orders.order_service import OrderService, OrderView


class OrdersController(Controller):
    # customer id, source kind, source id, purpose: schedule a follow-up about it
    follow_up = Signal(int, str, int, str)
    invoice_order = Signal(int, int)  # customer id, order id: draft an invoice for it

    def __init__(self, desk: Desk, orders: OrderService, order_list: OrderListService) -> None:
        super().__init__(desk)
        self._orders = orders
        self.list_model = OrderListModel(order_list, desk.formatter)
        self.page = OrdersPage(self.list_model, desk.clock)
        self.products_page = ProductsPage()
        desk.access.gate(Permission.TAKE_ORDERS, self.products_page.add_button,
                         self.products_page.edit_button)
        self.page.open_row.connect(self.open_order)
        self.products_page.add.connect(lambda: self.edit_product(None))
        self.products_page.edit.connect(self.edit_product)
        self.products_page.refresh_requested.connect(self.show_products)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches(Change.ORDERS | Change.CUSTOMERS):
            self.list_model.refresh()
        if changes.touches(Change.PRODUCTS) and self.desk.shell.is_current(self.products_page):
            self.show_products()

    def set_formatter(self, formatter: Formatter) -> None:
        self.list_model.set_formatter(formatter)

    def show_orders(self) -> None:
        self.list_model.refresh()
        self.desk.shell.show_page(self.page)

    def show_customer_orders(self, customer_id: int) -> None:
        """What has this customer ordered before? The order list, for them only."""
        customer = self.desk.customer_choice(customer_id)
        if customer is not None:
            self.page.show_customer(customer)
            self.show_orders()

    def show_products(self) -> None:
        self.products_page.show_products(
            self._orders.products(include_retired=self.products_page.show_retired.isChecked()),
            self.desk.formatter)
        self.desk.shell.show_page(self.products_page)

    def edit_product(self, product_id: int | None) -> ProductDialog | None:
        existing = (attempt(self.window, lambda: self._orders.product(product_id))
                    if product_id is not None else None)
        if product_id is not None and existing is None:
            return None
        dialog = ProductDialog(self._orders, self.actor, self.desk.formatter, existing,
                               self.window)
        return self.desk.ops.dialog(dialog, changes=Changes.of(Change.PRODUCTS, []),
                                    done="Product saved")

    def new_order(self, customer_id: int) -> OrderDialog | None:
        customer = self.desk.customer_choice(customer_id)
        return self._order_dialog(customer, None) if customer is not None else None

    def open_order(self, order_id: int) -> OrderDialog | None:
        order = attempt(self.window, lambda: self._orders.get(order_id))
        if order is None:
            return None
        return self._order_dialog((order.customer_id, order.customer_name), order)

    def _order_dialog(self, customer: tuple[int, str], order: OrderView | None) -> OrderDialog:
        dialog = OrderDialog(self._orders, self.actor, self.desk.formatter, customer=customer,
                             order=order, parent=self.window)
        buttons = dialog.action_buttons
        self.desk.access.gate(Permission.TAKE_ORDERS, *(
            b for k, b in buttons.items() if k not in {"done", "follow_up", "invoice"}))
        self.desk.access.gate(Permission.FOLLOW_UP, buttons["follow_up"])
        self.desk.access.gate(Permission.ISSUE_INVOICES, buttons["invoice"])
        # The order window stays open while it saves step by step: each step is announced.
        dialog.changed.connect(lambda _order_id: self.desk.ops.announce(
            Changes.of(Change.ORDERS, [customer[0]])))
        dialog.open_order.connect(self.open_order)
        dialog.follow_up.connect(lambda cid, oid: self.follow_up.emit(
            cid, "order", oid, f"Check they're happy with order {oid}"))
        dialog.invoice.connect(self.invoice_order)
        return self.desk.ops.dialog(dialog)
