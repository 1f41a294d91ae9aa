"""Letters and cards, on SQLite and PostgreSQL: the shop's templates filled for each customer
(a line whose placeholder is empty left out), edited by the owner, sent only where post may
go, and each one sent written on the customer's timeline with its words."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import (
    ConsentChannel,
    ConsentMethod,
    PreferenceKind,
    Role,
)
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.invoices.invoice_service import InvoiceLineInput, InvoiceService
from crm_desktop.services.mailing.letter_service import LetterService, LetterTemplate
from crm_desktop.services.placeholders import fill
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD
from tests.pdf_tools import pages, text


def _shop(db: Database, owner: Actor) -> tuple[LetterService, int, int]:
    settings = SettingsService(db)
    settings.save_business(replace(BusinessSettings.for_country("Corner Shop", "US"),
                                   address="1 High Street\nSpringfield, IL 62701",
                                   sender_name="Anna"), owner)
    customers = CustomerService(db)
    alecia = customers.create(CustomerInput(
        first_name="Alecia", last_name="Brown",
        preferences=[PreferenceInput(PreferenceKind.OTHER, "Her cat Whiskers.", pinned=True)],
        addresses=[AddressInput("14 Rose Lane", city="Springfield", region="IL",
                                postal_code="62704", country="US", is_primary=True)]),
        owner).id
    jim = customers.create(CustomerInput(
        first_name="Jim", last_name="Hawkins",
        addresses=[AddressInput("2 Admiral Row", city="Springfield", region="IL",
                                postal_code="62704", country="US", is_primary=True)]),
        owner).id
    return LetterService(db), alecia, jim


def test_a_birthday_card_names_her_and_goes_on_her_timeline(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    letters, alecia, _jim = _shop(any_db, any_owner)
    card = letters.compose([alecia], "birthday", any_owner, marketing=False)
    assert card.template.kind == "card"
    assert card.texts[alecia].startswith("Dear Alecia,\nhappy birthday from all of us at "
                                         "Corner Shop!")
    assert card.texts[alecia].endswith("Warm wishes, Anna")
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(card.pdf)
    assert pages(pdf) == 1 and "Corner Shop" in text(pdf)
    assert letters.record_sent(card, any_owner) == 1
    (entry,) = TimelineService(any_db).page(alecia, kinds=[TimelineKind.LETTER])
    assert entry.title == "Birthday card sent" and "happy birthday" in entry.detail


def test_we_miss_you_goes_to_those_who_agreed_to_post_and_says_how_many_did_not(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    letters, alecia, jim = _shop(any_db, any_owner)
    ConsentService(any_db).record(alecia, [ConsentAnswer(ConsentChannel.POST, True,
                                                         ConsentMethod.IN_PERSON)], any_owner)
    sent = letters.compose([alecia, jim], "miss_you", any_owner, marketing=True)
    assert list(sent.texts) == [alecia]
    assert sent.mailing.summary("letter") == ("1 letter; left out: 1 who did not agree to "
                                              "post.")
    pdf = tmp_path / "letters.pdf"
    pdf.write_bytes(sent.pdf)
    words = text(pdf)
    assert "Alecia Brown" in words and "14 Rose Lane" in words  # in the window
    assert "we have missed you" in words and "Jim" not in words
    with pytest.raises(ValidationError, match="Nobody to write to: 1 who did not agree"):
        letters.compose([jim], "miss_you", any_owner, marketing=True)


def test_a_payment_reminder_names_what_is_owed_and_an_empty_placeholder_drops_its_line(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    letters, alecia, jim = _shop(any_db, any_owner)
    invoices = InvoiceService(any_db)
    draft = invoices.create_draft(jim, [InvoiceLineInput("Chair", D(1), D("120.00"), D(0))],
                                  any_owner)
    issued = invoices.issue(draft.id, draft.version, any_owner)
    clock.advance(days=60)
    reminder = letters.compose([jim], "payment_reminder", any_owner, marketing=False)
    assert f"$120.00 still open on invoice {issued.number}" in reminder.texts[jim]
    # Alecia owes nothing: the sentence about what she owes is left out, not printed empty.
    nothing = letters.compose([alecia], "payment_reminder", any_owner, marketing=False)
    assert "still open" not in nothing.texts[alecia]
    assert fill("Dear {first_name},\nyou like {preference}.", {"first_name": "Jim"}) \
        == "Dear Jim,"


def test_the_owner_edits_a_letter_and_writes_her_own_and_a_receptionist_may_not(
        any_db: Database, any_owner: Actor) -> None:
    letters, alecia, _jim = _shop(any_db, any_owner)
    birthday = next(t for t in letters.templates() if t.key == "birthday")
    letters.save_template(replace(birthday, note="Happy birthday, {first_name}!\n"
                                                  "(And a treat for {preference}.)"), any_owner)
    own = letters.save_template(LetterTemplate("", "Spring sale", "letter",
                                               "Dear {first_name},\n\nour spring sale starts "
                                               "Monday.", "See you there!"), any_owner)
    names = [t.name for t in letters.templates()]
    assert names[:5] == ["Birthday card", "Thank-you card", "We miss you",
                         "Apology after a complaint", "Friendly payment reminder"]
    assert names[-1] == "Spring sale"
    card = letters.compose([alecia], "birthday", any_owner, marketing=False)
    assert card.texts[alecia] == "Happy birthday, Alecia!\n(And a treat for Her cat Whiskers.)"
    spring = letters.compose([alecia], own.key, any_owner, marketing=False)
    assert spring.texts[alecia] == ("Dear Alecia,\n\nour spring sale starts Monday.\n\n"
                                    "See you there!")
    with pytest.raises(ValidationError) as refused:
        letters.save_template(replace(own, body="Dear {firstname}", name=""), any_owner)
    assert set(refused.value.errors) == {"name", "body"}
    receptionist = UserService(any_db).add("Rita Reception", Role.RECEPTIONIST, any_owner,
                                           first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError):
        letters.save_template(own, receptionist)
    letters.compose([alecia], "birthday", receptionist, marketing=False)  # she may send it
    letters.remove_template("birthday", any_owner)  # back to the shop's own words
    assert "happy birthday from all of us" in letters.compose(
        [alecia], "birthday", any_owner, marketing=False).texts[alecia]
