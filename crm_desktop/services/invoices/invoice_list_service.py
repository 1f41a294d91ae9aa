"""The invoice list across customers, newest first: filtered in SQL, paged by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from crm_desktop.formatting import local_zone
from crm_desktop.models import (
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceState,
    amount_owing,
    customer_name,
)
from crm_desktop.services.customers.customer_search import candidate_pool, parse
from crm_desktop.services.invoices.invoice_service import InvoiceStatus, status_of
from crm_desktop.storage.database import Database
from crm_desktop.validation import search_words


class InvoiceShow(StrEnum):
    ALL = "all"
    OPEN = "open"  # issued and not fully paid
    OVERDUE = "overdue"
    UNPRINTED = "unprinted"
    DRAFTS = "drafts"
    PAID = "paid"
    VOID = "void"
    CREDIT_NOTES = "credit_notes"


SHOW_LABELS = {
    InvoiceShow.ALL: "All invoices", InvoiceShow.OPEN: "Unpaid",
    InvoiceShow.OVERDUE: "Overdue", InvoiceShow.UNPRINTED: "Not yet printed",
    InvoiceShow.DRAFTS: "Drafts", InvoiceShow.PAID: "Paid", InvoiceShow.VOID: "Void",
    InvoiceShow.CREDIT_NOTES: "Credit notes",
}


@dataclass(frozen=True)
class InvoiceFilter:
    show: InvoiceShow = InvoiceShow.ALL
    text: str = ""  # an invoice number, or a customer as in the search box
    customer_id: int | None = None


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str | None
    kind: InvoiceKind
    status: InvoiceStatus
    customer_id: int
    customer_name: str
    issued_on: date | None
    due_on: date | None
    gross_total: Decimal
    balance: Decimal
    printed: bool
    currency: str


class InvoiceListService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._dialect = database.engine.dialect.name

    def _today(self) -> date:
        return self._db.clock().astimezone(local_zone()).date()

    def count(self, filters: InvoiceFilter) -> int:
        with self._db.read() as session:
            query = self._where(select(func.count()).select_from(Invoice), filters)
            return int(session.scalar(query) or 0)

    def page(self, filters: InvoiceFilter, *, offset: int = 0, limit: int = 200,
             after: InvoiceRow | None = None) -> list[InvoiceRow]:
        columns: list[Any] = [
            Invoice.id, Invoice.number, Invoice.kind, Invoice.state, Invoice.customer_id,
            Customer.first_name, Customer.last_name, Customer.company, Invoice.issued_on,
            Invoice.due_on, Invoice.gross_total, Invoice.paid_total, Invoice.credited_total,
            Invoice.printed_at, Invoice.currency]
        query = self._where(
            select(*columns).join(Customer, Customer.id == Invoice.customer_id), filters)
        if after is not None:
            query = query.where(Invoice.id < after.id)
        elif offset:
            query = query.offset(offset)
        today = self._today()
        with self._db.read() as session:
            rows = session.execute(query.order_by(Invoice.id.desc()).limit(limit)).all()
        result = []
        for r in rows:
            balance = (r.gross_total - r.credited_total - r.paid_total
                       if r.state is InvoiceState.ISSUED and r.kind is InvoiceKind.INVOICE
                       else Decimal("0.00"))
            result.append(InvoiceRow(
                r.id, r.number, r.kind,
                status_of(r.state, r.kind, balance, paid=r.paid_total, due_on=r.due_on,
                          today=today),
                r.customer_id, customer_name(r.first_name, r.last_name, r.company,
                                             r.customer_id),
                r.issued_on, r.due_on, r.gross_total, balance, r.printed_at is not None,
                r.currency))
        return result

    def _where(self, query: Select[Any], filters: InvoiceFilter) -> Select[Any]:
        owing = amount_owing()
        issued_invoice = (Invoice.state == InvoiceState.ISSUED) & (
            Invoice.kind == InvoiceKind.INVOICE)
        conditions: list[ColumnElement[bool]] = {
            InvoiceShow.ALL: [],
            InvoiceShow.OPEN: [issued_invoice, owing > 0],
            InvoiceShow.OVERDUE: [issued_invoice, owing > 0, Invoice.due_on < self._today()],
            InvoiceShow.UNPRINTED: [Invoice.state == InvoiceState.ISSUED,
                                    Invoice.printed_at.is_(None)],
            InvoiceShow.DRAFTS: [Invoice.state == InvoiceState.DRAFT],
            InvoiceShow.PAID: [issued_invoice, owing <= 0],
            InvoiceShow.VOID: [Invoice.state == InvoiceState.VOID],
            InvoiceShow.CREDIT_NOTES: [Invoice.kind == InvoiceKind.CREDIT_NOTE],
        }[filters.show]
        if filters.customer_id is not None:
            conditions.append(Invoice.customer_id == filters.customer_id)
        text = search_words(filters.text)
        if text:
            matches: list[ColumnElement[bool]] = [Invoice.number.like(f"{text}%")]
            terms = parse(text)
            if not terms.is_empty:
                matches.append(Invoice.customer_id.in_(candidate_pool(terms, self._dialect)))
            conditions.append(or_(*matches))
        return query.where(*conditions) if conditions else query
