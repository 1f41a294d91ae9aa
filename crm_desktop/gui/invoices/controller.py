"""Invoices: the list, the invoice window, new drafts and printing what is not yet printed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox

from crm_desktop.formatting import Formatter
from crm_desktop.gui.invoices.invoice_printing import BatchPrint, run_batch
from crm_desktop.gui.invoices.invoice_window import InvoiceWindow, NewInvoiceDialog
from crm_desktop.gui.invoices.invoices_page import InvoiceListModel, InvoicesPage
from crm_desktop.gui.shared.desk import Controller, Desk
from crm_desktop.gui.shared.operations import Change, Changes, attempt
from crm_desktop.gui.shared.pdf import choose_printer
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.invoices.invoice_list_service import InvoiceListService
from crm_desktop.services.invoices.invoice_service import InvoiceService, InvoiceView
from crm_desktop.services.mailing.mailing_service import MailingService


class InvoicesController(Controller):
    open_customer = Signal(int)
    open_settings = Signal()  # what the shop's invoices need is missing
    follow_up = Signal(int, str, int, str)  # customer id, source kind, source id, purpose
    write_to = Signal(int, str)  # a letter to a customer: their id, the letter's key

    def __init__(self, desk: Desk, invoices: InvoiceService, invoice_list: InvoiceListService,
                 customer_list: CustomerListService, *, mailing: MailingService,
                 settings: SettingsService) -> None:
        super().__init__(desk)
        self._invoices = invoices
        self._mailing = mailing
        self._settings = settings
        self._customer_list = customer_list
        self.list_model = InvoiceListModel(invoice_list, desk.formatter)
        self.page = InvoicesPage(self.list_model)
        desk.access.gate(Permission.ISSUE_INVOICES, self.page.new_button, self.page.print_button)
        self.batch_print: BatchPrint | None = None
        self.page.open_row.connect(self.open_invoice)
        self.page.new_invoice.connect(lambda: self.new_invoice(None))
        self.page.print_unprinted.connect(self.print_unprinted)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches(Change.INVOICES | Change.CUSTOMERS):
            self.list_model.refresh()

    def set_formatter(self, formatter: Formatter) -> None:
        self.list_model.set_formatter(formatter)

    def show_invoices(self) -> None:
        self.list_model.refresh()
        self.desk.shell.show_page(self.page)

    def new_invoice(self, customer_id: int | None) -> NewInvoiceDialog | None:
        customer = None
        if customer_id is not None:
            customer = self.desk.customer_choice(customer_id)
            if customer is None:
                return None
        dialog = NewInvoiceDialog(self._invoices, self._customer_list, self.actor,
                                  self.desk.formatter, customer=customer, parent=self.window)
        dialog.accepted.connect(lambda: self._created(dialog.created))
        return self.desk.ops.dialog(dialog)

    def invoice_order(self, customer_id: int, order_id: int) -> InvoiceWindow | None:
        """From an order: a draft invoice for what of it was delivered, not yet invoiced."""
        draft = attempt(self.window, lambda: self._invoices.draft_from_orders(
            customer_id, [order_id], self.actor))
        return self._created(draft)

    def _created(self, invoice: InvoiceView | None) -> InvoiceWindow | None:
        if invoice is None:
            return None
        self._announce(invoice.customer_id)
        return self.open_invoice(invoice.id)

    def _announce(self, customer_id: int | None, message: str | None = None) -> None:
        self.desk.ops.announce(Changes.of(
            Change.INVOICES, None if customer_id is None else [customer_id]), message)

    def open_invoice(self, invoice_id: int) -> InvoiceWindow | None:
        invoice = attempt(self.window, lambda: self._invoices.get(invoice_id))
        if invoice is None:
            return None
        send_back = attempt(self.window, lambda: self._settings.business().return_envelope)
        window = InvoiceWindow(self._invoices, self.actor, self.desk.formatter, invoice,
                               self.window, return_envelopes=self._return_envelopes,
                               with_return_envelope=bool(send_back))
        buttons, gate = window.action_buttons, self.desk.access.gate
        gate(Permission.ISSUE_INVOICES, *(buttons[k] for k in (
            "add_line", "remove_line", "issue", "discard")), window.save_note_button)
        gate(Permission.RECORD_PAYMENTS, buttons["payment"])
        gate(Permission.CREDIT_INVOICES, buttons["credit"])
        gate(Permission.VOID_INVOICES, buttons["void"])
        gate(Permission.FOLLOW_UP, buttons["follow_up"])
        gate(Permission.SEND_POST, buttons["reminder"])
        # The invoice window stays open while it saves: each save is announced.
        window.changed.connect(lambda _id: self._announce(invoice.customer_id))
        window.open_invoice.connect(self.open_invoice)
        window.open_customer.connect(self.open_customer)
        window.open_settings.connect(self.open_settings)
        window.write_reminder.connect(lambda cid: self.write_to.emit(cid, "payment_reminder"))
        window.follow_up.connect(lambda cid, iid: self.follow_up.emit(
            cid, "invoice", iid, f"Follow up {window.invoice.title}"))
        return self.desk.ops.dialog(window)

    def print_unprinted(self, printer: QPrinter | None = None) -> BatchPrint | None:
        """Every issued invoice nobody has printed yet, through the print dialog once."""
        waiting = attempt(self.window, self._invoices.unprinted)
        if not waiting:
            if waiting is not None:
                QMessageBox.information(self.window, "Nothing to print",
                                        "Every issued invoice has been printed.")
            return None
        chosen = printer or choose_printer(self.window, f"Print {len(waiting):,} invoice(s)")
        if chosen is None:
            return None
        send_back = attempt(self.window, lambda: self._settings.business().return_envelope)
        self.batch_print = run_batch(self._invoices, self.actor, waiting, printer=chosen,
                                     parent=self.window, on_done=self._batch_printed,
                                     return_envelopes=self._return_envelopes if send_back
                                     else None)
        return self.batch_print

    def _return_envelopes(self, customer_ids: Sequence[int]) -> bytes:
        """Envelopes addressed to the shop, one for each of these customers (on a worker
        too: only services and values)."""
        return self._mailing.return_envelopes(customer_ids, self.actor).pdf

    def _batch_printed(self, printed: int, error: str) -> None:
        self.batch_print = None
        self.desk.ops.announce(Changes.of(Change.INVOICES), None)
        self.desk.ops.say(f"Printed {printed:,} invoice(s)", 8000)
        if error:
            QMessageBox.warning(self.window, "Printing stopped",
                                f"{error}\n\n{printed:,} invoice(s) were printed and marked; "
                                "the rest are still waiting.")
