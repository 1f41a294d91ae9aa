from __future__ import annotations

import phonenumbers
import pytest
from sqlalchemy import func, select

from crm_desktop.demo_data import generate
from crm_desktop.models import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerSearch,
    Invoice,
    InvoiceLine,
)
from crm_desktop.money import totals
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.search_index import phone_digits
from crm_desktop.storage.database import Database


@pytest.mark.parametrize("customers", [1, 7])
def test_demo_data_is_valid_data(any_db: Database, customers: int) -> None:
    result = generate(any_db, customers, history_per_customer=2, seed=1)
    assert result.customers == customers
    with any_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == customers
        for phone in session.scalars(select(ContactPoint).where(
                ContactPoint.kind == ContactKind.PHONE)):
            number = phonenumbers.parse(phone.normalized)
            assert phonenumbers.is_possible_number(number)
            assert phone.digits == phone.normalized.lstrip("+")
            # The generator writes search rows itself: they must equal what the service makes.
            indexed = session.get(CustomerSearch, phone.customer_id)
            assert indexed is not None
            assert indexed.digits == phone_digits(phone.normalized)
        for invoice in session.scalars(select(Invoice)):
            lines = session.scalars(select(InvoiceLine).where(
                InvoiceLine.invoice_id == invoice.id)).all()
            expected = totals((li.quantity, li.unit_price, li.discount_percent, li.tax_rate)
                              for li in lines)
            assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
                expected.net, expected.tax, expected.gross)
    assert CustomerListService(any_db).count(CustomerFilter()) == customers


def test_demo_data_is_reproducible(db: Database) -> None:
    generate(db, 5, history_per_customer=1, seed=42)
    with db.read() as session:
        first = session.scalars(select(Customer.sort_name).order_by(Customer.id)).all()
    assert len(set(first)) > 1
