"""Complaints, wins and ratings: recording them, the categories and the Tally page."""

from __future__ import annotations

from PySide6.QtCore import Signal

from crm_desktop.formatting import Formatter
from crm_desktop.gui.feedback.feedback_dialog import CategoriesDialog, FeedbackDialog
from crm_desktop.gui.feedback.tally_page import TallyPage
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes
from crm_desktop.models import FeedbackKind
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.invoices.invoice_list_service import InvoiceListService
from crm_desktop.services.orders.order_list_service import OrderListService


class FeedbackController(Controller):
    open_customer = Signal(int)
    write_to = Signal(int, str)  # a letter to a customer: their id, the letter's key

    def __init__(self, desk: Desk, feedback: FeedbackService,
                 customer_list: CustomerListService, order_list: OrderListService,
                 invoice_list: InvoiceListService) -> None:
        super().__init__(desk)
        self._feedback = feedback
        self._customer_list = customer_list
        self._order_list = order_list
        self._invoice_list = invoice_list
        self.tally_page = TallyPage(feedback, desk.formatter,
                                    can_edit=desk.access.can(Permission.CHANGE_SETTINGS))
        desk.access.gate(Permission.HANDLE_QUERIES, self.tally_page.record_button)
        self.tally_page.record.connect(
            lambda kind: self.record_feedback(None, FeedbackKind(kind)))
        self.tally_page.open_customer.connect(self.open_customer)
        desk.access.gate(Permission.SEND_POST, self.tally_page.apology_button)
        self.tally_page.write_apology.connect(lambda cid: self.write_to.emit(cid, "apology"))
        self.tally_page.edit_categories.connect(self.edit_categories)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches(Change.FEEDBACK) and self.desk.shell.is_current(self.tally_page):
            self.tally_page.refresh()

    def set_formatter(self, formatter: Formatter) -> None:
        self.tally_page.set_formatter(formatter)

    def show_tally(self) -> None:
        self.tally_page.refresh()
        self.desk.shell.show_page(self.tally_page)

    def record_feedback(self, customer_id: int | None,
                        kind: FeedbackKind = FeedbackKind.COMPLAINT) -> FeedbackDialog:
        customer = self.desk.customer_choice(customer_id)
        dialog = FeedbackDialog(self._feedback, self.actor, customers=self._customer_list,
                                orders=self._order_list, invoices=self._invoice_list,
                                formatter=self.desk.formatter, clock=self.desk.clock,
                                customer=customer, kind=kind, parent=self.window,
                                can_edit_categories=self.desk.access.can(
                                    Permission.CHANGE_SETTINGS))
        return self.desk.ops.dialog(dialog, changes=lambda: Changes.of(
            Change.FEEDBACK, [customer[0]] if customer else None), done="Recorded")

    def edit_categories(self) -> CategoriesDialog:
        dialog = CategoriesDialog(self._feedback, self.actor, self.window)
        # Categories are saved one by one inside the dialog; the tally reads them on close.
        dialog.finished.connect(lambda _result: self.desk.ops.announce(
            Changes.of(Change.FEEDBACK, [])))
        return self.desk.ops.dialog(dialog)
