"""Every service input, fuzzed with hostile values on SQLite and PostgreSQL.

The contract: whatever a form, an import or a broken clipboard hands a service, the only
exceptions a caller sees are the project's own (``CrmError``: a ValidationError naming the
field, a conflict, a missing record). NaN and infinities, lone surrogates, NUL and other
control characters, zero-width "names", huge text and out-of-range numbers included. And what
a service accepts, it stores and gives back whole: normalised, with nothing cut off.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_desktop.actor import Actor
from crm_desktop.documents.report_document import Drill, Period
from crm_desktop.errors import CrmError
from crm_desktop.models import (
    AddressKind,
    ConsentChannel,
    ConsentMethod,
    ContactKind,
    CustomerStatus,
    DateKind,
    FeedbackKind,
    FollowUpChannel,
    HistoryKind,
    PaymentMethod,
    PreferenceKind,
    Priority,
    QueryChannel,
    RefundKind,
    Role,
)
from crm_desktop.services.admin.audit_service import AuditFilter, AuditService
from crm_desktop.services.admin.backup_service import BackupService, BackupSettings
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    BulkChange,
    ContactInput,
    CustomerInput,
    CustomerService,
    DateInput,
    PreferenceInput,
)
from crm_desktop.services.customers.personal_data import PersonalDataService
from crm_desktop.services.customers.retention import RetentionService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackInput, FeedbackService
from crm_desktop.services.follow_ups.follow_up_service import FollowUpInput, FollowUpService
from crm_desktop.services.invoices.invoice_service import (
    InvoiceLineInput,
    InvoiceService,
    PaymentInput,
)
from crm_desktop.services.mailing.letter_service import LetterService, LetterTemplate
from crm_desktop.services.mailing.mailing_service import MailingService
from crm_desktop.services.orders.order_service import (
    OrderLineInput,
    OrderService,
    ProductInput,
    ReturnInput,
)
from crm_desktop.services.queries.query_service import QueryInput, QueryService
from crm_desktop.services.reports.report_service import ReportService
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.storage.backup import KeepPolicy
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD, OWNER_PASSWORD

T = TypeVar("T")
EXAMPLES = settings(max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "30")))

# ---- hostile values --------------------------------------------------------------------------

NASTY_TEXT = ["", " ", "\x00", "Al\x00ice", "\u200b", "\ufeff", "\u200b\ufeff\u00ad", "\ud800",
              "Jo\udc00e", "\x07\x1b[31m", "\x85\x9f", "NaN", "Infinity", "e\u0301",
              "👩‍👩‍👧", "\u202eevil", "x" * 401, "y" * 5000, "\r\n\r\n", "\t\t",
              "'; DROP TABLE x;--", "%s %(x)s {0}", "\\N", "null"]
any_char = st.characters(exclude_categories=())  # surrogates and controls too
text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(any_char, max_size=60),
                 st.text(max_size=600))
NASTY_NUMBERS = [Decimal("NaN"), Decimal("sNaN"), Decimal("-NaN"), Decimal("Infinity"),
                 Decimal("-Infinity"), Decimal("1e100"), Decimal("-1e100"), Decimal("1E-30"),
                 Decimal("-0"), Decimal("0"), Decimal("100.001"), Decimal("999999999999.99")]
number = st.one_of(st.sampled_from(NASTY_NUMBERS),
                   st.decimals(allow_nan=True, allow_infinity=True),
                   st.decimals(min_value=-1000, max_value=100000, places=3))
small_int = st.one_of(st.integers(min_value=-3, max_value=40),
                      st.sampled_from([0, -1, 2**31, 2**63, -(2**63)]))
a_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
a_datetime = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                          timezones=st.just(UTC))


def survives(call: Callable[[], T]) -> T | None:
    """The call's result, or None if it refused with a known error. Anything else fails."""
    try:
        return call()
    except CrmError:
        return None


