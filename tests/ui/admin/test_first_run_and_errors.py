from __future__ import annotations

import logging
import shutil
import socket
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from crm_desktop.actor import Actor
from crm_desktop.errors import StorageError
from crm_desktop.gui.admin.first_run_dialog import FirstRunDialog, guess_country
from crm_desktop.gui.admin.sign_in_dialog import SignInDialog
from crm_desktop.gui.app import run_app
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.errors import BugReportDialog, install_exception_hook, show_error
from crm_desktop.gui.starting import show_starting_window
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade
from tests.passwords import OWNER_PASSWORD


def test_first_run_sets_up_the_shop(qtbot: QtBot, db: Database) -> None:
    dialog = FirstRunDialog(UserService(db))
    qtbot.addWidget(dialog)
    dialog.save()  # nothing typed yet
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "required" in dialog.ui.error_label.text()
    qtbot.keyClicks(dialog.ui.shop_name, "Corner Shop")
    qtbot.keyClicks(dialog.ui.owner_name, "Olivia Owner")
    dialog.ui.country.setCurrentIndex(dialog.ui.country.findData("GB"))
    dialog.save()  # no password yet
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "at least 8 characters" in dialog.ui.error_label.text()
    qtbot.keyClicks(dialog.ui.password, OWNER_PASSWORD)
    qtbot.keyClicks(dialog.ui.repeat_password, OWNER_PASSWORD + "x")
    dialog.save()
    assert "differ" in dialog.ui.error_label.text()
    dialog.ui.repeat_password.clear()
    qtbot.keyClicks(dialog.ui.repeat_password, OWNER_PASSWORD)
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert UserService(db).sign_in("Olivia Owner", OWNER_PASSWORD).id == dialog.owner.id
    assert dialog.owner is not None and dialog.owner.display_name == "Olivia Owner"
    assert SettingsService(db).business().currency == "GBP"


def test_first_run_asks_what_invoices_print_about_the_shop(qtbot: QtBot, db: Database) -> None:
    dialog = FirstRunDialog(UserService(db))
    qtbot.addWidget(dialog)
    assert "skip" in dialog.ui.invoice_box.title()
    qtbot.keyClicks(dialog.ui.shop_name, "Oak & Thread")
    qtbot.keyClicks(dialog.ui.owner_name, "Anna Berg")
    dialog.ui.country.setCurrentIndex(dialog.ui.country.findData("DE"))
    dialog.ui.address.setPlainText("Lindenweg 3\n10999 Berlin")
    dialog.ui.bank_details.setPlainText("Berliner Sparkasse\nIBAN DE02 1005 0000 0123 4567 89")
    qtbot.keyClicks(dialog.ui.tax_id, "DE123456789")
    for field in (dialog.ui.password, dialog.ui.repeat_password):
        qtbot.keyClicks(field, OWNER_PASSWORD)
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = SettingsService(db).business()
    assert (stored.address, stored.tax_id) == ("Lindenweg 3\n10999 Berlin", "DE123456789")
    assert stored.bank_details.startswith("Berliner Sparkasse\nIBAN")


def test_country_is_guessed_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "de_AT.UTF-8")
    assert guess_country() == "AT"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert guess_country() == "US"


def test_known_errors_are_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(
        (title, text)))
    show_error(None, StorageError("The disk is full, so nothing can be saved."))
    assert shown == [("Database problem", "The disk is full, so nothing can be saved.")]


def test_bugs_get_copyable_details_and_a_log_entry(qtbot: QtBot, app_home: AppPaths,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    opened: list[BugReportDialog] = []
    monkeypatch.setattr(BugReportDialog, "exec", lambda self: opened.append(self) or 0)
    install_exception_hook(app_home.log_file)  # the conftest restores sys.excepthook
    try:
        raise KeyError("customer_id")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR):
            sys.excepthook(type(exc), exc, exc.__traceback__)
    assert len(opened) == 1
    details = opened[0].details.toPlainText()
    assert "KeyError: 'customer_id'" in details and "Traceback" in details
    opened[0].copy_details()
    assert "KeyError" in QApplication.clipboard().text()
    assert "KeyError" in caplog.text


