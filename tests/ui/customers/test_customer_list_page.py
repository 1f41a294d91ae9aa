from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.customers import customer_list_model as list_model
from crm_desktop.gui.customers.customer_list_model import CustomerListModel
from crm_desktop.gui.customers.customer_list_page import CustomersPage
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.background import Background
from crm_desktop.models import CustomerStatus, Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import CustomerListService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD
from tests.ui.customers.counting import Later


@pytest.fixture
def three(db: Database, owner: Actor) -> list[int]:
    service = CustomerService(db)
    return [service.create(CustomerInput(first_name=name, last_name="Test", tags=tags),
                           owner).id
            for name, tags in (("Ann", ["VIP"]), ("Bob", []), ("Cy", ["VIP", "Local"]))]


def names(window: MainWindow) -> list[str]:
    model = window.customers.list_model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def select_rows(window: MainWindow, rows: list[int]) -> None:
    selection = window.customers.list_page.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.customers.list_model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)


def test_filter_by_tag_and_owner(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                 three: list[int], db: Database, owner: Actor) -> None:
    UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD)
    window = make_window()
    page = window.customers.list_page
    page.tag_filter.setCurrentIndex(page.tag_filter.findData("VIP"))
    assert names(window) == ["Ann Test", "Cy Test"]
    page.owner_filter.setCurrentIndex(page.owner_filter.findText("Rita Reception"))
    assert names(window) == []
    page.owner_filter.setCurrentIndex(page.owner_filter.findData(owner.user_id))
    page.tag_filter.setCurrentIndex(0)
    assert names(window) == ["Ann Test", "Bob Test", "Cy Test"]


def test_bulk_tag_owner_and_status(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                   three: list[int], db: Database, owner: Actor,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD)
    window = make_window()
    page = window.customers.list_page
    assert not page.selected_button.isEnabled()
    select_rows(window, [0, 1])
    assert page.selected_button.isEnabled()
    assert page.selected_button.text() == "Selected (2)"
    assert page.selected_ids() == three[:2]

    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Newsletter", True))
    page.bulk_requested.emit("add_tag")
    service = CustomerService(db)
    assert [service.get(i).tags for i in three] == [
        ("Newsletter", "VIP"), ("Newsletter",), ("Local", "VIP")]
    assert page.tag_filter.findData("Newsletter") > 0  # the new tag is offered as a filter

    select_rows(window, [1, 2])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Rita Reception", True))
    page.bulk_requested.emit("owner")
    assert [service.get(i).owner_name for i in three] == [
        "Olivia Owner", "Rita Reception", "Rita Reception"]

    select_rows(window, [0])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Lost", True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Moved abroad", True))
    page.bulk_requested.emit("status")
    lost = service.get(three[0])
    assert (lost.status, lost.lost_reason) == (CustomerStatus.LOST, "Moved abroad")
    assert window.customers.list_model.index(0, 2).data() == "Lost — Moved abroad"


def test_cancelling_a_bulk_change_changes_nothing(qtbot: QtBot,
                                                  make_window: Callable[[], MainWindow],
                                                  three: list[int], db: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    select_rows(window, [0, 1, 2])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("", False))
    window.customers.list_page.bulk_requested.emit("add_tag")
    assert CustomerService(db).get(three[1]).tags == ()


def test_enter_straight_after_typing_opens_the_match_for_all_that_was_typed(
        qtbot: QtBot, make_window: Callable[[], MainWindow], three: list[int]) -> None:
    window = make_window()
    page = window.customers.list_page
    page.focus_search()
    qtbot.keyClicks(page.search, "cy t")  # the searches for "c", "cy", ... are on a worker
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # before any of them came back
    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.name_label.text() == "Cy Test"
    window.background.wait()  # the overtaken searches land, and are dropped
    assert names(window) == ["Cy Test"]
    assert page.count_label.text() == "1 match"


def test_typing_shows_the_results_of_the_newest_text(
        qtbot: QtBot, make_window: Callable[[], MainWindow], three: list[int]) -> None:
    window = make_window()
    page = window.customers.list_page
    qtbot.keyClicks(page.search, "bob")
    qtbot.waitUntil(lambda: names(window) == ["Bob Test"])
    page.search.clear()
    qtbot.waitUntil(lambda: page.count_label.text() == "3 customers")
    assert page.table.currentIndex().row() == 0


def test_a_long_list_says_it_is_still_counting_until_it_has(
        qtbot: QtBot, db: Database, three: list[int], formatter: Formatter,
        ui_state: QSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_model, "AT_ONCE", 2)  # (a million customers, in small)
    later = Later()
    model = CustomerListModel(CustomerListService(db), formatter, count_later=later)
    page = CustomersPage(model, ui_state, Background())
    qtbot.addWidget(page)
    assert page.count_label.text() == "More than 2 customers (counting…)"
    later.run()
    assert page.count_label.text() == "3 customers"
