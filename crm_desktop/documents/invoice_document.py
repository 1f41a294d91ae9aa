"""What an invoice or credit note prints, as plain values (no ReportLab: the services and
the GUI load this without the PDF machinery, which ``invoice_pdf`` imports when it renders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    # The line's own tax, printed only on invoices issued when each line's tax was rounded
    # (before revision 0007), so that their tax per rate still adds up on paper.
    tax: Decimal | None = None


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed, as plain values: the renderer reads nothing else."""

    credit_note: bool
    number: str | None  # None: a draft
    void: bool
    issued_on: date | None
    due_on: date | None
    customer_number: str
    recipient: str  # the address lines, name first
    lines: tuple[DocumentLine, ...]
    tax_by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    paid_total: Decimal
    credited_total: Decimal
    currency: str
    locale: str
    note: str
    seed: str  # makes the handwriting's variations this invoice's own
    shop_name: str
    shop_address: str
    shop_phone: str = ""
    shop_email: str = ""
    tax_id: str = ""
    bank_details: str = ""
    envelope: str = "din5008b"
    sender_name: str = ""
    credit_reason: str = ""
    credited_number: str = ""
    note_on_card: bool = False
    logo: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)

    @property
    def amount_due(self) -> Decimal:
        if self.credit_note or self.void:
            return Decimal("0.00")
        return self.gross_total - self.credited_total - self.paid_total

    @property
    def title(self) -> str:
        return "Credit note" if self.credit_note else "Invoice"

    @property
    def reference(self) -> str:
        return f"{self.title} {self.number}" if self.number else f"{self.title} (draft)"
