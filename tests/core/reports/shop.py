"""A small hand-made shop whose every report figure is worked out by hand in the tests.

Products: Armchair 100.00 and Basket 50.00, both at 10 % tax; polish is a line off the
catalogue at 0.10 with no tax. Today is 2 March 2026 (the test clock), in UTC.

- Jim: 2 armchairs on 10 Mar 2025 (200.00 net, 220.00 gross, never paid: due 24 Mar 2025);
  a basket on 10 Feb 2026 (55.00 gross, due 24 Feb 2026, unpaid).
- Margo: an armchair and 3 polish on 15 Jan 2026 (100.30 net, 110.30 gross, due 29 Jan),
  60.30 paid.
- Alecia: an armchair on 1 Mar 2026, credited in full on 1 Mar; a basket on 2 Mar 2026
  (55.00 gross, due 16 Mar).
- Bob: marked lost ("Moved away") on 20 Feb 2026.
- Queries: Jim's armchair (phone, Delivery) answered in 2 h and resolved in a day; Margo's
  cushions (e-mail, no category) never answered; Margo's invoice address (phone, Billing)
  resolved in 4 h and reopened the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal as D

from crm_desktop.actor import Actor
from crm_desktop.models import (
    CustomerStatus,
    FeedbackKind,
    PaymentMethod,
    QueryChannel,
    QueryStatus,
)
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.feedback.feedback_service import FeedbackInput, FeedbackService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService
from crm_desktop.services.invoices.invoice_service import InvoiceService, PaymentInput
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService, ProductInput
from crm_desktop.services.queries.query_service import QueryInput, QueryService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Shop:
    jim: int
    margo: int
    alecia: int
    bob: int
    armchair: int
    basket: int
    alecias_basket: int  # the invoice of 2 March, unpaid


def build(db: Database, owner: Actor, clock: FakeClock) -> Shop:
    customers, orders, invoices = CustomerService(db), OrderService(db), InvoiceService(db)
    clock.now = at(date(2025, 3, 1))
    home = AddressInput("1 Main Street", postal_code="62701", city="Springfield", region="IL",
                        country="US", is_primary=True)
    jim, margo, alecia = (customers.create(CustomerInput(first_name=name, addresses=[home]),
                                           owner).id
                          for name in ("Jim", "Margo", "Alecia"))
    armchair = orders.create_product(ProductInput("A-1", "Armchair", D("100.00"), D(10)),
                                     owner).id
    basket = orders.create_product(ProductInput("B-1", "Basket", D("50.00"), D(10)), owner).id

    def sell(customer_id: int, on: date, lines: list[OrderLineInput]) -> tuple[int, list[int]]:
        clock.now = at(on)
        order = orders.create_draft(customer_id, lines, owner)
        order = orders.confirm(order.id, order.version, owner)
        order = orders.deliver(order.id, order.version,
                               {li.id: li.quantity for li in order.lines}, owner)
        draft = invoices.draft_from_orders(customer_id, [order.id], owner)
        issued = invoices.issue(draft.id, draft.version, owner)
        return issued.id, [li.id for li in issued.lines]

    sell(jim, date(2025, 3, 10), [OrderLineInput(D(2), product_id=armchair)])
    margo_invoice, _ = sell(margo, date(2026, 1, 15), [
        OrderLineInput(D(1), product_id=armchair),
        OrderLineInput(D(3), "Polish", unit_price=D("0.10"), tax_rate=D(0))])
    sell(jim, date(2026, 2, 10), [OrderLineInput(D(1), product_id=basket)])
    credited, lines = sell(alecia, date(2026, 3, 1), [OrderLineInput(D(1), product_id=armchair)])
    invoice = invoices.get(credited)
    invoices.credit(credited, invoice.version, {lines[0]: D(1)}, "Wrong colour", owner)
    alecias_basket, _ = sell(alecia, date(2026, 3, 2), [OrderLineInput(D(1), product_id=basket)])
    clock.now = at(date(2026, 2, 1))
    invoice = invoices.get(margo_invoice)
    invoices.record_payment(margo_invoice, invoice.version, PaymentInput(
        date(2026, 2, 1), D("60.30"), PaymentMethod.CARD), owner)

    clock.now = at(date(2026, 2, 20))
    bob = customers.create(CustomerInput(first_name="Bob", status=CustomerStatus.LOST,
                                         lost_reason="Moved away"), owner).id

    follow_ups = FollowUpService(db, zone_name="UTC")

    def follow_up(customer_id: int, due: date, purpose: str) -> tuple[int, int]:
        clock.now = at(date(2026, 1, 2))
        made = follow_ups.schedule(FollowUpInput(customer_id, due, purpose), owner)
        return made.id, made.version

    done = follow_up(margo, date(2026, 2, 1), "Ask about the armchair")
    late = follow_up(jim, date(2026, 2, 3), "Remind about the basket")
    follow_up(alecia, date(2026, 2, 20), "Thank her for coming back")  # still open: overdue
    follow_up(alecia, date(2026, 3, 10), "Ask how the basket is")  # not due yet
    cancelled = follow_up(jim, date(2026, 2, 5), "Offer a cushion")
    clock.now = at(date(2026, 2, 1), 16)
    follow_ups.complete(*done, "Happy with it", owner)
    clock.now = at(date(2026, 2, 5), 9)
    follow_ups.complete(*late, "Will pay next week", owner)
    follow_ups.cancel(*cancelled, "Not needed", owner)

    queries = QueryService(db)
    category = {c.name: c.id for c in queries.categories()}
    clock.now = at(date(2026, 2, 1))
    q1 = queries.log(QueryInput("Where is my armchair?", customer_id=jim,
                                category_id=category["Delivery"]), owner)
    clock.now = at(date(2026, 2, 1), 12)
    q1 = queries.move(q1.id, q1.version, QueryStatus.IN_PROGRESS, owner)
    clock.now = at(date(2026, 2, 2))
    queries.move(q1.id, q1.version, QueryStatus.RESOLVED, owner, note="Delivered")
    clock.now = at(date(2026, 2, 10))
    queries.log(QueryInput("Do you sell cushions?", channel=QueryChannel.EMAIL,
                           customer_id=margo), owner)
    clock.now = at(date(2026, 2, 15), 9)
    q3 = queries.log(QueryInput("Invoice address wrong", customer_id=margo,
                                category_id=category["Billing"]), owner)
    clock.now = at(date(2026, 2, 15), 13)
    q3 = queries.move(q3.id, q3.version, QueryStatus.RESOLVED, owner, note="Fixed")
    clock.now = at(date(2026, 2, 16))
    queries.reopen(q3.id, q3.version, owner, reason="Still wrong")

    feedback = FeedbackService(db)
    for day, kind, name, who, apology, action in (
            (date(2026, 1, 20), FeedbackKind.COMPLAINT, "Delivery", margo, True,
             "Refunded the postage"),
            (date(2026, 2, 5), FeedbackKind.COMPLAINT, "Delivery", jim, False, ""),
            (date(2026, 2, 6), FeedbackKind.WIN, "Staff", alecia, None, "")):
        clock.now = at(day, 12)
        feedback.record(FeedbackInput(kind, "What happened", category_id=category[name],
                                      customer_id=who, apology_made=apology,
                                      action_taken=action), owner)
    clock.now = at(date(2026, 2, 7), 12)
    feedback.record(FeedbackInput(FeedbackKind.SURVEY, "Lovely chair", customer_id=margo,
                                  rating=4), owner)
    clock.now = at(date(2026, 3, 2), 9)
    return Shop(jim, margo, alecia, bob, armchair, basket, alecias_basket)
