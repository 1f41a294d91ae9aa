from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMessageBox, QToolButton, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.customers.customer_form import CustomerFormDialog
from crm_desktop.gui.customers.log_contact_dialog import LogContactDialog
from crm_desktop.gui.customers.timeline_model import TimelineModel
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.models import (
    DateKind,
    HistoryKind,
    Invoice,
    InvoiceState,
    PreferenceKind,
)
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
    DateInput,
    PreferenceInput,
)
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.queries.query_service import QueryInput, QueryService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


@pytest.fixture
def jim(db: Database, owner: Actor, clock: FakeClock) -> int:
    customer = CustomerService(db).create(CustomerInput(
        first_name="Jim", last_name="Hart",
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE,
                                     "Likes time to consider his options", pinned=True)],
        dates=[DateInput(DateKind.BIRTHDAY, 3, 5, 1960)]), owner)
    QueryService(db).log(QueryInput("Can the table be stained?", customer_id=customer.id),
                         owner)
    with db.transaction(owner, None) as session:
        session.add(Invoice(customer_id=customer.id, number="2026-0007",
                            state=InvoiceState.ISSUED, currency="USD",
                            issued_on=clock.now.date() - timedelta(days=40),
                            due_on=clock.now.date() - timedelta(days=10),
                            gross_total=Decimal("129.50")))
    return customer.id


def test_the_banner_says_what_to_remember_before_anything_else(
        qtbot: QtBot, make_window: Callable[[], MainWindow], jim: int) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    banner = window.customers.profile.banner_text()
    for expected in ("Likes time to consider his options", "Birthday in 3 days (turns 66)",
                     "Open query: Can the table be stained?",
                     "Overdue invoice 2026-0007: $129.50"):
        assert expected in banner
    layout = window.customers.profile.layout()
    # The banner sits in the header, above the details and the history.
    assert window.customers.profile.banner.isVisibleTo(window.customers.profile)
    assert layout.indexOf(window.customers.profile.splitter) > 0


def test_notes_added_pinned_and_deleted_from_the_profile(
        qtbot: QtBot, make_window: Callable[[], MainWindow], jim: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("Daughter's wedding in May", True))
    qtbot.mouseClick(window.customers.profile.add_note_button, Qt.MouseButton.LeftButton)
    assert "Daughter's wedding in May" in window.customers.profile.banner_text()
    note = window.customers.profile.customer.notes[0]  # type: ignore[union-attr]
    pin = window.customers.profile.findChild(QToolButton, f"pin_note_{note.id}")
    assert pin is not None and pin.text() == "Unpin"
    pin.click()
    assert "Daughter's wedding" not in window.customers.profile.banner_text()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    remove = window.customers.profile.findChild(QToolButton, f"delete_note_{note.id}")
    assert remove is not None
    remove.click()
    shown = window.customers.profile.customer
    assert shown is not None and shown.notes == ()


def test_log_a_call_in_a_few_keystrokes_and_see_it_in_the_timeline(
        qtbot: QtBot, make_window: Callable[[], MainWindow], jim: int, db: Database) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    qtbot.keyClick(window.customers.profile, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(LogContactDialog)
    assert dialog is not None
    assert dialog.focusWidget() is dialog.summary  # (offscreen, new windows are not active)
    qtbot.keyClicks(dialog.summary, "Asked about staining the oak table")
    qtbot.keyClicks(dialog.outcome, "Will decide by Friday")
    dialog.follow_up.setChecked(True)
    assert dialog.purpose.text() == "Follow up: Asked about staining the oak table"
    assert dialog.purpose.cursorPosition() == 0  # the field shows how it starts
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.summary, Qt.Key.Key_Return)
    timeline = window.customers.timeline_model
    titles = [timeline.index(r, 2).data() for r in range(timeline.rowCount())]
    assert "Asked about staining the oak table" in titles
    row = titles.index("Asked about staining the oak table")
    assert timeline.index(row, 1).data() == "Call"
    assert timeline.index(row, 3).data() == "Will decide by Friday"
    assert timeline.index(row, 4).data() == "Olivia Owner"
    assert any(t.startswith("Follow-up due (call)") for t in titles)
    assert "Next follow-up" in window.customers.profile.facts_label.text()


def test_bad_log_input_is_shown_at_the_field(qtbot: QtBot,
                                             make_window: Callable[[], MainWindow],
                                             jim: int) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    dialog = window.customers.log_contact(jim)
    dialog.save()
    assert dialog.isVisible()
    assert "Summary is required" in dialog.error.text()
    assert dialog.focusWidget() is dialog.summary
    dialog.reject()