def clean(value: str) -> None:
    """What a service stored is normalised text a database can hold, shown as typed."""
    assert value == unicodedata.normalize("NFC", value)
    value.encode("utf-8")
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in value), value


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def shop(any_db: Database, any_owner: Actor) -> tuple[Database, Actor, int]:
    settings_service = SettingsService(any_db)
    settings_service.save_business(BusinessSettings.for_country("Oak & Thread", "DE"), any_owner)
    customer = CustomerService(any_db).create(CustomerInput(first_name="Jim", addresses=[
        AddressInput("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE",
                     is_primary=True)]), any_owner)
    return any_db, any_owner, customer.id


# ---- customers -------------------------------------------------------------------------------

contacts = st.builds(ContactInput, st.sampled_from(ContactKind), text, text, st.booleans())
addresses = st.builds(AddressInput, text, text, text, text, text,
                      st.one_of(text, st.sampled_from(["DE", "GB", "de", "XX", "US"])),
                      st.sampled_from(AddressKind), text, st.booleans())
preferences = st.builds(PreferenceInput, st.sampled_from(PreferenceKind), text, st.booleans())
dates = st.builds(DateInput, st.sampled_from(DateKind), small_int, small_int,
                  st.one_of(st.none(), small_int, st.integers(1, 9999)), text)
customer_inputs = st.builds(
    CustomerInput, text, text, text, st.sampled_from(CustomerStatus), text, st.none(), text,
    st.lists(text, max_size=4), st.lists(contacts, max_size=3), st.lists(addresses, max_size=2),
    st.lists(preferences, max_size=2), st.lists(dates, max_size=2))


@EXAMPLES
@given(data=customer_inputs)
def test_customer_create_and_update(shop: tuple[Database, Actor, int],
                                    data: CustomerInput) -> None:
    db, actor, existing = shop
    customers = CustomerService(db)
    created = survives(lambda: customers.create(data, actor))
    if created is not None:
        for value in (created.first_name, created.last_name, created.company,
                      created.display_name, *created.tags,
                      *(v for c in created.contacts for v in (c.value, c.label)),
                      *(v for a in created.addresses for v in (
                          a.line1, a.line2, a.postal_code, a.city, a.region, a.label)),
                      *(d.label for d in created.important_dates),
                      *(p.text for p in created.preferences)):
            clean(value)
        # It reads back, and the search finds it by what was stored.
        assert customers.get(created.id).display_name == created.display_name
        survives(lambda: CustomerListService(db).page(CustomerFilter(text=data.first_name)))
    current = customers.get(existing)
    survives(lambda: customers.update(existing, current.version, data, actor))
    survives(lambda: customers.find_duplicates(data))


@EXAMPLES
@given(note=text, tag=st.one_of(st.none(), text), search=text)
def test_notes_bulk_changes_and_search(shop: tuple[Database, Actor, int], note: str,
                                       tag: str | None, search: str) -> None:
    db, actor, customer = shop
    customers = CustomerService(db)
    detail = survives(lambda: customers.add_note(customer, note, actor))
    if detail is not None:
        for n in detail.notes:
            clean(n.text)
    survives(lambda: customers.bulk_change([customer], BulkChange(add_tag=tag), actor))
    survives(lambda: CustomerListService(db).page(CustomerFilter(text=search)))
    survives(lambda: CustomerListService(db).count(CustomerFilter(text=search, tag=tag)))


@EXAMPLES
@given(kind=st.sampled_from(HistoryKind), summary=text, outcome=text, details=text,
       when=st.one_of(st.none(), a_datetime))
def test_timeline_log(shop: tuple[Database, Actor, int], kind: HistoryKind, summary: str,
                      outcome: str, details: str, when: datetime | None) -> None:
    db, actor, customer = shop
    survives(lambda: TimelineService(db).log(customer, kind, summary, actor, outcome=outcome,
                                             details=details, occurred_at=when))
    for entry in TimelineService(db).page(customer):
        clean(entry.title)


# ---- follow-ups ------------------------------------------------------------------------------


