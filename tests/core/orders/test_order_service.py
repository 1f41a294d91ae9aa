"""Orders: the state machine, partial deliveries, returns, the rounding rule, refusals."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.models import CustomerStatus, OrderState, RefundKind
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.orders.order_service import (
    OrderLineInput,
    OrderService,
    ProductInput,
    ReturnInput,
)
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


@pytest.fixture
def shop(any_db: Database, any_owner: Actor) -> tuple[OrderService, int, int]:
    orders = OrderService(any_db)
    customer = CustomerService(any_db).create(CustomerInput(first_name="Jim"), any_owner).id
    table = orders.create_product(ProductInput("oak-1", "Oak table", D("249.00"), D(19)),
                                  any_owner).id
    return orders, customer, table


def three_lines(table: int) -> list[OrderLineInput]:
    return [OrderLineInput(D(2), product_id=table),
            OrderLineInput(D(3), "Polish", unit_price=D("0.10"), tax_rate=D(19)),
            OrderLineInput(D(3), "Cloth", unit_price=D("0.10"), tax_rate=D(7))]


def test_totals_follow_the_rounding_rule_to_the_cent(shop: tuple[OrderService, int, int],
                                                     any_owner: Actor) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    # Oak: 2 × 249.00 = 498.00; Polish: 3 × 0.10 = 0.30; Cloth: 3 × 0.10 = 0.30
    # 19 % on 498.30 = 94.677 → 94.68; 7 % on 0.30 = 0.021 → 0.02
    assert [li.net for li in order.lines] == [D("498.00"), D("0.30"), D("0.30")]
    assert order.totals.net == D("498.60")
    assert order.totals.tax_by_rate == ((D(7), D("0.30"), D("0.02")),
                                        (D(19), D("498.30"), D("94.68")))
    assert order.totals.tax == D("94.70")
    assert order.totals.gross == D("593.30")
    assert order.lines[0].description == "Oak table"  # from the catalogue
    assert order.lines[0].sku == "OAK-1"


def test_tax_is_computed_per_rate_on_the_summed_net(shop: tuple[OrderService, int, int],
                                                    any_owner: Actor) -> None:
    """README's worked example: per line the taxes would be 0.24 + 0.29 = 0.53."""
    orders, customer, _table = shop
    order = orders.create_draft(customer, [
        OrderLineInput(D(1), "Card", unit_price=D("1.25"), tax_rate=D(19)),
        OrderLineInput(D(3), "Stamp", unit_price=D("0.50"), tax_rate=D(19))], any_owner)
    assert order.totals.tax_by_rate == ((D(19), D("2.75"), D("0.52")),)
    assert (order.totals.net, order.totals.tax, order.totals.gross) == (
        D("2.75"), D("0.52"), D("3.27"))


def test_catalogue_changes_never_change_old_orders(shop: tuple[OrderService, int, int],
                                                   any_owner: Actor) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    product = orders.product(table)
    changed = product.as_input()
    changed.unit_price = D("299.00")
    orders.update_product(table, product.version, changed, any_owner)
    assert orders.get(order.id).lines[0].unit_price == D("249.00")