def test_timeline_pages_lazily_and_filters_by_kind(qtbot: QtBot,
                                                   qtmodeltester: ModelTester,
                                                   db: Database, owner: Actor, jim: int,
                                                   clock: FakeClock,
                                                   formatter: Formatter) -> None:
    service = TimelineService(db)
    for i in range(12):
        clock.advance(minutes=5)
        service.log(jim, HistoryKind.VISIT if i % 3 else HistoryKind.NOTE, f"Entry {i}", owner)
    model = TimelineModel(service, formatter, page_size=5)
    model.show_customer(jim)
    assert model.rowCount() == 5
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 14  # 12 entries, the open query and the invoice
    assert not model.canFetchMore()
    qtmodeltester.check(model)
    from crm_desktop.services.customers.timeline_service import TimelineKind

    model.show_customer(jim, [TimelineKind.NOTE])
    assert [model.index(r, 2).data() for r in range(model.rowCount())] == [
        "Entry 9", "Entry 6", "Entry 3", "Entry 0"]


def test_important_dates_are_edited_in_the_form(qtbot: QtBot,
                                                make_window: Callable[[], MainWindow],
                                                jim: int, db: Database) -> None:
    window = make_window()
    window.customers.open_customer(jim)
    dialog = window.customers.edit_customer(jim)
    assert isinstance(dialog, CustomerFormDialog)
    qtbot.mouseClick(dialog.ui.add_date, Qt.MouseButton.LeftButton)
    row = dialog._dates[-1]
    row.kind.setCurrentIndex(row.kind.findData(DateKind.ANNIVERSARY.value))
    row.day.setValue(31)
    row.month.setCurrentIndex(1)  # February: no 31st
    dialog.save()
    assert dialog.isVisible()
    assert "There is no day 31" in row.error.text()
    row.day.setValue(14)
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    dates = CustomerService(db).get(jim).important_dates
    assert [(d.kind, d.month, d.day, d.year) for d in dates] == [
        (DateKind.BIRTHDAY, 3, 5, 1960), (DateKind.ANNIVERSARY, 2, 14, None)]
    assert "February 14" in window.customers.profile.dates_box.findChildren(QLabel)[-1].text()


def test_a_customer_with_very_long_text_never_widens_the_window(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor) -> None:
    """A 200-letter name, a company, an address and a pinned preference with no spaces: the
    window keeps its width; the name ends in "…" with the whole of it in the tooltip."""
    first, last = "Bartholomew" * 9, "Featherstonehaugh" * 5
    customer = CustomerService(db).create(CustomerInput(
        first_name=first, last_name=last, company="C" * 200,
        addresses=[AddressInput("L" * 200, city="K" * 100, country="GB", is_primary=True)],
        preferences=[PreferenceInput(PreferenceKind.OTHER, "X" * 1000, pinned=True)]),
        owner)
    QueryService(db).log(QueryInput("S" * 200, customer_id=customer.id), owner)
    window = make_window()
    window.resize(1100, 700)
    width = window.width()
    window.customers.open_customer(customer.id)
    QApplication.processEvents()
    assert window.width() == width
    assert window.minimumSizeHint().width() < 1000
    widest = max(w.minimumSizeHint().width() for w in window.findChildren(QWidget)
                 if w.isVisible())
    assert widest < 1000
    name = window.customers.profile.name_label
    assert name.shown_text().endswith("…") and name.toolTip() == f"{first} {last}"
    assert name.text() == f"{first} {last}"
    # The whole banner is still there to read: only break opportunities were added.
    banner = window.customers.profile.banner_text().replace("\u200b", "")
    assert "X" * 1000 in banner and "S" * 200 in banner


def test_emoji_in_a_name_are_drawn_not_boxes(make_window: Callable[[], MainWindow],
                                             db: Database, owner: Actor) -> None:
    """What was typed is what is shown: the emoji font (fonts-noto-color-emoji, in
    scripts/debian-packages.txt) draws the cat in colour; a missing glyph is a grey box."""
    customer = CustomerService(db).create(CustomerInput(first_name="Alecia", last_name="🐱"),
                                          owner)
    window = make_window()
    window.customers.open_customer(customer.id)
    image = window.customers.profile.name_label.grab().toImage()
    coloured = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            coloured += max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 80
    assert coloured > 20


def test_an_address_shows_its_countrys_name_in_the_shops_language(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor) -> None:
    customer = CustomerService(db).create(CustomerInput(first_name="Margo", addresses=[
        AddressInput("12 Oak Lane", postal_code="M1 1AE", city="Manchester", country="GB",
                     is_primary=True)]), owner)
    window = make_window()
    window.customers.open_customer(customer.id)
    shown = " ".join(label.text() for label in
                     window.customers.profile.addresses_box.findChildren(QLabel))
    assert "United Kingdom" in shown and "<br>GB" not in shown