@EXAMPLES
@given(due=a_date, purpose=text, at=st.one_of(st.none(), st.times()),
       channel=st.sampled_from(FollowUpChannel), notes=text,
       repeat=st.one_of(st.none(), text, st.sampled_from(["FREQ=MONTHLY", "FREQ=SECONDLY",
                                                         "FREQ=DAILY;COUNT=0", "RRULE:"])),
       zone=st.one_of(text, st.sampled_from(["Europe/Berlin", "Mars/Base", "../../etc"])),
       outcome=text, until=a_datetime)
def test_follow_ups(shop: tuple[Database, Actor, int], due: date, purpose: str,
                    at: time | None, channel: FollowUpChannel, notes: str, repeat: str | None,
                    zone: str, outcome: str, until: datetime) -> None:
    db, actor, customer = shop
    follow_ups = FollowUpService(db)
    data = FollowUpInput(customer, due, purpose, at, channel, None, notes, repeat, zone)
    made = survives(lambda: follow_ups.schedule(data, actor))
    if made is None:
        return
    clean(made.purpose)
    survives(lambda: follow_ups.edit(made.id, made.version, data, actor))
    again = follow_ups.get(made.id)
    survives(lambda: follow_ups.snooze(again.id, again.version, until, actor))
    again = follow_ups.get(made.id)
    survives(lambda: follow_ups.complete(again.id, again.version, outcome, actor))


# ---- queries and feedback --------------------------------------------------------------------


@EXAMPLES
@given(subject=text, channel=st.sampled_from(QueryChannel), details=text,
       priority=st.sampled_from(Priority), name=text, contact=text, known=st.booleans())
def test_queries(shop: tuple[Database, Actor, int], subject: str, channel: QueryChannel,
                 details: str, priority: Priority, name: str, contact: str,
                 known: bool) -> None:
    db, actor, customer = shop
    data = QueryInput(subject, channel, details, priority, None,
                      customer if known else None, "" if known else name,
                      "" if known else contact)
    logged = survives(lambda: QueryService(db).log(data, actor))
    if logged is not None:
        clean(logged.subject)
        clean(logged.details)


@EXAMPLES
@given(kind=st.sampled_from(FeedbackKind), words=text, action=text,
       rating=st.one_of(st.none(), small_int), when=st.one_of(st.none(), a_datetime),
       category=text, apology=st.one_of(st.none(), st.booleans()))
def test_feedback(shop: tuple[Database, Actor, int], kind: FeedbackKind, words: str,
                  action: str, rating: int | None, when: datetime | None, category: str,
                  apology: bool | None) -> None:
    db, actor, customer = shop
    feedback = FeedbackService(db)
    added = survives(lambda: feedback.add_category(category, actor))
    if added is not None:
        clean(added.name)
        survives(lambda: feedback.rename_category(added.id, category + "!", actor))
    survives(lambda: feedback.record(FeedbackInput(
        kind, words, None, customer, occurred_at=when, rating=rating, apology_made=apology,
        action_taken=action), actor))
    for entry in feedback.entries(kind):
        clean(entry.text)


# ---- products, orders, invoices, payments ----------------------------------------------------


@EXAMPLES
@given(sku=text, name=text, price=number, rate=number, unit=text, description=text)
def test_products(shop: tuple[Database, Actor, int], sku: str, name: str, price: Decimal,
                  rate: Decimal, unit: str, description: str) -> None:
    db, actor, _customer = shop
    orders = OrderService(db)
    made = survives(lambda: orders.create_product(
        ProductInput(sku, name, price, rate, unit, description), actor))
    if made is not None:
        clean(made.name)
        assert made.unit_price.is_finite() and made.tax_rate.is_finite()


order_lines = st.builds(OrderLineInput, number, text, st.none(),
                        st.one_of(st.none(), number), number, st.one_of(st.none(), number))


@EXAMPLES
@given(lines=st.lists(order_lines, min_size=1, max_size=3), delivered=number, returned=number,
       reason=text, notes=text)
