"""Complaints, wins and ratings: recorded with what matters, counted, and flagged when rising."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import FeedbackKind
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.feedback.feedback_service import (
    FeedbackInput,
    FeedbackService,
    is_rising,
    month_starts,
)
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def _category(service: FeedbackService, name: str) -> int:
    return next(c.id for c in service.categories() if c.name == name)


def test_the_owner_starts_with_categories_and_edits_the_list(
        db: Database, owner: Actor, receptionist: Actor) -> None:
    service = FeedbackService(db)
    assert {"Delivery", "Billing", "Product quality", "Staff", "Waiting time"} <= {
        c.name for c in service.categories()}
    parking = service.add_category("Parking", owner)
    with pytest.raises(ValidationError, match="already a category “Parking”"):
        service.add_category("parking", owner)
    with pytest.raises(PermissionDeniedError):
        service.add_category("Music", receptionist)
    service.rename_category(parking.id, "Parking and access", owner)
    service.set_category_active(parking.id, False, owner)
    assert "Parking and access" not in {c.name for c in service.categories()}
    assert "Parking and access" in {c.name for c in service.categories(include_inactive=True)}


def test_a_complaint_keeps_the_apology_and_what_was_done_and_shows_on_the_timeline(
        any_db: Database, any_owner: Actor) -> None:
    service = FeedbackService(any_db)
    margo = CustomerService(any_db).create(CustomerInput(first_name="Margo"), any_owner)
    service.record(FeedbackInput(FeedbackKind.COMPLAINT, "Parcel came two days late",
                                 category_id=_category(service, "Delivery"),
                                 customer_id=margo.id, apology_made=True,
                                 action_taken="Refunded the postage"), any_owner)
    [entry] = service.entries(FeedbackKind.COMPLAINT)
    assert (entry.customer_name, entry.category, entry.apology_made, entry.action_taken) == (
        "Margo", "Delivery", True, "Refunded the postage")
    [shown] = TimelineService(any_db).page(margo.id, kinds=[TimelineKind.FEEDBACK])
    assert (shown.title, shown.detail) == ("Complaint: Delivery", "Parcel came two days late")


def test_what_each_kind_needs_is_named_at_its_field(db: Database, owner: Actor) -> None:
    service = FeedbackService(db)
    with pytest.raises(ValidationError) as raised:
        service.record(FeedbackInput(FeedbackKind.COMPLAINT, " "), owner)
    assert set(raised.value.errors) == {"text", "category_id"}
    with pytest.raises(ValidationError) as raised:
        service.record(FeedbackInput(FeedbackKind.SURVEY, "Lovely", rating=6), owner)
    assert set(raised.value.errors) == {"rating"}


def test_an_order_links_the_entry_to_its_customer(db: Database, owner: Actor) -> None:
    from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
    jim = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    ann = CustomerService(db).create(CustomerInput(first_name="Ann"), owner)
    order = OrderService(db).create_draft(jim.id, [
        OrderLineInput(description="Oak table", quantity=Decimal(1),
                       unit_price=Decimal("300.00"), tax_rate=Decimal(0))], owner)
    service = FeedbackService(db)
    service.record(FeedbackInput(FeedbackKind.WIN, "Loved the table", order_id=order.id,
                                 category_id=_category(service, "Product quality")), owner)
    assert service.entries(FeedbackKind.WIN)[0].customer_name == "Jim"
    with pytest.raises(ValidationError, match="not this customer's"):
        service.record(FeedbackInput(FeedbackKind.WIN, "x", order_id=order.id,
                                     customer_id=ann.id,
                                     category_id=_category(service, "Staff")), owner)


@pytest.mark.parametrize(("recent", "past", "rising"), [
    (2, 0, False),    # fewer than three is never a trend
    (3, 0, True),     # a new problem
    (3, 18, True),    # past average 1.5 a month: 3 is twice that
    (3, 19, False),   # past average 1.58: 3 is less than twice
    (10, 60, True),   # always five a month: ten is exactly twice...
    (10, 61, False),  # ...but not twice of a little more
])
def test_the_rising_rule(recent: int, past: int, rising: bool) -> None:
    assert is_rising(recent, past) is rising


def test_the_tally_counts_periods_and_flags_a_rising_category(
        db: Database, owner: Actor, clock: FakeClock) -> None:
    service = FeedbackService(db)
    delivery = _category(service, "Delivery")
    billing = _category(service, "Billing")

    def complaint(category: int, days_ago: float) -> None:
        service.record(FeedbackInput(FeedbackKind.COMPLAINT, "It happened", category_id=category,
                                     occurred_at=clock.now - timedelta(days=days_ago)), owner)

    for days_ago in (1, 5, 12):
        complaint(delivery, days_ago)
    for days_ago in (2, 50, 80, 100, 130, 160, 200, 250, 300, 340, 370, 500):
        complaint(billing, days_ago)
    service.record(FeedbackInput(FeedbackKind.WIN, "Thank-you card",
                                 category_id=delivery), owner)

    rows = {r.name: r for r in service.tally(FeedbackKind.COMPLAINT, 30)}
    assert (rows["Delivery"].count, rows["Delivery"].rising) == (3, True)
    assert (rows["Billing"].count, rows["Billing"].rising) == (1, False)
    assert rows["Billing"].past_average == Decimal("0.8")  # 10 in the 360 days before / 12
    assert rows["Staff"].count == 0
    assert {r.name: r.count for r in service.tally(FeedbackKind.COMPLAINT, 90)}["Billing"] == 3
    assert {r.name: r.count for r in service.tally(FeedbackKind.COMPLAINT, 365)}["Billing"] == 10
    assert [r.name for r in service.tally(FeedbackKind.COMPLAINT, 365)][:2] == [
        "Billing", "Delivery"]  # the busiest first
    assert {r.name: r.count for r in service.tally(FeedbackKind.WIN, 30)}["Delivery"] == 1
    # Drill-down: the entries behind a count.
    assert len(service.entries(FeedbackKind.COMPLAINT, category_id=billing, days=90)) == 3


def test_the_trend_counts_calendar_months(db: Database, owner: Actor, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    service = FeedbackService(db)
    delivery = _category(service, "Delivery")
    for when in (datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 19, tzinfo=UTC),
                 datetime(2026, 1, 31, 23, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)):
        service.record(FeedbackInput(FeedbackKind.COMPLAINT, "Late", category_id=delivery,
                                     occurred_at=when), owner)
    months, series = service.trend(FeedbackKind.COMPLAINT, months=12)
    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1)
    assert series == {"Delivery": [0] * 9 + [1, 0, 2]}


def test_month_starts_cross_the_year() -> None:
    assert month_starts(date(2026, 2, 14), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                 date(2026, 2, 1)]


def test_ratings_average_and_recent_comments_per_customer_and_overall(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    service = FeedbackService(any_db)
    customers = CustomerService(any_db)
    jim = customers.create(CustomerInput(first_name="Jim"), any_owner)
    ann = customers.create(CustomerInput(first_name="Ann"), any_owner)
    assert service.ratings().average is None
    for who, rating, text in ((jim, 5, "Always a pleasure"), (jim, 4, ""),
                              (ann, 2, "The wait was long")):
        clock.advance(minutes=5)
        service.record(FeedbackInput(FeedbackKind.SURVEY, text, customer_id=who.id,
                                     rating=rating), any_owner)
    overall = service.ratings()
    assert (overall.average, overall.count) == (Decimal("3.7"), 3)
    assert [e.text for e in overall.recent] == ["The wait was long", "Always a pleasure"]
    mine = service.ratings(jim.id)
    assert (mine.average, mine.count) == (Decimal("4.5"), 2)
    [shown, _] = TimelineService(any_db).page(jim.id, kinds=[TimelineKind.FEEDBACK])
    assert (shown.title, shown.detail) == ("Feedback", "4/5")
