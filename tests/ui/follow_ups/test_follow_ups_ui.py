"""Follow-ups and the Today page as a person uses them: schedule from the profile, see it
when due, complete it from its row, snooze another, find a missed one after a restart, and
accept the suggestion a delivery makes. The clock is moved by hand; nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import TypeVar

import pytest
from icalendar import Calendar
from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.follow_ups.follow_up_dialogs import (
    CancelDialog,
    CompleteDialog,
    FollowUpDialog,
    SnoozeDialog,
)
from crm_desktop.gui.follow_ups.today_page import MISSED_MARK
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.gui.shared.palette import ALERT
from crm_desktop.models import DateKind, FollowUpState
from crm_desktop.services.customers.customer_service import (
    CustomerInput,
    CustomerService,
    DateInput,
)
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService, Snooze
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD


@pytest.fixture
def margo(db: Database, owner: Actor) -> int:
    return CustomerService(db).create(CustomerInput(first_name="Margo", last_name="Lane"),
                                      owner).id


T = TypeVar("T", bound=QObject)


def _only(window: MainWindow, kind: type[T]) -> T:
    [dialog] = window.findChildren(kind)
    return dialog


def _select(window: MainWindow, purpose: str) -> None:
    row = window.follow_ups.today_page.find_row(purpose)
    assert row is not None, window.follow_ups.today_page.sections()
    window.follow_ups.today_page.tree.setCurrentItem(row)


def _today_badge(window: MainWindow) -> str:
    item = window.nav.item(NAV_ITEMS.index("Today"))
    assert item is not None
    return item.text()


def test_a_monthly_follow_up_seen_when_due_completed_from_its_row_and_rescheduled(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        clock: FakeClock) -> None:
    window = make_window()
    assert window.stack.currentWidget() is window.follow_ups.today_page  # the start page
    assert window.follow_ups.today_page.sections() == {}
    window.customers.open_customer(margo)
    window.customers.profile.follow_up_button.click()
    dialog = _only(window, FollowUpDialog)
    dialog.due.setDate(QDate(2026, 3, 4))
    QTest.keyClicks(dialog.purpose, "Ask if the armchair suits her back")
    dialog.repeat.setCurrentIndex(dialog.repeat.findData("MONTHLY"))
    assert dialog.repeat_text.text() == "Every month"
    with qtbot.waitSignal(dialog.finished):
        dialog.button_box.button(dialog.button_box.StandardButton.Save).click()
    assert "Next follow-up Mar 4, 2026" in window.customers.profile.facts_label.text()

    window.follow_ups.show_today()
    assert window.follow_ups.today_page.sections() == {"Coming up this week": ["Margo Lane"]}
    # On the 4th at 9:00 it falls due: announced once, and counted in the badge.
    clock.now = clock.now.replace(day=4, hour=8, minute=59)
    assert window.follow_ups.check_reminders() == []
    clock.advance(minutes=1)
    [due] = window.follow_ups.check_reminders()
    assert window.follow_ups.last_reminder == ("Follow-up due",
                                    "Margo Lane: Ask if the armchair suits her back")
    assert window.follow_ups.check_reminders() == []  # once per occurrence
    assert _today_badge(window) == "Today (1)"
    assert window.follow_ups.today_page.sections() == {"Due today": ["Margo Lane"]}

    _select(window, "armchair")
    window.follow_ups.today_page.buttons["complete"].click()
    done = _only(window, CompleteDialog)
    done.save()  # no outcome yet: refused at the field
    assert "how it went" in done.error.text()
    QTest.keyClicks(done.outcome, "Loves it; wants a footstool")
    with qtbot.waitSignal(done.finished):
        done.save()
    assert window.statusBar().currentMessage() == (
        "Done: Margo Lane. The next one is due Apr 4, 2026")
    assert window.follow_ups.today_page.sections() == {}
    assert _today_badge(window) == "Today"
    timeline = TimelineService(db).page(margo, kinds=[TimelineKind.FOLLOW_UP])
    assert [(e.title, e.detail) for e in timeline] == [
        ("Follow-up due (call): Ask if the armchair suits her back", "Every month"),
        ("Followed up (call): Ask if the armchair suits her back",
         "Loves it; wants a footstool")]
    assert timeline[0].at.date() == date(2026, 4, 4)
    assert due.id != timeline[0].ref_id


def test_snoozing_from_the_row_and_overdue_in_red(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        owner: Actor, clock: FakeClock) -> None:
    service = FollowUpService(db)
    service.schedule(FollowUpInput(margo, date(2026, 3, 2), "Send the fabric samples"), owner)
    service.schedule(FollowUpInput(margo, date(2026, 3, 2), "Ring about the invoice"), owner)
    clock.advance(days=1)  # Tuesday: yesterday's two are overdue
    window = make_window()
    assert window.follow_ups.today_page.sections() == {"Overdue": ["Margo Lane", "Margo Lane"]}
    row = window.follow_ups.today_page.find_row("fabric")
    assert row is not None and row.text(0) == MISSED_MARK + "Mar 2, 2026"
    assert row.foreground(0).color() == QColor(ALERT)
    _select(window, "fabric")
    window.follow_ups.today_page.buttons["snooze"].click()
    snooze = _only(window, SnoozeDialog)
    assert snooze.whole_series is None  # a one-off has no series to move
    snooze.choices[Snooze.TOMORROW].setChecked(True)
    with qtbot.waitSignal(snooze.finished):
        snooze.save()
    assert window.follow_ups.today_page.sections() == {"Overdue": ["Margo Lane"],
                                            "Coming up this week": ["Margo Lane"]}
    assert window.follow_ups.today_page.find_row("fabric").text(0) == "Mar 4, 2026"  # type: ignore[union-attr]
    # Cancel the other with a reason.
    _select(window, "invoice")
    window.follow_ups.today_page.buttons["cancel"].click()
    cancel = _only(window, CancelDialog)
    QTest.keyClicks(cancel.reason, "She paid yesterday")
    with qtbot.waitSignal(cancel.finished):
        cancel.save()
    assert "Overdue" not in window.follow_ups.today_page.sections()


def test_a_series_snoozed_from_its_row_moves_as_a_whole(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        owner: Actor) -> None:
    service = FollowUpService(db)
    item = service.schedule(FollowUpInput(margo, date(2026, 3, 2), "Monthly check-in",
                                          repeat="FREQ=MONTHLY"), owner)
    window = make_window()
    _select(window, "check-in")
    window.follow_ups.today_page.buttons["snooze"].click()
    snooze = _only(window, SnoozeDialog)
    assert snooze.whole_series is not None
    snooze.on_date.setDate(QDate(2026, 3, 5))  # picking a date chooses "On a date"
    snooze.whole_series.setChecked(True)
    with qtbot.waitSignal(snooze.finished):
        snooze.save()
    moved = service.get(item.id)
    _, following = service.complete(moved.id, moved.version, "Fine", owner)
    assert following is not None and following.due_at.date() == date(2026, 4, 5)


def test_a_follow_up_missed_while_closed_waits_at_the_next_start(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        owner: Actor, clock: FakeClock) -> None:
    window = make_window()
    window.customers.open_customer(margo)
    window.customers.profile.follow_up_button.click()
    dialog = _only(window, FollowUpDialog)
    dialog.due.setDate(QDate(2026, 3, 3))
    QTest.keyClicks(dialog.purpose, "Check the sofa was delivered")
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    window.close()
    clock.advance(days=3)  # the app stayed closed over it
    window = make_window()
    assert window.stack.currentWidget() is window.follow_ups.today_page
    assert window.follow_ups.today_page.missed_banner.isVisibleTo(window)
    assert "Check the sofa was delivered" in window.follow_ups.today_page.missed_text.text()
    row = window.follow_ups.today_page.find_row("sofa")
    assert row is not None and MISSED_MARK in row.text(0)
    assert window.follow_ups.last_reminder is not None
    assert window.follow_ups.last_reminder[0] == "Fell due while CRM Desktop was closed"
    # Announced once: the next start does not announce it again, but it stays overdue.
    window.close()
    window = make_window()
    assert not window.follow_ups.today_page.missed_banner.isVisibleTo(window)
    assert window.follow_ups.today_page.sections() == {"Overdue": ["Margo Lane"]}


def test_a_delivery_suggests_a_follow_up_accepted_in_one_click(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        owner: Actor, clock: FakeClock) -> None:
    orders = OrderService(db)
    order = orders.create_draft(margo, [OrderLineInput(D(1), "Armchair", unit_price=D("400"),
                                                       tax_rate=D(0))], owner)
    order = orders.confirm(order.id, order.version, owner)
    window = make_window()
    window.orders.open_order(order.id)
    from crm_desktop.gui.orders.order_dialog import OrderDialog

    order_dialog = _only(window, OrderDialog)
    order_dialog.orders.deliver(order.id, order.version, {order.lines[0].id: D(1)}, owner)
    order_dialog.reject()
    window.follow_ups.show_today()
    assert window.follow_ups.today_page.sections() == {"Suggested for you": ["Margo Lane"]}
    _select(window, "happy with order")
    assert window.follow_ups.today_page.buttons["accept"].isVisible()
    assert not window.follow_ups.today_page.buttons["complete"].isVisible()
    window.follow_ups.today_page.buttons["accept"].click()
    assert window.follow_ups.today_page.sections() == {"Coming up this week": ["Margo Lane"]}
    [item] = FollowUpService(db).for_customer(margo)
    assert item.state is FollowUpState.OPEN and item.assignee_name == "Olivia Owner"


def test_birthdays_and_quiet_customers_lead_to_a_follow_up(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor) -> None:
    alecia = CustomerService(db).create(CustomerInput(
        first_name="Alecia", dates=[DateInput(DateKind.BIRTHDAY, 3, 5, 1980)]), owner).id
    window = make_window()
    sections = window.follow_ups.today_page.sections()
    assert sections["Birthdays and anniversaries this week"] == ["Alecia"]
    assert sections["Suggested for you"] == ["Alecia"]  # a card, a week ahead
    row = window.follow_ups.today_page.find_row("Birthday in 3 days")
    assert row is not None and row.text(2) == "Birthday in 3 days (turns 46)"
    window.follow_ups.today_page.tree.setCurrentItem(row)
    window.follow_ups.today_page.buttons["schedule"].click()
    dialog = _only(window, FollowUpDialog)
    assert "Alecia" in dialog.form.itemAt(1).widget().text()  # type: ignore[union-attr]
    dialog.reject()
    # Dismissing the suggestion keeps it away for good.
    _select(window, "a card or a call")
    window.follow_ups.today_page.buttons["dismiss"].click()
    window.follow_ups.refresh_today()
    assert "Suggested for you" not in window.follow_ups.today_page.sections()
    assert FollowUpService(db).for_customer(alecia) == []


def test_everyone_s_day_and_the_calendar_export(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int, db: Database,
        owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_desktop.models import Role
    from crm_desktop.services.admin.user_service import UserService

    rita = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD)
    service = FollowUpService(db)
    service.schedule(FollowUpInput(margo, date(2026, 3, 2), "Rita's call",
                                   assignee_id=rita.id), owner)
    service.schedule(FollowUpInput(margo, date(2026, 3, 2), "My call",
                                   repeat="FREQ=WEEKLY"), owner)
    window = make_window()
    assert window.follow_ups.today_page.sections() == {"Due today": ["Margo Lane"]}
    window.follow_ups.today_page.scope.setCurrentIndex(window.follow_ups.today_page.scope.findData("everyone"))
    assert window.follow_ups.today_page.sections() == {"Due today": ["Margo Lane", "Margo Lane"]}
    assert _today_badge(window) == "Today (1)"  # the badge stays mine
    target = tmp_path / "mine.ics"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "iCalendar files (*.ics)"))
    window.export_action.trigger()
    [todo] = Calendar.from_ical(target.read_bytes()).walk("VTODO")
    assert str(todo["summary"]) == "Call Margo Lane: My call"
    assert todo["rrule"].to_ical() == b"FREQ=WEEKLY"


def test_schedule_dialog_refuses_bad_input_at_the_field_and_offers_relative_rules(
        qtbot: QtBot, make_window: Callable[[], MainWindow], margo: int,
        clock: FakeClock) -> None:
    window = make_window()
    window.customers.open_customer(margo)
    QTest.keyClick(window, Qt.Key.Key_U,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = _only(window, FollowUpDialog)
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "What to follow up" in dialog.purpose.toolTip()
    dialog.due.setDate(QDate(2026, 3, 16))  # the third Monday of March
    dialog.repeat.setCurrentIndex(dialog.repeat.findData("nth"))
    assert dialog.repeat_text.text() == "Every month on the third Monday"
    dialog.due.setDate(QDate(2026, 3, 27))
    assert dialog.repeat_text.text() == "Every month on the last Friday"
    assert dialog.chosen_repeat() is not None
    assert dialog.chosen_repeat().rrule() == "FREQ=MONTHLY;BYDAY=-1FR"  # type: ignore[union-attr]
    QTest.keyClicks(dialog.purpose, "Pay day call")
    dialog.timed.setChecked(True)
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    assert dialog.saved is not None and dialog.saved.has_time
    assert dialog.saved.repeat_text == "Every month on the last Friday"
    assert clock.now + timedelta(days=20) < dialog.saved.due_at
