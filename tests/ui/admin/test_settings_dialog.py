from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.admin.settings_dialog import SettingsDialog
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database


def test_owner_changes_the_shop_settings_and_the_window_follows(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    value_column = window.customers.list_model.columnCount() - 1
    assert window.customers.list_model.index(0, value_column).data() == "$0.00"
    dialog = window.admin.edit_settings()
    dialog.shop_name.setText("Hart & Daughters")
    dialog.country.setCurrentIndex(dialog.country.findData("DE"))
    assert dialog.currency.text() == "EUR"  # suggested from the country
    dialog.locale_box.setCurrentIndex(dialog.locale_box.findData("de_DE"))
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    assert window.windowTitle().startswith("Hart & Daughters")
    assert window.customers.list_model.index(0, value_column).data() == "0,00\xa0€"
    stored = SettingsService(db).business()
    assert (stored.shop_name, stored.country, stored.currency) == (
        "Hart & Daughters", "DE", "EUR")
    assert window.follow_ups.today_page.heading.text() == "Today · 02.03.2026"


def test_suggestion_rules_are_settings(qtbot: QtBot, db: Database, owner: Actor) -> None:
    dialog = SettingsDialog(SettingsService(db), owner)
    qtbot.addWidget(dialog)
    check, spin = dialog.suggestions["suggest_after_delivery"]
    assert check.isChecked() and spin.value() == 3
    spin.setValue(5)
    quiet_check, quiet_days = dialog.suggestions["suggest_when_quiet"]
    quiet_check.setChecked(False)
    assert not quiet_days.isEnabled()
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    stored = SettingsService(db).business()
    assert (stored.after_delivery_days, stored.suggest_when_quiet) == (5, False)


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


def test_owner_adds_the_receptionist_and_switches_off_a_leaver(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    from crm_desktop.gui.admin.users_dialog import UsersDialog
    from crm_desktop.models import Role
    from crm_desktop.services.admin.user_service import UserService

    window = make_window()
    dialog = window.admin.edit_users()
    assert isinstance(dialog, UsersDialog)
    qtbot.keyClicks(dialog.name, "Rita Reception")
    dialog.add_button.click()  # no first password
    assert "at least 8 characters" in dialog.error.text()
    qtbot.keyClicks(dialog.first_password, "first day at the desk")
    dialog.add_button.click()
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == [
        "Olivia Owner (olivia.owner) — Owner",
        "Rita Reception (rita.reception) — Receptionist — has a first password"]
    assert "signs in as “rita.reception”" in dialog.notice.text()
    assert window.customers.list_page.owner_filter.findText("Rita Reception") < 0
    dialog.add_button.click()  # no name
    assert "Name is required" in dialog.error.text()
    dialog.list.setCurrentRow(0)
    dialog.toggle.click()  # the owner cannot switch themselves off
    assert "cannot switch off your own account" in dialog.error.text()
    dialog.list.setCurrentRow(1)
    dialog.toggle.click()
    assert dialog.list.item(1).text() == (
        "Rita Reception (rita.reception) — Receptionist — switched off")
    assert [u.display_name for u in UserService(db).list_active()] == ["Olivia Owner"]
    dialog.list.setCurrentRow(1)
    assert dialog.toggle.text() == "Switch on again"
    dialog.done(0)
    rita = [u for u in UserService(db).list_all() if u.role is Role.RECEPTIONIST]
    assert len(rita) == 1 and not rita[0].active


def test_users_are_the_owners_to_manage(qtbot: QtBot, db: Database, receptionist: Actor,
                                        app_home: AppPaths) -> None:
    from crm_desktop.errors import PermissionDeniedError
    from crm_desktop.services.admin.user_service import UserService

    window = build_main_window(db, receptionist, open_ui_state(app_home))
    qtbot.addWidget(window)
    assert not window.users_action.isEnabled()
    with pytest.raises(PermissionDeniedError):
        UserService(db).set_active(receptionist.user_id or 0, False, receptionist)
