"""What the profile shows: notes, dates, open queries, overdue invoices, the timeline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import (
    CustomerQuery,
    DateKind,
    Feedback,
    FeedbackKind,
    FollowUpChannel,
    HistoryKind,
    Invoice,
    InvoiceState,
    Payment,
    PaymentMethod,
    QueryChannel,
    QueryStatus,
)
from crm_desktop.services.customers.customer_service import (
    CustomerInput,
    CustomerService,
    DateInput,
)
from crm_desktop.services.customers.dates import next_occurrence, upcoming
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpRequest
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def test_notes_are_added_pinned_and_removed(any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    alecia = service.create(CustomerInput(first_name="Alecia"), any_owner)
    alecia = service.add_note(alecia.id, "Her cat is at the vet — ask how she is", any_owner)
    assert [(n.text, n.pinned) for n in alecia.notes] == [
        ("Her cat is at the vet — ask how she is", True)]
    alecia = service.set_note_pinned(alecia.notes[0].id, False, any_owner)
    assert not alecia.notes[0].pinned
    from crm_desktop.services.customers.customer_list_service import (
        CustomerFilter,
        CustomerListService,
    )
    assert CustomerListService(any_db).count(CustomerFilter(text="vet")) == 1
    alecia = service.delete_note(alecia.notes[0].id, any_owner)
    assert alecia.notes == ()
    assert CustomerListService(any_db).count(CustomerFilter(text="vet")) == 0
    with pytest.raises(ValidationError, match="Write the note"):
        service.add_note(alecia.id, "   ", any_owner)


def test_important_dates_with_optional_year_and_the_banner(db: Database, owner: Actor,
                                                           clock: FakeClock) -> None:
    today = clock.now.date()  # 2 March 2026 (the fake clock; local zone is UTC in tests)
    service = CustomerService(db)
    jim = service.create(CustomerInput(first_name="Jim", dates=[
        DateInput(DateKind.BIRTHDAY, 3, 5, 1986),
        DateInput(DateKind.ANNIVERSARY, 12, 24),
        DateInput(DateKind.CUSTOM, 3, 2, label="Shop opening"),
    ]), owner)
    assert [d.year for d in jim.important_dates] == [1986, None, None]
    assert [u.describe() for u in jim.upcoming_dates] == [
        "Shop opening today", "Birthday in 3 days (turns 40)"]
    assert today.month == 3


@pytest.mark.parametrize(
    ("date_input", "field", "message"),
    [(DateInput(DateKind.BIRTHDAY, 2, 30), "dates.0.day", "no day 30"),
     (DateInput(DateKind.BIRTHDAY, 2, 29, 2023), "dates.0.day", "of 2023"),
     (DateInput(DateKind.CUSTOM, 5, 1), "dates.0.label", "Label is required"),
     (DateInput(DateKind.BIRTHDAY, 5, 1, 1700), "dates.0.year", "between 1800")],
)
def test_impossible_dates_are_refused(db: Database, owner: Actor, date_input: DateInput,
                                      field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerService(db).create(CustomerInput(first_name="X", dates=[date_input]), owner)
    assert message in caught.value.errors[field]


def test_29_february_comes_round_on_the_28th() -> None:
    assert next_occurrence(2, 29, date(2027, 2, 1)) == date(2027, 2, 28)
    assert next_occurrence(2, 29, date(2028, 2, 1)) == date(2028, 2, 29)
    birthday = upcoming(DateKind.BIRTHDAY, "", 1, 1, 2000, today=date(2026, 12, 31),
                        within_days=14)
    assert birthday is not None and birthday.describe() == "Birthday tomorrow (turns 27)"


def test_banner_lists_open_queries_and_overdue_invoices(any_db: Database, any_owner: Actor,
                                                        clock: FakeClock) -> None:
    service = CustomerService(any_db)
    margo = service.create(CustomerInput(first_name="Margo"), any_owner)
    today = clock.now.date()
    with any_db.transaction(any_owner, None) as session:
        session.add_all([
            CustomerQuery(customer_id=margo.id, channel=QueryChannel.PHONE,
                          owner_id=any_owner.user_id, subject="Where is my parcel?"),
            CustomerQuery(customer_id=margo.id, channel=QueryChannel.PHONE,
                          owner_id=any_owner.user_id, subject="Old question",
                          status=QueryStatus.RESOLVED, resolution="Done"),
        ])
        for number, due, paid in (("2026-0001", today - timedelta(days=5), Decimal("40.00")),
                                  ("2026-0002", today + timedelta(days=5), Decimal(0)),
                                  ("2026-0003", today - timedelta(days=9), Decimal("100.00"))):
            # As InvoiceService.record_payment keeps them: each payment and the paid total.
            invoice = Invoice(customer_id=margo.id, number=number, state=InvoiceState.ISSUED,
                              currency="USD", issued_on=due - timedelta(days=14), due_on=due,
                              gross_total=Decimal("100.00"), paid_total=paid)
            session.add(invoice)
            session.flush()
            if paid:
                session.add(Payment(invoice_id=invoice.id, paid_on=today, amount=paid,
                                    method=PaymentMethod.CARD))
    margo = service.get(margo.id)
    assert [q.subject for q in margo.open_queries] == ["Where is my parcel?"]
    assert [(i.number, i.outstanding) for i in margo.overdue_invoices] == [
        ("2026-0001", Decimal("60.00"))]


def test_timeline_merges_every_kind_newest_first_and_pages(any_db: Database, any_owner: Actor,
                                                           clock: FakeClock) -> None:
    customer = CustomerService(any_db).create(CustomerInput(first_name="Jim"), any_owner)
    timeline = TimelineService(any_db)
    for i in range(7):
        clock.advance(hours=1)
        timeline.log(customer.id, HistoryKind.CALL, f"Call {i}", any_owner, outcome="Happy")
    clock.advance(hours=1)
    OrderService(any_db).create_draft(customer.id, [
        OrderLineInput(Decimal(1), "Oak table", unit_price=Decimal("10.00"),
                       tax_rate=Decimal(19))], any_owner)
    with any_db.transaction(any_owner, None) as session:
        session.add(Feedback(customer_id=customer.id, kind=FeedbackKind.WIN,
                             occurred_at=clock.now, rating=5, text="Lovely flowers"))
    clock.advance(hours=1)
    timeline.log(customer.id, HistoryKind.VISIT, "Came in for a chat", any_owner)

    first = timeline.page(customer.id, limit=4)
    assert [e.title for e in first] == ["Came in for a chat", "Win", "Order 1 placed",
                                        "Call 6"]
    assert first[0].who == "Olivia Owner"
    rest = timeline.page(customer.id, before=first[-1], limit=50)
    assert [e.title for e in rest] == [f"Call {i}" for i in range(5, -1, -1)]
    calls = timeline.page(customer.id, kinds=[TimelineKind.VISIT, TimelineKind.FEEDBACK])
    assert [e.kind for e in calls] == [TimelineKind.VISIT, TimelineKind.FEEDBACK]


def test_logging_a_call_updates_last_contact_and_can_schedule_a_follow_up(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    service = CustomerService(any_db)
    customer = service.create(CustomerInput(first_name="Jim"), any_owner)
    TimelineService(any_db).log(
        customer.id, HistoryKind.CALL, "Asked about the oak table", any_owner,
        outcome="Will think about it",
        follow_up=FollowUpRequest(clock.now.date() + timedelta(days=7), FollowUpChannel.CALL,
                                  "Ask whether he decided"))
    customer = service.get(customer.id)
    assert customer.last_contact_at == clock.now
    assert customer.next_follow_up_at is not None
    assert customer.next_follow_up_at.date() == clock.now.date() + timedelta(days=7)
    kinds = [e.kind for e in TimelineService(any_db).page(customer.id)]
    assert kinds == [TimelineKind.FOLLOW_UP, TimelineKind.CALL]


def test_logging_refuses_bad_input_and_saves_nothing(db: Database, owner: Actor,
                                                     clock: FakeClock) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    timeline = TimelineService(db)
    with pytest.raises(ValidationError) as caught:
        timeline.log(customer.id, HistoryKind.CALL, "", owner,
                     occurred_at=clock.now + timedelta(days=2))
    assert set(caught.value.errors) == {"summary", "occurred_at"}
    with pytest.raises(ValidationError, match="in the past"):
        timeline.log(customer.id, HistoryKind.CALL, "Called", owner, follow_up=FollowUpRequest(
            clock.now.date() - timedelta(days=1), FollowUpChannel.CALL, "Too late"))
    assert timeline.page(customer.id) == []
