"""Labels and envelopes for chosen customers, on SQLite and PostgreSQL: who gets one, who is
left out and why (no address, no consent to post, gone), and the return envelope that comes
back to the shop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError, ValidationError
from crm_desktop.models import ConsentChannel, ConsentMethod, Role
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.consent import ConsentAnswer, ConsentService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.personal_data import PersonalDataService
from crm_desktop.services.mailing.mailing_service import MailingService
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD
from tests.pdf_tools import pages, text


def _shop(db: Database, owner: Actor, customers: int = 30) -> tuple[MailingService, list[int]]:
    settings = SettingsService(db)
    settings.save_business(replace(BusinessSettings.for_country("Corner Shop", "GB"),
                                   address="1 High Street\nLondon\nSW1A 1AA"), owner)
    service = CustomerService(db)
    ids = [service.create(CustomerInput(
        first_name="Zoë", last_name=f"Nuñez {n:02d}",
        addresses=[AddressInput(f"{n} Rose Lane", postal_code="EC1A 1BB", city="London",
                                country="GB", is_primary=True)]), owner).id
        for n in range(1, customers + 1)]
    return MailingService(db), ids


def test_thirty_labels_from_label_five_of_a_partly_used_sheet(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    mailing, ids = _shop(any_db, any_owner)
    printout = mailing.labels(ids, any_owner, marketing=False, sheet="L7160", start_at=5)
    assert [r.customer_id for r in printout.mailing.recipients] == ids
    assert printout.mailing.summary("label") == "30 labels."
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(printout.pdf)
    assert pages(pdf) == 2  # 17 on the first sheet (from label 5 of 21), 13 on the second
    words = text(pdf)
    assert "Zoë Nuñez 01" in words and "Zoë Nuñez 30" in words
    assert "United Kingdom" not in words  # home post: no country line
    with pytest.raises(ValidationError, match="from 1 to 21"):
        mailing.labels(ids, any_owner, marketing=False, sheet="L7160", start_at=22)
    with pytest.raises(ValidationError, match="label sheets"):
        mailing.labels(ids, any_owner, marketing=False, sheet="A4 brown paper")


def test_for_offers_only_those_who_agreed_to_post_and_the_rest_are_counted(
        any_db: Database, any_owner: Actor) -> None:
    mailing, ids = _shop(any_db, any_owner, customers=6)
    consent = ConsentService(any_db)
    for customer_id in ids[:3]:
        consent.record(customer_id, [ConsentAnswer(ConsentChannel.POST, True,
                                                   ConsentMethod.IN_PERSON)], any_owner)
    consent.record(ids[3], [ConsentAnswer(ConsentChannel.POST, False,
                                          ConsentMethod.IN_WRITING)], any_owner)
    customers = CustomerService(any_db)
    lost = customers.create(CustomerInput(first_name="Ann", last_name="Lee"), any_owner).id
    consent.record(lost, [ConsentAnswer(ConsentChannel.POST, True, ConsentMethod.PHONE)],
                   any_owner)
    PersonalDataService(any_db).erase(ids[2], any_owner)
    chosen = [*ids, lost]

    offers = mailing.mailing(chosen, any_owner, marketing=True)
    assert [r.customer_id for r in offers.recipients] == ids[:2]
    assert (offers.gone, offers.not_agreed, offers.no_address) == (1, 3, ("Ann Lee",))
    assert offers.summary("letter") == ("2 letters; left out: 1 with no postal address "
                                        "(Ann Lee), 3 who did not agree to post, 1 no longer "
                                        "in the shop.")
    # Not for offers (an invoice's envelope, say): everyone still here with an address.
    plain = mailing.mailing(chosen, any_owner, marketing=False)
    assert [r.customer_id for r in plain.recipients] == [i for i in ids if i != ids[2]]
    with pytest.raises(ValidationError, match="Nobody to print for: 1 with no postal"):
        mailing.envelopes([lost], any_owner, marketing=False)


def test_envelopes_carry_the_shops_return_address_and_return_envelopes_come_back(
        any_db: Database, any_owner: Actor, tmp_path: Path) -> None:
    mailing, ids = _shop(any_db, any_owner, customers=2)
    pdf = tmp_path / "envelopes.pdf"
    pdf.write_bytes(mailing.envelopes(ids, any_owner, marketing=False, size="C6").pdf)
    assert pages(pdf) == 2
    first = text(pdf, 1)
    assert "Corner Shop" in first and "1 High Street" in first and "Zoë Nuñez 01" in first
    assert "Stamp" in first

    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), reply_postage="Freepost RTKZ-1234"),
                           any_owner)
    back = tmp_path / "return.pdf"
    back.write_bytes(mailing.return_envelopes(ids[:1], any_owner).pdf)
    words = text(back)
    assert "Freepost RTKZ-1234" in words and "Stamp" not in words
    assert "Corner Shop" in words and "Zoë Nuñez 01" in words  # to the shop, from her
    settings.save_business(replace(settings.business(), address=""), any_owner)
    with pytest.raises(ValidationError, match="shop's postal address"):
        mailing.return_envelopes(ids[:1], any_owner)


def test_a_viewer_prints_no_post(any_db: Database, any_owner: Actor) -> None:
    mailing, ids = _shop(any_db, any_owner, customers=1)
    viewer = UserService(any_db).add("Vera Viewer", Role.VIEWER, any_owner,
                                     first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError, match="receptionist"):
        mailing.labels(ids, viewer, marketing=False)
    with pytest.raises(ValidationError, match="at least one"):
        mailing.labels([], any_owner, marketing=False)


def test_addresses_read_the_same_however_often_and_in_whatever_order_countries_come() -> None:
    """Each country's rules are read once and kept (postal._keep_country_rules): what a
    later address of another country looks up never changes the first's."""
    from crm_desktop.models import Address
    from crm_desktop.services.customers.postal import format_postal

    places = [Address(line1="14 Rose Lane", city="Springfield", region="IL",
                      postal_code="62704", country="US"),
              Address(line1="Hauptstraße 5", city="Berlin", postal_code="10115", country="DE"),
              Address(line1="1-2-3 Ginza", city="Chuo-ku", region="Tokyo",
                      postal_code="104-0061", country="JP"),
              Address(line1="10 Downing Street", city="London", postal_code="SW1A 2AA",
                      country="GB")]
    first = [format_postal("Zoë Nuñez", a, "US") for a in places]
    assert first[0] == "Zoë Nuñez\n14 Rose Lane\nSPRINGFIELD, IL 62704"
    assert first[1] == "Zoë Nuñez\nHauptstraße 5\n10115 BERLIN\nGERMANY"
    for _ in range(3):
        assert [format_postal("Zoë Nuñez", a, "US") for a in reversed(places)] \
            == list(reversed(first))
