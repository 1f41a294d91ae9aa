"""Invoices: drafts made from delivered orders (or by hand), issued with a gap-free number,
paid in parts, corrected by credit notes, voided with their number kept.

A draft has no number and can change freely. Issuing takes the next number of the year from
``invoice_sequences`` in the same transaction (a failed issue gives its number back, so there
are no gaps), snapshots the billing address and the business profile, and from then on the
invoice never changes: corrections are credit notes that reference it. Only the handwritten
thank-you note stays editable, until the invoice is first printed, so every reprint matches
what the customer holds.

The status a person sees (issued, partly paid, paid, overdue) is computed from the stored
state, what was paid and credited, and the due date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from crm_desktop.actor import Actor
from crm_desktop.documents.invoice_document import DocumentLine, InvoiceDocument
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.formatting import local_zone
from crm_desktop.models import (
    Address,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceState,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Preference,
)
from crm_desktop.models.base import table_of
from crm_desktop.money import Totals, line_net, tax_on, totals
from crm_desktop.permissions import Permission
from crm_desktop.services import placeholders
from crm_desktop.services.admin.settings_service import (
    NOTE_MAX_CHARS,
    NOTE_MAX_LINES,
    BusinessSettings,
    SettingsService,
    shop_image,
)
from crm_desktop.services.customers.customer_service import customer_number
from crm_desktop.services.customers.postal import addressee, chosen_address, format_postal
from crm_desktop.services.invoices import sales_days
from crm_desktop.services.orders.order_service import (
    SOLD_STATES,
    percent_errors,
    price_errors,
    quantity_errors,
    tax_rate_errors,
)
from crm_desktop.services.records import load_current
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, clean_text, gather

MAX_LINES = 500
ZERO = Decimal("0.00")


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"  # issued, nothing paid yet, not yet due
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"
    CREDIT_NOTE = "credit_note"  # an issued credit note: nothing to pay


STATUS_LABELS = {
    InvoiceStatus.DRAFT: "Draft", InvoiceStatus.ISSUED: "Issued",
    InvoiceStatus.PARTLY_PAID: "Partly paid", InvoiceStatus.PAID: "Paid",
    InvoiceStatus.OVERDUE: "Overdue", InvoiceStatus.VOID: "Void",
    InvoiceStatus.CREDIT_NOTE: "Credit note",
}
METHOD_LABELS = {
    PaymentMethod.CASH: "Cash", PaymentMethod.CARD: "Card",
    PaymentMethod.BANK_TRANSFER: "Bank transfer", PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.OTHER: "Other",
}


def status_of(state: InvoiceState, kind: InvoiceKind, balance: Decimal, *, paid: Decimal,
              due_on: date | None, today: date) -> InvoiceStatus:
    if state is InvoiceState.DRAFT:
        return InvoiceStatus.DRAFT
    if state is InvoiceState.VOID:
        return InvoiceStatus.VOID
    if kind is InvoiceKind.CREDIT_NOTE:
        return InvoiceStatus.CREDIT_NOTE
    if balance <= 0:
        return InvoiceStatus.PAID
    if due_on is not None and due_on < today:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.PARTLY_PAID if paid > 0 else InvoiceStatus.ISSUED


# ---- inputs and views ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount_percent: Decimal = Decimal(0)
    order_line_id: int | None = None


@dataclass(frozen=True)
class InvoiceLineView:
    id: int
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal | None  # only on invoices issued with per-line rounding (before 0007)
    order_line_id: int | None
    credited: Decimal  # how much of this line credit notes have taken back

    def as_input(self) -> InvoiceLineInput:
        return InvoiceLineInput(self.description, self.quantity, self.unit_price,
                                self.tax_rate, self.discount_percent, self.order_line_id)


@dataclass(frozen=True)
class PaymentInput:
    paid_on: date
    amount: Decimal
    method: PaymentMethod
    reference: str = ""


@dataclass(frozen=True)
class PaymentView:
    id: int
    paid_on: date
    amount: Decimal
    method: PaymentMethod
    reference: str


@dataclass(frozen=True)
class RelatedInvoice:
    id: int
    number: str | None
    gross_total: Decimal
    state: InvoiceState


@dataclass(frozen=True)
class InvoiceView:
    id: int
    version: int
    kind: InvoiceKind
    number: str | None
    state: InvoiceState
    status: InvoiceStatus
    customer_id: int
    customer_name: str
    currency: str
    issued_on: date | None
    due_on: date | None
    payment_terms_days: int | None
    billing_address: str
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    tax_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...]
    paid_total: Decimal
    credited_total: Decimal
    thank_you_note: str
    printed_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    credit_reason: str | None
    credited: RelatedInvoice | None  # the invoice a credit note corrects
    lines: tuple[InvoiceLineView, ...]
    payments: tuple[PaymentView, ...]
    credit_notes: tuple[RelatedInvoice, ...]
    order_ids: tuple[int, ...]

    @property
    def balance(self) -> Decimal:
        """What the customer still owes (negative: what we owe them back)."""
        if self.kind is InvoiceKind.CREDIT_NOTE or self.state is not InvoiceState.ISSUED:
            return ZERO
        return self.gross_total - self.credited_total - self.paid_total

    @property
    def title(self) -> str:
        what = "Credit note" if self.kind is InvoiceKind.CREDIT_NOTE else "Invoice"
        return f"{what} {self.number}" if self.number else f"Draft {what.lower()}"

    @property
    def note_editable(self) -> bool:
        return self.state is not InvoiceState.VOID and self.printed_at is None


@dataclass(frozen=True)
class InvoiceableLine:
    order_line_id: int
    description: str
    quantity: Decimal  # delivered, less returned, less what is already on an invoice


@dataclass(frozen=True)
class InvoiceableOrder:
    id: int
    ordered_at: datetime
    lines: tuple[InvoiceableLine, ...]


@dataclass(frozen=True)
class Issuer:
    """The business profile as printed on an invoice; stored with it when it is issued."""

    shop_name: str
    address: str
    phone: str
    email: str
    tax_id: str
    bank_details: str
    paper: str
    envelope: str
    sender_name: str
    logo_image: str
    signature_image: str
    locale: str
    country: str
    note_on_card: bool

    @classmethod
    def from_settings(cls, s: BusinessSettings) -> Issuer:
        return cls(s.shop_name, s.address, s.phone, s.email, s.tax_id, s.bank_details, s.paper,
                   s.envelope, s.sender_name or s.shop_name, s.logo_image, s.signature_image,
                   s.locale, s.country, s.note_on_card)

    @classmethod
    def from_json(cls, text: str) -> Issuer:
        return cls(**json.loads(text))


# ---- the service -----------------------------------------------------------------------------


class InvoiceService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def today(self) -> date:
        return self._db.clock().astimezone(local_zone()).date()

    # ---- reading ---------------------------------------------------------------------------

    def get(self, invoice_id: int) -> InvoiceView:
        with self._db.read() as session:
            return self._view(session, _load(session, invoice_id))

    def by_number(self, number: str) -> InvoiceView:
        with self._db.read() as session:
            invoice_id = session.scalar(select(Invoice.id).where(Invoice.number == number.strip()))
            if invoice_id is None:
                raise NotFoundError(f"There is no invoice numbered “{number}”.")
            return self._view(session, _load(session, invoice_id))

    def first_invoice_gaps(self) -> list[str]:
        """What the shop's first invoice would go out without (its address, bank details, tax
        id), so the person can add it first; empty once any invoice has been issued."""
        settings = self._settings.business()
        with self._db.read() as session:
            issued = session.scalar(select(Invoice.id).where(
                Invoice.state != InvoiceState.DRAFT).limit(1))
        if issued is not None:
            return []
        return [what for what, value in (("the shop's return address", settings.address),
                                         ("the bank details to pay into", settings.bank_details),
                                         ("the shop's tax id", settings.tax_id))
                if not value.strip()]

    def default_tax_rate(self) -> Decimal | None:
        """The rate a line typed by hand starts with (editable)."""
        return self._settings.business().standard_tax_rate

    def unprinted(self) -> list[int]:
        """Issued invoices and credit notes nobody has printed yet, in number order."""
        with self._db.read() as session:
            return list(session.scalars(
                select(Invoice.id).where(Invoice.state == InvoiceState.ISSUED,
                                         Invoice.printed_at.is_(None)).order_by(Invoice.id)))

    def issuer(self, invoice: InvoiceView) -> Issuer:
        """Who the invoice is from: its snapshot once issued, else today's settings."""
        with self._db.read() as session:
            return self._issuer(_load(session, invoice.id))

    def _issuer(self, invoice: Invoice) -> Issuer:
        if invoice.state is not InvoiceState.DRAFT and invoice.issuer:
            return Issuer.from_json(invoice.issuer)
        return Issuer.from_settings(self._settings.business())

    def invoiceable_orders(self, customer_id: int) -> list[InvoiceableOrder]:
        """The customer's orders with delivered goods not yet on an invoice (or draft)."""
        with self._db.read() as session:
            invoiced = _invoiced_quantities(session, customer_id)
            orders = session.scalars(
                select(Order).options(selectinload(Order.lines))
                .where(Order.customer_id == customer_id, Order.state.in_(SOLD_STATES))
                .order_by(Order.ordered_at, Order.id)).all()
            result = []
            for order in orders:
                lines = tuple(
                    InvoiceableLine(line.id, line.description, left)
                    for line in order.lines
                    if (left := line.delivered_quantity - line.returned_quantity
                        - invoiced.get(line.id, Decimal(0))) > 0)
                if lines:
                    result.append(InvoiceableOrder(order.id, order.ordered_at, lines))
            return result

    def document(self, invoice_id: int) -> InvoiceDocument:
        """What the PDF shows, as plain values: a draft as it would be issued today, an
        issued invoice exactly as it was issued. (Read on its own, not through ``get``: a
        batch of 1,000 prints reads only what goes on paper, in two or three queries each.)"""
        with self._db.read() as session:  # one look at the invoice, its issuer and pictures
            row = _load(session, invoice_id)
            # An issued invoice carries its issuer and address: the settings only for a draft.
            issued = row.state is not InvoiceState.DRAFT and bool(row.issuer)
            settings = None if issued and row.billing_address else self._settings.business()
            if issued:
                issuer = Issuer.from_json(row.issuer)
            else:
                assert settings is not None
                issuer = Issuer.from_settings(settings)
            recipient = row.billing_address
            if not recipient and settings is not None:
                customer = session.get(Customer, row.customer_id)
                assert customer is not None
                recipient = billing_address(session, customer, settings, strict=False)
            credited = (session.get(Invoice, row.credited_invoice_id)
                        if row.credited_invoice_id is not None else None)
            lines = tuple(DocumentLine(line.description, line.quantity, line.unit_price,
                                       line.discount_percent, line.tax_rate, net, tax)
                          for line, net, tax in _priced_lines(row))
            logo = shop_image(session, issuer.logo_image)
            signature = shop_image(session, issuer.signature_image)
            return InvoiceDocument(
                credit_note=row.kind is InvoiceKind.CREDIT_NOTE, number=row.number,
                void=row.state is InvoiceState.VOID, issued_on=row.issued_on,
                due_on=row.due_on, customer_number=customer_number(row.customer_id),
                recipient=recipient, lines=lines, tax_by_rate=_totals(row).tax_by_rate,
                net_total=row.net_total, tax_total=row.tax_total, gross_total=row.gross_total,
                paid_total=row.paid_total, credited_total=row.credited_total,
                currency=row.currency, locale=issuer.locale, note=row.thank_you_note,
                seed=f"{row.id}:{row.number or 'draft'}", shop_name=issuer.shop_name,
                shop_address=issuer.address, shop_phone=issuer.phone,
                shop_email=issuer.email, tax_id=issuer.tax_id,
                bank_details=issuer.bank_details, envelope=issuer.envelope,
                sender_name=issuer.sender_name, credit_reason=row.credit_reason or "",
                credited_number=(credited.number or "") if credited else "",
                note_on_card=issuer.note_on_card, logo=logo, signature=signature)

    def pdf(self, invoice_id: int) -> bytes:
        # ReportLab is imported when the first invoice is rendered, not at every start.
        from crm_desktop.documents.invoice_pdf import render_invoice  # noqa: PLC0415

        return render_invoice(self.document(invoice_id))

    # ---- drafts ----------------------------------------------------------------------------

    def draft_from_orders(self, customer_id: int, order_ids: Sequence[int],
                          actor: Actor) -> InvoiceView:
        wanted = set(order_ids)
        available = [o for o in self.invoiceable_orders(customer_id) if o.id in wanted]
        if not available:
            raise ValidationError.single(
                "orders", "Those orders have nothing delivered that is not already invoiced.")
        with self._db.read() as session:
            order_lines = {line.id: line for line in session.scalars(
                select(OrderLine).where(OrderLine.id.in_(
                    [item.order_line_id for o in available for item in o.lines])))}
        lines = [InvoiceLineInput(item.description, item.quantity,
                                  order_lines[item.order_line_id].unit_price,
                                  order_lines[item.order_line_id].tax_rate,
                                  order_lines[item.order_line_id].discount_percent,
                                  item.order_line_id)
                 for o in available for item in o.lines]
        return self.create_draft(customer_id, lines, actor)

    def create_draft(self, customer_id: int, lines: Sequence[InvoiceLineInput],
                     actor: Actor) -> InvoiceView:
        settings = self._settings.business()
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            customer = session.get(Customer, customer_id)
            if customer is None or customer.deleted_at is not None:
                raise ValidationError.single("customer", "Choose a customer for the invoice.")
            invoice = Invoice(customer_id=customer_id, currency=settings.currency,
                              state=InvoiceState.DRAFT, kind=InvoiceKind.INVOICE)
            session.add(invoice)
            self._apply_lines(session, invoice, lines)
            invoice.thank_you_note = default_note(session, invoice, customer, settings)
            session.flush()
            return self._view(session, invoice)

    def update_draft(self, invoice_id: int, expected_version: int,
                     lines: Sequence[InvoiceLineInput], actor: Actor) -> InvoiceView:
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            invoice = self._draft(session, invoice_id, expected_version)
            self._apply_lines(session, invoice, lines)
            session.flush()
            return self._view(session, invoice)

    def discard_draft(self, invoice_id: int, expected_version: int, actor: Actor) -> None:
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            session.delete(self._draft(session, invoice_id, expected_version))

    def set_note(self, invoice_id: int, expected_version: int, note: str,
                 actor: Actor) -> InvoiceView:
        text = clean_multiline("thank_you_note", "The note", note, max_length=NOTE_MAX_CHARS)
        if len(text.splitlines()) > NOTE_MAX_LINES:
            raise ValidationError.single(
                "thank_you_note", f"Keep the note to {NOTE_MAX_LINES} lines and "
                                  f"{NOTE_MAX_CHARS} characters: it is written by hand.")
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            invoice = load_current(session, Invoice, invoice_id, expected_version, "invoice")
            if invoice.state is InvoiceState.VOID:
                raise ValidationError.single("thank_you_note", "A void invoice is not sent.")
            if invoice.printed_at is not None:
                raise ValidationError.single(
                    "thank_you_note", "This invoice has been printed; its note stays as "
                                      "printed so a reprint matches what the customer has.")
            invoice.thank_you_note = text
            session.flush()
            return self._view(session, invoice)

    def _draft(self, session: Session, invoice_id: int, expected_version: int) -> Invoice:
        invoice = load_current(session, Invoice, invoice_id, expected_version, "invoice")
        if invoice.state is not InvoiceState.DRAFT:
            raise ValidationError.single(
                "lines", f"Invoice {invoice.number} has been issued and cannot change; "
                         "correct it with a credit note.")
        return invoice

    def _apply_lines(self, session: Session, invoice: Invoice,
                     lines: Sequence[InvoiceLineInput]) -> None:
        errors: dict[str, str] = {}
        if not lines:
            errors["lines"] = "Add at least one line."
        elif len(lines) > MAX_LINES:
            errors["lines"] = f"An invoice can have at most {MAX_LINES} lines."
        descriptions = []
        for i, line in enumerate(lines):
            key = f"lines.{i}"
            descriptions.append(gather(errors, partial(
                clean_text, f"{key}.description", f"Line {i + 1}'s description",
                line.description, max_length=500, required=True), ""))
            found = {**quantity_errors(f"{key}.quantity", line.quantity),
                     **price_errors(f"{key}.unit_price", line.unit_price, invoice.currency),
                     **tax_rate_errors(f"{key}.tax_rate", line.tax_rate),
                     **percent_errors(f"{key}.discount_percent", line.discount_percent,
                                      "Discount")}
            errors.update({k: f"Line {i + 1}: {v[0].lower()}{v[1:]}" for k, v in found.items()})
        if errors:
            raise ValidationError(errors)
        invoice.lines.clear()
        session.flush()
        for position, line in enumerate(lines):
            invoice.lines.append(InvoiceLine(
                position=position, description=descriptions[position],
                quantity=line.quantity, unit_price=line.unit_price,
                discount_percent=line.discount_percent, tax_rate=line.tax_rate,
                order_line_id=line.order_line_id))
        _store_totals(invoice)

    # ---- issuing ---------------------------------------------------------------------------

    def issue(self, invoice_id: int, expected_version: int, actor: Actor) -> InvoiceView:
        settings = self._settings.business()
        today = self.today()
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            invoice = self._draft(session, invoice_id, expected_version)
            customer = session.get(Customer, invoice.customer_id)
            assert customer is not None
            if not invoice.lines:
                raise ValidationError.single("lines", "Add at least one line before issuing.")
            invoice.billing_address = billing_address(session, customer, settings)
            invoice.number = _next_number(session, settings, today.year)
            invoice.state = InvoiceState.ISSUED
            invoice.issued_on = today
            invoice.payment_terms_days = settings.payment_terms_days
            invoice.due_on = today + timedelta(days=settings.payment_terms_days)
            invoice.issuer = json.dumps(asdict(Issuer.from_settings(settings)))
            if not invoice.thank_you_note.strip():
                invoice.thank_you_note = default_note(session, invoice, customer, settings)
            session.flush()
            sales_days.record(session, invoice)
            return self._view(session, invoice)

    # ---- money -----------------------------------------------------------------------------

    def record_payment(self, invoice_id: int, expected_version: int, data: PaymentInput,
                       actor: Actor) -> InvoiceView:
        today = self.today()
        reference = clean_text("reference", "The reference", data.reference, max_length=200)
        with self._db.transaction(actor, Permission.RECORD_PAYMENTS) as session:
            invoice = load_current(session, Invoice, invoice_id, expected_version, "invoice")
            view = self._view(session, invoice)
            errors: dict[str, str] = {}
            if view.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID,
                               InvoiceStatus.CREDIT_NOTE):
                raise ValidationError.single(
                    "amount", f"Payments are recorded on issued invoices, not on a "
                              f"{STATUS_LABELS[view.status].lower()}.")
            if not data.amount.is_finite() or data.amount <= 0:
                errors["amount"] = "Enter the amount received."
            elif data.amount != data.amount.quantize(Decimal("0.01")):
                errors["amount"] = "Amounts are in whole cents."
            elif data.amount > view.balance:
                errors["amount"] = (f"That is more than the {view.balance} {invoice.currency} "
                                    "still due.")
            if data.paid_on > today:
                errors["paid_on"] = "A payment cannot be dated in the future."
            elif invoice.issued_on is not None and data.paid_on < invoice.issued_on:
                errors["paid_on"] = "A payment cannot be dated before the invoice was issued."
            if errors:
                raise ValidationError(errors)
            invoice.payments.append(Payment(paid_on=data.paid_on, amount=data.amount,
                                            method=data.method,
                                            reference=reference))
            invoice.paid_total = invoice.paid_total + data.amount
            session.flush()
            return self._view(session, invoice)

    def credit(self, invoice_id: int, expected_version: int, quantities: Mapping[int, Decimal],
               reason: str, actor: Actor) -> InvoiceView:
        """Issue a credit note taking back ``quantities`` of the invoice's lines (by line id).
        Returns the credit note."""
        settings = self._settings.business()
        today = self.today()
        reason = clean_text("reason", "The reason", reason, max_length=500)
        with self._db.transaction(actor, Permission.CREDIT_INVOICES) as session:
            invoice = load_current(session, Invoice, invoice_id, expected_version, "invoice")
            if invoice.kind is not InvoiceKind.INVOICE or invoice.state is not InvoiceState.ISSUED:
                raise ValidationError.single("lines", "Only an issued invoice can be credited.")
            already = _credited_quantities(session, invoice.id)
            errors: dict[str, str] = {}
            if not reason:
                errors["reason"] = "Say why: it is printed on the credit note."
            # (NaN and infinities are kept, to be refused below: comparing one raises)
            taken = {line_id: q for line_id, q in quantities.items()
                     if not (q.is_finite() and q == 0)}
            if not taken:
                errors["lines"] = "Choose what to credit."
            by_id = {line.id: line for line in invoice.lines}
            for line_id, quantity in taken.items():
                line = by_id.get(line_id)
                if line is None:
                    errors["lines"] = "That line is not on this invoice."
                    continue
                left = line.quantity - already.get(line_id, Decimal(0))
                if not quantity.is_finite() or not 0 < quantity <= left:
                    errors[f"lines.{line.position}.quantity"] = (
                        f"“{line.description}”: at most {left.normalize():f} can be credited.")
            if errors:
                raise ValidationError(errors)
            note = Invoice(customer_id=invoice.customer_id, kind=InvoiceKind.CREDIT_NOTE,
                           credited_invoice_id=invoice.id, currency=invoice.currency,
                           state=InvoiceState.ISSUED, issued_on=today, due_on=today,
                           payment_terms_days=0, billing_address=invoice.billing_address,
                           issuer=json.dumps(asdict(Issuer.from_settings(settings))),
                           credit_reason=reason[:500], thank_you_note="",
                           # A credit note rounds as the invoice it corrects did, so that
                           # crediting all of it takes back exactly what was charged.
                           tax_per_line=invoice.tax_per_line,
                           number=_next_number(session, settings, today.year))
            for position, (line_id, quantity) in enumerate(taken.items()):
                line = by_id[line_id]
                note.lines.append(InvoiceLine(
                    position=position, description=line.description, quantity=-quantity,
                    unit_price=line.unit_price, discount_percent=line.discount_percent,
                    tax_rate=line.tax_rate, order_line_id=line.order_line_id,
                    credited_line_id=line.id))
            _store_totals(note)
            session.add(note)
            invoice.credited_total = invoice.credited_total - note.gross_total
            session.flush()
            sales_days.record(session, note)
            return self._view(session, note)

    def void(self, invoice_id: int, expected_version: int, reason: str,
             actor: Actor) -> InvoiceView:
        reason = clean_text("reason", "The reason", reason, max_length=500)
        with self._db.transaction(actor, Permission.VOID_INVOICES) as session:
            invoice = load_current(session, Invoice, invoice_id, expected_version, "invoice")
            if invoice.state is not InvoiceState.ISSUED:
                raise ValidationError.single(
                    "reason", "Only an issued invoice can be voided; a draft is discarded.")
            if invoice.paid_total > 0 or invoice.credited_total > 0:
                raise ValidationError.single(
                    "reason", "Money has been paid or credited on this invoice: correct it "
                              "with a credit note instead, so the books still add up.")
            if not reason:
                raise ValidationError.single("reason", "Say why the invoice is void.")
            invoice.state = InvoiceState.VOID
            invoice.voided_at = self._db.clock()
            invoice.void_reason = reason[:500]
            if invoice.kind is InvoiceKind.CREDIT_NOTE and invoice.credited_invoice_id:
                credited = session.get(Invoice, invoice.credited_invoice_id)
                assert credited is not None
                credited.credited_total = credited.credited_total + invoice.gross_total
            session.flush()
            sales_days.record(session, invoice, sign=-1)
            return self._view(session, invoice)

    def mark_printed(self, invoice_ids: Sequence[int], actor: Actor) -> None:
        """The first printing is remembered; reprints keep that date."""
        with self._db.transaction(actor, Permission.ISSUE_INVOICES) as session:
            for invoice in session.scalars(select(Invoice).where(
                    Invoice.id.in_(invoice_ids), Invoice.printed_at.is_(None),
                    Invoice.state == InvoiceState.ISSUED)):
                invoice.printed_at = self._db.clock()

    # ---- views -----------------------------------------------------------------------------

    def _view(self, session: Session, invoice: Invoice) -> InvoiceView:
        customer = session.get(Customer, invoice.customer_id)
        assert customer is not None
        credited_by_line = _credited_quantities(session, invoice.id)
        lines = [InvoiceLineView(line.id, line.position, line.description, line.quantity,
                                 line.unit_price, line.discount_percent, line.tax_rate,
                                 net, tax, line.order_line_id,
                                 credited_by_line.get(line.id, Decimal(0)))
                 for line, net, tax in _priced_lines(invoice)]
        credit_notes = tuple(
            RelatedInvoice(c.id, c.number, c.gross_total, c.state)
            for c in session.scalars(select(Invoice).where(
                Invoice.credited_invoice_id == invoice.id).order_by(Invoice.id)))
        credited = None
        if invoice.credited_invoice_id is not None:
            target = session.get(Invoice, invoice.credited_invoice_id)
            assert target is not None
            credited = RelatedInvoice(target.id, target.number, target.gross_total, target.state)
        order_ids: tuple[int, ...] = ()
        line_ids = [line.order_line_id for line in invoice.lines if line.order_line_id]
        if line_ids:
            order_ids = tuple(session.scalars(
                select(OrderLine.order_id).where(OrderLine.id.in_(line_ids))
                .distinct().order_by(OrderLine.order_id)))
        summary = _totals(invoice)
        balance = invoice.gross_total - invoice.credited_total - invoice.paid_total
        return InvoiceView(
            id=invoice.id, version=invoice.version, kind=invoice.kind, number=invoice.number,
            state=invoice.state,
            status=status_of(invoice.state, invoice.kind, balance, paid=invoice.paid_total,
                             due_on=invoice.due_on, today=self.today()),
            customer_id=customer.id, customer_name=customer.display_name,
            currency=invoice.currency, issued_on=invoice.issued_on, due_on=invoice.due_on,
            payment_terms_days=invoice.payment_terms_days,
            billing_address=invoice.billing_address or billing_address(
                session, customer, self._settings.business(), strict=False),
            net_total=invoice.net_total, tax_total=invoice.tax_total,
            gross_total=invoice.gross_total, tax_by_rate=summary.tax_by_rate,
            paid_total=invoice.paid_total, credited_total=invoice.credited_total,
            thank_you_note=invoice.thank_you_note, printed_at=invoice.printed_at,
            voided_at=invoice.voided_at, void_reason=invoice.void_reason,
            credit_reason=invoice.credit_reason, credited=credited, lines=tuple(lines),
            payments=tuple(PaymentView(p.id, p.paid_on, p.amount, p.method, p.reference)
                           for p in invoice.payments),
            credit_notes=credit_notes, order_ids=order_ids)


