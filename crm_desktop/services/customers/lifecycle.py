"""A customer's status through time: prospect → customer → inactive → lost.

Prospect and lost are set by people (lost with a reason); a prospect becomes a customer with
the first order. Inactive is never stored: a customer whose last contact or order is older
than the shop's quiet period *is* inactive, computed whenever it is read, so no nightly job
can forget to run and a new contact makes them active again at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import Session

from crm_desktop.models import Customer, CustomerStatus

# A rhythm needs at least this many gaps between contacts before "gone quiet" means anything.
MIN_GAPS = 2


def quiet_since(now: datetime, inactive_after_days: int) -> datetime:
    return now - timedelta(days=inactive_after_days)


def last_activity() -> ColumnElement[Any]:
    """When we last heard from or sold to the customer (their conversion, at the latest)."""
    return func.coalesce(Customer.last_contact_at, Customer.first_order_at,
                         Customer.status_changed_at, Customer.created_at)


def _quiet(cutoff: datetime) -> ColumnElement[bool]:
    return and_(Customer.status.in_([CustomerStatus.CUSTOMER, CustomerStatus.INACTIVE]),
                last_activity() < cutoff)


def effective_status(cutoff: datetime) -> ColumnElement[Any]:
    """The status as shown: stored status, with quiet customers shown as inactive."""
    return case((_quiet(cutoff), CustomerStatus.INACTIVE.value),
                (Customer.status == CustomerStatus.INACTIVE, CustomerStatus.CUSTOMER.value),
                else_=Customer.status)


def status_is(status: CustomerStatus, cutoff: datetime) -> ColumnElement[bool]:
    """A filter on the effective status that can still use the status index."""
    if status is CustomerStatus.INACTIVE:
        return _quiet(cutoff)
    if status is CustomerStatus.CUSTOMER:
        return and_(Customer.status.in_([CustomerStatus.CUSTOMER, CustomerStatus.INACTIVE]),
                    last_activity() >= cutoff)
    return Customer.status == status


def effective(customer_status: CustomerStatus, activity: datetime, cutoff: datetime
              ) -> CustomerStatus:
    """The same rule in Python, for one customer already loaded."""
    if customer_status in (CustomerStatus.CUSTOMER, CustomerStatus.INACTIVE):
        return CustomerStatus.INACTIVE if activity < cutoff else CustomerStatus.CUSTOMER
    return customer_status


def record_order(session: Session, customer: Customer, ordered_at: datetime) -> None:
    """A prospect (or a lost customer) who orders is a customer; their activity is now."""
    if customer.status is not CustomerStatus.CUSTOMER:
        customer.status = CustomerStatus.CUSTOMER
        customer.lost_reason = None
        customer.status_changed_at = ordered_at
    if customer.first_order_at is None or ordered_at < customer.first_order_at:
        customer.first_order_at = ordered_at
    record_contact(customer, ordered_at)


def record_contact(customer: Customer, at: datetime) -> None:
    """A contact or order at ``at``; it also learns the customer's usual rhythm."""
    last = customer.last_contact_at
    if last is not None and at <= last:
        return  # logged after the fact: neither their latest contact nor a new gap
    customer.last_contact_at = at
    if last is None:
        return
    gap_days = (at - last).total_seconds() / 86400
    if gap_days >= 1:  # a call and an order on the same day are one visit, not a rhythm
        count = customer.gap_count or 0
        mean = customer.usual_gap_days or 0.0
        customer.gap_count = count + 1
        customer.usual_gap_days = mean + (gap_days - mean) / (count + 1)
    if (customer.gap_count or 0) >= MIN_GAPS and customer.usual_gap_days:
        customer.quiet_after_at = at + timedelta(days=customer.usual_gap_days)
