from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.settings_dialog import SettingsDialog
from crm_desktop.gui.ui_state import open_ui_state
from crm_desktop.paths import AppPaths
from crm_desktop.services.customer_service import CustomerInput, CustomerService
from crm_desktop.services.settings_service import SettingsService
from crm_desktop.storage.database import Database


def test_owner_changes_the_shop_settings_and_the_window_follows(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    value_column = window.customer_model.columnCount() - 1
    assert window.customer_model.index(0, value_column).data() == "$0.00"
    dialog = window.edit_settings()
    dialog.shop_name.setText("Hart & Daughters")
    dialog.country.setCurrentIndex(dialog.country.findData("DE"))
    assert dialog.currency.text() == "EUR"  # suggested from the country
    dialog.locale_box.setCurrentIndex(dialog.locale_box.findData("de_DE"))
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    assert window.windowTitle().startswith("Hart & Daughters")
    assert window.customer_model.index(0, value_column).data() == "0,00\xa0€"
    stored = SettingsService(db).business()
    assert (stored.shop_name, stored.country, stored.currency) == (
        "Hart & Daughters", "DE", "EUR")


def test_bad_settings_are_shown_at_the_field(qtbot: QtBot, db: Database, owner: Actor) -> None:
    dialog = SettingsDialog(SettingsService(db), owner)
    qtbot.addWidget(dialog)
    dialog.currency.setText("EU")
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "three-letter code" in dialog.error.text()
    assert "three-letter code" in dialog.currency.toolTip()
    assert SettingsService(db).business().currency == "USD"


def test_receptionist_cannot_open_settings(qtbot: QtBot, db: Database, receptionist: Actor,
                                           app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home))
    qtbot.addWidget(window)
    assert not window.settings_action.isEnabled()
    assert "Only the shop owner" in window.settings_action.toolTip()
