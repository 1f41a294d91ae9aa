"""Two desks, one shop (#19): two full main windows, each on its own connections to one
database (a SQLite file, and the PostgreSQL server when one is configured). What one desk
saves is on the other's screen without a refresh, and a form being edited there is not
overwritten but told."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QRadioButton
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from crm_desktop.actor import Actor
from crm_desktop.gui.admin.audit_dialogs import ChangesDialog
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.conflict_dialog import ConflictDialog
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import ContactKind, HistoryKind, Role
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD

WAIT = 5.0  # at most, for a notice to cross to the other desk


@pytest.fixture
def front_desk_db(other_desk_db: Database) -> Database:
    return other_desk_db


@pytest.fixture
def rita(any_db: Database, any_owner: Actor) -> Actor:
    return UserService(any_db).add("Rita Reception", Role.RECEPTIONIST, any_owner,
                                   first_password=FIRST_PASSWORD).as_actor()


@pytest.fixture
def margo(any_db: Database, any_owner: Actor) -> int:
    return CustomerService(any_db).create(CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0123")]), any_owner).id


@pytest.fixture
def desks(qtbot: QtBot, any_db: Database, any_owner: Actor, front_desk_db: Database,
          rita: Actor, app_home: AppPaths) -> Callable[[], tuple[MainWindow, MainWindow]]:
    """The owner's laptop and the front desk, each with its own window."""

    def make() -> tuple[MainWindow, MainWindow]:
        opened = []
        for database, actor in ((any_db, any_owner), (front_desk_db, rita)):
            window = build_main_window(database, actor, open_ui_state(app_home))
            qtbot.addWidget(window)
            window.show()
            assert window.other_desks is not None
            opened.append(window)
        for window in opened:  # each is listening before anything is saved
            qtbot.waitUntil(lambda w=window: w.other_desks is not None
                            and w.other_desks.listening)
        return opened[0], opened[1]

    return make


def hear(qtbot: QtBot, window: MainWindow, shown: Callable[[], bool]) -> None:
    """Let ``window`` ask for what the other desk saved until ``shown`` is true."""
    def asked() -> bool:
        assert window.other_desks is not None
        window.other_desks.poll(wait=0.2)
        QApplication.processEvents()
        return shown()
    qtbot.waitUntil(asked, timeout=int(WAIT * 1000))


def test_a_call_logged_at_the_front_desk_shows_on_the_owners_open_profile(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        front_desk_db: Database, rita: Actor, margo: int) -> None:
    owners, front = desks()
    owners.customers.open_customer(margo)
    timeline = owners.customers.timeline_model
    before = timeline.rowCount()

    TimelineService(front_desk_db).log(margo, HistoryKind.CALL, "Wants the oak bowl in blue",
                                       rita)

    hear(qtbot, owners, lambda: timeline.rowCount() == before + 1)
    titles = [timeline.index(r, 2).data() for r in range(timeline.rowCount())]
    assert "Wants the oak bowl in blue" in titles
    assert owners.is_current(owners.customers.profile)  # still on Margo, not moved
    assert owners.statusBar().currentMessage() == (
        "Rita Reception logged a call with Margo Delacroix.")
    # The front desk said nothing to itself about its own save.
    assert front.statusBar().currentMessage() == ""


def test_a_form_being_edited_is_told_and_kept_when_the_other_desk_saves_that_customer(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        front_desk_db: Database, rita: Actor, margo: int) -> None:
    owners, _front = desks()
    form = owners.customers.edit_customer(margo)
    assert form is not None
    form.ui.company.setText("Delacroix & Fils")  # typed, not saved
    service = CustomerService(front_desk_db)
    current = service.get(margo)
    service.update(margo, current.version, CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0199")]), rita)

    hear(qtbot, owners, form.elsewhere.isVisible)
    assert form.elsewhere_text.text() == (
        "Rita Reception changed Margo Delacroix's phone or e-mail just now.")
    assert form.ui.company.text() == "Delacroix & Fils"  # nothing typed is lost
    form.show_elsewhere.click()
    history = form.findChild(ChangesDialog)
    assert history is not None and history.isVisible()  # above the form, not behind it


def test_a_change_to_another_customer_leaves_the_form_alone(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        front_desk_db: Database, rita: Actor, margo: int) -> None:
    owners, _front = desks()
    form = owners.customers.edit_customer(margo)
    assert form is not None
    CustomerService(front_desk_db).create(CustomerInput(first_name="Jim", last_name="Hart"),
                                          rita)
    hear(qtbot, owners, lambda: owners.statusBar().currentMessage() == (
        "Rita Reception added Jim Hart."))
    assert not form.elsewhere.isVisible()


def test_the_list_keeps_its_selection_and_scroll_when_the_other_desk_adds_above_it(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]], any_db: Database,
        any_owner: Actor, front_desk_db: Database, rita: Actor) -> None:
    service = CustomerService(any_db)
    for n in range(80):
        service.create(CustomerInput(first_name="Pat", last_name=f"Lister {n:02d}"), any_owner)
    owners, _front = desks()
    owners.customers.show_list()
    page = owners.customers.list_page
    table, model = page.table, page.table.model()
    owners.customers.list_model.refresh()
    row_of = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    chosen = row_of["Pat Lister 40"]
    table.scrollTo(model.index(chosen - 3, 0), table.ScrollHint.PositionAtTop)
    table.selectRow(chosen)
    top_before = model.index(table.rowAt(0), 0).data()
    count = model.rowCount()

    CustomerService(front_desk_db).create(CustomerInput(first_name="Aaron", last_name="Abbott"),
                                          rita)

    hear(qtbot, owners, lambda: model.rowCount() == count + 1)
    selected = [model.index(i.row(), 0).data() for i in table.selectionModel().selectedRows()]
    assert selected == ["Pat Lister 40"]
    assert model.index(table.rowAt(0), 0).data() == top_before  # the same rows in view
    assert model.index(table.currentIndex().row(), 0).data() == "Pat Lister 40"

    # A search typed here is a new list: it starts at its top, nothing carried over.
    page.search.setText("Lister 7")  # (searches as it is typed, on the worker)
    qtbot.waitUntil(lambda: 0 < model.rowCount() < count)
    assert table.rowAt(0) == 0


