"""One invoice: what it says, its payments and corrections, the handwritten note, and a
preview that is the very PDF that prints.

A draft's lines can change and it can be issued or discarded. An issued invoice never
changes: payments are recorded against it, corrections are credit notes, and the owner can
void it (keeping its number). The thank-you note is edited beside the preview and saved with
the invoice until it is first printed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import Formatter
from crm_desktop.gui.invoices.invoice_printing import ReturnEnvelopes
from crm_desktop.gui.shared.customer_picker import CustomerPicker
from crm_desktop.gui.shared.operations import attempt
from crm_desktop.gui.shared.pdf import PdfPreview, choose_printer, send_to_printer
from crm_desktop.gui.shared.widgets import ROW_HEIGHT, ActionRow, FormDialog, breakable
from crm_desktop.models import InvoiceKind, InvoiceState, PaymentMethod
from crm_desktop.services.admin.settings_service import NOTE_MAX_LINES
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.invoices.invoice_service import (
    METHOD_LABELS,
    STATUS_LABELS,
    InvoiceLineInput,
    InvoiceService,
    InvoiceStatus,
    InvoiceView,
    PaymentInput,
)
from crm_desktop.validation import gather, parse_number

STATUS_COLOURS = {InvoiceStatus.OVERDUE: "#b3261e", InvoiceStatus.PAID: "#1e7a34",
                  InvoiceStatus.VOID: "#777777", InvoiceStatus.DRAFT: "#8a6d00"}


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class InvoiceWindow(QDialog):
    changed = Signal(int)  # an invoice was saved: lists and profiles should refresh
    open_invoice = Signal(int)  # e.g. a credit note just issued
    open_customer = Signal(int)
    follow_up = Signal(int, int)  # customer id, invoice id
    open_settings = Signal()
    write_reminder = Signal(int)  # a friendly payment reminder to this customer

    def __init__(self, invoices: InvoiceService, actor: Actor, formatter: Formatter,
                 invoice: InvoiceView, parent: QWidget | None = None, *,
                 return_envelopes: ReturnEnvelopes | None = None,
                 with_return_envelope: bool = False) -> None:
        """``return_envelopes`` makes the return envelope printed with the invoice (ticked
        at *Print* when ``with_return_envelope``, the shop's setting)."""
        super().__init__(parent)
        self.invoices = invoices
        self._return_envelopes = return_envelopes
        self._with_return_envelope = with_return_envelope
        self._actor = actor
        self._formatter = formatter
        self.invoice = invoice
        self.pdf = b""
        self.pdf_document = QPdfDocument(self)  # before the preview: see PdfPreview
        self.resize(1180, 760)
        self.setMinimumWidth(640)

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.lines = QTableWidget(0, 5)
        self.lines.setHorizontalHeaderLabels(["Description", "Qty", "Unit price", "Tax",
                                              "Amount"])
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.verticalHeader().setVisible(False)
        self.lines.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.payments = QTableWidget(0, 4)
        self.payments.setHorizontalHeaderLabels(["Paid on", "Amount", "Method", "Reference"])
        self.payments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.payments.verticalHeader().setVisible(False)
        self.payments.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.payments.horizontalHeader().setStretchLastSection(True)
        self.payments.setMaximumHeight(110)
        self.related = QLabel()
        self.related.setTextFormat(Qt.TextFormat.RichText)
        self.related.linkActivated.connect(lambda ref: self.open_invoice.emit(int(ref)))

        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("A few handwritten lines to the customer")
        self.note.setMaximumHeight(130)
        self.note_state = QLabel()
        self.note_state.setWordWrap(True)
        self.save_note_button = QPushButton("Save note and &update preview")
        self.save_note_button.clicked.connect(self.save_note)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(self.heading)
        column.addWidget(self.facts)
        column.addWidget(self.lines, 3)
        self.draft_buttons = ActionRow()
        column.addLayout(self.draft_buttons)
        payments_box = QGroupBox("Payments")
        payments_layout = QVBoxLayout(payments_box)
        payments_layout.addWidget(self.payments)
        payments_layout.addWidget(self.related)
        column.addWidget(payments_box, 1)
        note_box = QGroupBox("Handwritten thank-you note")
        note_layout = QVBoxLayout(note_box)
        note_layout.addWidget(self.note)
        note_layout.addWidget(self.note_state)
        note_layout.addWidget(self.save_note_button)
        column.addWidget(note_box)

        self.preview = PdfPreview(self.pdf_document)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 600])
        self.buttons = ActionRow()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.buttons)
        self._make_buttons()
        self._show(invoice)

    # ---- showing -------------------------------------------------------------------------------

    def _show(self, invoice: InvoiceView) -> None:
        self.invoice = invoice
        f = self._formatter
        self.setWindowTitle(f"{invoice.title} — {invoice.customer_name}")
        colour = STATUS_COLOURS.get(invoice.status, "#1b3a8c")
        self.heading.setText(
            f"<span style='font-size:15pt; font-weight:600'>{invoice.title}</span> "
            f"&nbsp;<span style='color:{colour}; font-weight:600'>"
            f"{STATUS_LABELS[invoice.status]}</span>")
        facts = [f"<b>{escape(breakable(invoice.customer_name))}</b>"]
        if invoice.issued_on:
            facts.append(f"Issued {f.date(invoice.issued_on)}")
        if invoice.due_on and invoice.kind is InvoiceKind.INVOICE:
            facts.append(f"due {f.date(invoice.due_on)}")
        facts.append(f"Total {f.money(invoice.gross_total)}")
        if invoice.state is InvoiceState.ISSUED and invoice.kind is InvoiceKind.INVOICE:
            facts.append(f"<b>Still due {f.money(invoice.balance)}</b>")
        if invoice.printed_at:
            facts.append(f"printed {f.date(invoice.printed_at)}")
        if invoice.void_reason:
            facts.append(f"void: {escape(breakable(invoice.void_reason))}")
        self.facts.setText(" · ".join(facts))
        self.lines.setRowCount(len(invoice.lines))
        for row, line in enumerate(invoice.lines):
            credited = (f" (−{f.number(line.credited)} credited)" if line.credited else "")
            cells = [line.description + credited, f.number(line.quantity),
                     f.money(line.unit_price), f"{f.number(line.tax_rate)} %",
                     f.money(line.net)]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(row, column, item)
        self.payments.setRowCount(len(invoice.payments))
        for row, payment in enumerate(invoice.payments):
            for column, value in enumerate((f.date(payment.paid_on), f.money(payment.amount),
                                            METHOD_LABELS[payment.method], payment.reference)):
                self.payments.setItem(row, column, QTableWidgetItem(value))
        related = [f"<a href='{c.id}'>Credit note {c.number}</a> ({f.money(c.gross_total)})"
                   for c in invoice.credit_notes]
        if invoice.credited is not None:
            related.append(f"Corrects <a href='{invoice.credited.id}'>invoice "
                           f"{invoice.credited.number}</a>: {invoice.credit_reason or ''}")
        self.related.setText("<br>".join(related))
        self.note.setPlainText(invoice.thank_you_note)
        self.note.setReadOnly(not invoice.note_editable)
        self.save_note_button.setEnabled(invoice.note_editable)
        self.note_state.setText(
            "Printed: the note stays as it was printed, so a reprint matches."
            if invoice.printed_at else
            f"Up to {NOTE_MAX_LINES} lines. It prints in handwriting, in blue ink.")
        self._show_buttons()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        pdf = attempt(self, lambda: self.invoices.pdf(self.invoice.id))
        if pdf is not None:
            self.pdf = pdf
            self.preview.show_pdf(pdf)

    def _make_buttons(self) -> None:
        """Every button the window can offer; each state shows its own."""
        self.draft_buttons.add("add_line", "Add a &line…", self.add_line)
        self.draft_buttons.add("remove_line", "&Remove line", self.remove_line)
        self.draft_buttons.addStretch(1)
        for key, label, slot in (
                ("issue", "&Issue invoice", self.issue),
                ("discard", "&Discard draft", self.discard),
                ("print", "&Print…", self.print_invoice),
                ("save_pdf", "Save as P&DF…", self.save_pdf),
                ("payment", "Record &payment…", self.record_payment),
                ("credit", "&Credit note…", self.credit_note),
                ("void", "&Void…", self.void),
                ("follow_up", "&Follow up…",
                 lambda: self.follow_up.emit(self.invoice.customer_id, self.invoice.id)),
                ("reminder", "Reminder &letter…",
                 lambda: self.write_reminder.emit(self.invoice.customer_id)),
                ("customer", "Open c&ustomer",
                 lambda: self.open_customer.emit(self.invoice.customer_id))):
            self.buttons.add(key, label, slot)
        # A tick beside Print and Save as PDF.
        self.return_envelope = QCheckBox("With a return &envelope")
        self.return_envelope.setToolTip("An envelope addressed to the shop, printed after the "
                                        "invoice")
        self.return_envelope.setChecked(self._with_return_envelope)
        self.buttons.insertWidget(self.buttons.indexOf(self.buttons.buttons["save_pdf"]) + 1,
                                  self.return_envelope)
        self.buttons.addStretch(1)
        self.buttons.add("done", "Done", self.reject)
        self.action_buttons: dict[str, QPushButton] = {**self.draft_buttons.buttons,
                                                       **self.buttons.buttons}

    def _show_buttons(self) -> None:
        invoice = self.invoice
        draft = invoice.state is InvoiceState.DRAFT
        issued = invoice.state is InvoiceState.ISSUED
        is_invoice = invoice.kind is InvoiceKind.INVOICE
        self.draft_buttons.show_only({"add_line": draft, "remove_line": draft})
        self.return_envelope.setVisible(not draft and self._return_envelopes is not None)
        self.buttons.show_only({
            "issue": draft, "discard": draft, "print": not draft,
            "payment": issued and is_invoice and invoice.balance > 0,
            "credit": issued and is_invoice,
            "void": issued and invoice.paid_total == 0 and invoice.credited_total == 0,
            "follow_up": not draft,
            "reminder": invoice.status is InvoiceStatus.OVERDUE})

    def visible_actions(self) -> list[str]:
        """The buttons a person sees now, in order."""
        return self.draft_buttons.visible(self) + self.buttons.visible(self)

    def _saved(self, invoice: InvoiceView | None, message: str = "") -> None:
        if invoice is None:
            return
        self._show(invoice)
        self.changed.emit(invoice.id)
        if message:
            self.note_state.setText(message)

    # ---- actions -------------------------------------------------------------------------------

    def save_note(self) -> None:
        text = self.note.toPlainText()
        self._saved(attempt(self, lambda: self.invoices.set_note(
            self.invoice.id, self.invoice.version, text, self._actor)), "Note saved.")

    def _save_note_if_changed(self) -> bool:
        if (self.invoice.note_editable
                and self.note.toPlainText().strip() != self.invoice.thank_you_note):
            invoice = attempt(self, lambda: self.invoices.set_note(
                self.invoice.id, self.invoice.version, self.note.toPlainText(), self._actor))
            if invoice is None:
                return False
            self._show(invoice)
        return True

    def add_line(self) -> None:
        dialog = LineDialog(self._formatter, self.invoices.default_tax_rate(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.line is None:
            return
        lines = [*(li.as_input() for li in self.invoice.lines), dialog.line]
        self._saved(attempt(self, lambda: self.invoices.update_draft(
            self.invoice.id, self.invoice.version, lines, self._actor)))

    def remove_line(self) -> None:
        row = self.lines.currentRow()
        if row < 0 or len(self.invoice.lines) < 2:
            return
        lines = [li.as_input() for i, li in enumerate(self.invoice.lines) if i != row]
        self._saved(attempt(self, lambda: self.invoices.update_draft(
            self.invoice.id, self.invoice.version, lines, self._actor)))

    def issue(self) -> None:
        if not self._save_note_if_changed() or not self._ready_for_a_first_invoice():
            return
        self._saved(attempt(self, lambda: self.invoices.issue(
            self.invoice.id, self.invoice.version, self._actor)))

    def _ready_for_a_first_invoice(self) -> bool:
        """Before the shop's first invoice goes out without a return address, bank details or
        tax id, say so; adding them (the default) opens the settings."""
        gaps = attempt(self, self.invoices.first_invoice_gaps)
        if not gaps:
            return gaps is not None
        box = QMessageBox(QMessageBox.Icon.Warning, "Before your first invoice",
                          "This invoice would go out without " + _listed(gaps) + ".",
                          parent=self)
        box.setInformativeText("Customers need them to pay and to reply. Add them in the "
                               "shop settings, then issue the invoice.")
        add = box.addButton("Add them in settings…", QMessageBox.ButtonRole.AcceptRole)
        anyway = box.addButton("Issue without them", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(add)
        box.exec()
        if box.clickedButton() is add:
            self.open_settings.emit()
        return box.clickedButton() is anyway

    def discard(self) -> None:
        answer = QMessageBox.question(self, "Discard the draft?",
                                      "Throw this draft invoice away? Its orders can be "
                                      "invoiced again.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        def discard() -> bool:
            self.invoices.discard_draft(self.invoice.id, self.invoice.version, self._actor)
            return True

        if attempt(self, discard):
            self.changed.emit(self.invoice.id)
            self.accept()

    def print_invoice(self, printer: QPrinter | None = None) -> bool:
        """The system print dialog, then the PDF the preview shows; marks it printed."""
        if not self._save_note_if_changed():
            return False
        chosen = printer or choose_printer(self, f"Print {self.invoice.title}")
        if chosen is None:
            return False
        pdf = self.pdf

        envelopes = self._return_envelopes if self.return_envelope.isChecked() else None
        customer_id, title = self.invoice.customer_id, self.invoice.title

        def send() -> bool:
            send_to_printer(pdf, chosen, title)
            if envelopes is not None:
                send_to_printer(envelopes([customer_id]), chosen, f"Return envelope, {title}",
                                beside=True)
            return True

        if not attempt(self, send):
            return False
        self._saved(attempt(self, self._mark_printed), "Sent to the printer.")
        return True

    def _mark_printed(self) -> InvoiceView:
        self.invoices.mark_printed([self.invoice.id], self._actor)
        return self.invoices.get(self.invoice.id)

    def save_pdf(self) -> Path | None:
        if not self._save_note_if_changed():
            return None
        name = (self.invoice.number or "draft").replace("/", "-")
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save as PDF", f"{self.invoice.title.split()[0]} {name}.pdf", "PDF (*.pdf)")
        if not chosen:
            return None
        target = Path(chosen)
        if attempt(self, lambda: target.write_bytes(self.pdf)) is None:
            return None
        self.note_state.setText(f"Saved to {target}")
        return target

    def record_payment(self) -> None:
        dialog = PaymentDialog(self.invoices, self._actor, self._formatter, self.invoice, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._saved(dialog.saved)

    def credit_note(self) -> None:
        dialog = CreditNoteDialog(self.invoices, self._actor, self._formatter, self.invoice,
                                  self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._saved(attempt(self, lambda: self.invoices.get(self.invoice.id)))
            self.open_invoice.emit(dialog.saved.id)

    def void(self) -> None:
        dialog = VoidDialog(self.invoices, self._actor, self.invoice, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._saved(dialog.saved)


# ---- small dialogs ---------------------------------------------------------------------------


class LineDialog(FormDialog):
    """A line typed by hand on a draft: description, quantity, price and tax."""

    def __init__(self, formatter: Formatter, default_tax_rate: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Add a line", parent, ok=QDialogButtonBox.StandardButton.Ok)
        self._locale = formatter.locale
        self.line: InvoiceLineInput | None = None
        self.description = QLineEdit()
        self.quantity = QLineEdit("1")
        self.unit_price = QLineEdit()
        self.tax_rate = QLineEdit(formatter.number(default_tax_rate)
                                  if default_tax_rate is not None else "")
        self.add_field("&Description", self.description, "description")
        self.add_field("&Quantity", self.quantity, "quantity")
        self.add_field("Unit &price", self.unit_price, "unit_price")
        self.add_field("&Tax %", self.tax_rate, "tax_rate")

    def save(self) -> None:
        def read() -> InvoiceLineInput:
            errors: dict[str, str] = {}
            if not self.description.text().strip():
                errors["description"] = "Describe what is invoiced."
            quantity, price, rate = (
                gather(errors, partial(parse_number, key, label, edit.text(), self._locale),
                       Decimal(0))
                for key, label, edit in (("quantity", "Quantity", self.quantity),
                                         ("unit_price", "Unit price", self.unit_price),
                                         ("tax_rate", "Tax", self.tax_rate)))
            if errors:  # every field that is wrong, at once
                raise ValidationError(errors)
            return InvoiceLineInput(self.description.text(), quantity, price, rate)

        self.line = self.attempt_save(read)
        if self.line is not None:
            self.accept()


class PaymentDialog(FormDialog):
    def __init__(self, invoices: InvoiceService, actor: Actor, formatter: Formatter,
                 invoice: InvoiceView, parent: QWidget | None = None) -> None:
        super().__init__(f"Payment for {invoice.title}", parent)
        self._invoices, self._actor, self._invoice = invoices, actor, invoice
        self._locale = formatter.locale
        self.saved: InvoiceView | None = None
        today = invoices.today()
        self.paid_on = QDateEdit(_qdate(today))
        self.paid_on.setCalendarPopup(True)
        self.paid_on.setDisplayFormat("yyyy-MM-dd")
        self.amount = QLineEdit(formatter.amount(invoice.balance))
        self.method = QComboBox()
        for method in PaymentMethod:
            self.method.addItem(METHOD_LABELS[method], method.value)
        self.method.setCurrentIndex(self.method.findData(PaymentMethod.BANK_TRANSFER.value))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("e.g. the bank statement's line")
        self.add_field("Paid &on", self.paid_on, "paid_on")
        self.add_field(f"&Amount ({invoice.currency})", self.amount, "amount")
        self.add_field("&Method", self.method, "method")
        self.add_field("&Reference", self.reference, "reference")
        self.insert_below_form(QLabel(f"Still due: {formatter.money(invoice.balance)}"))

    def save(self) -> None:
        def record() -> InvoiceView:
            amount = parse_number("amount", "Amount", self.amount.text(), self._locale)
            data = PaymentInput(_day(self.paid_on.date()), amount,
                                PaymentMethod(self.method.currentData()), self.reference.text())
            return self._invoices.record_payment(self._invoice.id, self._invoice.version, data,
                                                 self._actor)

        self.saved = self.attempt_save(record)
        if self.saved is not None:
            self.accept()


class CreditNoteDialog(FormDialog):
    """Choose how much of each line to take back, and why: a credit note is issued."""

    def __init__(self, invoices: InvoiceService, actor: Actor, formatter: Formatter,
                 invoice: InvoiceView, parent: QWidget | None = None) -> None:
        super().__init__(f"Credit note for {invoice.title}", parent,
                         ok=QDialogButtonBox.StandardButton.Ok)
        self._invoices, self._actor, self._invoice = invoices, actor, invoice
        self.saved: InvoiceView | None = None
        self.quantities: dict[int, QDoubleSpinBox] = {}
        for line in invoice.lines:
            spin = QDoubleSpinBox()
            spin.setDecimals(3)
            spin.setRange(0, float(line.quantity - line.credited))
            spin.setSuffix(f" of {formatter.number(line.quantity - line.credited)}")
            self.quantities[line.id] = spin
            self.add_field(line.description[:60], spin, f"lines.{line.position}.quantity")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. returned: scratched leg")
        self.add_field("&Reason (printed)", self.reason, "reason")
        self.watch("lines", self.reason)

    def save(self) -> None:
        chosen = {line_id: Decimal(str(round(spin.value(), 3)))
                  for line_id, spin in self.quantities.items() if spin.value() > 0}
        self.saved = self.attempt_save(lambda: self._invoices.credit(
            self._invoice.id, self._invoice.version, chosen, self.reason.text(), self._actor))
        if self.saved is not None:
            self.accept()


class VoidDialog(FormDialog):
    def __init__(self, invoices: InvoiceService, actor: Actor, invoice: InvoiceView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Void {invoice.title}", parent, ok=QDialogButtonBox.StandardButton.Ok)
        self._invoices, self._actor, self._invoice = invoices, actor, invoice
        self.saved: InvoiceView | None = None
        self.reason = QLineEdit()
        self.add_field("&Why is it void?", self.reason, "reason")
        self.insert_below_form(QLabel("The number stays used and the invoice stays on file, "
                                      "marked void."))

    def save(self) -> None:
        self.saved = self.attempt_save(lambda: self._invoices.void(
            self._invoice.id, self._invoice.version, self.reason.text(), self._actor))
        if self.saved is not None:
            self.accept()


def _listed(items: list[str]) -> str:
    """"a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _no_customer() -> None:
    raise ValidationError.single("customer", "Choose who the invoice is for.")


class NewInvoiceDialog(FormDialog):
    """Start an invoice: the customer, then their delivered orders not yet invoiced (all
    ticked), or one line typed by hand when there are none."""

    def __init__(self, invoices: InvoiceService, customers: CustomerListService, actor: Actor,
                 formatter: Formatter, *, customer: tuple[int, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("New invoice", parent, ok=QDialogButtonBox.StandardButton.Ok)
        self._invoices, self._actor, self._formatter = invoices, actor, formatter
        self.created: InvoiceView | None = None
        self.picker = CustomerPicker(customers, customer=customer)
        self.orders = QListWidget()
        self.orders.setMinimumHeight(120)
        self.by_hand = QCheckBox("Start with a line typed by hand instead")
        self.add_field("&Customer", self.picker, "customer")
        self.add_field("Delivered, not yet invoiced", self.orders, "orders")
        self.add_field("", self.by_hand)
        self.picker.chosen_changed.connect(self._load_orders)
        self._load_orders()

    def _load_orders(self) -> None:
        self.orders.clear()
        if self.picker.chosen is None:
            return
        f = self._formatter
        customer_id = self.picker.chosen[0]
        found = attempt(self, lambda: self._invoices.invoiceable_orders(customer_id))
        for order in found or []:
            what = ", ".join(f"{f.number(li.quantity)} × {li.description}"
                             for li in order.lines[:3])
            more = f" and {len(order.lines) - 3} more" if len(order.lines) > 3 else ""
            item = QListWidgetItem(f"Order {order.id} of {f.date(order.ordered_at)}: "
                                   f"{what}{more}")
            item.setData(Qt.ItemDataRole.UserRole, order.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.orders.addItem(item)
        self.by_hand.setChecked(not found)

    def chosen_orders(self) -> list[int]:
        return [int(self.orders.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.orders.count())
                if self.orders.item(i).checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        if self.picker.chosen is None:
            self.attempt_save(_no_customer)
            return
        customer_id = self.picker.chosen[0]
        if self.by_hand.isChecked():
            line_dialog = LineDialog(self._formatter, self._invoices.default_tax_rate(), self)
            if line_dialog.exec() != QDialog.DialogCode.Accepted or line_dialog.line is None:
                return
            line = line_dialog.line
            self.created = self.attempt_save(lambda: self._invoices.create_draft(
                customer_id, [line], self._actor))
        else:
            orders = self.chosen_orders()
            self.created = self.attempt_save(lambda: self._invoices.draft_from_orders(
                customer_id, orders, self._actor))
        if self.created is not None:
            self.accept()
