"""Backups as the owner and the front desk meet them: File → Back up now, the list with what
each backup holds, checking one again, the second place's warning, the settings, and a
restore through the running app (and on a new computer's first run)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.gui.admin.first_run_dialog import FirstRunDialog
from crm_desktop.gui.admin.sign_in_dialog import SignInDialog
from crm_desktop.gui.app import build_main_window, run_app
from crm_desktop.gui.backups.backups_dialog import COLUMNS, BackupsDialog
from crm_desktop.gui.main_window import READ_ONLY_TIP, MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import Customer, PreferenceKind
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.backup_service import BackupService, BackupSettings
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests.conftest import FakeClock
from tests.passwords import OWNER_PASSWORD


def _service(db: Database, paths: AppPaths) -> BackupService:
    return BackupService(db, paths.backup_dir, paths.backup_settings_file)


def _names(url: str) -> list[str]:
    database = Database(url)
    with database.read() as session:
        names = list(session.scalars(select(Customer.first_name).order_by(Customer.id)))
    database.dispose()
    return names


def _cell(dialog: BackupsDialog, row: int, column: str) -> str:
    return str(dialog.model.index(row, COLUMNS.index(column)).data())


def _backed_up(qtbot: QtBot, window: MainWindow) -> None:
    window.back_up_action.trigger()
    assert window.backups.busy
    qtbot.waitUntil(lambda: not window.backups.busy)


def test_back_up_now_and_the_list_of_what_each_backup_holds(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, clock: FakeClock,
        make_window: Callable[[], MainWindow]) -> None:
    CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Hurry"), owner)
    window = make_window()
    _backed_up(qtbot, window)
    assert "Backed up and checked" in window.statusBar().currentMessage()
    assert not window.backups.warning.isVisible()
    assert len(list(app_home.backup_dir.glob("crm-*-manual.crmbackup"))) == 1

    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None
    assert dialog.model.rowCount() == 1
    assert [_cell(dialog, 0, name) for name in ("Why", "Where", "Customers", "Invoices",
                                                "Last invoice", "Checked")] == [
        "Backed up now", "This computer", "1", "0", "—", "Yes, when taken"]
    assert "kB" in _cell(dialog, 0, "Size")
    assert "no second place" in dialog.summary.text()

    dialog.verify_button.click()
    qtbot.waitUntil(lambda: _cell(dialog, 0, "Checked").startswith("Sound"))
    # A backup made while the list is open appears in it.
    clock.advance(minutes=5)
    dialog.back_up_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert _cell(dialog, 1, "Checked").startswith("Sound")  # said once, still said


def test_a_missing_second_place_is_a_warning_and_the_backup_is_made(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        make_window: Callable[[], MainWindow]) -> None:
    stick = tmp_path / "media" / "USB"
    _service(db, app_home).save_settings(BackupSettings(second_place=stick), owner)
    window = make_window()
    _backed_up(qtbot, window)
    warning = window.backups.warning
    assert warning.isVisible() and "No backup copy in the second place" in warning.text()
    assert "is not there" in warning.toolTip() and str(stick) in warning.toolTip()
    warning.linkActivated.emit("backups")  # a click on it opens the backups
    assert window.backups.dialog is not None
    assert "not there now" in window.backups.dialog.summary.text()
    assert len(list(app_home.backup_dir.glob("*.crmbackup"))) == 1
    stick.mkdir(parents=True)  # plugged in: the next backup puts a copy there, and says so
    _backed_up(qtbot, window)
    assert not warning.isVisible()
    assert len(list(stick.glob("*.crmbackup"))) == 1


def test_the_owner_chooses_the_second_place_and_the_schedule(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None
    settings = dialog.edit_settings()
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(share))
    settings.choose_place()
    settings.every_hours.setValue(2)
    settings.monthly.setValue(24)
    settings.limit.setValue(500)
    settings.button_box.accepted.emit()
    assert settings.result() == QDialog.DialogCode.Accepted
    saved = _service(db, app_home).settings()
    assert (saved.second_place, saved.every_hours, saved.keep.monthly,
            saved.keep.max_total_bytes) == (share, 2, 24, 500_000_000)
    assert str(share) in dialog.summary.text() and "every 2 hours" in dialog.summary.text()


def test_the_front_desk_backs_up_but_neither_restores_nor_moves_backups(
        qtbot: QtBot, db: Database, receptionist: Actor, app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home), app_home)
    qtbot.addWidget(window)
    window.show()
    assert window.back_up_action.isEnabled()
    _backed_up(qtbot, window)
    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None and dialog.model.rowCount() == 1
    for button in (dialog.restore_button, dialog.file_button, dialog.settings_button):
        assert not button.isEnabled()
        assert "owner" in button.toolTip().lower()
    assert dialog.verify_button.isEnabled()


def test_a_restore_in_the_running_app_brings_the_shop_back_and_signs_in_again(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = app_home.default_database_url()
    customers = CustomerService(db)
    customers.create(CustomerInput(first_name="Margo", last_name="Hurry"), owner)
    # Taken on the real clock, as the app's own, so no backup is due when it starts.
    backup = _service(Database(url), app_home).back_up(owner).backup
    customers.create(CustomerInput(first_name="Jim", last_name="Consider"), owner)

    sign_ins: list[str] = []

    def sign_in(dialog: SignInDialog) -> int:
        qtbot.addWidget(dialog)
        sign_ins.append(dialog.name.currentText())
        if len(sign_ins) > 1:
            return 0  # after the restore, nobody signs in: the app ends
        dialog.name.setCurrentText("Olivia Owner")
        dialog.password.setText(OWNER_PASSWORD)
        dialog.sign_in()
        return dialog.result()

    asked: list[str] = []
    told: list[str] = []
    monkeypatch.setattr(SignInDialog, "exec", sign_in)
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: (
        asked.append(text), QMessageBox.StandardButton.Yes)[-1])
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))

    from crm_desktop.gui import app as gui_app

    housekeeping = gui_app.housekeeping

    def then_restore(window: MainWindow, database: Database, actor: Actor) -> None:
        housekeeping(window, database, actor)
        window.backups.restore(backup.path)

    monkeypatch.setattr(gui_app, "housekeeping", then_restore)
    assert run_app(url, app_home) == 0
    assert "1 customers and 0 invoices" in asked[0]
    assert "backed up first" in asked[0]
    assert _names(url) == ["Margo"]
    assert "The shop is back as it was" in told[0] and "before-restore" in told[0]
    assert len(sign_ins) == 2  # everyone signs in again
    # And the shop as it was before the restore is in its own backup.
    (safety,) = app_home.backup_dir.glob("*-before-restore.crmbackup")
    assert safety.exists()


def test_a_new_computer_starts_from_the_shops_backup(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Hurry"), owner)
    stick = tmp_path / "stick"
    stick.mkdir()
    _service(db, app_home).save_settings(BackupSettings(second_place=stick), owner)
    _service(db, app_home).back_up(owner)
    (on_stick,) = stick.glob("*.crmbackup")

    new_computer = Database(f"sqlite:///{tmp_path / 'new' / 'crm.sqlite3'}")
    (tmp_path / "new").mkdir()
    upgrade(new_computer)
    users = UserService(new_computer)
    assert users.needs_first_run()
    dialog = FirstRunDialog(users, BackupService(new_computer, tmp_path / "new" / "backups",
                                                 tmp_path / "new" / "backups.json"))
    qtbot.addWidget(dialog)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(on_stick), ""))
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.restored is not None and dialog.restored.safety_copy is None
    assert not users.needs_first_run()
    assert users.sign_in("Olivia Owner", OWNER_PASSWORD).id == owner.user_id
    assert "Sign in as you did" in told[0]
    new_computer.dispose()


def test_closing_the_app_after_a_change_backs_it_up(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = app_home.default_database_url()
    _service(Database(url), app_home).back_up(owner)  # so none is due at start
    monkeypatch.setattr(SignInDialog, "exec", lambda dialog: (
        qtbot.addWidget(dialog), dialog.name.setCurrentText("Olivia Owner"),
        dialog.password.setText(OWNER_PASSWORD), dialog.sign_in(), dialog.result())[-1])
    from crm_desktop.gui import app as gui_app

    def change_then_quit(window: MainWindow, database: Database, actor: Actor) -> None:
        assert not window.backups.busy  # nothing was due
        form = window.customers.new_customer()
        form.ui.first_name.setText("Alecia")
        form.save()
        window.close()

    monkeypatch.setattr(gui_app, "housekeeping", change_then_quit)
    assert run_app(url, app_home) == 0
    (on_quit,) = app_home.backup_dir.glob("*-on-quit.crmbackup")
    assert BackupService(db, app_home.backup_dir, app_home.backup_settings_file).verify(
        on_quit).customers == 1


PASSPHRASE = "margo's cat is at the vet"


def test_copies_on_the_stick_are_locked_and_a_restore_asks_for_the_passphrase(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, tmp_path: Path,
        make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Hurry"), owner)
    window = make_window()
    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None
    settings = dialog.edit_settings()
    settings.second_place.setText(str(stick))
    settings.lock.setChecked(True)
    settings.passphrase.setText(PASSPHRASE)
    settings.repeat_passphrase.setText(PASSPHRASE + " and its dog")
    settings.save()
    assert settings.result() != QDialog.DialogCode.Accepted
    assert "differ" in settings.error.text()
    settings.repeat_passphrase.setText(PASSPHRASE)
    settings.save()
    assert settings.result() == QDialog.DialogCode.Accepted
    assert _service(db, app_home).settings().lock_copies

    dialog.back_up_button.click()
    qtbot.waitUntil(lambda: not window.backups.busy)
    (locked,) = stick.glob("*.crmbackup")
    listed = [_cell(dialog, row, "Where") for row in range(dialog.model.rowCount())]
    assert "Second place, locked" in listed

    typed = [("margo's dog is at the vet", True), (PASSPHRASE, True)]
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda _p, _t, label, *a: (
        asked.append(label), typed.pop(0))[-1])
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(locked), ""))
    dialog.file_button.click()
    qtbot.waitUntil(lambda: window.restore_prepared is not None)
    assert asked[0].startswith(f"{locked.name} is locked")
    assert asked[1].startswith("That passphrase does not open it")
    prepared = window.restore_prepared
    assert prepared is not None and prepared.restoring.locked
    BackupService.cancel_restore(prepared)


def test_looking_inside_a_backup_opens_it_read_only_beside_the_shop(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths, clock: FakeClock,
        make_window: Callable[[], MainWindow]) -> None:
    customers = CustomerService(db)
    margo = customers.create(CustomerInput(
        first_name="Margo", last_name="Hurry",
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE, "Always in a hurry",
                                     pinned=True)]), owner)
    window = make_window()
    _backed_up(qtbot, window)
    clock.advance(days=30)
    customers.update(margo.id, margo.version, CustomerInput(
        first_name="Margo", last_name="Hurry",
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE, "Now has all the time",
                                     pinned=True)]),
        owner)

    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None and dialog.look_button.isEnabled()
    dialog.look_button.click()
    qtbot.waitUntil(lambda: len(window.backup_windows) == 1)
    inside = window.backup_windows[0]
    assert inside.isVisible() and inside is not window
    assert "read only" in inside.windowTitle()
    banner = inside.findChild(QLabel, "looking_inside_banner")
    assert banner is not None and "the backup taken" in banner.text()
    assert "Nothing here can be changed" in banner.text()

    # Margo as she was, remember banner and all; nothing can be changed, and it says why.
    inside.customers.open_customer(margo.id)
    profile = inside.customers.profile
    assert inside.is_current(profile)
    assert "Always in a hurry" in profile.banner.text()
    assert "Now has all the time" not in profile.banner.text()
    for control in (profile.edit_button, profile.add_note_button, profile.log_button,
                    inside.new_action, inside.settings_action, inside.import_action):
        assert not control.isEnabled()
        assert control.toolTip() == READ_ONLY_TIP
    assert not inside.backups_action.isVisible() and not inside.switch_action.isVisible()
    for row in range(inside.nav.count()):  # every page reads the backup without a write
        inside.nav.setCurrentRow(row)
    # The shop's own window still shows the shop as it is now.
    window.customers.open_customer(margo.id)
    assert "Now has all the time" in window.customers.profile.banner.text()

    inside.close()
    qtbot.waitUntil(lambda: not window.backup_windows)
    qtbot.waitUntil(lambda: not list(app_home.backup_dir.glob(".*partial*")))

    # Locking the desk closes what was looked inside: a locked desk shows no customer.
    dialog.look_button.click()
    qtbot.waitUntil(lambda: len(window.backup_windows) == 1)
    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not window.backup_windows)
    qtbot.waitUntil(lambda: not list(app_home.backup_dir.glob(".*partial*")))


def test_the_front_desk_cannot_look_inside_backups(
        qtbot: QtBot, db: Database, receptionist: Actor, app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home), app_home)
    qtbot.addWidget(window)
    window.show()
    _backed_up(qtbot, window)
    window.backups_action.trigger()
    dialog = window.backups.dialog
    assert dialog is not None and not dialog.look_button.isEnabled()
    assert "owner" in dialog.look_button.toolTip().lower()


def test_windows_closed_stop_their_timers_and_are_let_go_of(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths) -> None:
    """A closed window, the shop's or a backup's, runs no timer (reminders, backups) into
    widgets already deleted, and nothing holds it once deleted."""
    window = build_main_window(db, owner, open_ui_state(app_home), app_home)
    window.show()
    _backed_up(qtbot, window)
    window.backups_action.trigger()
    assert window.backups.dialog is not None
    window.backups.dialog.look_button.click()
    backup_windows = window.backup_windows
    qtbot.waitUntil(lambda: len(backup_windows) == 1)
    inside = backup_windows[0]
    reminders = inside.follow_ups.reminder_timer
    assert reminders.isActive() is False  # a backup's follow-ups remind no one
    shop_window, inside_window = weakref.ref(window), weakref.ref(inside)
    del inside
    window.close()
    assert not window.follow_ups.reminder_timer.isActive()
    assert not window.backups.timer.isActive()
    qtbot.waitUntil(lambda: not backup_windows)
    assert not shiboken6.isValid(reminders)  # deleted with the backup's window
    window.deleteLater()  # as run_app does once the shop's window has closed
    del window
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert shop_window() is None and inside_window() is None
    assert not list(app_home.backup_dir.glob(".*partial*"))
