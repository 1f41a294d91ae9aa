"""Invoices: drafts from delivered orders, gap-free yearly numbers, immutability, payments,
credit notes, void, overdue, the thank-you note's templates."""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import text

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, PermissionDeniedError, ValidationError
from crm_desktop.models import InvoiceKind, InvoiceState, PaymentMethod, PreferenceKind
from crm_desktop.money import round_money
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.invoices.invoice_service import (
    InvoiceLineInput,
    InvoiceService,
    InvoiceStatus,
    PaymentInput,
)
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService, ProductInput
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock

BERLIN = AddressInput("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE",
                      is_primary=True)


def customer(database: Database, actor: Actor, first: str = "Jürgen", last: str = "Groß",
             **extra: object) -> int:
    data = CustomerInput(first_name=first, last_name=last, addresses=[BERLIN], **extra)  # type: ignore[arg-type]
    return CustomerService(database).create(data, actor).id


def delivered_order(database: Database, actor: Actor, customer_id: int,
                    lines: list[OrderLineInput] | None = None) -> int:
    orders = OrderService(database)
    product = orders.create_product(ProductInput(f"sku-{customer_id}-{len(orders.products())}",
                                                 "Oak side table", D("249.00"), D(19)), actor)
    order = orders.create_draft(customer_id, lines or [
        OrderLineInput(D(2), product_id=product.id),
        OrderLineInput(D(3), "Beeswax polish", unit_price=D("0.10"), tax_rate=D(7))], actor)
    order = orders.confirm(order.id, order.version, actor)
    order = orders.deliver(order.id, order.version, {li.id: li.quantity for li in order.lines},
                           actor)
    return order.id


@pytest.fixture
def shop(any_db: Database, any_owner: Actor) -> InvoiceService:
    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), shop_name="Oak & Thread",
                                   country="DE", currency="EUR", locale="de_DE",
                                   sender_name="Anna"), any_owner)
    return InvoiceService(any_db)


def test_a_draft_from_delivered_orders_has_no_number_and_totals_to_the_cent(
        shop: InvoiceService, any_db: Database, any_owner: Actor) -> None:
    cid = customer(any_db, any_owner)
    order_id = delivered_order(any_db, any_owner, cid)
    assert [o.id for o in shop.invoiceable_orders(cid)] == [order_id]
    draft = shop.draft_from_orders(cid, [order_id], any_owner)
    assert (draft.number, draft.state, draft.status) == (None, InvoiceState.DRAFT,
                                                         InvoiceStatus.DRAFT)
    assert [(li.description, li.quantity) for li in draft.lines] == [
        ("Oak side table", D(2)), ("Beeswax polish", D(3))]
    # 498.00 + 19 % = 94.62; 0.30 + 7 % = 0.021 → 0.02
    assert (draft.net_total, draft.tax_total, draft.gross_total) == (
        D("498.30"), D("94.64"), D("592.94"))
    assert draft.tax_by_rate == ((D(7), D("0.30"), D("0.02")), (D(19), D("498.00"), D("94.62")))
    assert draft.order_ids == (order_id,)
    # What is on a draft is not offered again.
    assert shop.invoiceable_orders(cid) == []
    with pytest.raises(ValidationError) as refused:
        shop.draft_from_orders(cid, [order_id], any_owner)
    assert refused.value.field == "orders"