def test_the_whole_life_of_an_order_with_partial_delivery_and_a_return(
        shop: tuple[OrderService, int, int], any_db: Database, any_owner: Actor,
        clock: FakeClock) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    assert order.state is OrderState.DRAFT
    clock.advance(hours=1)
    order = orders.confirm(order.id, order.version, any_owner)
    assert (order.state, order.confirmed_at) == (OrderState.CONFIRMED, clock.now)
    assert CustomerService(any_db).get(customer).status is CustomerStatus.CUSTOMER
    clock.advance(days=1)
    oak, polish, cloth = order.lines
    order = orders.deliver(order.id, order.version, {oak.id: D(1), polish.id: D(2)},
                           any_owner)
    assert order.state is OrderState.SHIPPED and order.partly_delivered
    assert [li.delivered_quantity for li in order.lines] == [D(1), D(2), D(0)]
    clock.advance(days=1)
    order = orders.record_return(order.id, order.version, ReturnInput(
        oak.id, D(1), "Scratched top", RefundKind.CREDIT), any_owner)
    assert (order.lines[0].returned_quantity, order.lines[0].return_reason) == (
        D(1), "Scratched top")
    order = orders.deliver(order.id, order.version,
                           {oak.id: D(1), polish.id: D(1), cloth.id: D(3)}, any_owner)
    assert (order.state, order.delivered_at) == (OrderState.DELIVERED, clock.now)
    order = orders.close(order.id, order.version, any_owner)
    assert order.state is OrderState.CLOSED
    assert [e.kind.value for e in order.events] == [
        "placed", "confirmed", "delivered", "delivered", "returned", "delivered", "delivered",
        "delivered", "closed"]
    # Kept: 1 oak (2 delivered − 1 returned), 3 polish, 3 cloth = 249.00+47.31, 0.36, 0.32
    assert CustomerService(any_db).get(customer).lifetime_value == D("296.99")
    timeline = TimelineService(any_db).page(customer, kinds=[TimelineKind.ORDER])
    assert timeline[0].title == f"Order {order.id} closed"
    assert any(e.detail == "1 × Oak table: Scratched top (credited)" for e in timeline)


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (OrderLineInput(D(0), "X", unit_price=D(1), tax_rate=D(7)), "lines.0.quantity",
         "more than zero"),
        (OrderLineInput(D(-2), "X", unit_price=D(1), tax_rate=D(7)), "lines.0.quantity",
         "more than zero"),
        (OrderLineInput(D("1.0001"), "X", unit_price=D(1), tax_rate=D(7)), "lines.0.quantity",
         "more than 3 decimals"),
        (OrderLineInput(D(1), "X", unit_price=D("0.105"), tax_rate=D(7)),
         "lines.0.unit_price", "more decimals than USD allows (2)"),
        (OrderLineInput(D(1), "X", unit_price=D("-1"), tax_rate=D(7)),
         "lines.0.unit_price", "cannot be negative"),
        (OrderLineInput(D(1), "X", unit_price=D(1), tax_rate=D(101)), "lines.0.tax_rate",
         "between 0 and 100%"),
        (OrderLineInput(D(1), "X", unit_price=D(1), tax_rate=D(-1)), "lines.0.tax_rate",
         "between 0 and 100%"),
        (OrderLineInput(D(1), "X", unit_price=D(1), tax_rate=D(7),
                        discount_percent=D(120)), "lines.0.discount_percent", "between 0"),
        (OrderLineInput(D(1), "", unit_price=D(1), tax_rate=D(7)), "lines.0.description",
         "required"),
        (OrderLineInput(D(1), "X", tax_rate=D(7)), "lines.0.unit_price", "required"),
    ],
)
def test_bad_lines_are_refused_at_the_field_and_nothing_is_saved(
        shop: tuple[OrderService, int, int], any_owner: Actor, line: OrderLineInput,
        field: str, message: str) -> None:
    orders, customer, _ = shop
    with pytest.raises(ValidationError) as caught:
        orders.create_draft(customer, [line], any_owner)
    assert message in caught.value.errors[field]
    assert orders.customer_orders(customer) == []


def test_currency_decides_the_price_decimals(shop: tuple[OrderService, int, int],
                                             any_db: Database, any_owner: Actor) -> None:
    orders, customer, _ = shop
    SettingsService(any_db).save_business(BusinessSettings(currency="JPY", country="JP",
                                                           locale="en_US"), any_owner)
    with pytest.raises(ValidationError, match="more decimals than JPY allows"):
        orders.create_draft(customer, [OrderLineInput(D(1), "Tea", unit_price=D("10.50"),
                                                      tax_rate=D(8))], any_owner)


def test_deliveries_and_returns_are_bounded(shop: tuple[OrderService, int, int],
                                            any_owner: Actor) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    order = orders.confirm(order.id, order.version, any_owner)
    oak = order.lines[0]
    with pytest.raises(ValidationError) as caught:
        orders.deliver(order.id, order.version, {oak.id: D(3)}, any_owner)
    assert "Only 2 of “Oak table” are still to be delivered" in \
        caught.value.errors[f"deliveries.{oak.id}"]
    with pytest.raises(ValidationError, match="cannot be given a return"):
        orders.record_return(order.id, order.version,
                             ReturnInput(oak.id, D(1), "x", RefundKind.REFUND), any_owner)
    order = orders.deliver(order.id, order.version, {oak.id: D(1)}, any_owner)
    with pytest.raises(ValidationError) as caught:
        orders.record_return(order.id, order.version,
                             ReturnInput(oak.id, D(2), "Too big", RefundKind.REFUND), any_owner)
    assert "Only 1 of “Oak table” can come back" in caught.value.errors["quantity"]
    with pytest.raises(ValidationError) as caught:
        orders.record_return(order.id, order.version,
                             ReturnInput(oak.id, D(1), "", RefundKind.REFUND), any_owner)
    assert "Reason is required" in caught.value.errors["reason"]
    assert orders.get(order.id).lines[0].returned_quantity == 0


