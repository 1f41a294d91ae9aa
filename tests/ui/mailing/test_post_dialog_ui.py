"""Labels and envelopes through the window: for the list, the selection or the customer on
screen; a partly used sheet started at the label clicked; offers only to those who agreed to
post, with how many were left out; printed on a real CUPS queue or saved as PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.mailing.post_dialog import ENVELOPES, LETTERS, PostDialog
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import (
    ConsentChannel,
    ConsentMethod,
    CustomerStatus,
    DateKind,
    FeedbackKind,
    Role,
)
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
    DateInput,
)
from crm_desktop.services.feedback.feedback_service import FeedbackInput, FeedbackService
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.services.mailing.letter_service import Letters, LetterService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock, PrintQueue
from tests.passwords import FIRST_PASSWORD
from tests.pdf_tools import pages, text, words


def _customers(db: Database, owner: Actor, count: int,
               status: CustomerStatus = CustomerStatus.PROSPECT) -> list[int]:
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), shop_name="Corner Shop",
                                   address="1 High Street\nSpringfield, IL 62701"), owner)
    service = CustomerService(db)
    return [service.create(CustomerInput(
        first_name="Alecia", last_name=f"Brown {n:02d}", status=status,
        addresses=[AddressInput(f"{n} Rose Lane", city="Springfield", region="IL",
                                postal_code="62704", country="US", is_primary=True)]),
        owner).id for n in range(1, count + 1)]


def _settled(window: MainWindow, dialog: PostDialog) -> None:
    while dialog.pending:  # each change builds the PDF on the worker; the newest is shown
        window.background.wait()


def test_thirty_labels_from_label_five_then_envelopes_for_one_customer(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        tmp_path: Path, printer: PrintQueue) -> None:
    ids = _customers(db, owner, 30)
    window = make_window()
    window.post_action.trigger()  # from the Customer menu, with no one on screen
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.whom.currentText() == "All customers (30)"
    # Post to many is taken for an offer until the person says it is not.
    assert dialog.marketing.isChecked()
    _settled(window, dialog)
    assert dialog.summary.text() == "Nobody to print for: 30 who did not agree to post."
    dialog.marketing.click()  # the shop's own news: to everyone
    assert not dialog.marketing.isChecked()
    dialog.sheet.setCurrentIndex(dialog.sheet.findData("L7160"))
    qtbot.mouseClick(dialog.grid.buttons[4], Qt.MouseButton.LeftButton)  # label 5
    assert dialog.start_at.value() == 5
    assert "used" in dialog.grid.buttons[3].accessibleName()
    assert dialog.busy.isVisibleTo(dialog)  # the PDF is being made on the worker
    _settled(window, dialog)
    assert not dialog.busy.isVisibleTo(dialog)
    assert dialog.summary.text() == "30 labels."
    assert dialog.pdf_document.pageCount() == 2  # 17 on the used sheet, 13 on a new one
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    assert dialog.print_to(chosen)
    (printed,) = printer.printed(before)
    assert pages(printed) == 2 and "Alecia Brown 30" in text(printed)
    assert "Sent to the printer: 30 labels." in window.statusBar().currentMessage()
    dialog.close()

    # From Alecia's profile: an envelope for her, the shop's address in the corner.
    window.customers.open_customer(ids[0])
    window.post_action.trigger()
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.whom.currentText() == "Alecia Brown 01"
    dialog.choose_kind(ENVELOPES)
    assert dialog.kind == ENVELOPES
    _settled(window, dialog)
    assert dialog.summary.text() == "1 envelope."
    saved = dialog.save_pdf(tmp_path / "envelope.pdf")
    assert saved is not None
    found = {w[0] for w in words(saved, 1)}
    assert {"Alecia", "Brown", "01", "Corner", "Shop", "Stamp"} <= found


def test_offers_go_only_to_those_who_agreed_to_post_and_the_rest_are_counted(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    ids = _customers(db, owner, 5)
    consent = ConsentService(db)
    for customer_id in ids[:2]:
        consent.record(customer_id, [ConsentAnswer(ConsentChannel.POST, True,
                                                   ConsentMethod.IN_PERSON)], owner)
    window = make_window()
    window.customers.show_list()
    page = window.customers.list_page
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 5)
    page.table.selectAll()
    page.post_action.trigger()  # Selected ▾ → Labels and envelopes…
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.whom.currentText() == "The selected customers (5)"
    dialog.marketing.setChecked(True)
    _settled(window, dialog)
    assert dialog.summary.text() == "2 labels; left out: 3 who did not agree to post."
    assert dialog.print_button.isEnabled()
    consent.record(ids[0], [ConsentAnswer(ConsentChannel.POST, False,
                                          ConsentMethod.IN_WRITING)], owner)
    consent.record(ids[1], [ConsentAnswer(ConsentChannel.POST, False,
                                          ConsentMethod.IN_WRITING)], owner)
    dialog.refresh()
    _settled(window, dialog)
    assert dialog.summary.text() == ("Nobody to print for: 5 who did not agree to post.")
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()


def test_the_front_desk_prints_post_and_a_viewer_does_not(
        qtbot: QtBot, db: Database, owner: Actor, app_home: AppPaths) -> None:
    users = UserService(db)
    for name, role in (("Rita Reception", Role.RECEPTIONIST), ("Vera Viewer", Role.VIEWER)):
        person = users.add(name, role, owner, first_password=FIRST_PASSWORD).as_actor()
        window = build_main_window(db, person, open_ui_state(app_home), app_home)
        qtbot.addWidget(window)
        allowed = role is Role.RECEPTIONIST
        assert window.post_action.isEnabled() is allowed
        assert window.customers.list_page.post_action.isEnabled() is allowed
        assert not window.letters_action.isEnabled()  # the words are the owner's
        if not allowed:
            assert "receptionist" in window.post_action.toolTip()


def test_from_today_a_birthday_card_for_alecia_names_her_and_goes_on_her_timeline(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        printer: PrintQueue) -> None:
    _customers(db, owner, 1)
    alecia = CustomerService(db).create(CustomerInput(
        first_name="Alecia", last_name="Nuñez", dates=[DateInput(DateKind.BIRTHDAY, 3, 5, 1980)],
        addresses=[AddressInput("9 Elm Street", city="Springfield", region="IL",
                                postal_code="62704", country="US", is_primary=True)]),
        owner).id
    window = make_window()
    today = window.follow_ups.today_page
    row = today.find_row("Birthday in 3 days")
    assert row is not None
    today.tree.setCurrentItem(row)
    assert today.buttons["write"].isEnabled()
    today.buttons["write"].click()
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.kind == LETTERS
    assert dialog.whom.currentText() == "Alecia Nuñez"
    assert dialog.template.currentText() == "Birthday card"
    _settled(window, dialog)
    assert dialog.summary.text() == "1 card."
    # A line added by hand, for her only.
    dialog.note.setPlainText(dialog.note.toPlainText() + "\nP.S. Give Whiskers a cuddle!")
    _settled(window, dialog)
    assert isinstance(dialog.printout, Letters)
    assert dialog.printout.texts[alecia].startswith("Dear Alecia,\nhappy birthday")
    assert dialog.printout.texts[alecia].endswith("P.S. Give Whiskers a cuddle!")
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    assert dialog.print_to(chosen)
    assert len(printer.printed(before)) == 1
    window.customers.open_customer(alecia)
    model = window.customers.timeline_model
    titles = [model.entry(r).title for r in range(model.rowCount())]
    assert "Birthday card sent" in titles


def test_the_owner_keeps_her_own_words_for_a_letter_in_shop_settings(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    ids = _customers(db, owner, 2)
    window = make_window()
    window.post_action.trigger()
    dialog = window.mailing.dialog
    assert dialog is not None
    dialog.choose_kind(LETTERS)
    dialog.template.setCurrentIndex(dialog.template.findData("miss_you"))
    dialog.marketing.click()  # not an offer: to all of them
    _settled(window, dialog)
    assert dialog.summary.text() == "2 letters."
    assert isinstance(dialog.printout, Letters)
    assert "we have missed you" in dialog.printout.texts[ids[0]]
    dialog.body.setPlainText("Dear {first_name},\n\n{nonsense}")
    _settled(window, dialog)
    assert "Unknown placeholder" in dialog.summary.text()
    assert not dialog.print_button.isEnabled()


def test_the_owner_rewrites_the_birthday_card_and_adds_a_letter_of_her_own(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database,
        owner: Actor) -> None:
    window = make_window()
    window.letters_action.trigger()
    dialog = window.mailing.templates_dialog
    assert dialog is not None and dialog.list.count() == 5
    assert dialog.current is not None and dialog.current.key == "birthday"
    assert not dialog.kind.isEnabled() and not dialog.body.isEnabled()  # a card: no typing
    dialog.note.setPlainText("Happy birthday, {first_name}!\n{sender}")
    assert dialog.save() is not None
    dialog.new_button.click()
    dialog.name.setText("Spring sale")
    dialog.body.setPlainText("Dear {first_name},\n\nour sale starts on {day}.")
    assert dialog.save() is None  # {day} is no placeholder: said at the field
    assert "Unknown placeholder" in dialog.error.text()
    dialog.body.setPlainText("Dear {first_name},\n\nour spring sale starts on Monday.")
    saved = dialog.save()
    assert saved is not None and dialog.list.count() == 6
    assert dialog.list.currentItem().text() == "Spring sale"
    letters = LetterService(db)
    assert next(t for t in letters.templates() if t.key == "birthday").note \
        == "Happy birthday, {first_name}!\n{sender}"
    dialog.list.setCurrentRow(0)
    dialog.remove_button.click()  # "Put back as it was"
    assert next(t for t in letters.templates() if t.key == "birthday").note.startswith(
        "Dear {first_name},\nhappy birthday from all of us")


def test_an_apology_from_a_complaint_and_a_reminder_from_an_overdue_invoice(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock) -> None:
    (alecia,) = _customers(db, owner, 1)
    invoices = InvoiceService(db)
    draft = invoices.create_draft(alecia, [InvoiceLineInput("Chair", D(1), D("80.00"), D(0))],
                                  owner)
    issued = invoices.issue(draft.id, draft.version, owner)
    clock.advance(days=45)  # the invoice is overdue; the complaint comes now
    feedback = FeedbackService(db)
    delivery = next(c for c in feedback.categories() if c.name == "Delivery")
    feedback.record(FeedbackInput(FeedbackKind.COMPLAINT, "Parcel two days late",
                                  category_id=delivery.id, customer_id=alecia), owner)
    window = make_window()

    window.feedback.show_tally()
    page = window.feedback.tally_page
    page.table.setCurrentCell(next(i for i, r in enumerate(page.rows) if r.name == "Delivery"),
                              0)
    assert not page.apology_button.isEnabled()
    page.entries.selectRow(0)
    assert page.apology_button.isEnabled()
    page.apology_button.click()
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.template.currentText() == "Apology after a complaint"
    _settled(window, dialog)
    assert isinstance(dialog.printout, Letters)
    assert "it was our mistake, not yours" in dialog.printout.texts[alecia]
    dialog.close()

    invoice_window = window.invoices.open_invoice(issued.id)
    assert invoice_window is not None
    assert "reminder" in invoice_window.visible_actions()
    invoice_window.action_buttons["reminder"].click()
    dialog = window.mailing.dialog
    assert dialog is not None and dialog.template.currentText() == "Friendly payment reminder"
    _settled(window, dialog)
    assert isinstance(dialog.printout, Letters)
    assert f"$80.00 still open on invoice {issued.number}" in dialog.printout.texts[alecia]


def test_we_miss_you_to_every_inactive_customer_who_agreed_to_post(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        clock: FakeClock) -> None:
    ids = _customers(db, owner, 4, CustomerStatus.CUSTOMER)
    consent = ConsentService(db)
    for customer_id in ids[:3]:
        consent.record(customer_id, [ConsentAnswer(ConsentChannel.POST, True,
                                                   ConsentMethod.IN_PERSON)], owner)
    clock.advance(days=400)  # past the shop's quiet period: all four are inactive
    recent = CustomerService(db).create(CustomerInput(first_name="Nora", last_name="New"),
                                        owner).id
    window = make_window()
    window.customers.show_list()
    page = window.customers.list_page
    page.status_filter.setCurrentIndex(page.status_filter.findData("inactive"))
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 4)
    window.post_action.trigger()
    dialog = window.mailing.dialog
    assert dialog is not None
    dialog.whom.setCurrentIndex(dialog.whom.findText("The customers the list shows (4)"))
    assert dialog.whom.currentIndex() >= 0
    dialog.choose_kind(LETTERS)
    dialog.template.setCurrentIndex(dialog.template.findData("miss_you"))
    dialog.marketing.setChecked(True)
    _settled(window, dialog)
    assert dialog.summary.text() == "3 letters; left out: 1 who did not agree to post."
    assert isinstance(dialog.printout, Letters) and recent not in dialog.printout.texts
