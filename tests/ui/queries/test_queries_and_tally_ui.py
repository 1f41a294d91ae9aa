"""Queries, complaints and wins as a person uses them: shortcut, dialogs, lists and the tally."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.feedback.feedback_dialog import CategoriesDialog, FeedbackDialog
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.gui.queries.queries_page import OVERDUE_RED
from crm_desktop.gui.queries.query_dialogs import LogQueryDialog, QueryDialog
from crm_desktop.models import FeedbackKind, QueryStatus, Role
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.queries.query_service import QueryService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD


def _log_dialog(window: MainWindow) -> LogQueryDialog:
    [dialog] = window.findChildren(LogQueryDialog)
    return dialog


def test_a_phone_query_from_a_new_caller_assigned_resolved_and_on_their_timeline(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner, first_password=FIRST_PASSWORD)
    window = make_window()
    # From anywhere, the global shortcut opens the query dialog.
    QTest.keyClick(window, Qt.Key.Key_Q,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = _log_dialog(window)
    assert dialog.new_prospect.isChecked()
    assert dialog.owner.currentText() == "Olivia Owner"  # whoever logs it owns it
    QTest.keyClicks(dialog.new_name, "Alecia Brown")
    QTest.keyClicks(dialog.new_contact, "201 555 0188")
    QTest.keyClicks(dialog.subject, "Can you repair a cane chair?")
    dialog.priority.setCurrentIndex(dialog.priority.findData("high"))
    assert dialog.category.currentText() == "—"  # saying what it is about is optional
    dialog.category.setCurrentIndex(dialog.category.findText("Product quality"))
    assert dialog.due_label.text() == "Mar 3, 2026, 9:30\u202fAM"  # a day, for high priority
    dialog.button_box.button(dialog.button_box.StandardButton.Save).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "Query logged for Alecia Brown" in window.statusBar().currentMessage()
    assert window.nav.item(NAV_ITEMS.index("Queries")).text() == "Queries (1)"

    # It waits in "Mine"; open it from the list and hand it to Rita.
    window.nav.setCurrentRow(NAV_ITEMS.index("Queries"))
    assert window.stack.currentWidget() is window.queries.page
    model = window.queries.list_model
    assert model.rowCount() == 1
    assert [model.index(0, c).data() for c in (0, 2, 3, 4, 5)] == [
        "0 seconds", "High", "New", "Can you repair a cane chair?", "Alecia Brown"]
    window.queries.page.table.activated.emit(model.index(0, 0))
    [query_dialog] = window.findChildren(QueryDialog)
    assert "Product quality" in query_dialog.facts.text()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Rita Reception", True))
    query_dialog.reassign_button.click()
    assert query_dialog.query.owner_name == "Rita Reception"
    assert model.rowCount() == 0  # not mine any more
    window.queries.page.scope_buttons[window.queries.page.scope().EVERYONE].click()
    assert model.rowCount() == 1 and model.index(0, 6).data() == "Rita Reception"

    # Work it through to resolved; the resolution note is asked for.
    query_dialog.step_buttons[QueryStatus.IN_PROGRESS].click()
    assert query_dialog.query.status is QueryStatus.IN_PROGRESS
    assert not query_dialog.step_buttons[QueryStatus.IN_PROGRESS].isVisibleTo(query_dialog)
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("Yes: booked in for Friday", True))
    query_dialog.step_buttons[QueryStatus.RESOLVED].click()
    assert query_dialog.query.status is QueryStatus.RESOLVED
    assert query_dialog.reopen_button.isVisibleTo(query_dialog)
    assert "Yes: booked in for Friday" in query_dialog.history.toPlainText()
    assert model.rowCount() == 0  # resolved ones are hidden unless asked for
    window.queries.page.include_done.setChecked(True)
    assert model.index(0, 3).data() == "Resolved"

    # The caller is a prospect now, and her timeline tells the whole story.
    with qtbot.waitSignal(query_dialog.finished):
        query_dialog.customer_button.click()
    assert window.stack.currentWidget() is window.customers.profile
    profile = window.customers.profile
    assert profile.customer is not None and profile.customer.display_name == "Alecia Brown"
    titles = [window.customers.timeline_model.index(r, 2).data()
              for r in range(window.customers.timeline_model.rowCount())]
    assert titles[:4] == ["Query resolved: Can you repair a cane chair?",
                          "Query in progress: Can you repair a cane chair?",
                          "Query reassigned: Can you repair a cane chair?",
                          "Query logged: Can you repair a cane chair?"]


def test_bad_input_is_shown_at_the_field_and_nothing_is_lost(
        qtbot: QtBot, make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    dialog = window.queries.log_query(None)
    QTest.keyClicks(dialog.new_name, "Jim")
    QTest.keyClicks(dialog.new_contact, "not a number")
    QTest.keyClicks(dialog.subject, "Price of the oak table")
    dialog.save()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.new_contact.property("invalid") is True or dialog.error.isVisibleTo(dialog)
    assert "phone" in dialog.error.text().lower()
    assert dialog.subject.text() == "Price of the oak table"  # what was typed is kept
    dialog.new_contact.setText("jim@example.com")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_from_the_profile_the_query_is_for_that_customer(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    jim = CustomerService(db).create(CustomerInput(first_name="Jim", last_name="Hart"), owner)
    window = make_window()
    window.customers.open_customer(jim.id)
    window.customers.profile.query_button.click()
    dialog = _log_dialog(window)
    assert dialog.existing.isChecked() and dialog.customer == (jim.id, "Jim Hart")
    QTest.keyClicks(dialog.subject, "Can the table be stained darker?")
    dialog.save()
    assert dialog.saved is not None and dialog.saved.customer_id == jim.id
    # The profile is shown again with the open query in its banner.
    assert "Open query: Can the table be stained darker?" in window.customers.profile.banner_text()


def test_overdue_queries_lead_the_list_in_red(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock) -> None:
    from crm_desktop.models import Priority
    from crm_desktop.services.queries.query_service import QueryInput
    queries = QueryService(db)
    queries.log(QueryInput("Whenever", priority=Priority.LOW, new_name="Ann",
                           new_contact="ann@example.com"), owner)
    urgent = queries.log(QueryInput("Leaking vase", priority=Priority.URGENT, new_name="Bo",
                                    new_contact="bo@example.com"), owner)
    clock.advance(hours=5)
    window = make_window()
    window.queries.show_queries()
    model = window.queries.list_model
    assert model.index(0, 4).data() == "Leaking vase"
    assert model.index(0, 0).data() == "5 hours"
    assert model.index(0, 1).data().startswith("Overdue · ")
    assert model.index(0, 4).data(Qt.ItemDataRole.ForegroundRole).color() == QColor(OVERDUE_RED)
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "1 overdue" in window.queries.page.count_label.text()
    dialog = window.queries.open_query(urgent.id)
    assert dialog is not None and "Overdue" in dialog.facts.text()
    dialog.done(0)


def test_three_delivery_complaints_and_a_win_move_the_tally_and_the_chart(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    margo = CustomerService(db).create(CustomerInput(first_name="Margo"), owner)
    window = make_window()
    window.nav.setCurrentRow(NAV_ITEMS.index("Tally"))
    page = window.feedback.tally_page
    assert page.rows and all(r.count == 0 for r in page.rows)
    assert page.series_names() == []

    for text in ("Parcel two days late", "Box left in the rain", "Courier never came"):
        window.customers.open_customer(margo.id)
        window.customers.profile.feedback_button.click()
        [dialog] = window.findChildren(FeedbackDialog)
        assert dialog.kind() is FeedbackKind.COMPLAINT and dialog.picker.chosen is not None
        dialog.category.setCurrentIndex(dialog.category.findText("Delivery"))
        QTest.keyClicks(dialog.text, text)
        dialog.apology.setChecked(True)
        QTest.keyClicks(dialog.action, "Refunded the postage")
        dialog.save()
        assert dialog.result() == QDialog.DialogCode.Accepted
        qtbot.waitUntil(lambda: not window.findChildren(FeedbackDialog))

    window.feedback.show_tally()
    page.record_button.click()
    [dialog] = window.findChildren(FeedbackDialog)
    dialog.kind_buttons[FeedbackKind.WIN].setChecked(True)
    assert not dialog.apology.isVisibleTo(dialog)
    QTest.keyClicks(dialog.picker.search, "Margo")
    dialog.picker.look_up()
    assert dialog.picker.chosen == (margo.id, "Margo")
    dialog.category.setCurrentIndex(dialog.category.findText("Staff"))
    QTest.keyClicks(dialog.text, "Thanked Rita for her patience")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted

    delivery = next(r for r in page.rows if r.name == "Delivery")
    assert (delivery.count, delivery.rising) == (3, True)
    assert page.table.item(0, 0).text() == "Delivery  ▲ rising"
    assert page.series_names() == ["Delivery ▲"]
    [line] = page.chart.series()
    assert [p.y() for p in line.points()][-1] == 3  # this month
    page.table.setCurrentCell(0, 0)
    assert page.entries.rowCount() == 3
    assert page.entries.item(0, 3).text() == "Yes"
    assert page.entries.item(0, 4).text() == "Refunded the postage"
    with qtbot.waitSignal(window.feedback.tally_page.open_customer):
        page.entries.cellDoubleClicked.emit(0, 1)
    assert window.stack.currentWidget() is window.customers.profile
    kinds = {window.customers.timeline_model.index(r, 2).data()
             for r in range(window.customers.timeline_model.rowCount())}
    assert {"Complaint: Delivery", "Win: Staff"} <= kinds

    window.feedback.show_tally()
    page.kind.setCurrentIndex(page.kind.findData(FeedbackKind.WIN.value))
    assert next(r for r in page.rows if r.name == "Staff").count == 1
    assert page.series_names() == ["Staff"]
    # Delivery was chosen, but has no wins: the busiest category is shown instead.
    assert page.table.item(page.table.currentRow(), 0).text() == "Staff"
    assert page.entries.rowCount() == 1


def test_a_rating_shows_on_the_profile_and_in_the_tally(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    jim = CustomerService(db).create(CustomerInput(first_name="Jim"), owner)
    window = make_window()
    window.customers.open_customer(jim.id)
    assert not window.customers.profile.ratings_label.isVisibleTo(window.customers.profile)
    dialog = window.feedback.record_feedback(jim.id, FeedbackKind.SURVEY)
    assert not dialog.category_box.isVisibleTo(dialog) and dialog.rating.isVisibleTo(dialog)
    dialog.save()
    assert "rating" in dialog.error.text().lower()  # a rating must be chosen
    dialog.rating.setCurrentIndex(dialog.rating.findData(4))
    QTest.keyClicks(dialog.text, "Lovely service, as always")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    label = window.customers.profile.ratings_label
    assert label.isVisibleTo(window.customers.profile)
    assert "4.0 / 5" in label.text() and "Lovely service, as always" in label.text()
    window.feedback.show_tally()
    assert "Customers rate us 4.0 / 5" in window.feedback.tally_page.ratings.text()


def test_the_owner_edits_the_categories(qtbot: QtBot, make_window: Callable[[], MainWindow],
                                        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    window.feedback.show_tally()
    window.feedback.tally_page.categories_button.click()
    [dialog] = window.findChildren(CategoriesDialog)
    QTest.keyClicks(dialog.name, "Parking")
    dialog.add_button.click()
    QTest.keyClicks(dialog.name, "parking")
    dialog.add_button.click()
    assert "already a category" in dialog.error.text()
    dialog.done(0)
    assert "Parking" in [c.name for c in FeedbackService(db).categories()]
    assert "Parking" in [r.name for r in window.feedback.tally_page.rows]


def test_response_times_are_set_in_the_shop_settings(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database) -> None:
    from crm_desktop.models import Priority
    from crm_desktop.services.admin.settings_service import SettingsService
    window = make_window()
    dialog = window.admin.edit_settings()
    dialog.response_hours[Priority.URGENT].setValue(2)
    dialog.save()
    assert SettingsService(db).business().respond_urgent_hours == 2


def test_the_receptionist_leaving_hands_her_queries_to_the_owner(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    from crm_desktop.services.queries.query_service import QueryInput
    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD)
    QueryService(db).log(QueryInput("Gift wrap?", new_name="Ann",
                                    new_contact="ann@example.com"), rita.as_actor())
    window = make_window()
    dialog = window.admin.edit_users()
    row = next(i for i in range(dialog.list.count())
               if dialog.list.item(i).text().startswith("Rita"))
    dialog.list.setCurrentRow(row)
    dialog.toggle.click()
    assert "Rita Reception's 1 open queries are yours now" in dialog.notice.text()
    dialog.done(0)
    assert window.nav.item(NAV_ITEMS.index("Queries")).text() == "Queries (1)"
    assert QApplication.activeModalWidget() is None


def test_the_query_list_model_passes_the_qt_model_tester(
        qtmodeltester: ModelTester, db: Database, owner: Actor, clock: FakeClock,
        formatter: Formatter) -> None:
    from crm_desktop.gui.queries.queries_page import QueryListModel
    from crm_desktop.services.queries.query_service import QueryInput
    queries = QueryService(db)
    first = queries.log(QueryInput("One", new_name="Ann", new_contact="ann@example.com"), owner)
    for n in range(4):
        queries.log(QueryInput(f"Query {n}", customer_id=first.customer_id), owner)
    model = QueryListModel(queries, formatter, clock, owner.user_id)
    qtmodeltester.check(model)
    clock.advance(days=30)
    model.refresh()
    qtmodeltester.check(model)
    assert model.overdue_count() == 5