def _edit_phone_at_front_desk(front_desk_db: Database, rita: Actor, margo: int,
                              phone: str) -> None:
    service = CustomerService(front_desk_db)
    current = service.get(margo)
    service.update(margo, current.version, CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, phone, id=current.contacts[0].id)]), rita)


def test_saving_over_the_other_desks_edit_shows_both_side_by_side_and_saves_the_choice(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        front_desk_db: Database, any_db: Database, rita: Actor, margo: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    owners, _front = desks()
    form = owners.customers.edit_customer(margo)
    assert form is not None
    form.ui.company.setText("Delacroix & Fils")
    _edit_phone_at_front_desk(front_desk_db, rita, margo, "+1 201 555 0199")
    seen: list[ConflictDialog] = []

    def choose(dialog: ConflictDialog) -> int:
        seen.append(dialog)
        # Each difference with what it was, what I typed and what Rita saved.
        assert dialog.windowTitle() == "Margo Delacroix was changed at the other desk"
        texts = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)}
        assert texts["company_mine"] == "Delacroix & Fils" and texts["company_theirs"] == "—"
        assert texts["contacts_mine"] == "(201) 555-0123"
        assert texts["contacts_theirs"] == "(201) 555-0199"
        assert dialog.findChild(QRadioButton, "company_keep_mine").isChecked()
        assert dialog.findChild(QRadioButton, "contacts_take_theirs").isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", choose)
    form.save()

    assert len(seen) == 1 and form.result() == QDialog.DialogCode.Accepted
    saved = CustomerService(any_db).get(margo)
    assert saved.company == "Delacroix & Fils"  # mine
    assert [c.value for c in saved.contacts] == ["(201) 555-0199"]  # Rita's, not lost


def test_both_changed_the_phone_take_all_of_theirs_or_go_back_to_the_form(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        front_desk_db: Database, any_db: Database, rita: Actor, margo: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    owners, _front = desks()
    form = owners.customers.edit_customer(margo)
    assert form is not None
    form._contacts[0].value.setText("+1 201 555 0777")  # typed into the phone field
    _edit_phone_at_front_desk(front_desk_db, rita, margo, "+1 201 555 0199")

    monkeypatch.setattr(ConflictDialog, "exec", lambda _d: QDialog.DialogCode.Rejected)
    form.save()  # back to my form: nothing saved, nothing lost
    assert form.result() != QDialog.DialogCode.Accepted and form.isVisible()
    assert form.collect().contacts[0].value == "+1 201 555 0777"
    assert [c.value for c in CustomerService(any_db).get(margo).contacts] == [
        "(201) 555-0199"]

    def all_theirs(dialog: ConflictDialog) -> int:
        assert dialog.findChild(QRadioButton, "contacts_keep_mine").isChecked()  # I changed it
        dialog.all_theirs_button.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", all_theirs)
    form.save()
    assert form.result() == QDialog.DialogCode.Accepted
    assert [c.value for c in CustomerService(any_db).get(margo).contacts] == [
        "(201) 555-0199"]


def test_a_dropped_link_is_shown_at_once_and_cleared_when_the_server_answers(
        qtbot: QtBot, desks: Callable[[], tuple[MainWindow, MainWindow]],
        any_db: Database) -> None:
    if any_db.is_sqlite:
        pytest.skip("a SQLite file on this computer has no link to drop")
    owners, _front = desks()
    assert owners.other_desks is not None
    listener = owners.other_desks._feed._listener
    with any_db.engine.connect() as admin:  # as if the cable were pulled
        admin.execute(text("SELECT pg_terminate_backend(:pid)"),
                      {"pid": listener.info.backend_pid})
    hear(qtbot, owners, owners.offline_label.isVisible)
    assert "cannot be reached" in owners.offline_label.text()
    hear(qtbot, owners, lambda: not owners.offline_label.isVisible())
    assert owners.statusBar().currentMessage() == (
        "The shared database answers again. Everything is shown afresh.")