def test_orders_deliveries_and_returns(shop: tuple[Database, Actor, int],
                                       lines: list[OrderLineInput], delivered: Decimal,
                                       returned: Decimal, reason: str, notes: str) -> None:
    db, actor, customer = shop
    orders = OrderService(db)
    order = survives(lambda: orders.create_draft(customer, lines, actor, notes=notes))
    if order is None:
        return
    assert order.totals.gross.is_finite()
    order = orders.confirm(order.id, order.version, actor)
    first = order.lines[0]
    shipped = survives(lambda: orders.deliver(order.id, order.version, {first.id: delivered},
                                              actor))
    if shipped is not None:
        survives(lambda: orders.record_return(shipped.id, shipped.version, ReturnInput(
            first.id, returned, reason, RefundKind.REFUND), actor))
    survives(lambda: orders.cancel(order.id, orders.get(order.id).version, reason, actor))


invoice_lines = st.builds(InvoiceLineInput, text, number, number, number, number)


@EXAMPLES
@given(lines=st.lists(invoice_lines, min_size=1, max_size=3), note=text, amount=number,
       paid_on=a_date, reference=text, reason=text)
def test_invoices_and_payments(shop: tuple[Database, Actor, int],
                               lines: list[InvoiceLineInput], note: str, amount: Decimal,
                               paid_on: date, reference: str, reason: str) -> None:
    db, actor, customer = shop
    invoices = InvoiceService(db)
    draft = survives(lambda: invoices.create_draft(customer, lines, actor))
    if draft is None:
        return
    for line in draft.lines:
        clean(line.description)
    noted = survives(lambda: invoices.set_note(draft.id, draft.version, note, actor))
    draft = noted or invoices.get(draft.id)
    issued = invoices.issue(draft.id, draft.version, actor)
    assert invoices.pdf(issued.id).startswith(b"%PDF")
    paid = survives(lambda: invoices.record_payment(issued.id, issued.version, PaymentInput(
        paid_on, amount, PaymentMethod.CASH, reference), actor))
    current = paid or invoices.get(issued.id)
    survives(lambda: invoices.void(current.id, current.version, reason, actor))


# ---- settings and people ---------------------------------------------------------------------


@EXAMPLES
@given(shop_name=text, address=text, bank=text, tax_id=text, phone=text, email=text,
       number_format=st.one_of(text, st.sampled_from(["{year}-{seq:04d}", "{seq:99999d}{year}",
                                                     "{year}{seq!r}", "{0}", "{year.x}{seq}"])),
       country=st.one_of(text, st.sampled_from(["DE", "de", "XX"])), days=small_int)
def test_settings(shop: tuple[Database, Actor, int], shop_name: str, address: str, bank: str,
                  tax_id: str, phone: str, email: str, number_format: str, country: str,
                  days: int) -> None:
    db, actor, _customer = shop
    service = SettingsService(db)
    survives(lambda: service.save_business(BusinessSettings(
        shop_name=shop_name, address=address, bank_details=bank, tax_id=tax_id, phone=phone,
        email=email, invoice_number_format=number_format, country=country,
        payment_terms_days=days), actor))
    stored = service.business()
    for value in (stored.shop_name, stored.address, stored.bank_details, stored.tax_id):
        clean(value)
    stored.invoice_number(2026, 1)  # whatever was accepted can number an invoice


@EXAMPLES
@given(name=text, shop_name=text, country=text)
def test_people(shop: tuple[Database, Actor, int], name: str, shop_name: str,
                country: str) -> None:
    db, actor, _customer = shop
    users = UserService(db)
    added = survives(lambda: users.add(name, Role.RECEPTIONIST, actor,
                                       first_password=FIRST_PASSWORD))
    if added is not None:
        clean(added.display_name)
    survives(lambda: UserService(db).first_run(name, shop_name, country,
                                               password=OWNER_PASSWORD))


@EXAMPLES
@given(name=text, password=text, new=text)
def test_signing_in_and_passwords(shop: tuple[Database, Actor, int], name: str, password: str,
                                  new: str) -> None:
    db, actor, _customer = shop
    users = UserService(db)
    survives(lambda: users.sign_in(name, password))
    added = survives(lambda: users.add("Fuzz Person", Role.VIEWER, actor,
                                       first_password=password))
    if added is not None:  # whatever was accepted as a password signs in
        assert users.sign_in(added.username, password).id == added.id
        changed = survives(lambda: users.change_password(password, new, added.as_actor()))
        if changed is not None:
            assert users.sign_in(added.username, new).id == added.id
        survives(lambda: users.reset_password(added.id, new, actor))
        users.set_active(added.id, False, actor)


