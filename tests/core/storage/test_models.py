from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from crm_desktop.actor import Actor
from crm_desktop.models import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerStatus,
    ImportantDate,
    Order,
    OrderLine,
    Product,
)
from crm_desktop.services.customers.customer_service import overdue_invoices_query
from crm_desktop.storage.database import Database


def _customer(session_add: object = None) -> Customer:
    return Customer(first_name="Jim", last_name="Hart", sort_name="hart jim")


def test_timestamps_are_stored_in_utc_and_come_back_aware(any_db: Database,
                                                           any_owner: Actor) -> None:
    plus_two = timezone(timedelta(hours=2))
    with any_db.transaction(any_owner, None) as session:
        customer = _customer()
        customer.last_contact_at = datetime(2026, 5, 1, 14, 0, tzinfo=plus_two)
        session.add(customer)
    with any_db.read() as session:
        stored = session.scalars(select(Customer)).one()
        assert stored.last_contact_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        assert stored.last_contact_at.tzinfo is not None
        assert stored.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(db: Database, owner: Actor) -> None:
    with pytest.raises(StatementError, match="naive datetime"), \
            db.transaction(owner, None) as session:
        customer = _customer()
        customer.last_contact_at = datetime(2026, 5, 1, 14, 0)
        session.add(customer)


def test_money_round_trips_exactly(any_db: Database, any_owner: Actor) -> None:
    with any_db.transaction(any_owner, None) as session:
        session.add(Product(sku="A1", name="Thing", unit_price=Decimal("0.10"),
                            tax_rate=Decimal("19.00")))
    with any_db.read() as session:
        product = session.scalars(select(Product)).one()
        assert product.unit_price == Decimal("0.10")
        assert isinstance(product.unit_price, Decimal)
        assert product.unit_price * 3 == Decimal("0.30")


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", Decimal(0)), ("quantity", Decimal(-1)), ("delivered_quantity", Decimal(5)),
     ("unit_price", Decimal("-0.01")), ("tax_rate", Decimal(101))],
)
def test_check_constraints_guard_order_lines(any_db: Database, any_owner: Actor, field: str,
                                             value: Decimal) -> None:
    with any_db.transaction(any_owner, None) as session:
        customer = _customer()
        session.add(customer)
        session.flush()
        order = Order(customer_id=customer.id, currency="USD", ordered_at=any_db.clock())
        session.add(order)
        session.flush()
        order_id = order.id
    line = {"order_id": order_id, "position": 0, "description": "x", "quantity": Decimal(2),
            "unit_price": Decimal(1), "tax_rate": Decimal(7), field: value}
    with pytest.raises(IntegrityError), any_db.transaction(any_owner, None) as session:
        session.add(OrderLine(**line))


def test_one_primary_phone_per_customer(any_db: Database, any_owner: Actor) -> None:
    with pytest.raises(IntegrityError), any_db.transaction(any_owner, None) as session:
        customer = _customer()
        session.add(customer)
        for number in ("+15550100001", "+15550100002"):
            customer.contact_points.append(ContactPoint(
                kind=ContactKind.PHONE, value=number, normalized=number, is_primary=True))


def test_foreign_keys_are_enforced(any_db: Database, any_owner: Actor) -> None:
    with pytest.raises(IntegrityError), any_db.transaction(any_owner, None) as session:
        session.add(ImportantDate(customer_id=987654, kind="birthday", month=5, day=3))


def test_lost_customer_needs_a_reason_in_the_database(any_db: Database,
                                                      any_owner: Actor) -> None:
    with pytest.raises(IntegrityError), any_db.transaction(any_owner, None) as session:
        customer = _customer()
        customer.status = CustomerStatus.LOST
        session.add(customer)


def test_important_date_month_is_checked(any_db: Database, any_owner: Actor) -> None:
    with any_db.transaction(any_owner, None) as session:
        customer = _customer()
        session.add(customer)
        session.flush()
        customer_id = customer.id
    with pytest.raises(IntegrityError), any_db.transaction(any_owner, None) as session:
        session.add(ImportantDate(customer_id=customer_id, kind="birthday", month=13, day=1))


def test_a_profiles_overdue_invoices_are_found_by_customer_not_by_scanning_the_shop(
        db: Database) -> None:
    """The plan, not a timing: SQLite must start from the customer (revision 0008; with its
    constants written out, the query also fits the unpaid invoices' index of 0012)."""
    query = overdue_invoices_query(42, date(2026, 12, 3))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}"))
    assert "customer_id=?" in plan, plan
    assert "ix_invoices_customer_state_due" in plan or "ix_invoices_owing" in plan, plan