def test_issuing_numbers_gap_free_per_year_in_the_configured_format(
        shop: InvoiceService, any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    cid = customer(any_db, any_owner)
    line = [InvoiceLineInput("Repair", D(1), D("40.00"), D(19))]
    numbers = []
    for _ in range(3):
        draft = shop.create_draft(cid, line, any_owner)
        numbers.append(shop.issue(draft.id, draft.version, any_owner).number)
    assert numbers == ["2026-0001", "2026-0002", "2026-0003"]
    # A failed issue (no postal address) gives its number back: no gap.
    nowhere = CustomerService(any_db).create(CustomerInput(first_name="Nomad"), any_owner).id
    draft = shop.create_draft(nowhere, line, any_owner)
    with pytest.raises(ValidationError) as refused:
        shop.issue(draft.id, draft.version, any_owner)
    assert refused.value.field == "billing_address"
    draft = shop.create_draft(cid, line, any_owner)
    assert shop.issue(draft.id, draft.version, any_owner).number == "2026-0004"
    # A new year starts again at 1, in the format the owner chose.
    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), invoice_number_format="R{year}/{seq:03d}"),
                           any_owner)
    clock.advance(days=365)
    draft = shop.create_draft(cid, line, any_owner)
    assert shop.issue(draft.id, draft.version, any_owner).number == "R2027/001"


def test_two_desks_issuing_at_once_get_consecutive_numbers(
        shop: InvoiceService, any_db: Database, any_owner: Actor) -> None:
    if any_db.is_sqlite:
        pytest.skip("two desks share PostgreSQL; one SQLite file is one desk")
    cid = customer(any_db, any_owner)
    drafts = [shop.create_draft(cid, [InvoiceLineInput("Repair", D(1), D(40), D(19))],
                                any_owner) for _ in range(6)]
    numbers: list[str | None] = []
    errors: list[BaseException] = []

    def issue(index: int) -> None:
        try:
            numbers.append(shop.issue(drafts[index].id, drafts[index].version,
                                      any_owner).number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(n or "" for n in numbers) == [f"2026-{i:04d}" for i in range(1, 7)]


def test_issued_invoices_never_change_and_stale_copies_are_refused(
        shop: InvoiceService, any_db: Database, any_owner: Actor) -> None:
    cid = customer(any_db, any_owner)
    draft = shop.create_draft(cid, [InvoiceLineInput("Repair", D(1), D(40), D(19))], any_owner)
    changed = shop.update_draft(draft.id, draft.version,
                                [InvoiceLineInput("Repair", D(2), D(40), D(19))], any_owner)
    assert changed.gross_total == D("95.20")
    with pytest.raises(ConflictError):
        shop.update_draft(draft.id, draft.version, [], any_owner)
    issued = shop.issue(changed.id, changed.version, any_owner)
    assert (issued.issued_on, issued.due_on) == (date(2026, 3, 2), date(2026, 3, 16))
    assert issued.billing_address == "Jürgen Groß\nHauptstraße 5\n10115 BERLIN"
    with pytest.raises(ValidationError, match="credit note"):
        shop.update_draft(issued.id, issued.version,
                          [InvoiceLineInput("Repair", D(1), D(1), D(19))], any_owner)
    with pytest.raises(ValidationError):
        shop.discard_draft(issued.id, issued.version, any_owner)
    # The business profile is kept with it: a later change of address does not alter it.
    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), shop_name="Renamed"), any_owner)
    assert shop.issuer(shop.get(issued.id)).shop_name == "Oak & Thread"
    assert shop.issuer(shop.create_draft(cid, [InvoiceLineInput("x", D(1), D(1), D(0))],
                                         any_owner)).shop_name == "Renamed"