@EXAMPLES
@given(user_id=st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), since=st.one_of(
    st.none(), st.dates()), until=st.one_of(st.none(), st.dates()))
def test_the_audit_log(shop: tuple[Database, Actor, int], user_id: int | None,
                       since: date | None, until: date | None) -> None:
    db, actor, customer = shop
    audit = AuditService(db)
    filters = AuditFilter(user_id=user_id, since=since, until=until)
    survives(lambda: audit.page(filters, actor, limit=5))
    survives(lambda: audit.count(filters, actor))
    survives(lambda: audit.customer_changes(customer, actor))



@EXAMPLES
@given(place=st.one_of(st.none(), text), every=small_int, daily=small_int, weekly=small_int,
       monthly=small_int, limit=st.one_of(st.none(), small_int, st.integers(0, 2**70)))
def test_backup_settings(shop: tuple[Database, Actor, int],
                         tmp_path_factory: pytest.TempPathFactory, place: str | None,
                         every: int, daily: int, weekly: int, monthly: int,
                         limit: int | None) -> None:
    db, actor, _customer = shop
    folder = tmp_path_factory.mktemp("backups")
    service = BackupService(db, folder, folder / "backups.json")
    wanted = BackupSettings(second_place=None if place is None else Path("/media", place),
                            keep=KeepPolicy(daily, weekly, monthly, limit), every_hours=every)
    if survives(lambda: service.save_settings(wanted, actor)) is not None:
        # Whatever was accepted is what the next start reads back.
        assert service.settings() == wanted


@EXAMPLES
@given(customer_id=st.one_of(small_int, st.integers(-2**63, 2**63 - 1)))
def test_personal_data(shop: tuple[Database, Actor, int], customer_id: int) -> None:
    db, actor, _customer = shop
    service = PersonalDataService(db)
    survives(lambda: service.gather(customer_id, actor))
    survives(lambda: service.plan_erase(customer_id, actor))
    survives(lambda: service.erase(customer_id, actor))


@EXAMPLES
@given(answers=st.lists(st.builds(
    ConsentAnswer, st.one_of(st.sampled_from(ConsentChannel), text),
    st.one_of(st.booleans(), small_int, st.none()),
    st.one_of(st.sampled_from(ConsentMethod), text), text), max_size=5),
    customer_id=st.one_of(st.none(), small_int, st.integers(-2**63, 2**63 - 1)),
    channel=st.one_of(st.sampled_from(ConsentChannel), text))
def test_marketing_consent(shop: tuple[Database, Actor, int], answers: list[ConsentAnswer],
                           customer_id: int | None, channel: ConsentChannel) -> None:
    db, actor, customer = shop
    service = ConsentService(db)
    target = customer if customer_id is None else customer_id
    saved = survives(lambda: service.record(target, answers, actor))
    for view in saved or ():
        clean(view.note)
        assert isinstance(view.given, bool)
    survives(lambda: service.audience(channel, [target, customer]))
    survives(lambda: ExportService(db).google_csv(io.StringIO(), actor, marketing=channel))


@EXAMPLES
@given(ids=st.lists(st.one_of(small_int, st.integers(-2**63, 2**63 - 1)), max_size=5),
       years=st.one_of(small_int, st.integers(-2**40, 2**40)))
def test_retention_review(shop: tuple[Database, Actor, int], ids: list[int],
                          years: int) -> None:
    db, actor, _customer = shop
    settings = SettingsService(db)
    survives(lambda: settings.save_business(replace(settings.business(),
                                                    retention_years=years), actor))
    service = RetentionService(db)
    review = service.review(actor)
    assert review.total >= len(review.rows)
    survives(lambda: service.keep(ids, actor))
    survives(lambda: PersonalDataService(db).erase_many(ids, actor))


