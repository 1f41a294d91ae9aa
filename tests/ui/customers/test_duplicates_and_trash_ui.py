from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import ContactKind
from crm_desktop.paths import AppPaths
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.storage.database import Database


@pytest.fixture
def margo(db: Database, owner: Actor) -> int:
    return CustomerService(db).create(CustomerInput(
        first_name="Margo", last_name="Nunez",
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0134")]), owner).id


def test_a_duplicate_is_pointed_out_while_typing_and_can_be_opened(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int) -> None:
    window = make_window()
    dialog = window.customers.new_customer()
    assert not dialog.duplicates.isVisibleTo(dialog)
    qtbot.keyClicks(dialog._contacts[0].value, "(201) 555-0134")
    dialog._contacts[0].value.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.duplicates.isVisibleTo(dialog))
    button = dialog.findChild(QPushButton, f"open_duplicate_{margo}")
    assert button is not None
    assert button.text() == "Open Margo Nunez (same phone number)"
    button.click()  # no "discard changes?" question: opening the existing one was the choice
    assert not dialog.isVisible()
    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.name_label.text() == "Margo Nunez"


def _answer(monkeypatch: pytest.MonkeyPatch, button: str) -> list[QMessageBox]:
    """Answer the duplicate question: "default" as Enter would, or "create"."""
    asked: list[QMessageBox] = []

    def exec_(box: QMessageBox) -> int:
        asked.append(box)
        chosen = box.defaultButton() if button == "default" else box.property("create_button")
        chosen.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return asked


def test_saving_a_customer_who_already_exists_opens_them_by_default(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    dialog = window.customers.new_customer()
    qtbot.keyClicks(dialog.ui.first_name, "Margaret")
    qtbot.keyClicks(dialog._contacts[0].value, "(201) 555-0134")
    asked = _answer(monkeypatch, "default")
    dialog.save()  # a click on Save (or Enter) is not enough to make a second Margo
    assert len(asked) == 1
    assert asked[0].defaultButton().text() == "Open Margo Nunez"
    assert "same phone number" not in asked[0].text() and "phone number" in asked[0].text()
    assert window.customers.profile.name_label.text() == "Margo Nunez"
    assert len(CustomerService(db).find_duplicates(CustomerInput(first_name="Margaret",
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0134")]))) == 1


def test_a_second_customer_with_the_same_phone_is_a_deliberate_second_step(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    dialog = window.customers.new_customer()
    qtbot.keyClicks(dialog.ui.first_name, "Rosa")
    qtbot.keyClicks(dialog._contacts[0].value, "(201) 555-0134")  # the family's landline
    _answer(monkeypatch, "create")
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    assert dialog.saved is not None and dialog.saved.first_name == "Rosa"


def test_a_similar_name_is_pointed_out(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                       margo: int) -> None:
    window = make_window()
    dialog = window.customers.new_customer()
    qtbot.keyClicks(dialog.ui.first_name, "Margot")
    qtbot.keyClicks(dialog.ui.last_name, "Nunes")
    qtbot.waitUntil(lambda: dialog.duplicates.isVisibleTo(dialog))
    assert dialog.findChild(QPushButton, f"open_duplicate_{margo}") is not None
    dialog.ui.last_name.setText("Okafor")
    dialog.check_duplicates()
    assert not dialog.duplicates.isVisibleTo(dialog)
    dialog.done(0)


def test_editing_does_not_warn_about_itself(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                            margo: int) -> None:
    window = make_window()
    dialog = window.customers.edit_customer(margo)
    assert isinstance(dialog, CustomerFormDialog)
    dialog.ui.first_name.setText("Margot")
    assert not dialog._duplicate_timer.isActive()
    dialog.done(0)


def test_delete_then_restore_from_the_trash(qtbot: QtBot,
                                            make_window: Callable[[], MainWindow],
                                            margo: int, monkeypatch: pytest.MonkeyPatch,
                                            db: Database) -> None:
    window = make_window()
    window.customers.open_customer(margo)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.customers.profile.delete_button.click()
    assert window.customers.list_model.rowCount() == 0
    window.nav.setCurrentRow(NAV_ITEMS.index("Trash"))
    page = window.customers.trash_page
    assert window.stack.currentWidget() is page
    assert page.table.rowCount() == 1
    assert page.table.item(0, 0).text() == "Margo Nunez"
    assert page.table.item(0, 2).text() == "Olivia Owner"
    assert not page.restore_button.isEnabled()
    page.table.selectRow(0)
    page.restore_button.click()
    assert page.table.rowCount() == 0 and not page.empty_label.isHidden()
    assert window.customers.list_model.rowCount() == 1


def test_owner_purges_for_good(qtbot: QtBot, make_window: Callable[[], MainWindow],
                               margo: int, db: Database, owner: Actor,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    service = CustomerService(db)
    service.delete(margo, service.get(margo).version, owner)
    window = make_window()
    window.customers.show_trash()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.customers.trash_page.table.selectRow(0)
    window.customers.trash_page.purge_button.click()
    assert window.customers.trash_page.table.rowCount() == 0
    assert service.trash() == []


def test_receptionists_cannot_purge(qtbot: QtBot, db: Database, receptionist: Actor,
                                    app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home))
    qtbot.addWidget(window)
    purge = window.customers.trash_page.purge_button
    assert not purge.isEnabled()
    assert purge.toolTip() == "Only the shop owner can empty the trash (delete customers for good)."
    purge.setEnabled(True)  # whatever shows it by state, it stays off
    assert not purge.isEnabled()


def test_merge_two_selected_customers(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                      margo: int, db: Database, owner: Actor,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QInputDialog

    twin = CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Nunez",
                                                    company="Nunez Flowers"), owner)
    window = make_window()
    selection = window.customers.list_page.table.selectionModel()
    for row in (0, 1):
        selection.select(window.customers.list_model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    assert window.customers.list_page._bulk_actions["merge"].isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem",
                        lambda _p, _t, _l, items, *a, **k: (items[1], True))
    window.customers.list_page.bulk_requested.emit("merge")
    assert window.customers.list_model.rowCount() == 1
    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.customer is not None
    assert window.customers.profile.customer.id == twin.id
    assert "Nunez Flowers" in window.customers.profile.facts_label.text()
