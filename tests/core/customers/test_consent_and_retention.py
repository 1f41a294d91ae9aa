"""Marketing consent per channel (given or withdrawn, when and how, honoured by exports for
a mailing) and the retention review (long-quiet customers erased or kept); both engines."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal as D

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import NotFoundError, PermissionDeniedError, ValidationError
from crm_desktop.models import ConsentChannel, ConsentMethod, HistoryKind, Role
from crm_desktop.services.admin.audit_service import AuditService
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.personal_data import PersonalDataService
from crm_desktop.services.customers.retention import RetentionService
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD

POST, EMAIL = ConsentChannel.POST, ConsentChannel.EMAIL


def _customer(db: Database, owner: Actor, first: str, last: str = "Smith") -> int:
    return CustomerService(db).create(CustomerInput(
        first_name=first, last_name=last, addresses=[AddressInput(
            "12 Elm St", city="Springfield", region="IL", postal_code="62704", country="US",
            is_primary=True)]), owner).id


def test_an_answer_is_kept_with_when_and_how_and_every_change_is_in_the_trail(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    db, owner = any_db, any_owner
    margo = _customer(db, owner, "Margo")
    service = ConsentService(db)
    assert CustomerService(db).get(margo).consents == ()  # never asked: no answer, no

    given_at = clock()
    views = service.record(margo, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON,
                                                 "signed the card at the till")], owner)
    assert [(v.channel, v.given, v.changed_at, v.method, v.note, v.changed_by)
            for v in views] == [(POST, True, given_at, ConsentMethod.IN_PERSON,
                                 "signed the card at the till", "Olivia Owner")]
    clock.advance(days=3)
    service.record(margo, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON,
                                         "signed the card at the till")], owner)
    assert CustomerService(db).get(margo).consents[0].changed_at == given_at  # nothing new
    withdrawn_at = clock()
    service.record(margo, [ConsentAnswer(POST, False, ConsentMethod.PHONE, "no more post"),
                           ConsentAnswer(EMAIL, True, ConsentMethod.ONLINE_FORM)], owner)
    shown = {v.channel: v for v in CustomerService(db).get(margo).consents}
    assert (shown[POST].given, shown[POST].changed_at, shown[POST].method) == (
        False, withdrawn_at, ConsentMethod.PHONE)
    assert shown[EMAIL].given is True

    # The profile's history of changes keeps every earlier answer, newest first.
    trail = [(c.who, c.what, c.field, c.old, c.new)
             for c in AuditService(db).customer_changes(margo, owner) if c.field == "given"]
    assert set(trail[:2]) == {  # (one save: its two changes share a moment)
        ("Olivia Owner", "Marketing consent (e-mail)", "given", "", "yes"),
        ("Olivia Owner", "Marketing consent (post)", "given", "yes", "no")}
    assert trail[2:] == [("Olivia Owner", "Marketing consent (post)", "given", "", "yes")]


def test_bad_answers_are_refused_at_their_field_and_only_people_at_work_may_record(
        any_db: Database, any_owner: Actor) -> None:
    db, owner = any_db, any_owner
    margo = _customer(db, owner, "Margo")
    service = ConsentService(db)
    with pytest.raises(ValidationError) as refused:
        service.record(margo, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON, "x" * 201)],
                       owner)
    assert "consent.post.note" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        service.record(margo, [ConsentAnswer(EMAIL, True, "carrier pigeon")], owner)  # type: ignore[arg-type]
    assert "consent.email.method" in refused.value.errors
    with pytest.raises(NotFoundError):
        service.record(999, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON)], owner)
    viewer = UserService(db).add("Vera Books", Role.VIEWER, owner,
                                 first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError):
        service.record(margo, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON)], viewer)
    assert CustomerService(db).get(margo).consents == ()  # nothing half-saved


def test_a_mailing_reaches_only_those_who_said_yes_and_an_erasure_forgets_the_answers(
        any_db: Database, any_owner: Actor) -> None:
    db, owner = any_db, any_owner
    yes, withdrawn, never = (_customer(db, owner, name) for name in ("Yes", "Withdrawn",
                                                                     "Never"))
    emailed = _customer(db, owner, "Emailed")
    service = ConsentService(db)
    service.record(yes, [ConsentAnswer(POST, True, ConsentMethod.IN_WRITING)], owner)
    service.record(withdrawn, [ConsentAnswer(POST, True, ConsentMethod.IN_WRITING)], owner)
    service.record(withdrawn, [ConsentAnswer(POST, False, ConsentMethod.PHONE)], owner)
    service.record(emailed, [ConsentAnswer(EMAIL, True, ConsentMethod.EMAIL)], owner)

    assert service.audience(POST) == [yes]
    assert service.audience(POST, [never, withdrawn, yes, yes]) == [yes]
    out = io.StringIO()
    assert ExportService(db).google_csv(out, owner, marketing=POST) == 1
    assert [row["First Name"] for row in csv.DictReader(io.StringIO(out.getvalue()))] == ["Yes"]
    with pytest.raises(ValidationError):
        ExportService(db).google_csv(io.StringIO(), owner, marketing="fax")  # type: ignore[arg-type]
    everyone = io.StringIO()
    assert ExportService(db).vcards(everyone, owner) == 4  # not for marketing: all of them

    PersonalDataService(db).erase(yes, owner)
    assert service.audience(POST) == []
    erased = CustomerService(db).get(yes)
    assert erased.consents == () and erased.erased_at is not None
    assert ExportService(db).vcards(io.StringIO(), owner) == 3  # nothing left to export
    with pytest.raises(ValidationError, match="erased"):
        service.record(yes, [ConsentAnswer(POST, True, ConsentMethod.IN_PERSON)], owner)


def test_customers_quiet_for_the_retention_period_are_reviewed_then_erased_or_kept(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    db, owner = any_db, any_owner
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), retention_years=2), owner)
    quiet, owing, kept = (_customer(db, owner, name, "Quiet") for name in ("Ann", "Bob",
                                                                           "Cy"))
    invoices = InvoiceService(db)
    draft = invoices.create_draft(owing, [InvoiceLineInput("Chair", D(1), D("80.00"), D(0))],
                                  owner)
    invoices.issue(draft.id, draft.version, owner)  # unpaid: must be kept for now
    clock.advance(days=365)
    lively = _customer(db, owner, "Dee", "Lively")
    clock.advance(days=2 * 365 + 10)
    TimelineService(db).log(lively, HistoryKind.CALL, "Popped in", owner)
    service = RetentionService(db)

    review = service.review(owner)
    assert review.years == 2 and review.total == 3
    assert [row.id for row in review.rows] == [quiet, owing, kept]
    assert next(r for r in review.rows if r.id == owing).invoices == 1
    with pytest.raises(PermissionDeniedError):
        service.review(UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                                           first_password=FIRST_PASSWORD).as_actor())

    assert service.keep([kept], owner) == 1
    result = PersonalDataService(db).erase_many([quiet, owing], owner)
    assert [plan.customer_id for plan in result.erased] == [quiet]
    assert [plan.customer_id for plan in result.refused] == [owing]
    assert "unpaid invoice" in result.refused[0].refusals[0]
    assert [row.id for row in service.review(owner).rows] == [owing]
    assert CustomerService(db).get(owing).first_name == "Bob"

    clock.advance(days=2 * 365 + 1)  # another whole period: the kept one is asked again
    assert kept in [row.id for row in service.review(owner).rows]
