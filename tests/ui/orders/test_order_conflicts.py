"""Two desks change the same draft order: the second save shows the lines and notes each
desk left, side by side, as a customer's form does."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QRadioButton
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.orders.order_dialog import OrderDialog
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.models import Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD


@pytest.fixture
def draft(db: Database, owner: Actor) -> tuple[OrderService, int]:
    jim = CustomerService(db).create(CustomerInput(first_name="Jim", last_name="Hart"),
                                     owner).id
    orders = OrderService(db)
    made = orders.create_draft(jim, [OrderLineInput(Decimal(2), "Oak side table",
                                                    unit_price=Decimal("249.00"),
                                                    tax_rate=Decimal(0))], owner)
    return orders, made.id


def _window(qtbot: QtBot, owner: Actor, formatter: Formatter, orders: OrderService,
            order_id: int) -> OrderDialog:
    order = orders.get(order_id)
    dialog = OrderDialog(orders, owner, formatter, customer=(order.customer_id, "Jim Hart"),
                         order=order)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_draft_changed_at_both_desks_shows_lines_and_notes_side_by_side(
        qtbot: QtBot, db: Database, owner: Actor, formatter: Formatter,
        draft: tuple[OrderService, int], monkeypatch: pytest.MonkeyPatch) -> None:
    orders, order_id = draft
    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    window = _window(qtbot, owner, formatter, orders, order_id)
    there = orders.get(order_id).draft()
    orders.update_draft(order_id, orders.get(order_id).version, there.lines, rita,
                        notes="Deliver on Saturday")  # the other desk: a note
    window.lines[0].quantity.setText("3")  # here: three tables
    seen: dict[str, object] = {}

    def choose(conflict: ConflictDialog) -> int:
        seen["title"] = conflict.windowTitle()
        seen["intro"] = conflict.findChildren(QLabel)[0].text()
        seen["fields"] = [c.name for c in conflict.found]
        seen["mine"] = conflict.findChild(QLabel, "lines_mine").text()
        seen["keep_lines"] = conflict.findChild(QRadioButton, "lines_keep_mine").isChecked()
        seen["their_notes"] = conflict.findChild(QRadioButton, "notes_take_theirs").isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", choose)
    saved = window.save_draft()
    assert seen["title"] == f"The draft order {order_id} for Jim Hart was changed at the " \
                            "other desk"
    assert "<b>Rita Reception</b>" in str(seen["intro"])
    assert seen["fields"] == ["lines", "notes"]
    assert seen["mine"] == "3 × Oak side table at $249.00"
    assert seen["keep_lines"] and seen["their_notes"]
    assert saved is not None
    after = orders.get(order_id)
    assert [(li.description, li.quantity) for li in after.lines] == [
        ("Oak side table", Decimal(3))]
    assert after.notes == "Deliver on Saturday"
    assert window.notes.toPlainText() == "Deliver on Saturday"  # the window shows what saved


def test_back_to_the_draft_keeps_its_lines_and_a_confirmed_order_is_said(
        qtbot: QtBot, db: Database, owner: Actor, formatter: Formatter,
        draft: tuple[OrderService, int], monkeypatch: pytest.MonkeyPatch) -> None:
    orders, order_id = draft
    window = _window(qtbot, owner, formatter, orders, order_id)
    there = orders.get(order_id)
    orders.update_draft(order_id, there.version, [replace(there.draft().lines[0],
                                                          quantity=Decimal(5))], owner)
    window.lines[0].quantity.setText("3")
    monkeypatch.setattr(ConflictDialog, "exec", lambda _self: QDialog.DialogCode.Rejected)
    assert window.save_draft() is None
    assert window.lines[0].quantity.text() == "3"
    assert orders.get(order_id).lines[0].quantity == Decimal(5)
    orders.confirm(order_id, orders.get(order_id).version, owner)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: told.append(text))
    assert window.save_draft() is None
    assert told == [f"Order {order_id} was confirmed at the other desk while you were "
                    "changing it: a draft's lines can no longer be changed. Close it and "
                    "open it again to see it."]
