"""Orders through the GUI: a product, a three-line order, partial delivery, a return, the
timeline; totals on screen to the cent; refusals at the field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QDialog, QInputDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.gui.orders.order_dialog import DeliveryDialog, OrderDialog, ReturnDialog
from crm_desktop.gui.orders.product_dialog import ProductDialog
from crm_desktop.models import OrderState
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.orders.order_service import OrderService, ProductInput
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


@pytest.fixture
def jim(db: Database, owner: Actor) -> int:
    return CustomerService(db).create(CustomerInput(first_name="Jim", last_name="Hart"),
                                      owner).id


def fill(dialog: OrderDialog, row: int, description: str, qty: str, price: str,
         tax: str) -> None:
    editor = dialog.lines[row]
    editor.description.setText(description)
    editor.quantity.setText(qty)
    editor.unit_price.setText(price)
    editor.tax_rate.setText(tax)


def test_product_order_partial_delivery_return_and_timeline(
        qtbot: QtBot, make_window: Callable[[], MainWindow], jim: int, db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    # A product, through the Products page.
    window.nav.setCurrentRow(NAV_ITEMS.index("Products"))
    assert window.stack.currentWidget() is window.orders.products_page
    window.orders.products_page.add_button.click()
    product_dialog = window.findChild(ProductDialog)
    assert product_dialog is not None
    qtbot.keyClicks(product_dialog.sku, "oak-1")
    qtbot.keyClicks(product_dialog.name, "Oak table")
    qtbot.keyClicks(product_dialog.unit_price, "249.00")
    qtbot.keyClicks(product_dialog.tax_rate, "19")
    with qtbot.waitSignal(product_dialog.finished):
        product_dialog.save()
    assert window.orders.products_page.table.item(0, 1).text() == "Oak table"
    assert window.orders.products_page.table.item(0, 2).text() == "$249.00"

    # A three-line order from the customer's profile.
    window.customers.open_customer(jim)
    window.customers.profile.new_order_button.click()
    dialog = window.findChild(OrderDialog)
    assert dialog is not None and dialog.is_draft
    first = dialog.lines[0]
    first.product.setCurrentIndex(first.product.findText("OAK-1 · Oak table"))
    assert (first.description.text(), first.unit_price.text(), first.tax_rate.text()) == (
        "Oak table", "249.00", "19")
    first.quantity.setText("2")
    dialog.action_buttons["add_line"].click()
    fill(dialog, 1, "Polish", "3", "0.10", "19")
    dialog.action_buttons["add_line"].click()
    fill(dialog, 2, "Cloth", "3", "0.10", "7")
    totals = dialog.totals.text()
    assert "Net <b>$498.60</b>" in totals
    assert "Tax 7 % on $0.30: $0.02" in totals and "Tax 19 % on $498.30: $94.68" in totals
    assert "Total <b>$593.30</b>" in totals
    dialog.action_buttons["confirm"].click()
    assert dialog.order is not None and dialog.order.state is OrderState.CONFIRMED
    assert "Confirmed" in dialog.title.text()

    # Deliver two lines in part.
    oak, polish, _cloth = dialog.order.lines

    def deliver_some(self: DeliveryDialog) -> int:
        self.edits[oak.id].setText("1")
        self.edits[polish.id].setText("2")
        self.edits[_cloth.id].setText("0")
        self.save()
        return int(self.result())

    monkeypatch.setattr(DeliveryDialog, "exec", deliver_some)
    dialog.action_buttons["deliver"].click()
    assert dialog.order.state is OrderState.SHIPPED
    assert "partly delivered" in dialog.title.text()
    assert dialog.table.item(0, 2).text() == "1"

    # A return of the delivered table.
    def return_one(self: ReturnDialog) -> int:
        self.quantity.setText("1")
        self.reason.setText("Scratched top")
        self.save()
        return int(self.result())

    monkeypatch.setattr(ReturnDialog, "exec", return_one)
    dialog.action_buttons["return"].click()
    assert dialog.table.item(0, 3).text() == "1 (Scratched top)"
    steps = [dialog.events.item(i).text() for i in range(dialog.events.count())]
    assert [s.split("  ")[1].split(":")[0] for s in steps] == [
        "placed", "confirmed", "delivered", "delivered", "returned"]
    dialog.done(0)

    # Every step is on the customer's timeline.
    model = window.customers.timeline_model
    titles = [model.index(r, 2).data() for r in range(model.rowCount())]
    order_id = dialog.order.id
    for step in ("placed", "confirmed", "delivered", "returned"):
        assert any(t.startswith(f"Order {order_id} {step}") for t in titles), step
    details = [model.index(r, 3).data() for r in range(model.rowCount())]
    assert "1 × Oak table: Scratched top (credited)" in details
    assert "2 × Polish" in details


def test_bad_lines_are_refused_at_the_field(qtbot: QtBot,
                                            make_window: Callable[[], MainWindow],
                                            jim: int, db: Database) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    dialog = window.orders.new_order(jim)
    assert dialog is not None
    fill(dialog, 0, "Polish", "0", "0.105", "120")
    assert dialog.lines[0].net.text() == "—"  # refused lines add nothing to the total
    dialog.action_buttons["save"].click()
    assert dialog.order is None  # nothing saved
    assert "more than zero" in dialog.lines[0].quantity.toolTip()
    assert "more decimals than USD allows" in dialog.lines[0].unit_price.toolTip()
    assert "between 0 and 100%" in dialog.lines[0].tax_rate.toolTip()
    dialog.lines[0].quantity.setText("lots")
    dialog.action_buttons["save"].click()
    assert "“lots” is not a number" in dialog.lines[0].quantity.toolTip()
    assert OrderService(db).customer_orders(jim) == []
    dialog.done(0)


def test_orders_of_a_customer_one_click_away_and_reorder(
        qtbot: QtBot, make_window: Callable[[], MainWindow], jim: int, db: Database,
        owner: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    orders = OrderService(db)
    table = orders.create_product(ProductInput("T1", "Tulips", Decimal("3.50"),
                                               Decimal(7)), owner)
    from crm_desktop.services.orders.order_service import OrderLineInput

    placed = orders.create_draft(jim, [OrderLineInput(Decimal(5), product_id=table.id)], owner)
    placed = orders.confirm(placed.id, placed.version, owner)
    other = CustomerService(db).create(CustomerInput(first_name="Ann"), owner).id
    orders.create_draft(other, [OrderLineInput(Decimal(1), "Gift wrap", unit_price=Decimal(2),
                                               tax_rate=Decimal(19))], owner)
    window = make_window()
    window.customers.open_customer(jim)
    window.customers.profile.orders_button.click()
    assert window.stack.currentWidget() is window.orders.page
    assert window.orders.list_model.rowCount() == 1
    assert window.orders.list_model.index(0, 2).data() == "Jim Hart"
    assert window.orders.list_model.index(0, 4).data() == "Tulips"
    window.orders.page.clear_customer.click()
    assert window.orders.list_model.rowCount() == 2
    window.orders.page.search.setText("gift")
    window.orders.page.apply_filters()
    assert window.orders.list_model.rowCount() == 1
    window.orders.page.search.setText("")
    window.orders.page.state_filter.setCurrentIndex(
        window.orders.page.state_filter.findData("confirmed"))
    assert window.orders.list_model.rowCount() == 1
    dialog = window.orders.open_order(placed.id)
    assert dialog is not None
    with qtbot.waitSignal(dialog.open_order) as opened:
        dialog.action_buttons["reorder"].click()
    new_id = opened.args[0]
    assert new_id != placed.id
    copy = OrderService(db).get(new_id)
    assert copy.state is OrderState.DRAFT
    assert [(li.description, li.quantity) for li in copy.lines] == [("Tulips", Decimal(5))]
    for open_dialog in window.findChildren(OrderDialog):
        open_dialog.done(0)


def test_cancel_asks_for_a_reason(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                  jim: int, db: Database, owner: Actor,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_desktop.services.orders.order_service import OrderLineInput

    order = OrderService(db).create_draft(jim, [OrderLineInput(
        Decimal(1), "Vase", unit_price=Decimal(20), tax_rate=Decimal(19))], owner)
    window = make_window()
    dialog = window.orders.open_order(order.id)
    assert dialog is not None
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Changed her mind", True))
    dialog.action_buttons["cancel"].click()
    assert dialog.order is not None and dialog.order.state is OrderState.CANCELLED
    assert "Reason: Changed her mind" in dialog.steps.text()
    assert "deliver" not in dialog.buttons.visible(dialog)
    dialog.done(QDialog.DialogCode.Rejected)


def test_orders_filtered_by_a_date_range(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                         jim: int, db: Database, owner: Actor,
                                         clock: FakeClock) -> None:
    from PySide6.QtCore import QDate

    from crm_desktop.services.orders.order_service import OrderLineInput

    orders = OrderService(db)
    for what in ("March vase", "Mid-March tulips", "Late March candle"):
        orders.create_draft(jim, [OrderLineInput(Decimal(1), what, unit_price=Decimal(5),
                                                 tax_rate=Decimal(7))], owner)
        clock.advance(days=10)  # orders on 2, 12 and 22 March 2026
    window = make_window()
    window.nav.setCurrentRow(NAV_ITEMS.index("Orders"))
    page = window.orders.page
    assert window.orders.list_model.rowCount() == 3
    page.period.setCurrentIndex(page.period.count() - 1)  # From … to …
    assert page.since.isVisibleTo(page) and page.until.isVisibleTo(page)
    page.since.setDate(QDate(2026, 3, 10))
    page.until.setDate(QDate(2026, 3, 12))
    assert [window.orders.list_model.index(r, 4).data()
            for r in range(window.orders.list_model.rowCount())] == ["Mid-March tulips"]
    page.period.setCurrentIndex(0)
    assert not page.since.isVisibleTo(page)
    assert window.orders.list_model.rowCount() == 3


def test_a_refused_line_never_shows_in_the_live_total(
        make_window: Callable[[], MainWindow], jim: int) -> None:
    window = make_window()
    dialog = window.orders.new_order(jim)
    assert dialog is not None
    fill(dialog, 0, "Polish", "2", "5.00", "0")
    assert "Total <b>$10.00</b>" in dialog.totals.text()
    dialog.action_buttons["add_line"].click()
    fill(dialog, 1, "Cloth", "-3", "4.00", "0")  # in error at its field: not -$12.00
    assert dialog.lines[1].net.text() == "—"
    assert "Total <b>$10.00</b>" in dialog.totals.text() and "-$" not in dialog.totals.text()
    dialog.done(0)


def test_the_product_form_shows_every_error_at_once(
        qtbot: QtBot, make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    window.nav.setCurrentRow(NAV_ITEMS.index("Products"))
    window.orders.products_page.add_button.click()
    dialog = window.findChild(ProductDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.unit_price, "abc")
    dialog.tax_rate.setText("NaN")
    dialog.save()
    assert dialog.saved is None
    assert "SKU is required" in dialog.sku.toolTip()
    assert "Name is required" in dialog.name.toolTip()
    assert "“abc” is not a number" in dialog.unit_price.toolTip()
    assert "“NaN” is not a number" in dialog.tax_rate.toolTip()
    assert len(dialog.error.text().splitlines()) == 4  # and all four under the form
    dialog.done(0)


@pytest.mark.parametrize(("country", "rate"), [("DE", "19"), ("GB", "20"), ("US", "")])
def test_a_new_product_and_line_start_at_the_countrys_standard_tax_rate(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor, jim: int,
        country: str, rate: str) -> None:
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), country=country), owner)
    window = make_window()
    window.nav.setCurrentRow(NAV_ITEMS.index("Products"))
    window.orders.products_page.add_button.click()
    product = window.findChild(ProductDialog)
    assert product is not None and product.tax_rate.text() == rate  # editable
    product.done(0)
    order = window.orders.new_order(jim)
    assert order is not None and order.lines[0].tax_rate.text() == rate
    order.done(0)