# ---- helpers ---------------------------------------------------------------------------------


def _load(session: Session, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFoundError("That invoice no longer exists.")
    return invoice


def _priced_lines(invoice: Invoice) -> list[tuple[InvoiceLine, Decimal, Decimal | None]]:
    """Each line with its net, and its own tax where the invoice was taxed per line."""
    result = []
    for line in invoice.lines:
        net = line_net(line.quantity, line.unit_price, line.discount_percent)
        result.append((line, net, tax_on(net, line.tax_rate) if invoice.tax_per_line else None))
    return result


def _totals(invoice: Invoice) -> Totals:
    return totals(((line.quantity, line.unit_price, line.discount_percent, line.tax_rate)
                   for line in invoice.lines), per_line=invoice.tax_per_line)


def _store_totals(invoice: Invoice) -> None:
    summary = _totals(invoice)
    invoice.net_total, invoice.tax_total, invoice.gross_total = (
        summary.net, summary.tax, summary.gross)


def _next_number(session: Session, settings: BusinessSettings, year: int) -> str:
    """The year's next number, counted in this transaction: if it rolls back, so does the
    count. On PostgreSQL the UPDATE locks the year's row until commit, so two desks issuing at
    once get consecutive numbers."""
    sequences = table_of(InvoiceSequence)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(sequences).values(year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    seq = session.execute(update(sequences).where(sequences.c.year == year)
                          .values(last_number=sequences.c.last_number + 1)
                          .returning(sequences.c.last_number)).scalar_one()
    number = settings.invoice_number(year, seq)
    if session.scalar(select(func.count()).where(Invoice.number == number)):
        raise ValidationError.single(
            "number", f"Number {number} is already taken (by an invoice imported or numbered "
                      "before); change the number format in Shop settings.")
    return number


def _invoiced_quantities(session: Session, customer_id: int) -> dict[int, Decimal]:
    """Per order line, how much is on invoices and drafts (less credit notes), void ones
    aside."""
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.customer_id == customer_id, Invoice.state != InvoiceState.VOID,
               InvoiceLine.order_line_id.is_not(None))
        .group_by(InvoiceLine.order_line_id)).all()
    return {line_id: Decimal(quantity) for line_id, quantity in rows if line_id is not None}