def test_payments_partly_paid_paid_and_overdue(shop: InvoiceService, any_db: Database,
                                               any_owner: Actor, clock: FakeClock) -> None:
    cid = customer(any_db, any_owner)
    draft = shop.create_draft(cid, [InvoiceLineInput("Repair", D(1), D("100.00"), D(19))],
                              any_owner)
    invoice = shop.issue(draft.id, draft.version, any_owner)
    assert (invoice.status, invoice.balance) == (InvoiceStatus.ISSUED, D("119.00"))
    with pytest.raises(ValidationError) as refused:
        shop.record_payment(invoice.id, invoice.version,
                            PaymentInput(date(2026, 3, 2), D("119.01"), PaymentMethod.CASH),
                            any_owner)
    assert refused.value.field == "amount"
    with pytest.raises(ValidationError) as refused:
        shop.record_payment(invoice.id, invoice.version,
                            PaymentInput(date(2026, 3, 3), D(10), PaymentMethod.CASH), any_owner)
    assert refused.value.field == "paid_on"
    invoice = shop.record_payment(invoice.id, invoice.version,
                                  PaymentInput(date(2026, 3, 2), D("50.00"), PaymentMethod.CASH),
                                  any_owner)
    assert (invoice.status, invoice.balance) == (InvoiceStatus.PARTLY_PAID, D("69.00"))
    clock.advance(days=15)
    assert shop.get(invoice.id).status is InvoiceStatus.OVERDUE
    invoice = shop.record_payment(invoice.id, invoice.version,
                                  PaymentInput(date(2026, 3, 17), D("69.00"),
                                               PaymentMethod.BANK_TRANSFER, "ref 2026-0001"),
                                  any_owner)
    assert (invoice.status, invoice.balance, len(invoice.payments)) == (
        InvoiceStatus.PAID, D(0), 2)
    kinds = [e.kind for e in TimelineService(any_db).page(cid)]
    assert kinds.count(TimelineKind.PAYMENT) == 2 and TimelineKind.INVOICE in kinds


def test_credit_notes_take_back_lines_and_void_keeps_the_number(
        shop: InvoiceService, any_db: Database, any_owner: Actor) -> None:
    cid = customer(any_db, any_owner)
    order_id = delivered_order(any_db, any_owner, cid)
    draft = shop.draft_from_orders(cid, [order_id], any_owner)
    invoice = shop.issue(draft.id, draft.version, any_owner)
    table = invoice.lines[0]
    with pytest.raises(ValidationError) as refused:
        shop.credit(invoice.id, invoice.version, {table.id: D(3)}, "Scratched", any_owner)
    assert "at most 2" in refused.value.message
    # Not a number at all is refused the same way, and so is a payment of one.
    for nonsense in (D("NaN"), D("sNaN"), D("Infinity")):
        with pytest.raises(ValidationError, match="at most 2"):
            shop.credit(invoice.id, invoice.version, {table.id: nonsense}, "x", any_owner)
        with pytest.raises(ValidationError, match="Enter the amount received"):
            shop.record_payment(invoice.id, invoice.version, PaymentInput(
                shop.today(), nonsense, PaymentMethod.CASH), any_owner)
    note = shop.credit(invoice.id, invoice.version, {table.id: D(1)}, "Scratched leg",
                       any_owner)
    assert (note.kind, note.number, note.gross_total) == (
        InvoiceKind.CREDIT_NOTE, "2026-0002", D("-296.31"))
    assert note.credited is not None and note.credited.number == "2026-0001"
    invoice = shop.get(invoice.id)
    assert invoice.balance == D("592.94") - D("296.31")
    assert invoice.lines[0].credited == D(1)
    assert [c.number for c in invoice.credit_notes] == ["2026-0002"]
    # Money was credited: void is refused, with the way out.
    with pytest.raises(ValidationError, match="credit note"):
        shop.void(invoice.id, invoice.version, "Wrong customer", any_owner)
    other = shop.issue(*_draft_ids(shop, cid, any_owner), any_owner)
    with pytest.raises(ValidationError) as refused:
        shop.void(other.id, other.version, "  ", any_owner)
    assert refused.value.field == "reason"
    voided = shop.void(other.id, other.version, "Entered twice", any_owner)
    assert (voided.status, voided.number) == (InvoiceStatus.VOID, "2026-0003")
    next_one = shop.issue(*_draft_ids(shop, cid, any_owner), any_owner)
    assert next_one.number == "2026-0004"
    titles = [e.title for e in TimelineService(any_db).page(cid, kinds=[TimelineKind.INVOICE])]
    assert "Invoice 2026-0003 voided" in titles and "Credit note 2026-0002 issued" in titles


