"""Invoices through the GUI: a 40-line invoice issued from a profile, its preview, the note
edited before printing, printing to a real CUPS printer, payments, a credit note, batch
printing with progress, and the business profile in the settings."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.admin.settings_dialog import SettingsDialog
from crm_desktop.gui.follow_ups.follow_up_dialogs import FollowUpDialog
from crm_desktop.gui.invoices.invoice_window import (
    CreditNoteDialog,
    InvoiceWindow,
    NewInvoiceDialog,
    PaymentDialog,
)
from crm_desktop.gui.main_window import NAV_ITEMS, MainWindow
from crm_desktop.models import InvoiceState
from crm_desktop.paths import AppPaths
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.invoices.invoice_service import (
    InvoiceLineInput,
    InvoiceService,
    InvoiceStatus,
)
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.storage.database import Database
from tests.conftest import PrintQueue


@pytest.fixture
def shop(db: Database, owner: Actor) -> None:
    settings = SettingsService(db)
    settings.save_business(replace(
        settings.business(), shop_name="Oak & Thread", address="Lindenweg 3\n10999 Berlin",
        tax_id="DE123456789",
        country="DE", currency="EUR", locale="en_GB", sender_name="Anna", paper="A4",
        envelope="din5008b",
        bank_details="Berliner Sparkasse\nIBAN DE02 1005 0000 0123 4567 89"), owner)


@pytest.fixture
def zoe(db: Database, owner: Actor, shop: None) -> int:
    """A customer with 40 things delivered, in one order."""
    cid = CustomerService(db).create(CustomerInput(
        first_name="Zoë", last_name="Łukasiewicz-Ñúñez",
        addresses=[AddressInput("Hauptstraße 5", postal_code="10115", city="Berlin",
                                country="DE", is_primary=True)]), owner).id
    orders = OrderService(db)
    order = orders.create_draft(cid, [OrderLineInput(D(1 + i % 3), f"Hand-turned bowl no. {i}",
                                                     unit_price=D("12.50"), tax_rate=D(19))
                                      for i in range(1, 41)], owner)
    order = orders.confirm(order.id, order.version, owner)
    orders.deliver(order.id, order.version, {li.id: li.quantity for li in order.lines}, owner)
    return cid


def pdf_text(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "shown.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1]), text  # type: ignore[index]


def issue_from_profile(qtbot: QtBot, window: MainWindow, customer_id: int) -> InvoiceWindow:
    window.customers.open_customer(customer_id)
    window.customers.profile.invoice_button.click()
    new = window.findChild(NewInvoiceDialog)
    assert new is not None
    assert new.orders.count() == 1 and new.chosen_orders()  # the delivered order, ticked
    # Wide enough that a name with its phone and e-mail is not clipped.
    assert new.width() >= new.picker.fontMetrics().horizontalAdvance("M" * 40)
    with qtbot.waitSignal(new.finished):
        new.button_box.button(new.button_box.StandardButton.Ok).click()
    invoice_window = window.findChild(InvoiceWindow)
    assert invoice_window is not None
    return invoice_window


def test_issue_a_forty_line_invoice_edit_the_note_and_print_it(
        qtbot: QtBot, make_window: Callable[[], MainWindow], zoe: int, db: Database,
        printer: PrintQueue, tmp_path: Path) -> None:
    window = make_window()
    invoice_window = issue_from_profile(qtbot, window, zoe)
    draft = invoice_window.invoice
    assert draft.status is InvoiceStatus.DRAFT and len(draft.lines) == 40
    pages, text = pdf_text(invoice_window.pdf, tmp_path)
    assert "DRAFT" in text and invoice_window.preview.pdf_document.pageCount() == pages
    # The default note names the customer and what they bought (a first order).
    assert invoice_window.note.toPlainText().startswith("Dear Zoë,")
    invoice_window.action_buttons["issue"].click()
    issued = invoice_window.invoice
    assert (issued.number, issued.status) == ("2026-0001", InvoiceStatus.ISSUED)
    pages, text = pdf_text(invoice_window.pdf, tmp_path)
    assert pages == 2 and invoice_window.preview.pdf_document.pageCount() == 2
    assert "Remittance slip" in text and "Zoë Łukasiewicz-Ñúñez" in text

    # The note is changed in the window and saved with the invoice before printing.
    invoice_window.note.setPlainText("Dear Zoë,\nthe bowls suit your table beautifully.\nAnna")
    invoice_window.save_note_button.click()
    assert InvoiceService(db).get(issued.id).thank_you_note.endswith("beautifully.\nAnna")
    _pages, text = pdf_text(invoice_window.pdf, tmp_path)
    assert "the bowls suit your table beautifully." in text

    # Printed on a real CUPS queue, as the print dialog would hand it over.
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    assert invoice_window.print_invoice(chosen)
    printed = printer.printed(before)
    assert len(printed) == 1
    assert invoice_window.invoice.printed_at is not None
    # A return envelope is one tick away (the shop's setting ticks it by default).
    tick = invoice_window.return_envelope
    assert tick.isVisibleTo(invoice_window) and not tick.isChecked()
    tick.setChecked(True)
    before = printer.files()
    assert invoice_window.print_invoice(chosen)
    again = printer.printed(before)
    assert len(again) == 2 and any("Return" in p.name for p in again)
    assert invoice_window.note.isReadOnly() and not invoice_window.save_note_button.isEnabled()
    # The invoice is on the customer's timeline.
    window.customers.open_customer(zoe)
    titles = [window.customers.timeline_model.entry(r).title
              for r in range(window.customers.timeline_model.rowCount())]
    assert "Invoice 2026-0001 issued" in titles


def test_painting_pages_on_a_qprinter_also_reaches_the_printer(
        qtbot: QtBot, zoe: int, db: Database, owner: Actor, printer: PrintQueue) -> None:
    """Where there is no lp (Windows), pages are rendered by QtPdf and painted."""
    from crm_desktop.gui.shared.pdf import send_to_printer

    invoices = InvoiceService(db)
    draft = invoices.draft_from_orders(zoe, [o.id for o in invoices.invoiceable_orders(zoe)],
                                       owner)
    invoice = invoices.issue(draft.id, draft.version, owner)
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    send_to_printer(invoices.pdf(invoice.id), chosen, "painted", use_lp=False)
    printed = printer.printed(before)
    info = subprocess.run(["pdfinfo", str(printed[0])], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Pages:\s+2\n", info) and "A4" in info


def test_payments_credit_note_and_save_as_pdf(
        qtbot: QtBot, make_window: Callable[[], MainWindow], zoe: int,
        monkeypatch: pytest.MonkeyPatch, app_home: AppPaths, tmp_path: Path,
        qtmodeltester: ModelTester) -> None:
    window = make_window()
    invoice_window = issue_from_profile(qtbot, window, zoe)
    invoice_window.show()
    assert "issue" in invoice_window.visible_actions()
    invoice_window.action_buttons["issue"].click()
    # Issued: the draft's buttons are gone, and no old row of buttons lingers beneath.
    assert invoice_window.visible_actions() == [
        "print", "save_pdf", "payment", "credit", "void", "follow_up", "customer", "done"]
    on_screen = [b.text() for b in invoice_window.findChildren(QPushButton)
                 if b.isVisibleTo(invoice_window) and b is not invoice_window.save_note_button]
    assert len(on_screen) == 8 and "&Issue invoice" not in on_screen
    gross = invoice_window.invoice.gross_total

    monkeypatch.setattr(PaymentDialog, "exec", _fill_payment("100.00"))
    invoice_window.action_buttons["payment"].click()
    assert invoice_window.invoice.status is InvoiceStatus.PARTLY_PAID
    assert invoice_window.invoice.balance == gross - D(100)
    assert invoice_window.payments.rowCount() == 1
    # More than is due is refused at the amount field; nothing is saved.
    monkeypatch.setattr(PaymentDialog, "exec", _fill_payment("99999.00", expect_refusal=True))
    invoice_window.action_buttons["payment"].click()
    assert len(invoice_window.invoice.payments) == 1

    def credit_two(dialog: CreditNoteDialog) -> int:
        first = invoice_window.invoice.lines[0]
        dialog.quantities[first.id].setValue(1)
        dialog.reason.setText("One bowl cracked")
        dialog.save()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(CreditNoteDialog, "exec", credit_two)
    with qtbot.waitSignal(invoice_window.open_invoice) as opened:
        invoice_window.action_buttons["credit"].click()
    assert invoice_window.invoice.credited_total == D("14.88")  # 12.50 + 19 %
    assert "Credit note 2026-0002" in invoice_window.related.text()
    credit = window.invoices.open_invoice(int(opened.args[0]))
    assert credit is not None and credit.invoice.number == "2026-0002"

    target = tmp_path / "saved.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "PDF (*.pdf)"))
    assert invoice_window.save_pdf() == target
    assert target.read_bytes() == invoice_window.pdf
    # The list shows both, the credit note first; the model is a well-behaved Qt model.
    window.invoices.show_invoices()
    assert [window.invoices.list_model.index(r, 0).data() for r in range(2)] == [
        "2026-0002", "2026-0001"]
    assert window.invoices.list_model.index(1, 3).data() == "Partly paid"
    qtmodeltester.check(window.invoices.list_model)
    # Follow up on the invoice, from its window: the follow-up knows what it came from.
    invoice_window.action_buttons["follow_up"].click()
    [follow_up] = window.findChildren(FollowUpDialog)
    assert follow_up.purpose.text() == "Follow up Invoice 2026-0001"
    follow_up.reject()


def _fill_payment(amount: str, *, expect_refusal: bool = False) -> Callable[[PaymentDialog], int]:
    def run(dialog: PaymentDialog) -> int:
        dialog.amount.setText(amount)
        dialog.save()
        if expect_refusal:
            assert "still due" in dialog.amount.toolTip()
            return int(QDialog.DialogCode.Rejected)
        return int(QDialog.DialogCode.Accepted)

    return run


def issue_repairs(db: Database, owner: Actor, customer_id: int, count: int) -> InvoiceService:
    """``count`` one-line invoices, issued and not yet printed."""
    invoices = InvoiceService(db)
    for _ in range(count):
        draft = invoices.create_draft(customer_id,
                                      [InvoiceLineInput("Repair", D(1), D(40), D(19))], owner)
        invoices.issue(draft.id, draft.version, owner)
    return invoices


def test_printed_to_a_file_the_return_envelope_goes_beside_the_invoice(
        make_window: Callable[[], MainWindow], db: Database, owner: Actor, zoe: int,
        tmp_path: Path) -> None:
    invoices = issue_repairs(db, owner, zoe, 1)
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), return_envelope=True), owner)
    window = make_window()
    (invoice_id,) = invoices.unprinted()
    invoice_window = window.invoices.open_invoice(invoice_id)
    assert invoice_window is not None and invoice_window.return_envelope.isChecked()
    to_file = QPrinter()
    to_file.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    to_file.setOutputFileName(str(tmp_path / "out.pdf"))
    assert invoice_window.print_invoice(to_file)
    title = invoice_window.invoice.title
    beside = tmp_path / f"out – Return envelope, {title}.pdf"
    assert pdf_text((tmp_path / "out.pdf").read_bytes(), tmp_path)[1].count("Repair") >= 1
    _pages, text = pdf_text(beside.read_bytes(), tmp_path)
    assert "Oak & Thread" in text and "Lindenweg 3" in text and "Stamp" in text


def test_batch_print_of_unprinted_invoices_with_progress_and_return_envelopes(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        zoe: int, printer: PrintQueue, tmp_path: Path) -> None:
    invoices = issue_repairs(db, owner, zoe, 3)
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), return_envelope=True,
                                   reply_postage="Entgelt zahlt Empfänger"), owner)
    window = make_window()
    window.nav.setCurrentRow(NAV_ITEMS.index("Invoices"))
    window.invoices.page.show_only(window.invoices.page.model.filters.show.UNPRINTED)
    assert window.invoices.list_model.rowCount() == 3
    before = printer.files()
    chosen = QPrinter()
    chosen.setPrinterName(printer.name)
    batch = window.invoices.print_unprinted(chosen)
    assert batch is not None
    with qtbot.waitSignal(batch.done, timeout=60_000) as done:
        pass
    assert done.args == [3, ""]
    printed = printer.printed(before)
    # Three invoices, then one job of three return envelopes, one stack in the printer.
    assert len(printed) == 4
    envelopes = [p for p in printed if "Return" in p.name]
    assert len(envelopes) == 1
    pages, text = pdf_text(envelopes[0].read_bytes(), tmp_path)
    assert pages == 3
    # (CUPS-PDF's copy keeps the glyphs but not which letters they are beyond ASCII.)
    assert "Oak & Thread" in text and "Lindenweg 3" in text and "Entgelt zahlt" in text
    assert invoices.unprinted() == []
    assert window.invoices.list_model.rowCount() == 0  # the list follows
    assert "Printed 3 invoice(s)" in window.statusBar().currentMessage()


def test_batch_print_can_be_cancelled_and_nothing_is_lost(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        zoe: int, tmp_path: Path) -> None:
    invoices = issue_repairs(db, owner, zoe, 4)
    window = make_window()
    to_file = QPrinter()
    to_file.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    to_file.setOutputFileName(str(tmp_path / "out.pdf"))
    batch = window.invoices.print_unprinted(to_file)
    assert batch is not None
    batch.cancel()  # before the worker reaches the next invoice
    with qtbot.waitSignal(batch.done, timeout=60_000) as done:
        pass
    printed = done.args[0]
    assert printed < 4
    assert len(invoices.unprinted()) == 4 - printed  # each printed one is marked, no other


def test_nothing_to_print_says_so(make_window: Callable[[], MainWindow],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[1]))
    window = make_window()
    assert window.invoices.print_unprinted() is None
    assert told == ["Nothing to print"]


def test_business_profile_and_invoice_settings(qtbot: QtBot, db: Database, owner: Actor,
                                               monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "#1b3a8c").save(logo)
    dialog = SettingsDialog(SettingsService(db), owner)
    qtbot.addWidget(dialog)
    dialog.address.setPlainText("Lindenweg 3\n10999 Berlin")
    dialog.tax_id.setText("DE123456789")
    dialog.sender_name.setText("Anna")
    dialog.envelope.setCurrentIndex(dialog.envelope.findData("us10"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(logo), ""))
    dialog.choose_image("logo_image")
    # A bad number format is shown at its field, on its tab.
    dialog.number_format.setText("{seq}")
    dialog.tabs.setCurrentIndex(0)
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.tabs.currentIndex() == 2 and "{year}" in dialog.number_format.toolTip()
    dialog.number_format.setText("INV-{year}-{seq:03d}")
    with qtbot.waitSignal(dialog.finished):
        dialog.save()
    stored = SettingsService(db).business()
    assert (stored.address, stored.tax_id, stored.sender_name) == (
        "Lindenweg 3\n10999 Berlin", "DE123456789", "Anna")
    assert (stored.envelope, stored.paper) == ("us10", "Letter")
    assert SettingsService(db).image(stored.logo_image) == logo.read_bytes()


def test_a_billing_complaint_names_the_invoice(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        zoe: int) -> None:
    from PySide6.QtTest import QTest
    from sqlalchemy import select

    from crm_desktop.gui.feedback.feedback_dialog import FeedbackDialog
    from crm_desktop.models import Feedback

    invoices = InvoiceService(db)
    draft = invoices.create_draft(zoe, [InvoiceLineInput("Repair", D(1), D(40), D(19))], owner)
    invoice = invoices.issue(draft.id, draft.version, owner)
    invoices.create_draft(zoe, [InvoiceLineInput("Not sent yet", D(1), D(1), D(19))], owner)
    window = make_window()
    window.customers.open_customer(zoe)
    window.customers.profile.feedback_button.click()
    [dialog] = window.findChildren(FeedbackDialog)
    # Issued invoices only: a draft was never sent, so nobody complains about it.
    assert [dialog.invoice.itemData(i) for i in range(dialog.invoice.count())] == [
        None, invoice.id]
    dialog.invoice.setCurrentIndex(1)
    dialog.category.setCurrentIndex(dialog.category.findText("Billing"))
    QTest.keyClicks(dialog.text, "Charged twice for the repair")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.read() as session:
        assert session.scalar(select(Feedback.invoice_id)) == invoice.id


def test_the_first_invoice_without_the_shops_details_says_what_is_missing(
        qtbot: QtBot, make_window: Callable[[], MainWindow], db: Database, owner: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """First run asked for the shop's name only: before the first invoice goes out with no
    return address, bank details or tax id, the window says so and opens the settings."""
    customer = CustomerService(db).create(CustomerInput(first_name="Jim", addresses=[
        AddressInput("1 High Street", postal_code="62701", city="Springfield", country="US",
                     is_primary=True)]), owner).id
    draft = InvoiceService(db).create_draft(customer, [InvoiceLineInput("Repair", D(1),
                                                                        D(40), D(0))], owner)
    window = make_window()
    invoice_window = window.invoices.open_invoice(draft.id)
    assert invoice_window is not None
    asked: list[QMessageBox] = []

    def press_enter(box: QMessageBox) -> int:
        asked.append(box)
        box.defaultButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", press_enter)
    invoice_window.action_buttons["issue"].click()
    assert len(asked) == 1
    text = asked[0].text()
    assert "return address" in text and "bank details" in text and "tax id" in text
    assert asked[0].defaultButton().text() == "Add them in settings…"
    settings = window.findChild(SettingsDialog)
    assert settings is not None and settings.isVisible()
    settings.done(0)
    assert invoice_window.invoice.state is InvoiceState.DRAFT  # nothing issued yet

    # Issuing without them is a deliberate choice; after the first, no more questions.
    def issue_anyway(box: QMessageBox) -> int:
        next(b for b in box.buttons() if b.text() == "Issue without them").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", issue_anyway)
    invoice_window.action_buttons["issue"].click()
    assert invoice_window.invoice.state is InvoiceState.ISSUED
    assert InvoiceService(db).first_invoice_gaps() == []