def _credited_quantities(session: Session, invoice_id: int) -> dict[int, Decimal]:
    """Per line of the invoice, how much its (not void) credit notes took back."""
    rows = session.execute(
        select(InvoiceLine.credited_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.credited_invoice_id == invoice_id, Invoice.state != InvoiceState.VOID)
        .group_by(InvoiceLine.credited_line_id)).all()
    return {line_id: -Decimal(quantity) for line_id, quantity in rows if line_id is not None}


def billing_address(session: Session, customer: Customer, settings: BusinessSettings, *,
                    strict: bool = True) -> str:
    """The postal address as it goes in the envelope window (see ``postal``)."""
    chosen = chosen_address(session.scalars(
        select(Address).where(Address.customer_id == customer.id)
        .order_by(Address.position, Address.id)).all())
    if chosen is None:
        if strict:
            raise ValidationError.single(
                "billing_address", f"Add a postal address for {customer.display_name} before "
                                   "issuing: the invoice goes by post.")
        return addressee(customer)
    return format_postal(addressee(customer), chosen, settings.country)


def default_note(session: Session, invoice: Invoice, customer: Customer,
                 settings: BusinessSettings) -> str:
    """The thank-you note from the shop's template: one for a first order, another for a
    returning customer. A line whose placeholder has nothing to fill it (no pinned
    preference, say) is left out rather than printed half empty."""
    on_this = {line.order_line_id for line in invoice.lines if line.order_line_id}
    earlier_orders = session.scalar(
        select(func.count()).select_from(Order)
        .where(Order.customer_id == customer.id, Order.state.in_(SOLD_STATES),
               ~Order.id.in_(select(OrderLine.order_id).where(OrderLine.id.in_(on_this)))))
    earlier_invoices = session.scalar(
        select(func.count()).select_from(Invoice)
        .where(Invoice.customer_id == customer.id, Invoice.kind == InvoiceKind.INVOICE,
               Invoice.state == InvoiceState.ISSUED))
    returning = bool(earlier_orders or earlier_invoices)
    template = settings.note_returning if returning else settings.note_first_order
    preference = session.scalar(
        select(Preference.text).where(Preference.customer_id == customer.id)
        .order_by(Preference.pinned.desc(), Preference.position, Preference.id).limit(1))
    return placeholders.fill(template, {
        "first_name": customer.first_name or customer.display_name, "bought": _bought(invoice),
        "preference": (preference or "").rstrip(". "),
        "sender": settings.sender_name or settings.shop_name, "shop": settings.shop_name})


def _bought(invoice: Invoice) -> str:
    biggest_first = sorted(invoice.lines, key=lambda line: -line.quantity * line.unit_price)
    names = [line.description for line in biggest_first]
    if not names:
        return "your purchase"
    if len(names) == 1:
        return f"your {names[0]}"
    if len(names) == 2:
        return f"your {names[0]} and {names[1]}"
    return f"your {names[0]} and {len(names) - 1} more things"


