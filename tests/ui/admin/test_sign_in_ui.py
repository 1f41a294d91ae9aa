"""Signing in, the lock at the front desk, roles in the GUI and the audit trail, tried as the
shop's people would: through the real dialogs and windows."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError
from crm_desktop.gui.admin.audit_dialogs import AuditLogDialog, ChangesDialog
from crm_desktop.gui.admin.desk_lock import LockCover
from crm_desktop.gui.admin.sign_in_dialog import PasswordDialog, SignInDialog
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import ContactKind, Role
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.audit_service import AuditKind
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD

RITAS_OWN = "rita's own long secret"


def _window_as(qtbot: QtBot, db: Database, actor: Actor, app_home: AppPaths) -> MainWindow:
    window = build_main_window(db, actor, open_ui_state(app_home))
    qtbot.addWidget(window)
    window.show()
    return window


def _when_modal(answer: Callable[[QWidget], None]) -> None:
    """Answer the modal dialog that is about to open (its exec() blocks the test)."""

    def run() -> None:
        modal = QApplication.activeModalWidget()
        assert modal is not None, "no modal dialog opened"
        answer(modal)

    QTimer.singleShot(0, run)


def test_the_receptionists_first_day(qtbot: QtBot, db: Database, owner: Actor,
                                     app_home: AppPaths) -> None:
    # The owner adds the receptionist with a first password.
    window = _window_as(qtbot, db, owner, app_home)
    people = window.admin.edit_users()
    qtbot.keyClicks(people.name, "Rita Reception")
    qtbot.keyClicks(people.first_password, FIRST_PASSWORD)
    people.add_button.click()
    people.done(0)
    window.close()

    # Rita signs in: a wrong password first, then the first one, which she must replace.
    dialog = SignInDialog(UserService(db), last_user_id=owner.user_id, shop_name="Corner Shop")
    qtbot.addWidget(dialog)
    assert dialog.name.itemText(0) == "Olivia Owner"  # who was here last comes first
    dialog.name.setCurrentText("Rita Reception")
    qtbot.keyClicks(dialog.password, "first day at the till")
    dialog.sign_in_button.click()
    assert "do not match" in dialog.message.text()
    assert dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, FIRST_PASSWORD)

    def choose_own(modal: QWidget) -> None:
        assert isinstance(modal, PasswordDialog)
        qtbot.keyClicks(modal.new_password, RITAS_OWN)
        qtbot.keyClicks(modal.repeat_password, RITAS_OWN)
        modal.save()

    _when_modal(choose_own)
    dialog.sign_in_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.person is not None and not dialog.person.must_change_password
    assert UserService(db).sign_in("rita.reception", RITAS_OWN).id == dialog.person.id

    # At her desk she cannot void an invoice: the button says who can, the service refuses.
    customer = CustomerService(db).create(CustomerInput(first_name="Margo", addresses=[
        AddressInput("12 Elm St", city="Springfield", region="IL", postal_code="62704",
                     country="US")]), owner)
    invoices = InvoiceService(db)
    draft = invoices.create_draft(customer.id, [InvoiceLineInput("Vase", D(1), D("30.00"),
                                                                 D(0))], owner)
    issued = invoices.issue(draft.id, draft.version, owner)
    rita = dialog.person.as_actor()
    desk = _window_as(qtbot, db, rita, app_home)
    invoice_window = desk.invoices.open_invoice(issued.id)
    assert invoice_window is not None
    for key in ("void", "credit"):
        button = invoice_window.action_buttons[key]
        assert button.isVisibleTo(invoice_window) and not button.isEnabled()
        assert button.toolTip().startswith("Only the shop owner can")
    assert invoice_window.action_buttons["payment"].isEnabled()
    with pytest.raises(PermissionDeniedError):
        invoices.void(issued.id, issued.version, "Mistake", Actor(rita.user_id, "Olivia Owner"))
    assert not desk.users_action.isEnabled() and not desk.audit_action.isEnabled()
    assert desk.customers.profile.delete_button.isEnabled()  # the trash, yes
    invoice_window.reject()


def test_tries_that_come_too_fast_wait_with_a_countdown(qtbot: QtBot, db: Database,
                                                       owner: Actor, clock: FakeClock) -> None:
    dialog = SignInDialog(UserService(db))
    qtbot.addWidget(dialog)
    for _ in range(3):
        dialog.password.setText("wrong again")
        dialog.sign_in()
    dialog.password.setText("wrong again")
    dialog.sign_in()  # the fourth comes too soon
    assert "Wait 2 seconds" in dialog.message.text()
    assert not dialog.sign_in_button.isEnabled() and dialog.countdown.isActive()
    dialog.tick()
    assert "Wait 1 seconds" in dialog.message.text()
    clock.advance(seconds=2)
    dialog.tick()
    assert dialog.sign_in_button.isEnabled() and not dialog.countdown.isActive()
    dialog.password.setText("olivia's long secret")
    dialog.sign_in()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_desk_locks_and_the_half_typed_form_survives(qtbot: QtBot, db: Database,
                                                        owner: Actor, receptionist: Actor,
                                                        app_home: AppPaths,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    UserService(db).change_password(FIRST_PASSWORD, RITAS_OWN, receptionist)
    window = _window_as(qtbot, db, receptionist, app_home)
    lock = window.desk_lock
    assert lock is not None and lock.idle_minutes == 10  # a receptionist's desk
    form = window.customers.new_customer()
    assert isinstance(form, CustomerFormDialog)
    qtbot.keyClicks(form.ui.first_name, "Marg")

    window.lock_action.trigger()  # Ctrl+Shift+L
    covers = {cover.parentWidget(): cover for cover in lock.covers}
    assert set(covers) == {window, form}
    assert all(isinstance(c, LockCover) and c.isVisible() for c in covers.values())
    assert covers[form].geometry() == form.rect()
    qtbot.keyClicks(form.ui.first_name, "o")  # nothing reaches a covered form
    assert form.ui.first_name.text() == "Marg"

    cover = covers[form]
    qtbot.keyClicks(cover.password, "not rita's")
    cover.unlock_button.click()
    assert "do not match" in cover.message.text() and lock.locked
    qtbot.keyClicks(cover.password, RITAS_OWN)
    qtbot.keyClick(cover.password, Qt.Key.Key_Return)
    assert not lock.locked
    qtbot.keyClicks(form.ui.first_name, "o")
    assert form.ui.first_name.text() == "Margo"  # as she left it, and typing again
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    form.reject()

    # Idle for ten minutes: it locks by itself.
    now = [0.0]
    lock._monotonic = lambda: now[0]
    lock._last_input = 0.0
    now[0] = 9 * 60
    lock.check_idle()
    assert not lock.locked
    now[0] = 10 * 60
    lock.check_idle()
    assert lock.locked
    lock.covers[0].switch_button.click()  # someone else takes the desk
    assert window.switching and not window.isVisible()


def test_the_owner_reads_who_changed_margos_phone(qtbot: QtBot, db: Database, owner: Actor,
                                                 receptionist: Actor, app_home: AppPaths,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    customers = CustomerService(db)
    margo = customers.create(CustomerInput(first_name="Margo", last_name="Nunez", contacts=[
        ContactInput(ContactKind.PHONE, "(217) 555-0134")]), owner)
    edited = margo.as_input()
    edited.contacts[0].value = "(217) 555-0199"
    customers.update(margo.id, margo.version, edited, receptionist)
    UserService(db).sign_in("Rita Reception", FIRST_PASSWORD)

    window = _window_as(qtbot, db, owner, app_home)
    window.customers.open_customer(margo.id)
    qtbot.mouseClick(window.customers.profile.changes_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ChangesDialog))
    rows = [[dialog.table.item(r, c).text() for c in range(1, 6)]
            for r in range(dialog.table.rowCount())]
    assert rows[0] == ["Rita Reception", "Contact (phone)", "value", "(217) 555-0134",
                       "(217) 555-0199"]
    assert ["Olivia Owner", "Customer", "first name", "", "Margo"] in rows
    assert ["Olivia Owner", "Customer", "looked after by", "", "Olivia Owner"] in rows
    assert not any(r[2] in {"id", "digits", ""} for r in rows), rows
    assert any(r[0] == "Olivia Owner" and r[2] == "first name" and r[4] == "Margo"
               for r in rows)
    dialog.close()

    window.audit_action.trigger()
    log = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AuditLogDialog))
    everything = log.model.rowCount()
    log.person.setCurrentIndex(log.person.findText("Rita Reception"))
    assert 0 < log.model.rowCount() < everything
    assert {log.model.row_at(i).who for i in range(log.model.rowCount())} == {  # type: ignore[union-attr]
        "Rita Reception"}
    log.kind.setCurrentIndex(log.kind.findData(AuditKind.SIGN_INS.value))
    assert log.model.rowCount() == 1
    assert log.model.data(log.model.index(0, 2)) == "Signed in"
    target = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    log.person.setCurrentIndex(0)
    log.kind.setCurrentIndex(0)
    log.export_csv()
    window.background.wait()
    with target.open(encoding="utf-8") as saved:
        lines = list(csv.reader(saved))
    assert lines[0] == ["When", "Who", "What", "Details", "Customer id"]
    assert len(lines) == everything + 1
    assert any(row[1] == "Rita Reception" and "555" in row[3] for row in lines[1:])
    log.close()


def test_a_viewer_sees_but_changes_nothing(qtbot: QtBot, db: Database, owner: Actor,
                                          app_home: AppPaths) -> None:
    viewer = UserService(db).add("Vera Books", Role.VIEWER, owner,
                                 first_password=FIRST_PASSWORD).as_actor()
    window = _window_as(qtbot, db, viewer, app_home)
    assert not window.new_action.isEnabled()
    assert window.new_action.toolTip() == (
        "Only the owner and the receptionist can add and edit customers, their notes and "
        "their history.")
    profile = window.customers.profile
    for button in (profile.edit_button, profile.delete_button, profile.log_button,
                   profile.new_order_button, profile.invoice_button, profile.query_button):
        assert not button.isEnabled()
    assert profile.changes_button.isEnabled() and window.password_action.isEnabled()
    assert not window.follow_ups.today_page.buttons["complete"].isEnabled()


def test_the_desk_remembers_who_signed_in_last(qtbot: QtBot, db: Database, owner: Actor,
                                              receptionist: Actor, app_home: AppPaths,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_desktop.gui.app import LAST_USER_KEY, sign_in

    state = open_ui_state(app_home)
    seen: list[str] = []

    def rita_signs_in(self: SignInDialog) -> int:
        qtbot.addWidget(self)
        seen.append(self.name.itemText(0))
        self.name.setCurrentText("Rita Reception")
        self.password.setText(FIRST_PASSWORD)
        monkeypatch.setattr(PasswordDialog, "exec", lambda d: (
            d.new_password.setText(RITAS_OWN), d.repeat_password.setText(RITAS_OWN),
            d.save(), d.result())[-1])
        self.sign_in()
        return self.result()

    monkeypatch.setattr(SignInDialog, "exec", rita_signs_in)
    person = sign_in(UserService(db), state, "Corner Shop")
    assert person is not None and person.id == receptionist.user_id
    assert str(state.value(LAST_USER_KEY)) == str(receptionist.user_id)
    monkeypatch.setattr(SignInDialog, "exec", lambda self: (
        qtbot.addWidget(self), seen.append(self.name.itemText(0)), 0)[-1])
    assert sign_in(UserService(db), state, "Corner Shop") is None  # closed: the app ends
    assert seen == ["Olivia Owner", "Rita Reception"]  # then Rita's desk offers her first
