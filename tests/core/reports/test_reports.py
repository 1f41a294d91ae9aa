"""Every report figure checked against a small shop whose answers were worked out by hand
(tests/core/reports/shop.py says what happened in it), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.documents.report_document import Period, PeriodChoice, add_months, period_for
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import Role, SalesDay
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpService
from crm_desktop.services.invoices import sales_days
from crm_desktop.services.invoices.invoice_service import InvoiceService
from crm_desktop.services.reports.report_service import ReportService, bucket_of
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.core.reports.shop import Shop, build
from tests.passwords import FIRST_PASSWORD

Q1 = Period(date(2026, 1, 1), date(2026, 3, 31), "This quarter")


@pytest.fixture
def shop(any_db: Database, any_owner: Actor, clock: FakeClock) -> Shop:
    return build(any_db, any_owner, clock)


@pytest.fixture
def reports(any_db: Database) -> ReportService:
    return ReportService(any_db, zone=UTC)


def test_sales_by_month_against_last_year_by_product_and_by_customer(
        shop: Shop, reports: ReportService, any_owner: Actor) -> None:
    report = reports.sales(Q1, any_owner)
    # 100.30 (Margo) + 50.00 (Jim) + 100.00 − 100.00 (Alecia, credited) + 50.00 (Alecia)
    assert report.figure("Sales") == D("200.30")
    assert report.figure("A year before") == D("200.00")
    assert report.figure("Change") == D("0.0015")
    assert report.figure("Orders") == 4
    assert report.figure("Average order") == D("75.08")  # 300.30 / 4
    assert (report.figure("New customers ordering"),
            report.figure("Returning customers ordering")) == (2, 1)
    months = report.table("By month")
    assert [row.cells for row in months.rows] == [
        (date(2026, 1, 1), D("100.30"), D("0.00"), None),
        (date(2026, 2, 1), D("50.00"), D("0.00"), None),
        (date(2026, 3, 1), D("50.00"), D("200.00"), D("-0.75"))]
    assert months.total is not None and months.total.cells[1:3] == (D("200.30"), D("200.00"))
    products = report.table("By product (top 20)")
    assert [row.cells for row in products.rows] == [
        ("Armchair", 1, D("100.00")), ("Basket", 2, D("100.00")),
        ("Other (not from the catalogue)", 3, D("0.30"))]
    customers = report.table("By customer (top 20)")
    assert [row.cells for row in customers.rows] == [
        ("Margo", 1, D("100.30")), ("Jim", 1, D("50.00")), ("Alecia", 3, D("50.00"))]
    assert [row.customer_id for row in customers.rows] == [shop.margo, shop.jim, shop.alecia]
    [chart] = report.charts
    assert [s.values for s in chart.series] == [
        (D("100.30"), D("50.00"), D("50.00")), (D("0.00"), D("0.00"), D("200.00"))]


def test_the_rows_behind_a_sales_figure(shop: Shop, reports: ReportService,
                                        any_owner: Actor) -> None:
    report = reports.sales(Q1, any_owner)
    march = report.table("By month").rows[2].drill
    assert march is not None
    behind = reports.behind(march, any_owner)
    assert [(r.cells[3], r.cells[4]) for r in behind.rows] == [
        ("Alecia", D("100.00")), ("Alecia", D("-100.00")), ("Alecia", D("50.00"))]
    basket = report.table("By product (top 20)").rows[1].drill
    assert basket is not None
    assert [r.cells[3] for r in reports.behind(basket, any_owner).rows] == ["Jim", "Alecia"]
    jim = report.table("By customer (top 20)").rows[1].drill
    assert jim is not None
    assert [r.customer_id for r in reports.behind(jim, any_owner).rows] == [shop.jim]


def test_money_owed_in_ageing_buckets_per_customer(shop: Shop, reports: ReportService,
                                                   any_owner: Actor) -> None:
    report = reports.money_owed(any_owner)
    assert (report.figure("Owed"), report.figure("Overdue"), report.figure("Unpaid invoices"),
            report.figure("Customers owing")) == (D("380.00"), D("325.00"), 4, 3)
    assert [row.cells for row in report.table("Ageing").rows] == [
        ("Not yet due", 1, D("55.00")), ("1–30 days", 1, D("55.00")),
        ("31–60 days", 1, D("50.00")), ("61–90 days", 0, D("0.00")),
        ("Over 90 days", 1, D("220.00"))]
    per_customer = report.table("Per customer").rows
    assert [(r.cells[0], r.cells[-2], r.cells[-1]) for r in per_customer] == [
        ("Jim", D("275.00"), 343), ("Alecia", D("55.00"), 0), ("Margo", D("50.00"), 32)]
    assert per_customer[0].cells[1:6] == (D("0.00"), D("55.00"), D("0.00"), D("0.00"),
                                          D("220.00"))
    oldest = report.table("Ageing").rows[4].drill
    assert oldest is not None
    [invoice] = reports.behind(oldest, any_owner).rows
    assert (invoice.cells[3], invoice.cells[5], invoice.cells[6]) == ("Jim", D("220.00"), 343)
    assert invoice.invoice_id is not None


def test_follow_ups_on_time_late_overdue_and_cancelled(shop: Shop, reports: ReportService,
                                                        any_owner: Actor) -> None:
    report = reports.follow_ups(Q1, any_owner)
    assert [report.figure(label) for label in ("Due in the period", "On time", "Late",
                                               "Overdue", "Cancelled")] == [5, 1, 1, 1, 1]
    assert report.figure("Done on time") == D("0.3333")
    [person] = report.table("Per person").rows
    assert person.cells == ("Olivia Owner", 1, 1, 1, 1, 1, D("0.3333"))
    assert [row.cells[:6] for row in report.table("Per month").rows] == [
        (date(2026, 1, 1), 0, 0, 0, 0, 0), (date(2026, 2, 1), 1, 1, 1, 1, 0),
        (date(2026, 3, 1), 0, 0, 0, 0, 1)]
    drill = person.drill
    assert drill is not None
    assert [r.cells[4] for r in reports.behind(drill, any_owner).rows] == [
        "On time", "Late", "Cancelled", "Overdue", "Not due yet"]


def test_queries_by_channel_with_median_times_and_reopened(
        shop: Shop, reports: ReportService, any_owner: Actor) -> None:
    report = reports.queries(Q1, any_owner)
    assert [report.figure(label) for label in (
        "Queries logged", "Still open", "Median to first answer", "Median to resolution",
        "Reopened")] == [3, 2, D("3.0"), D("24.0"), 1]
    assert [row.cells for row in report.table("By channel").rows] == [
        ("Phone", 2, 1, D("3.0"), D("24.0"), 1), ("E-mail", 1, 1, None, None, 0)]
    assert [row.cells[0] for row in report.table("By priority").rows] == ["Normal"]
    assert [row.cells[:3] for row in report.table("By category").rows] == [
        ("Delivery", 1, 0), ("No category", 1, 1), ("Billing", 1, 1)]
    billing = report.table("By category").rows[2].drill
    assert billing is not None
    assert [r.cells[2] for r in reports.behind(billing, any_owner).rows] == [
        "Invoice address wrong"]
    phone = report.table("By channel").rows[0].drill
    assert phone is not None
    assert [r.cells[2] for r in reports.behind(phone, any_owner).rows] == [
        "Where is my armchair?", "Invoice address wrong"]


def test_complaints_and_wins_with_apologies_and_actions(
        shop: Shop, reports: ReportService, any_owner: Actor) -> None:
    report = reports.feedback(Q1, any_owner)
    assert [report.figure(label) for label in (
        "Complaints", "Wins", "Complaints with an apology",
        "Complaints with an action recorded")] == [2, 1, D("0.5"), D("0.5")]
    assert [row.cells for row in report.table("Per category").rows] == [
        ("Delivery", 2, 0), ("Staff", 0, 1)]
    assert [row.cells for row in report.table("Per month").rows] == [
        (date(2026, 1, 1), 1, 0), (date(2026, 2, 1), 1, 1), (date(2026, 3, 1), 0, 0)]
    delivery = report.table("Per category").rows[0].drill
    assert delivery is not None
    assert [r.customer_id for r in reports.behind(delivery, any_owner).rows] == [
        shop.margo, shop.jim]


def test_customers_new_lost_with_reasons_and_ratings(shop: Shop, reports: ReportService,
                                                     any_owner: Actor) -> None:
    report = reports.customers(Q1, any_owner)
    assert [report.figure(label) for label in ("New customers", "Lost", "Gone quiet",
                                               "Average rating")] == [2, 1, 0, D("4.0")]
    [reason] = report.table("Lost, and why").rows
    assert reason.cells == ("Moved away", 1)
    assert reason.drill is not None
    assert [r.customer_id for r in reports.behind(reason.drill, any_owner).rows] == [shop.bob]
    [comment] = report.table("Recent comments").rows
    assert comment.cells == (date(2026, 2, 7), "Margo", 4, "Lovely chair")
    assert [row.cells for row in report.table("Per month").rows] == [
        (date(2026, 1, 1), 1, 0), (date(2026, 2, 1), 0, 1), (date(2026, 3, 1), 1, 0)]


def test_the_customers_we_may_lose_each_with_the_reasons(
        shop: Shop, reports: ReportService, any_owner: Actor, any_db: Database) -> None:
    found = reports.at_risk(any_owner)
    assert [(c.name, c.score) for c in found.customers] == [
        ("Jim", 9), ("Margo", 5), ("Alecia", 2)]
    jim = found.customers[0]
    assert [r.text for r in jim.reasons] == [
        "Complained 25 days ago, no apology recorded", "An invoice 343 days overdue",
        "Orders down 75 % (the last 180 days against the 180 before)"]
    assert found.customers[1].why == "Complained 41 days ago; An invoice 32 days overdue"
    assert found.customers[2].why == ("Follow-up “Thank her for coming back” missed, due "
                                      "10 days ago")
    assert found.total == 3
    table = reports.at_risk_report(any_owner).tables[0]
    assert [r.customer_id for r in table.rows] == [shop.jim, shop.margo, shop.alecia]
    on_today = FollowUpService(any_db, zone_name="UTC").at_risk()
    assert ([c.name for c in on_today.rows], on_today.total) == (["Jim", "Margo", "Alecia"], 3)


def test_only_people_who_may_see_revenue_get_the_sales(
        any_db: Database, any_owner: Actor, reports: ReportService) -> None:
    users = UserService(any_db)
    receptionist = users.add("Rita", Role.RECEPTIONIST, any_owner,
                             first_password=FIRST_PASSWORD).as_actor()
    viewer = users.add("Bea Books", Role.VIEWER, any_owner,
                       first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError, match="revenue"):
        reports.sales(Q1, receptionist)
    assert reports.sales(Q1, viewer).figure("Sales") == D("0.00")
    assert reports.money_owed(receptionist).figure("Owed") == D("0.00")
    drill = reports.sales(Q1, any_owner).table("By month").rows[0].drill
    assert drill is not None
    with pytest.raises(PermissionDeniedError):
        reports.behind(drill, receptionist)


def test_periods_are_whole_months_and_quarters() -> None:
    today = date(2026, 3, 2)
    assert period_for(PeriodChoice.THIS_QUARTER, today) == Q1
    assert period_for(PeriodChoice.LAST_MONTH, today) == Period(date(2026, 2, 1),
                                                               date(2026, 2, 28))
    assert period_for(PeriodChoice.LAST_QUARTER, today) == Period(date(2025, 10, 1),
                                                                 date(2025, 12, 31))
    assert period_for(PeriodChoice.LAST_12_MONTHS, today) == Period(date(2025, 4, 1),
                                                                   date(2026, 3, 31))
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert len(Q1.months()) == 3
    with pytest.raises(ValidationError, match="ends before it starts"):
        Period(date(2026, 3, 1), date(2026, 2, 1))
    assert [bucket_of(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_the_sales_of_each_day_follow_issues_credits_and_voids(
        shop: Shop, reports: ReportService, any_db: Database, any_owner: Actor) -> None:
    invoices = InvoiceService(any_db)
    basket = invoices.get(shop.alecias_basket)
    invoices.void(basket.id, basket.version, "Sent to the wrong Alecia", any_owner)
    report = reports.sales(Q1, any_owner)
    assert report.figure("Sales") == D("150.30")
    assert report.table("By product (top 20)").rows[1].cells == ("Basket", 1, D("50.00"))
    # Kept step by step, they are what working them out again from the invoices gives.
    with any_db.read() as session:
        kept = session.execute(select(SalesDay).order_by(SalesDay.day, SalesDay.product_key)
                               ).scalars().all()
        kept_rows = [(d.day, d.currency, d.product_key, d.quantity, d.net) for d in kept]
    with any_db.engine.begin() as connection, Session(bind=connection) as session:
        sales_days.rebuild(session)
        session.flush()
        again = [(d.day, d.currency, d.product_key, d.quantity, d.net) for d in session.execute(
            select(SalesDay).order_by(SalesDay.day, SalesDay.product_key)).scalars()]
    assert [r for r in kept_rows if r[3] or r[4]] == [r for r in again if r[3] or r[4]]
