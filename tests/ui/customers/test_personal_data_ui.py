"""Personal data on the customer's request, from the profile: exported to the folder chosen,
and erased after a question naming what goes (or refused, saying why)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.actor import Actor
from crm_desktop.gui.app import build_main_window
from crm_desktop.gui.main_window import MainWindow
from crm_desktop.gui.shared.ui_state import open_ui_state
from crm_desktop.models import ContactKind, PaymentMethod
from crm_desktop.paths import AppPaths
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.invoices.invoice_service import (
    InvoiceLineInput,
    InvoiceService,
    PaymentInput,
)
from crm_desktop.storage.database import Database


def _margo(db: Database, owner: Actor) -> tuple[int, int]:
    margo = CustomerService(db).create(CustomerInput(
        first_name="Margo", last_name="Hurry",
        contacts=[ContactInput(ContactKind.EMAIL, "margo@example.com")],
        addresses=[AddressInput("12 Elm St", city="Springfield", region="IL",
                                postal_code="62704", country="US")]), owner)
    invoices = InvoiceService(db)
    draft = invoices.create_draft(margo.id, [InvoiceLineInput("Oak side table", D(1),
                                                              D("249.00"), D(0))], owner)
    return margo.id, invoices.issue(draft.id, draft.version, owner).id


def test_the_owner_exports_then_erases_a_customer_from_the_profile(
        qtbot: QtBot, db: Database, owner: Actor, tmp_path: Path,
        make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    margo, invoice = _margo(db, owner)
    window = make_window()
    window.customers.open_customer(margo)
    profile = window.customers.profile
    assert profile.personal_data_button.isEnabled()

    out = tmp_path / "for Margo"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    profile.export_personal_action.trigger()
    window.background.wait()
    assert sorted(p.name for p in out.iterdir()) == [
        "C-000001 personal data.json", "C-000001 personal data.pdf"]
    assert "Exported C-000001 personal data.pdf" in window.statusBar().currentMessage()

    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    profile.erase_personal_action.trigger()
    assert "unpaid invoice" in warned[0]  # refused, saying why; nothing asked, nothing gone
    assert profile.name_label.text() == "Margo Hurry"

    invoices = InvoiceService(db)
    invoices.record_payment(invoice, invoices.get(invoice).version, PaymentInput(
        date(2026, 3, 2), D("249.00"), PaymentMethod.CASH), owner)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: (
        asked.append(text), QMessageBox.StandardButton.Yes)[-1])
    profile.erase_personal_action.trigger()
    assert "1 phones and e-mail addresses, 1 addresses" in asked[0]
    assert "1 invoice(s)" in asked[0] and "cannot be undone" in asked[0]
    assert profile.name_label.text() == "Erased customer C-000001"
    assert "Erased Margo Hurry's personal data" in window.statusBar().currentMessage()


def test_the_front_desk_cannot_export_or_erase(qtbot: QtBot, db: Database, owner: Actor,
                                               receptionist: Actor,
                                               app_home: AppPaths) -> None:
    window = build_main_window(db, receptionist, open_ui_state(app_home), app_home)
    qtbot.addWidget(window)
    button = window.customers.profile.personal_data_button
    assert not button.isEnabled() and "owner" in button.toolTip().lower()