@pytest.mark.parametrize(
    ("steps", "then", "message"),
    [
        ([], "ship", "draft, so it cannot be shipped"),
        ([], "close", "draft, so it cannot be closed"),
        (["confirm"], "confirm", "confirmed, so it cannot be confirmed"),
        (["confirm", "ship", "deliver"], "cancel", "cannot be cancelled"),
        (["confirm", "cancel"], "ship", "cancelled, so it cannot be shipped"),
    ],
)
def test_the_state_machine_refuses_steps_out_of_order(
        shop: tuple[OrderService, int, int], any_owner: Actor, steps: list[str], then: str,
        message: str) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)

    def do(step: str) -> None:
        nonlocal order
        current = orders.get(order.id)
        if step == "deliver":
            order = orders.deliver(current.id, current.version,
                                   {li.id: li.quantity for li in current.lines}, any_owner)
        elif step == "cancel":
            order = orders.cancel(current.id, current.version, "Changed mind", any_owner)
        else:
            order = getattr(orders, step)(current.id, current.version, any_owner)

    for step in steps:
        do(step)
    with pytest.raises(ValidationError, match=message):
        do(then)


def test_cancel_needs_a_reason_and_keeps_the_date(shop: tuple[OrderService, int, int],
                                                  any_owner: Actor, clock: FakeClock) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    with pytest.raises(ValidationError, match="Reason is required"):
        orders.cancel(order.id, order.version, " ", any_owner)
    order = orders.cancel(order.id, order.version, "Found it cheaper", any_owner)
    assert (order.state, order.cancelled_at, order.cancel_reason) == (
        OrderState.CANCELLED, clock.now, "Found it cheaper")


def test_only_drafts_change_lines_and_stale_versions_conflict(
        shop: tuple[OrderService, int, int], any_owner: Actor) -> None:
    orders, customer, table = shop
    order = orders.create_draft(customer, three_lines(table), any_owner)
    edited = orders.update_draft(order.id, order.version,
                                 [li.as_input() for li in order.lines[:2]], any_owner)
    assert len(edited.lines) == 2 and edited.lines[0].id == order.lines[0].id
    with pytest.raises(ConflictError):
        orders.update_draft(order.id, order.version, [], any_owner)
    confirmed = orders.confirm(order.id, edited.version, any_owner)
    with pytest.raises(ValidationError, match="Only a draft"):
        orders.update_draft(order.id, confirmed.version,
                            [li.as_input() for li in confirmed.lines], any_owner)


def test_reorder_copies_lines_at_todays_prices_and_skips_retired(
        shop: tuple[OrderService, int, int], any_owner: Actor) -> None:
    orders, customer, table = shop
    chair = orders.create_product(ProductInput("CH-1", "Chair", D("59.00"), D(19)),
                                  any_owner).id
    old = orders.create_draft(customer, [OrderLineInput(D(1), product_id=table),
                                         OrderLineInput(D(4), product_id=chair)], any_owner)
    table_now = orders.product(table)
    raised = table_now.as_input()
    raised.unit_price = D("259.00")
    orders.update_product(table, table_now.version, raised, any_owner)
    chair_now = orders.product(chair)
    retired = chair_now.as_input()
    retired.active = False
    orders.update_product(chair, chair_now.version, retired, any_owner)
    new, skipped = orders.reorder(old.id, any_owner)
    assert new.id != old.id and new.state is OrderState.DRAFT
    assert [(li.description, li.unit_price) for li in new.lines] == [("Oak table", D("259.00"))]
    assert skipped == ["Chair"]
    assert [p.name for p in orders.products()] == ["Oak table"]
    assert [p.name for p in orders.products(include_retired=True)] == ["Chair", "Oak table"]


def test_product_validation(shop: tuple[OrderService, int, int], any_owner: Actor) -> None:
    orders, _, _ = shop
    with pytest.raises(ValidationError) as caught:
        orders.create_product(ProductInput("", "", D("1.999"), D(150)), any_owner)
    assert set(caught.value.errors) == {"sku", "name", "unit_price", "tax_rate"}
    with pytest.raises(ValidationError, match="already has SKU OAK-1"):
        orders.create_product(ProductInput("Oak-1", "Dup", D(1), D(0)), any_owner)
