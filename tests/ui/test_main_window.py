from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import time
from decimal import Decimal as D

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.models import ContactKind, PreferenceKind
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def _add_through_the_form(qtbot: QtBot, window: MainWindow) -> None:
    window.new_action.trigger()
    dialog = window.findChild(CustomerFormDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.ui.first_name, "Margo")
    dialog.ui.last_name.insert("Sánchez")  # QTest types Latin-1 only; insert like a paste
    qtbot.keyClicks(dialog._contacts[0].value, "+1 201 555 0134")
    qtbot.mouseClick(dialog.ui.add_preference, Qt.MouseButton.LeftButton)
    dialog._preferences[0].text.insert("Always in a hurry — keep it short")
    dialog._preferences[0].pinned.setChecked(True)
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.ui.first_name, Qt.Key.Key_Return)


def test_add_a_customer_see_the_profile_restart_and_find_them(
        qtbot: QtBot, make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    assert window.customers.list_page.count_label.text() == "0 customers"
    _add_through_the_form(qtbot, window)

    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.name_label.text() == "Margo Sánchez"
    assert not window.customers.profile.banner.isHidden()
    assert "Always in a hurry — keep it short" in window.customers.profile.banner_text()
    assert window.customers.list_page.count_label.text() == "1 customer"
    window.close()

    reopened = make_window()
    assert reopened.customers.list_model.rowCount() == 1
    assert reopened.customers.list_model.index(0, 0).data() == "Margo Sánchez"
    assert reopened.customers.list_model.index(0, 3).data() == "(201) 555-0134"


def test_search_as_you_type_and_enter_opens_the_profile(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    service = CustomerService(db)
    for first, phone in (("Jim", "201 555 0111"), ("Margo", "201 555 0134"),
                         ("Alecia", "201 555 0177")):
        service.create(CustomerInput(first_name=first, last_name="Hart", contacts=[
            ContactInput(ContactKind.PHONE, phone)], preferences=[PreferenceInput(
                PreferenceKind.SERVICE_STYLE, f"{first} pinned note", pinned=True)]), owner)
    window = make_window()
    window.customers.open_customer(1)  # start somewhere else: Ctrl+K works from anywhere
    qtbot.keyClick(window.customers.profile, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    search = window.customers.list_page.search
    assert window.stack.currentWidget() is window.customers.list_page
    assert search.hasFocus()
    qtbot.keyClicks(search, "0134")
    qtbot.waitUntil(lambda: window.customers.list_model.rowCount() == 1)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.name_label.text() == "Margo Hart"
    assert "Margo pinned note" in window.customers.profile.banner_text()
    qtbot.mouseClick(window.customers.profile.back_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.customers.list_page


def test_copy_a_phone_number_in_one_click(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                          db: Database, owner: Actor) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Jim", contacts=[
        ContactInput(ContactKind.PHONE, "201 555 0111")], addresses=[AddressInput(
            "1 High Street", postal_code="62701", city="Springfield")]), owner)
    window = make_window()
    window.customers.open_customer(customer.id)
    button = window.customers.profile.findChild(QToolButton, f"copy_{customer.contacts[0].id}")
    assert button is not None
    qtbot.waitUntil(lambda: button.height() > 0)  # laid out, so a click lands on it
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == "(201) 555-0111"
    address = window.customers.profile.findChild(QToolButton,
                                       f"copy_address_{customer.addresses[0].id}")
    assert address is not None
    address.click()
    assert QApplication.clipboard().text() == "1 High Street\n62701 Springfield\nUnited States"


def test_edit_from_the_profile(qtbot: QtBot, make_window: Callable[[], MainWindow],
                               db: Database, owner: Actor) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    window.customers.open_customer(customer.id)
    qtbot.mouseClick(window.customers.profile.edit_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(CustomerFormDialog)
    assert dialog is not None
    dialog.ui.last_name.setText("Hart")
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    assert window.customers.profile.name_label.text() == "Jim Hart"
    assert window.customers.list_model.index(0, 0).data() == "Jim Hart"


def test_delete_asks_then_moves_to_trash(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                         db: Database, owner: Actor,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    window.customers.open_customer(customer.id)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(window.customers.profile.delete_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.customers.list_page
    assert window.customers.list_model.rowCount() == 0
    assert CustomerService(db).get(customer.id, include_deleted=True).deleted_at is not None


def test_opening_a_customer_deleted_meanwhile_is_a_message_not_a_crash(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    CustomerService(db).delete(customer.id, customer.version, owner)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: warnings.append(text))
    window.customers.show_list()
    window.customers.open_customer(customer.id)
    assert "no longer exists" in warnings[0]
    assert window.stack.currentWidget() is window.customers.list_page
    assert window.customers.list_model.rowCount() == 0


def test_window_splitter_and_columns_are_restored(qtbot: QtBot,
                                                  make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    window.resize(710, 540)  # inside the 800×600 offscreen screen
    window.splitter.setSizes([200, 510])
    sizes = window.splitter.sizes()  # as the layout's minimum widths allowed them
    header = window.customers.list_page.table.horizontalHeader()
    header.setSectionHidden(4, True)
    header.resizeSection(0, 321)
    window.customers.profile.splitter.setSizes([300, 200])
    profile_sizes = window.customers.profile.splitter.sizes()
    window.close()
    again = make_window()
    assert (again.width(), again.height()) == (710, 540)
    assert again.splitter.sizes() == sizes
    header = again.customers.list_page.table.horizontalHeader()
    assert header.isSectionHidden(4)
    assert header.sectionSize(0) == 321
    assert again.customers.profile.splitter.sizes() == profile_sizes
    assert isinstance(again._ui_state.value("main_window/geometry"), QByteArray)


def test_arrow_keys_in_the_search_box_pick_the_customer_to_open(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    service = CustomerService(db)
    for first in ("Jim", "Jimmy", "Jimena"):
        service.create(CustomerInput(first_name=first, last_name="Hart"), owner)
    window = make_window()
    assert window.stack.currentWidget() is window.follow_ups.today_page  # the start page
    window.find_action.trigger()  # Ctrl+K, from anywhere
    search = window.customers.list_page.search
    service.create(CustomerInput(first_name="Ann", last_name="Other"), owner)
    window.customers.list_model.refresh()
    qtbot.keyClicks(search, "jim")
    qtbot.waitUntil(lambda: window.customers.list_page.count_label.text() == "3 matches")
    assert window.customers.list_model.index(0, 0).data() == "Jim Hart"  # exact name first
    qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Up)
    assert search.hasFocus()
    chosen = window.customers.list_model.index(1, 0).data()
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.customers.profile
    assert window.customers.profile.name_label.text() == chosen


def test_long_text_anywhere_never_widens_a_window(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock) -> None:
    """One customer typed with very long words: every page, the order window and the invoice
    window keep to the screen, and what they typed is shown as text, never as markup."""
    name = "<i>Bartholomew" + "W" * 80
    customer = CustomerService(db).create(CustomerInput(first_name=name, last_name="M" * 100),
                                          owner)
    FollowUpService(db).schedule(FollowUpInput(customer.id, clock().date(), "P" * 500,
                                               at=time(0, 0)), owner)
    clock.advance(hours=1)  # so it fell due "while the app was closed"
    order = OrderService(db).create_draft(customer.id, [OrderLineInput(
        D(1), "O" * 500, unit_price=D(1), tax_rate=D(0))], owner)
    draft = InvoiceService(db).create_draft(customer.id, [InvoiceLineInput("I" * 500, D(1), D(1),
                                                                           D(0))], owner)
    window = make_window()
    window.resize(1100, 700)
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        QApplication.processEvents()
        assert window.width() == 1100, window.nav.item(row).text()
    assert "&lt;i&gt;Bartholomew" in window.follow_ups.today_page.missed_text.text()  # text
    order_window = window.orders.open_order(order.id)
    invoice_window = window.invoices.open_invoice(draft.id)
    for dialog in (order_window, invoice_window):
        assert dialog is not None
        assert dialog.minimumSizeHint().width() < 1000
        dialog.done(0)


def test_starting_the_app_imports_none_of_what_only_printing_or_importing_needs() -> None:
    """Start-up time (#16): ReportLab's PDF code, Alembic, iCalendar, vCard, e-mail checks
    and Pillow are imported when first used, not when the window opens."""
    heavy = ("reportlab.platypus", "reportlab.pdfgen", "alembic", "icalendar",
             "email_validator", "vobject", "PIL", "psycopg")
    code = ("import sys\n"
            "import crm_desktop.cli, crm_desktop.gui.app, crm_desktop.gui.main_window\n"
            f"heavy = {heavy!r}\n"
            "print(sorted(h for h in heavy if any(m == h or m.startswith(h + '.') "
            "for m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "[]", result.stdout


def test_the_starting_window_comes_before_the_database_code() -> None:
    """What runs before the first window is on screen imports Qt and nothing of the
    database, the models or the pages (#16: a start that feels like a bare window)."""
    code = ("import sys\n"
            "import crm_desktop.cli, crm_desktop.gui.starting\n"
            "print(sorted({m.split('.')[0] for m in sys.modules\n"
            "              if m.split('.')[0] in {'sqlalchemy', 'babel', 'phonenumbers'}\n"
            "              or m.startswith(('crm_desktop.models', 'crm_desktop.services',\n"
            "                               'crm_desktop.storage', 'crm_desktop.gui.app'))}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "[]", result.stdout