def _draft_ids(shop: InvoiceService, cid: int, actor: Actor) -> tuple[int, int]:
    draft = shop.create_draft(cid, [InvoiceLineInput("Repair", D(1), D(40), D(19))], actor)
    return draft.id, draft.version


def test_corrections_are_for_the_owner(db: Database, owner: Actor,
                                       receptionist: Actor) -> None:
    shop = InvoiceService(db)
    cid = customer(db, owner)
    invoice = shop.issue(*_draft_ids(shop, cid, receptionist), receptionist)
    with pytest.raises(PermissionDeniedError):
        shop.void(invoice.id, invoice.version, "Oops", receptionist)
    with pytest.raises(PermissionDeniedError):
        shop.credit(invoice.id, invoice.version, {invoice.lines[0].id: D(1)}, "x", receptionist)


def test_the_note_template_differs_for_a_first_order_and_a_returning_customer(
        shop: InvoiceService, any_db: Database, any_owner: Actor) -> None:
    cid = customer(any_db, any_owner, "Margo", "Lane", preferences=[
        PreferenceInput(PreferenceKind.SERVICE_STYLE, "Always in a hurry", pinned=True)])
    first = shop.draft_from_orders(cid, [delivered_order(any_db, any_owner, cid)], any_owner)
    assert first.thank_you_note.splitlines() == [
        "Dear Margo,", "thank you so much for your first order with us!",
        "I do hope you enjoy your Oak side table and Beeswax polish.", "Warm wishes, Anna"]
    shop.issue(first.id, first.version, any_owner)
    again = shop.draft_from_orders(cid, [delivered_order(any_db, any_owner, cid)], any_owner)
    assert again.thank_you_note.splitlines() == [
        "Dear Margo,", "lovely to see you again, and thank you.",
        "I hope you enjoy your Oak side table and Beeswax polish.",
        "We haven't forgotten: Always in a hurry.", "All the best, Anna"]
    # No preference: that line is left out, not printed half empty.
    jim = customer(any_db, any_owner, "Jim", "Hale")
    shop.issue(*_draft_ids(shop, jim, any_owner), any_owner)
    note = shop.create_draft(jim, [InvoiceLineInput("Chair", D(1), D(90), D(19))],
                             any_owner).thank_you_note
    assert "forgotten" not in note and note.startswith("Dear Jim,")


def test_the_note_is_editable_until_printed_then_kept(shop: InvoiceService, any_db: Database,
                                                      any_owner: Actor) -> None:
    cid = customer(any_db, any_owner)
    invoice = shop.issue(*_draft_ids(shop, cid, any_owner), any_owner)
    invoice = shop.set_note(invoice.id, invoice.version, "Dear Jürgen,\nthank you!\n", any_owner)
    assert invoice.thank_you_note == "Dear Jürgen,\nthank you!"
    with pytest.raises(ValidationError) as refused:
        shop.set_note(invoice.id, invoice.version, "line\n" * 9, any_owner)
    assert refused.value.field == "thank_you_note"
    assert shop.unprinted() == [invoice.id]
    shop.mark_printed([invoice.id], any_owner)
    assert shop.unprinted() == []
    printed = shop.get(invoice.id)
    assert printed.printed_at is not None and not printed.note_editable
    with pytest.raises(ValidationError, match="printed"):
        shop.set_note(printed.id, printed.version, "Changed", any_owner)


def test_settings_refuse_a_number_format_without_year_and_sequence(
        any_db: Database, any_owner: Actor) -> None:
    settings = SettingsService(any_db)
    for bad in ("{seq}", "{year}", "INV-{year}-{seq:04d}-{x}", "{year}-{seq"):
        with pytest.raises(ValidationError) as refused:
            settings.save_business(replace(settings.business(), invoice_number_format=bad),
                                   any_owner)
        assert refused.value.field == "invoice_number_format"
    with pytest.raises(ValidationError) as refused:
        settings.save_business(replace(BusinessSettings(), paper="Letter"), any_owner)
    assert refused.value.field == "envelope"


