"""Two desks change the same follow-up: the second save shows what differs side by side, as
a customer's form does."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QRadioButton
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.follow_ups.follow_up_dialogs import FollowUpDialog
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.models import FollowUpChannel, Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD


@pytest.fixture
def setting(db: Database, owner: Actor, clock: FakeClock) -> tuple[FollowUpService, int]:
    margo = CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Delacroix"),
                                       owner).id
    service = FollowUpService(db)
    item = service.schedule(FollowUpInput(
        margo, due=clock().date() + timedelta(days=3), purpose="Ask about the chairs",
        at=time(10, 0)), owner)
    return service, item.id


def _dialog(qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
            service: FollowUpService, item_id: int) -> FollowUpDialog:
    existing = service.get(item_id)
    dialog = FollowUpDialog(service, owner, customer=(existing.customer_id, "Margo Delacroix"),
                            users=UserService(db).list_active(), clock=clock,
                            existing=existing)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_follow_up_changed_at_both_desks_shows_each_difference_side_by_side(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        setting: tuple[FollowUpService, int], monkeypatch: pytest.MonkeyPatch) -> None:
    service, item_id = setting
    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    dialog = _dialog(qtbot, db, owner, clock, service, item_id)
    # The other desk: Rita makes it a visit and writes why.
    there = service.get(item_id)
    service.edit(item_id, there.version, replace(
        there.as_input(), channel=FollowUpChannel.VISIT, notes="She will come in"), rita)
    # Here: a new purpose.
    dialog.purpose.setText("Ask about the chairs and the lamp")
    seen: dict[str, object] = {}

    def choose(conflict: ConflictDialog) -> int:
        seen["title"] = conflict.windowTitle()
        seen["fields"] = [c.name for c in conflict.found]
        seen["theirs"] = conflict.findChild(QRadioButton, "channel_take_theirs").isChecked()
        seen["mine"] = conflict.findChild(QRadioButton, "purpose_keep_mine").isChecked()
        seen["intro"] = conflict.findChildren(QLabel)[0].text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", choose)
    dialog.save()
    assert seen["title"] == ("The follow-up “Ask about the chairs” for Margo Delacroix was "
                             "changed at the other desk")
    assert seen["fields"] == ["channel", "purpose", "notes"]
    assert seen["theirs"] and seen["mine"]
    assert "<b>Rita Reception</b> saved the follow-up" in str(seen["intro"])
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = service.get(item_id)
    assert (saved.purpose, saved.channel, saved.notes) == (
        "Ask about the chairs and the lamp", FollowUpChannel.VISIT, "She will come in")
    assert saved.local_due().time() == time(10, 0)  # what nobody changed stays


def test_back_to_the_dialog_keeps_what_was_typed_and_saves_nothing(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        setting: tuple[FollowUpService, int], monkeypatch: pytest.MonkeyPatch) -> None:
    service, item_id = setting
    dialog = _dialog(qtbot, db, owner, clock, service, item_id)
    there = service.get(item_id)
    service.edit(item_id, there.version, replace(there.as_input(), purpose="Call back"), owner)
    dialog.purpose.setText("Ask about the lamp")
    monkeypatch.setattr(ConflictDialog, "exec", lambda _self: QDialog.DialogCode.Rejected)
    dialog.save()
    assert dialog.isVisible() and dialog.saved is None
    assert dialog.purpose.text() == "Ask about the lamp"
    assert service.get(item_id).purpose == "Call back"


def test_a_follow_up_completed_at_the_other_desk_is_said_not_reopened(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        setting: tuple[FollowUpService, int], monkeypatch: pytest.MonkeyPatch) -> None:
    service, item_id = setting
    dialog = _dialog(qtbot, db, owner, clock, service, item_id)
    service.complete(item_id, service.get(item_id).version, "Done on the phone", owner)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: told.append(text))
    dialog.due.setDate(QDate(clock().year + 1, 1, 5))
    dialog.save()
    assert told == ["Margo Delacroix's follow-up was completed at the other desk while you "
                    "were changing it, so there is nothing left to change."]
    assert dialog.isVisible()


def test_a_change_the_dialog_does_not_show_is_saved_over_without_asking(
        qtbot: QtBot, db: Database, owner: Actor, clock: FakeClock,
        setting: tuple[FollowUpService, int]) -> None:
    service, item_id = setting
    dialog = _dialog(qtbot, db, owner, clock, service, item_id)
    there = service.get(item_id)
    service.edit(item_id, there.version, there.as_input(), owner)  # saved as it was
    dialog.purpose.setText("Ask about the lamp")
    dialog.save()  # (the conftest fails the test on any conflict dialog)
    assert service.get(item_id).purpose == "Ask about the lamp"