@EXAMPLES
@given(ids=st.lists(st.one_of(small_int, st.integers(-2**63, 2**63 - 1), st.booleans(),
                              st.floats(allow_nan=True), text), max_size=5),
       start_at=st.one_of(small_int, st.integers(-2**63, 2**63 - 1)),
       sheet=st.one_of(st.none(), text, st.sampled_from(["L7160", "5163"])),
       size=st.one_of(st.none(), text, st.sampled_from(["DL", "US10"])),
       postage=text, shop_address=text, marketing=st.booleans())
def test_labels_and_envelopes(shop: tuple[Database, Actor, int], ids: list[object],
                              start_at: int, sheet: str | None, size: str | None, postage: str,
                              shop_address: str, marketing: bool) -> None:
    db, actor, customer = shop
    settings = SettingsService(db)
    survives(lambda: settings.save_business(replace(
        settings.business(), reply_postage=postage, address=shop_address), actor))
    service = MailingService(db)
    chosen = [*ids, customer]
    for printout in (
            survives(lambda: service.labels(chosen, actor, marketing=marketing,  # type: ignore[arg-type]
                                            sheet=sheet, start_at=start_at)),
            survives(lambda: service.envelopes(chosen, actor, marketing=marketing,  # type: ignore[arg-type]
                                               size=size)),
            survives(lambda: service.return_envelopes(chosen, actor, size=size))):  # type: ignore[arg-type]
        if printout is not None:
            assert printout.pdf.startswith(b"%PDF")
            assert [r.customer_id for r in printout.mailing.recipients] in ([], [customer])


@EXAMPLES
@given(name=text, kind=st.one_of(text, st.sampled_from(["letter", "card"])), body=text,
       note=text, key=st.one_of(text, st.sampled_from(["", "birthday", "own-1"])),
       marketing=st.booleans())
def test_letters_and_cards(shop: tuple[Database, Actor, int], name: str, kind: str, body: str,
                           note: str, key: str, marketing: bool) -> None:
    db, actor, customer = shop
    letters = LetterService(db)
    saved = survives(lambda: letters.save_template(
        LetterTemplate(key, name, kind, body, note), actor))
    if saved is not None:
        clean(saved.name)
        clean(saved.body)
        clean(saved.note)
        assert saved in letters.templates()
    for chosen in (key, "miss_you", saved.key if saved else "birthday"):
        made = survives(lambda c=chosen: letters.compose(  # type: ignore[misc]
            [customer], c, actor, marketing=marketing, body=body, note=note))
        if made is not None:
            assert made.pdf.startswith(b"%PDF")
            survives(lambda m=made: letters.record_sent(m, actor))  # type: ignore[misc]
    survives(lambda: letters.remove_template(key, actor))


# ---- reports ---------------------------------------------------------------------------------

filters = st.sampled_from(["start", "end", "customer_id", "product_id", "person", "category",
                           "bucket", "channel", "priority", "which", "reason", "nope"])


@EXAMPLES
@given(start=a_date, end=a_date, what=st.sampled_from(
    ["invoices", "follow_ups", "queries", "feedback", "customers", "nope"]),
    key=filters, value=st.one_of(text, small_int, st.sampled_from(["phone", "new", "lost"])))
def test_reports_and_the_rows_behind_them(shop: tuple[Database, Actor, int], start: date,
                                         end: date, what: str, key: str,
                                         value: str | int) -> None:
    db, actor, _customer = shop
    reports = ReportService(db)
    period = survives(lambda: Period(start, end))
    if period is not None:
        for report in (reports.sales, reports.follow_ups, reports.queries, reports.feedback,
                       reports.customers):
            survives(lambda report=report: report(period, actor))  # type: ignore[misc]
    span = (("start", start.isoformat()), ("end", end.isoformat()))
    survives(lambda: reports.behind(Drill(what, "", (*span, (key, value))), actor))
    survives(lambda: reports.behind(Drill(what, "", ((key, value),)), actor))