def test_the_profile_lists_overdue_invoices_by_what_is_still_owed(
        shop: InvoiceService, any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    cid = customer(any_db, any_owner)
    owed = shop.issue(*_draft_ids(shop, cid, any_owner), any_owner)
    credited = shop.issue(*_draft_ids(shop, cid, any_owner), any_owner)
    shop.credit(credited.id, credited.version, {credited.lines[0].id: D(1)}, "Returned",
                any_owner)
    clock.advance(days=30)
    overdue = CustomerService(any_db).get(cid).overdue_invoices
    assert [(i.number, i.outstanding) for i in overdue] == [(owed.number, D("47.60"))]


def _printed(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _amount(text: str) -> D:
    return D(text.replace(".", "").replace(",", ".").rstrip(" €\xa0"))


def test_readme_worked_example_reconciles_on_paper(shop: InvoiceService, any_db: Database,
                                                   any_owner: Actor, tmp_path: Path) -> None:
    cid = customer(any_db, any_owner)
    draft = shop.create_draft(cid, [InvoiceLineInput("Card", D(1), D("1.25"), D(19)),
                                    InvoiceLineInput("Stamp", D(3), D("0.50"), D(19))],
                              any_owner)
    issued = shop.issue(draft.id, draft.version, any_owner)
    assert (issued.net_total, issued.tax_total, issued.gross_total) == (
        D("2.75"), D("0.52"), D("3.27"))
    printed = _printed(shop.pdf(issued.id), tmp_path)
    tax = re.search(r"Tax 19 % on ([\d,.]+\s€) ([\d,.]+\s€)", printed)
    total = re.search(r"^Total ([\d,.]+\s€)$", printed, re.MULTILINE)
    net = re.search(r"^Net ([\d,.]+\s€)$", printed, re.MULTILINE)
    assert tax and total and net, printed
    assert _amount(tax[1]) == _amount(net[1]) == D("2.75")
    assert _amount(tax[2]) == D("0.52") == round_money(_amount(tax[1]) * D("0.19"))
    assert _amount(total[1]) == _amount(net[1]) + _amount(tax[2])


def test_an_invoice_issued_with_per_line_tax_keeps_it_and_prints_each_lines_tax(
        shop: InvoiceService, any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    """As revision 0007 leaves invoices issued before it."""
    cid = customer(any_db, any_owner)
    draft = shop.create_draft(cid, [InvoiceLineInput("Card", D(1), D("1.25"), D(19)),
                                    InvoiceLineInput("Stamp", D(3), D("0.50"), D(19))],
                              any_owner)
    issued = shop.issue(draft.id, draft.version, any_owner)
    with any_db.engine.begin() as connection:  # what the migration does to old invoices
        connection.execute(text("UPDATE invoices SET tax_per_line = true, tax_total = 0.53, "
                                "gross_total = 3.28 WHERE id = :id"), {"id": issued.id})
    old = shop.get(issued.id)
    assert [li.tax for li in old.lines] == [D("0.24"), D("0.29")]
    assert old.tax_by_rate == ((D(19), D("2.75"), D("0.53")),)
    printed = _printed(shop.pdf(issued.id), tmp_path)
    assert "Tax amt." in printed
    assert re.search(r"Tax 19 % on 2,75 € \(sum of the lines' tax\) 0,53 €", printed), printed
    assert re.search(r"^Total 3,28 €$", printed, re.MULTILINE)
    # Credited in full, it rounds as it was charged: nothing is left owing, not a cent.
    note = shop.credit(old.id, old.version, {li.id: li.quantity for li in old.lines},
                       "Returned", any_owner)
    assert note.gross_total == D("-3.28")
    assert shop.get(old.id).balance == 0
