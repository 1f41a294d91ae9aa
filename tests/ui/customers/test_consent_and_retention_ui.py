"""Through the windows a person uses: a customer's answers about offers recorded from the
profile, a mailing export that keeps to them, and the owner's review of long-quiet
customers (kept or erased)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.customers.consent_dialog import NO, YES, ConsentDialog
from crm_desktop.gui.customers.retention_dialog import RetentionDialog
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.gui.transfer.export_dialog import ExportDialog
from crm_desktop.models import ConsentChannel, ConsentMethod
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def _dialog_of(kind: type[QWidget]) -> QWidget:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    assert len(found) == 1
    return found[0]


def test_the_desk_records_what_a_customer_agreed_to_from_the_profile(
        qtbot: QtBot, db: Database, owner: Actor,
        make_window: Callable[[], MainWindow]) -> None:
    margo = CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Hurry"),
                                       owner).id
    window = make_window()
    window.customers.open_customer(margo)
    profile = window.customers.profile
    assert "Post: Not asked" in _text(profile.consent_box)

    qtbot.mouseClick(profile.consent_button, Qt.MouseButton.LeftButton)
    dialog = _dialog_of(ConsentDialog)
    assert isinstance(dialog, ConsentDialog)
    post, email = ConsentChannel.POST, ConsentChannel.EMAIL
    assert not dialog.methods[post].isEnabled()  # not asked: nothing to say how
    dialog.answers[post].setCurrentIndex(dialog.answers[post].findData(YES))
    assert dialog.methods[post].isEnabled()
    dialog.methods[post].setCurrentIndex(
        dialog.methods[post].findData(ConsentMethod.IN_WRITING.value))
    qtbot.keyClicks(dialog.notes[post], "ticked the box on the order form")
    dialog.notes[email].setText("x")  # disabled, not asked: not sent
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted

    shown = _text(profile.consent_box)
    assert "Post: Yes, since" in shown and "in writing, noted by Olivia Owner" in shown
    assert "ticked the box on the order form" in shown
    assert "E-mail: Not asked" in shown
    assert "Answers about offers saved" in window.statusBar().currentMessage()

    # Withdrawn later: the dialog no longer offers "not asked" for post.
    qtbot.mouseClick(profile.consent_button, Qt.MouseButton.LeftButton)
    again = _dialog_of(ConsentDialog)
    assert isinstance(again, ConsentDialog)
    assert again.answers[post].findData("") == -1
    again.answers[post].setCurrentIndex(again.answers[post].findData(NO))
    again.save()
    assert "Post: No, withdrawn" in _text(profile.consent_box)
    assert ConsentService(db).audience(post) == []


def test_a_too_long_note_is_marked_at_its_field_and_nothing_is_saved(
        qtbot: QtBot, db: Database, owner: Actor, formatter: object) -> None:
    margo = CustomerService(db).create(CustomerInput(first_name="Margo"), owner).id
    dialog = ConsentDialog(ConsentService(db), owner, formatter,  # type: ignore[arg-type]
                           customer_id=margo, customer_name="Margo", current=())
    qtbot.addWidget(dialog)
    sms = ConsentChannel.SMS
    dialog.answers[sms].setCurrentIndex(dialog.answers[sms].findData(YES))
    dialog.notes[sms].setMaxLength(5000)  # what a pasted text could do past the widget
    dialog.notes[sms].setText("y" * 300)
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "too long" in dialog.notes[sms].toolTip()
    assert ConsentService(db).get(margo) == ()


def test_an_export_for_a_mailing_keeps_to_those_who_agreed(
        qtbot: QtBot, db: Database, owner: Actor, tmp_path: Path,
        make_window: Callable[[], MainWindow]) -> None:
    customers, consent = CustomerService(db), ConsentService(db)
    yes = customers.create(CustomerInput(first_name="Yes", last_name="Please"), owner).id
    customers.create(CustomerInput(first_name="Not", last_name="Asked"), owner)
    consent.record(yes, [ConsentAnswer(ConsentChannel.POST, True, ConsentMethod.IN_PERSON)],
                   owner)
    window = make_window()
    dialog = ExportDialog(ExportService(db), window.background, owner, filtered_ids=None,
                          selected_ids=[], parent=window)
    qtbot.addWidget(dialog)
    assert not dialog.channel.isEnabled()
    dialog.for_marketing.setChecked(True)
    assert dialog.channel.isEnabled() and dialog.marketing is ConsentChannel.POST
    target = tmp_path / "mailing.csv"
    with qtbot.waitSignal(dialog.exported) as exported:
        dialog.export_to(target)
    assert exported.args == ["Exported 1 customers to mailing.csv"]
    with target.open(encoding="utf-8") as file:
        assert [row["First Name"] for row in csv.DictReader(file)] == ["Yes"]


def test_the_owner_reviews_long_quiet_customers_keeping_one_and_erasing_another(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), retention_years=1), owner)
    customers = CustomerService(db)
    ann = customers.create(CustomerInput(first_name="Ann", last_name="Quiet"), owner).id
    bob = customers.create(CustomerInput(first_name="Bob", last_name="Quiet"), owner).id
    clock.advance(days=400)
    window = make_window()
    assert window.retention_action.isEnabled()

    window.retention_action.trigger()
    dialog = _dialog_of(RetentionDialog)
    assert isinstance(dialog, RetentionDialog)
    window.background.wait()
    assert "2 customer(s)" in dialog.summary.text()
    assert dialog.table.rowCount() == 2 and not dialog.keep_button.isEnabled()

    dialog.table.selectRow(0)  # Ann, quiet the longest (first created)
    assert dialog.selected_ids() == [ann]
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    window.background.wait()
    assert dialog.table.rowCount() == 1 and "1 customer(s)" in dialog.summary.text()

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: (
        asked.append(text), QMessageBox.StandardButton.Yes)[-1])
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    window.background.wait()
    assert "cannot be undone" in asked[0]
    assert dialog.table.rowCount() == 0 and "Nobody to review" in dialog.summary.text()
    assert customers.get(bob).display_name == "Erased customer C-000002"
    assert customers.get(ann).first_name == "Ann"
    dialog.close()


def test_the_review_is_the_owners_alone(qtbot: QtBot, db: Database, receptionist: Actor,
                                        app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home))
    qtbot.addWidget(window)
    assert not window.retention_action.isEnabled()
    assert "Only the shop owner" in window.retention_action.toolTip()


def _text(widget: QWidget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel)).replace(
        "<b>", "").replace("</b>", "")
