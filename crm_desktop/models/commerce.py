"""Products, orders, invoices and payments. Every amount is an exact ``Decimal``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_desktop.models.base import Base, Tracked, money_type, percent_type, quantity_type, str_enum
from crm_desktop.models.enums import (
    InvoiceKind,
    InvoiceState,
    OrderEventKind,
    OrderState,
    PaymentMethod,
    RefundKind,
)


class Product(Tracked, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_price: Mapped[Decimal] = mapped_column(money_type())
    tax_rate: Mapped[Decimal] = mapped_column(percent_type())
    unit: Mapped[str] = mapped_column(String(20), default="pc")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Order(Tracked, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_ordered", "customer_id", "ordered_at"),
        Index("ix_orders_state_ordered", "state", "ordered_at"),
        Index("ix_orders_ordered", "ordered_at", "id"),  # the order list: newest first
        # The reports: the orders of a period, counted and added up from the index alone.
        Index("ix_orders_ordered_totals", "ordered_at", "state", "currency", "customer_id",
              "net_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    state: Mapped[OrderState] = mapped_column(
        str_enum(OrderState, "order_state"), default=OrderState.DRAFT
    )
    currency: Mapped[str] = mapped_column(String(3))
    ordered_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Totals of the ordered lines by crm_desktop.money's rule, kept in step by the service,
    # so lists can show and sort them without adding lines up.
    net_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    gross_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )


class OrderLine(Tracked, Base):
    """What was ordered, what reached the customer, and what came back."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "delivered_quantity >= 0 AND delivered_quantity <= quantity", name="delivered_range"
        ),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= delivered_quantity",
            name="returned_range",
        ),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(quantity_type())
    delivered_quantity: Mapped[Decimal] = mapped_column(quantity_type(), default=Decimal(0))
    returned_quantity: Mapped[Decimal] = mapped_column(quantity_type(), default=Decimal(0))
    # Copied from the catalogue when the line is added: a later price change never alters it.
    unit_price: Mapped[Decimal] = mapped_column(money_type())
    discount_percent: Mapped[Decimal] = mapped_column(percent_type(), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(percent_type())
    return_reason: Mapped[str | None] = mapped_column(String(500))
    returned_at: Mapped[datetime | None]
    refund_kind: Mapped[RefundKind | None] = mapped_column(str_enum(RefundKind, "refund_kind"))

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """What happened to an order and when: each step, each (partial) delivery, each return.

    Written with the change it describes and never edited, so the timeline can show every
    step even when an order is delivered in parts.
    """

    __tablename__ = "order_events"
    __table_args__ = (
        Index("ix_order_events_customer_at", "customer_id", "at"),
        Index("ix_order_events_order", "order_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[OrderEventKind] = mapped_column(str_enum(OrderEventKind, "order_event_kind"))
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="SET NULL"))
    quantity: Mapped[Decimal | None] = mapped_column(quantity_type())
    detail: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


_UNPRINTED = text("state = 'issued' AND printed_at IS NULL")
# What is still owed on an invoice (``amount_owing() > 0``, as the queries write it).
_OWING = text("state = 'issued' AND kind = 'invoice' "
              "AND gross_total - credited_total - paid_total > 0")


class InvoiceSequence(Base):
    """The last invoice number given out in a year. Incremented inside the issuing
    transaction, so a failed issue gives its number back: numbers have no gaps."""

    __tablename__ = "invoice_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Tracked, Base):
    """A draft has no number; issuing assigns one. Issued invoices never change again."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        CheckConstraint("state = 'draft' OR number IS NOT NULL", name="issued_has_number"),
        CheckConstraint(
            "kind = 'invoice' OR credited_invoice_id IS NOT NULL", name="credit_note_has_target"
        ),
        Index("ix_invoices_customer_issued", "customer_id", "issued_on"),
        Index("ix_invoices_state_due", "state", "due_on"),
        # A profile's overdue invoices: by customer first, or SQLite walks every issued
        # invoice of the shop through ix_invoices_state_due (245 ms with 82,000 invoices).
        Index("ix_invoices_customer_state_due", "customer_id", "state", "due_on"),
        Index("ix_invoices_credited", "credited_invoice_id"),
        # Batch printing looks for issued invoices nobody has printed yet: few rows, so a
        # partial index keeps the lookup instant however many invoices were printed before.
        Index("ix_invoices_unprinted", "id", sqlite_where=_UNPRINTED,
              postgresql_where=_UNPRINTED),
        # The reports. Sales read the invoices issued in a period from the index alone (no
        # table lookup for the best customers); money owed and the customers we may lose
        # read the few unpaid invoices from a small covering index, not every issued one
        # (5 ms against 330 ms walking 190,000 invoices through ix_invoices_state_due). It
        # leads with the terms of its WHERE, so SQLite's planner, which has no statistics,
        # prefers it to the other indexes on state.
        Index("ix_invoices_state_issued", "state", "issued_on", "currency", "customer_id",
              "net_total"),
        Index("ix_invoices_owing", "state", "kind", "customer_id", "due_on", "currency",
              "gross_total", "credited_total", "paid_total", sqlite_where=_OWING,
              postgresql_where=_OWING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    kind: Mapped[InvoiceKind] = mapped_column(
        str_enum(InvoiceKind, "invoice_kind"), default=InvoiceKind.INVOICE
    )
    credited_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    number: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[InvoiceState] = mapped_column(
        str_enum(InvoiceState, "invoice_state"), default=InvoiceState.DRAFT
    )
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    # Snapshots taken at issue time, so a reprint years later is identical.
    billing_address: Mapped[str] = mapped_column(Text, default="")
    net_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    gross_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    # Issued before revision 0007, when the tax of every line was rounded and then summed:
    # such invoices keep their figures and print each line's tax (see crm_desktop.money).
    tax_per_line: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The business profile as it was at issue (JSON), so a reprint shows the same sender,
    # bank details and terms even after the settings changed.
    issuer: Mapped[str] = mapped_column(Text, default="")
    payment_terms_days: Mapped[int | None]
    # Kept in step by the service, so lists filter "unpaid" and "overdue" in SQL.
    paid_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    credited_total: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))
    credit_reason: Mapped[str | None] = mapped_column(String(500))
    thank_you_note: Mapped[str] = mapped_column(Text, default="")
    printed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="Payment.paid_on"
    )


def amount_owing() -> ColumnElement[Decimal]:
    """What the customer still owes on an invoice, in SQL (negative: we owe them)."""
    return Invoice.gross_total - Invoice.credited_total - Invoice.paid_total


def owing_invoices() -> ColumnElement[bool]:
    """Issued invoices with something left to pay, written as ``ix_invoices_owing``'s WHERE
    with its very constants: SQLite uses a partial index only when the query holds the same
    terms, and a bound parameter is not the same term."""
    return and_(Invoice.state == literal_column("'issued'"),
                Invoice.kind == literal_column("'invoice'"),
                amount_owing() > literal_column("0"))



class InvoiceLine(Tracked, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    # On a credit note: the invoice line it credits (at most what that line invoiced).
    credited_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice_lines.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(quantity_type())  # negative on credit notes
    unit_price: Mapped[Decimal] = mapped_column(money_type())
    discount_percent: Mapped[Decimal] = mapped_column(percent_type(), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(percent_type())

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class SalesDay(Base):
    """What was sold on a day, per product: the invoices issued that day less the credit notes
    (before tax, each line rounded as on the invoice). Kept by the invoice service in the
    transaction that issues, credits or voids, so the sales report adds up a few hundred rows
    instead of every invoice line of the year (0.6 s at 90,000 invoices)."""

    __tablename__ = "sales_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    # The product's id; 0 for lines not from the catalogue. (No foreign key: products are
    # never deleted, and 0 must be allowed.)
    product_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    quantity: Mapped[Decimal] = mapped_column(quantity_type(), default=Decimal(0))
    net: Mapped[Decimal] = mapped_column(money_type(), default=Decimal("0.00"))


class Payment(Tracked, Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(money_type())
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(String(200), default="")

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
