"""The day-by-day sales the report adds up (``SalesDay``), kept in step with the invoices: an
invoice or credit note adds its lines on the day it is issued, and voiding takes them back
on that same day, in the transaction that does it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_desktop.models import Invoice, InvoiceLine, InvoiceState, OrderLine, SalesDay
from crm_desktop.models.base import table_of
from crm_desktop.money import line_net
from crm_desktop.services.records import in_chunks

Key = tuple[date, str, int]  # day, currency, product (0: not from the catalogue)


def record(session: Session, invoice: Invoice, *, sign: int = 1) -> None:
    """Add an issued invoice's (or credit note's) lines to its day; ``sign=-1`` takes them
    back (a void)."""
    assert invoice.issued_on is not None
    products = _products(session, [li.order_line_id for li in invoice.lines
                                   if li.order_line_id is not None])
    sums: dict[Key, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal("0.00")])
    for line in invoice.lines:
        key = (invoice.issued_on, invoice.currency, products.get(line.order_line_id or 0, 0))
        sums[key][0] += sign * line.quantity
        sums[key][1] += sign * line_net(line.quantity, line.unit_price, line.discount_percent)
    add(session, sums)


def rebuild(session: Session) -> int:
    """Work every day out again from the issued invoices (demo data, and a check)."""
    session.execute(table_of(SalesDay).delete())
    sums: dict[Key, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal("0.00")])
    line = InvoiceLine
    rows = session.execute(
        select(Invoice.issued_on, Invoice.currency, OrderLine.product_id,
               line.quantity, line.unit_price, line.discount_percent)
        .join(line, line.invoice_id == Invoice.id)
        .outerjoin(OrderLine, OrderLine.id == line.order_line_id)
        .where(Invoice.state == InvoiceState.ISSUED)
        .execution_options(yield_per=5000))
    for day, currency, product_id, quantity, price, discount in rows:
        if day is None:
            continue  # (an issued invoice always has its day)
        bucket = sums[(day, currency, product_id or 0)]
        bucket[0] += quantity
        bucket[1] += line_net(quantity, price, discount)
    if sums:  # the table is empty: one insert of every row
        session.execute(table_of(SalesDay).insert(), [
            {"day": day, "currency": currency, "product_key": product, "quantity": quantity,
             "net": net} for (day, currency, product), (quantity, net) in sorted(sums.items())])
    return len(sums)


def add(session: Session, sums: dict[Key, list[Decimal]]) -> None:
    """Add to each day's row, made if missing: one atomic upsert each, so two desks issuing
    on the same day never lose each other's sales."""
    if not sums:
        return
    table = table_of(SalesDay)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (day, currency, product), (quantity, net) in sorted(sums.items()):
        statement = insert(table).values(day=day, currency=currency, product_key=product,
                                         quantity=quantity, net=net)
        session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.day, table.c.currency, table.c.product_key],
            set_={"quantity": table.c.quantity + statement.excluded.quantity,
                  "net": table.c.net + statement.excluded.net}))


def _products(session: Session, order_line_ids: Iterable[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in in_chunks(sorted(set(order_line_ids))):
        for line_id, product_id in session.execute(
                select(OrderLine.id, OrderLine.product_id).where(OrderLine.id.in_(chunk))):
            found[line_id] = product_id or 0
    return found

