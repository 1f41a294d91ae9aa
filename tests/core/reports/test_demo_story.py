"""The demo shop tells a true story for the reports to find: Christmas sells, some pay late,
some drift away, follow-ups and queries have a past, and complaints come in a cluster."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_desktop.actor import SYSTEM
from crm_desktop.demo_data import generate
from crm_desktop.documents.report_document import PeriodChoice, period_for
from crm_desktop.models import Customer, Invoice, Order, Payment
from crm_desktop.services.reports.report_service import ReportService
from crm_desktop.storage.database import Database


@pytest.fixture(scope="module")
def customers() -> int:
    return 600


def test_the_demo_shop_gives_every_report_something_true(db: Database, customers: int) -> None:
    generate(db, customers, history_per_customer=4, seed=2026)
    reports = ReportService(db, zone=UTC)
    year = period_for(PeriodChoice.LAST_12_MONTHS, reports.today())
    with db.read() as session:
        months = Counter(at.month for at in session.scalars(select(Order.ordered_at)))
        late = session.scalar(select(func.count()).select_from(Payment).join(
            Invoice, Invoice.id == Payment.invoice_id).where(Payment.paid_on > Invoice.due_on))
        assert session.scalar(select(func.max(Payment.paid_on))) <= reports.today()
        spent = dict(session.execute(select(Invoice.customer_id, func.sum(Invoice.gross_total))
                                     .group_by(Invoice.customer_id)).all())
        for cid, value in session.execute(select(Customer.id, Customer.lifetime_value)):
            assert value == spent.get(cid, Decimal("0.00"))
    assert months[11] + months[12] > 1.15 * (months[6] + months[7])  # the seasons
    assert late and late > 10

    reasons = " ".join(c.why for c in reports.at_risk(SYSTEM, limit=10_000).customers)
    for reason in ("Quiet for", "Complained", "overdue", "missed", "Rated us", "days against",
                   "No orders in the last 180 days"):
        assert reason in reasons, reason

    queries = reports.queries(year, SYSTEM)
    assert queries.figure("Median to first answer") is not None
    assert queries.figure("Reopened") != 0
    follow_ups = reports.follow_ups(year, SYSTEM)
    assert all(follow_ups.figure(label) for label in ("On time", "Late", "Overdue",
                                                      "Cancelled"))
    complaints = [row.cells[1] for row in reports.feedback(year, SYSTEM).table("Per month").rows]
    assert max(complaints) >= 3 * sorted(complaints)[len(complaints) // 2]  # the cluster
    owed = reports.money_owed(SYSTEM).table("Ageing")
    assert sum(1 for row in owed.rows if row.cells[1]) >= 4  # owed in most buckets
    lost = reports.customers(period_for(PeriodChoice.LAST_12_MONTHS, reports.today()), SYSTEM)
    assert len(lost.table("Lost, and why").rows) >= 3