def test_app_smoke_test_opens_the_main_window(app_home: AppPaths,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    starting = show_starting_window()
    assert starting.isVisible() and starting.pixmap().width() > 0
    assert run_app(app_home.default_database_url(), app_home, smoke_test=True,
                   starting=starting) == 0
    out = capsys.readouterr().out
    assert "main window shown" in out and "main window opened" in out
    assert not starting.isVisible()  # closed once the main window was up
    assert app_home.database_file.exists()


def test_the_starting_window_makes_way_for_the_first_run(app_home: AppPaths,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The first dialog never opens behind the window that says the shop is opening."""
    starting = show_starting_window()
    seen: list[bool] = []

    def first_run_exec(_dialog: object) -> int:
        seen.append(starting.isVisible())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(FirstRunDialog, "exec", first_run_exec)
    assert run_app(app_home.default_database_url(), app_home, starting=starting) == 0
    assert seen == [False]


def test_app_refuses_a_newer_database_with_a_message(app_home: AppPaths,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database(app_home.default_database_url())
    upgrade(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'zz_future'"))
    database.dispose()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(text))
    assert run_app(app_home.default_database_url(), app_home, smoke_test=True) == 1
    assert "newer version of CRM Desktop" in shown[0]


def test_a_busy_database_does_not_stop_the_app_opening_over_the_trash(
        app_home: AppPaths, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from crm_desktop.gui.app import purge_expired_trash
    from crm_desktop.services.customers.customer_service import CustomerService

    def busy(*_args: object) -> int:
        raise StorageError("The database is busy with another task.")

    database = Database(app_home.default_database_url())
    upgrade(database)
    owner = UserService(database).first_run("Olivia Owner", "Corner Shop", "US",
                                            password=OWNER_PASSWORD)
    monkeypatch.setattr(CustomerService, "purge_expired", busy)
    with caplog.at_level(logging.WARNING):
        purge_expired_trash(database, owner.as_actor())  # must not raise
    database.dispose()
    assert "could not empty the trash this time" in caplog.text


def test_a_shared_database_that_does_not_answer_at_start_is_explained_with_try_again(
        app_home: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.Retry, QMessageBox.StandardButton.Close])

    def answer(box: QMessageBox) -> QMessageBox.StandardButton:
        asked.append(f"{box.windowTitle()}: {box.informativeText()}")
        return next(answers)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    starting = show_starting_window()
    url = f"postgresql+psycopg://crm@127.0.0.1:{port}/shop?connect_timeout=2"
    assert run_app(url, app_home, smoke_test=True, starting=starting) == 1
    assert len(asked) == 2  # tried again once, then the person closed it
    assert asked[0].startswith("The shared database cannot be reached: Check that the "
                               "computer holding the shop")
    assert not starting.isVisible()  # the question is not hidden behind it


def test_with_the_server_gone_the_desk_opens_its_reading_copy_read_only(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Delacroix"), owner)
    db.dispose()
    # The copy a desk on the shared shop "shop" keeps (written with each of its backups).
    app_home.backup_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(app_home.database_file, app_home.backup_dir / "shop-reading-copy.sqlite3")
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    told: list[str] = []
    seen: dict[str, object] = {}

    def open_the_copy(box: QMessageBox) -> int:
        told.append(box.informativeText())
        next(b for b in box.buttons() if b.text() == "Open the last copy (read only)").click()
        return 0

    def look_and_close() -> None:
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        seen["inside"] = window.looking_inside
        seen["banner"] = window.findChild(QLabel, "looking_inside_banner").text()
        seen["rows"] = window.customers.list_model.rowCount()
        seen["new"] = window.new_action.isEnabled()
        window.close()

    def sign_in(dialog: SignInDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.name.setCurrentText("Olivia Owner")
        dialog.password.setText(OWNER_PASSWORD)
        dialog.sign_in()
        QTimer.singleShot(0, look_and_close)
        return dialog.result()

    monkeypatch.setattr(QMessageBox, "exec", open_the_copy)
    monkeypatch.setattr(SignInDialog, "exec", sign_in)
    url = f"postgresql+psycopg://crm@127.0.0.1:{port}/shop?connect_timeout=2"
    assert run_app(url, app_home) == 0
    assert "Meanwhile this desk can show the shop as it was at" in told[0]
    assert str(seen["inside"]).startswith("this desk's copy of the shared shop, as it was at")
    assert seen["rows"] == 1 and seen["new"] is False  # read only: nothing can be added
    assert "start the app again to reach it" in str(seen["banner"])  # no shop window behind
