from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.models import ContactKind, CustomerStatus
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database


@pytest.fixture
def dialog(qtbot: QtBot, db: Database, owner: Actor) -> Iterator[CustomerFormDialog]:
    # Not handed to qtbot: its teardown would close() the dialog and meet the (tested)
    # discard question; this fixture dismisses it instead.
    form = CustomerFormDialog(CustomerService(db), owner, UserService(db).list_active())
    form.show()
    yield form
    form.done(QDialog.DialogCode.Rejected)
    form.deleteLater()


def test_typing_a_customer_and_saving_stores_it(qtbot: QtBot, dialog: CustomerFormDialog,
                                                db: Database) -> None:
    qtbot.keyClicks(dialog.ui.first_name, "Alecia")
    dialog.ui.last_name.insert("Łukasiewicz")  # QTest can only type Latin-1: "paste" it
    phone_row, email_row = dialog._contacts
    qtbot.keyClicks(phone_row.value, "201 555 0199")
    qtbot.keyClicks(email_row.value, "alecia@example.com")
    qtbot.mouseClick(dialog.ui.add_preference, Qt.MouseButton.LeftButton)
    preference = dialog._preferences[0]
    qtbot.keyClicks(preference.text, "Her cat is at the vet - ask how she is")
    preference.pinned.setChecked(True)
    qtbot.keyClicks(dialog.ui.tags, "VIP, Local")
    with qtbot.waitSignal(dialog.finished) as finished:
        dialog.ui.buttons.button(dialog.ui.buttons.StandardButton.Save).click()
    assert finished.args == [QDialog.DialogCode.Accepted.value]
    saved = dialog.saved
    assert saved is not None
    stored = CustomerService(db).get(saved.id)
    assert stored.display_name == "Alecia Łukasiewicz"
    assert [c.normalized for c in stored.contacts] == ["+12015550199", "alecia@example.com"]
    assert stored.preferences[0].pinned
    assert stored.tags == ("Local", "VIP")


def test_bad_input_is_shown_at_the_field_and_nothing_typed_is_lost(
        qtbot: QtBot, dialog: CustomerFormDialog, db: Database) -> None:
    phone_row = dialog._contacts[0]
    qtbot.keyClicks(phone_row.value, "not a number")
    dialog.ui.status.setCurrentIndex(dialog.ui.status.findData(CustomerStatus.LOST.value))
    dialog.save()
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.ui.error_banner.isVisible()
    assert "3 highlighted fields" in dialog.ui.error_banner.text()
    assert "Enter a name" in dialog.ui.first_name.toolTip()
    assert dialog.ui.first_name.hasFocus()
    assert not phone_row.error.isHidden()
    assert "“not a number” is not a phone number" in phone_row.error.text()
    assert "Say why" in dialog.ui.lost_reason.toolTip()
    assert phone_row.value.text() == "not a number"  # still there to correct
    # Correcting the fields clears the marks and saves.
    qtbot.keyClicks(dialog.ui.first_name, "Jim")
    phone_row.value.setText("+1 201 555 0100")
    qtbot.keyClicks(dialog.ui.lost_reason, "Moved to Leeds")
    dialog.save()
    assert dialog.saved is not None
    assert dialog.ui.first_name.toolTip() == ""
    assert phone_row.error.isHidden()
    assert CustomerService(db).get(dialog.saved.id).lost_reason == "Moved to Leeds"


def test_a_pasted_name_over_its_limit_is_refused_whole_not_cut(
        qtbot: QtBot, dialog: CustomerFormDialog, db: Database) -> None:
    long_name = "Bartholomew" * 40  # 440 characters, pasted
    dialog.ui.first_name.insert(long_name)
    assert dialog.ui.first_name.text() == long_name  # the field keeps all of it
    dialog.save()
    assert dialog.saved is None and dialog.isVisible()
    assert "at most 100" in dialog.ui.first_name.toolTip()
    assert "440" in dialog.ui.first_name.toolTip()
    assert dialog.ui.first_name.text() == long_name


def test_a_name_made_of_invisible_characters_is_no_name(
        qtbot: QtBot, dialog: CustomerFormDialog) -> None:
    dialog.ui.first_name.insert("\u200b\ufeff\u00ad")
    dialog.save()
    assert dialog.saved is None
    assert "Enter a name" in dialog.ui.first_name.toolTip()


def test_closing_a_dirty_form_asks_first(qtbot: QtBot, dialog: CustomerFormDialog,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[str] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[1]))
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    qtbot.keyClicks(dialog.ui.first_name, "Margo")
    dialog.reject()
    assert dialog.isVisible() and asked == ["Discard changes?"]
    assert dialog.ui.first_name.text() == "Margo"
    dialog.reject()
    assert not dialog.isVisible()
    assert len(asked) == 2


def test_closing_an_untouched_form_does_not_ask(qtbot: QtBot, dialog: CustomerFormDialog,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked"))
    dialog.reject()
    assert not dialog.isVisible()


def test_editing_when_someone_else_saved_first_keeps_the_dialog_open(
        qtbot: QtBot, db: Database, owner: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    service = CustomerService(db)
    customer = service.create(CustomerInput(first_name="Jim"), owner)
    form = CustomerFormDialog(service, owner, UserService(db).list_active(), customer)
    qtbot.addWidget(form)
    form.show()
    other = customer.as_input()
    other.last_name = "Hart"
    service.update(customer.id, customer.version, other, owner)  # the other desk
    asked: list[set[str]] = []

    def back_to_the_form(dialog: ConflictDialog) -> int:
        asked.append({c.name for c in dialog.found})
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ConflictDialog, "exec", back_to_the_form)
    form.ui.first_name.setText("James")
    form.save()
    assert asked == [{"first_name", "last_name"}]  # mine, and theirs: side by side
    assert form.isVisible() and form.saved is None
    assert form.ui.first_name.text() == "James"
    assert service.get(customer.id).first_name == "Jim"
    form.done(QDialog.DialogCode.Rejected)


def test_add_and_remove_rows(qtbot: QtBot, dialog: CustomerFormDialog) -> None:
    qtbot.mouseClick(dialog.ui.add_phone, Qt.MouseButton.LeftButton)
    assert [r.kind for r in dialog._contacts] == [ContactKind.PHONE, ContactKind.EMAIL,
                                                  ContactKind.PHONE]
    assert dialog._contacts[2].value.hasFocus()
    qtbot.mouseClick(dialog.ui.add_address, Qt.MouseButton.LeftButton)
    dialog._addresses[0].line1.setText("1 High St")
    dialog._remove_contact(dialog._contacts[0])
    data = dialog.collect()
    assert data.contacts == []  # the remaining rows are empty: not data
    assert [a.line1 for a in data.addresses] == ["1 High St"]
