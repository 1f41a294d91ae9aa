"""A customer's personal data on their request: exported as JSON and a readable PDF, and
erased (refused while something is open with them), their invoice still reprinting exactly,
their values gone from the audit trail; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError, PermissionDeniedError
from crm_desktop.models import (
    AuditEntry,
    ContactKind,
    HistoryKind,
    PaymentMethod,
    PreferenceKind,
    Role,
)
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.services.customers.personal_data import ERASED, PersonalDataService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.invoices.invoice_service import (
    InvoiceLineInput,
    InvoiceService,
    PaymentInput,
)
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD

PHONE = "(217) 555-0134"


def _margo(db: Database, owner: Actor) -> tuple[int, int]:
    """Margo with everything a shop holds about someone, and one issued invoice."""
    customers = CustomerService(db)
    margo = customers.create(CustomerInput(
        first_name="Margo", last_name="Hurry", contacts=[
            ContactInput(ContactKind.PHONE, PHONE, "mobile", True),
            ContactInput(ContactKind.EMAIL, "margo@example.com", "home", True)],
        addresses=[AddressInput("12 Elm St", city="Springfield", region="IL",
                                postal_code="62704", country="US", is_primary=True)],
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE,
                                     "Always in a hurry: have it wrapped")]), owner)
    customers.add_note(margo.id, "Her cat Biscuit is at the vet", owner)
    TimelineService(db).log(margo.id, HistoryKind.CALL, "Asked about the oak table", owner,
                            details="Wants it before her sister's visit")
    invoices = InvoiceService(db)
    draft = invoices.create_draft(margo.id, [InvoiceLineInput("Oak side table", D(1),
                                                              D("249.00"), D(0))], owner)
    issued = invoices.issue(draft.id, draft.version, owner)
    return margo.id, issued.id


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_everything_we_hold_is_exported_as_json_and_a_readable_pdf(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    margo, invoice = _margo(any_db, any_owner)
    service = PersonalDataService(any_db)
    json_path, pdf_path = service.export(margo, tmp_path, any_owner, shop_name="Corner Shop")
    assert json_path.name == "C-000001 personal data.json"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["name"] == "Margo Hurry"
    tables = data["tables"]
    assert {"customers", "contact_points", "addresses", "preferences", "personal_notes",
            "history_entries", "invoices", "invoice_lines"} <= set(tables)
    assert [row["value"] for row in tables["contact_points"]] == [PHONE, "margo@example.com"]
    assert tables["invoices"][0]["id"] == invoice
    assert data["changes_recorded"]  # the trail of their records comes too
    text = _pdf_text(pdf_path)
    for expected in ("What Corner Shop holds about Margo Hurry", "Her cat Biscuit is at the vet",
                     "Wants it before her sister's visit", "Oak side table", PHONE,
                     "Service style"):  # the app's kinds in words, not "service_style"
        assert expected in text
    assert "service_style" not in text


def test_erasing_keeps_the_invoice_exact_and_leaves_no_trace_of_the_person(
        any_db: Database, any_owner: Actor) -> None:
    db, owner = any_db, any_owner
    margo, invoice = _margo(db, owner)
    invoices, service = InvoiceService(db), PersonalDataService(db)
    receptionist = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                                       first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError):
        service.plan_erase(margo, receptionist)

    plan = service.plan_erase(margo, owner)
    assert plan.name == "Margo Hurry" and plan.kept_invoices == 1
    assert plan.counts["phones and e-mail addresses"] == 2 and plan.counts["notes"] == 1
    assert any("unpaid invoice" in why for why in plan.refusals)
    with pytest.raises(CrmError, match="cannot be erased yet: unpaid invoice"):
        service.erase(margo, owner)
    assert CustomerService(db).get(margo).first_name == "Margo"  # nothing was changed

    view = invoices.get(invoice)
    invoices.record_payment(invoice, view.version, PaymentInput(
        date(2026, 3, 2), D("249.00"), PaymentMethod.CASH), owner)
    before = invoices.pdf(invoice)
    service.erase(margo, owner)

    erased = CustomerService(db).get(margo)
    assert erased.display_name == "Erased customer C-000001"
    assert not erased.contacts and not erased.addresses and not erased.preferences
    assert invoices.pdf(invoice) == before  # the issued snapshot reprints byte for byte
    texts = [(entry.title, entry.detail) for entry in TimelineService(db).page(margo)]
    assert (ERASED, "") in texts  # the call stays, its words go
    assert not any("oak table" in title or "sister" in detail for title, detail in texts)
    with db.read() as session:
        trail = session.scalars(select(AuditEntry).where(AuditEntry.customer_id == margo)).all()
    personal = [e.changes for e in trail if not e.entity.startswith(("invoice", "payment"))]
    for needle in ("Margo", "Hurry", "Biscuit", "555", "margo@example.com", "sister"):
        assert not any(needle in changes for changes in personal), needle
    assert json.loads(trail[-1].changes) == {"personal data": ["", "erased on request"]}
    assert trail[-1].user_id == owner.user_id
    # Nothing left to find her by.
    for typed in ("margo", "hurry", "555 0134", "biscuit"):
        assert CustomerListService(db).search(CustomerFilter(text=typed)) == [], typed
