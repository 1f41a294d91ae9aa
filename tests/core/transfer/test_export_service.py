"""Exports that round-trip: Google CSV and vCard 4.0 out, then in again into an empty shop,
give back the same customers, contacts, dates, tags, notes and preferences."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models import (
    ContactKind,
    Customer,
    DateKind,
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
    CustomerDetail,
    CustomerInput,
    CustomerService,
    DateInput,
    PreferenceInput,
)
from crm_desktop.services.transfer.export_service import ExportService
from crm_desktop.services.transfer.import_service import ImportService, MatchKind
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD

SHOP = [
    CustomerInput(
        first_name="Margo", last_name="Delacroix-Øster", company="Øster & Co",
        tags=["VIP", "Regulars, Friday"],
        contacts=[ContactInput(ContactKind.PHONE, "(555) 013-4567", "Mobile"),
                  ContactInput(ContactKind.PHONE, "+32 2 123 45 67", "Shop", is_primary=True),
                  ContactInput(ContactKind.EMAIL, "margo@example.com", "Work"),
                  ContactInput(ContactKind.EMAIL, "margo.home@example.com")],
        addresses=[AddressInput("12 Rue Haute", "Apt 3", "1000", "Brussels", "", "BE",
                                label="Home"),
                   AddressInput("1 Main St", "", "62701", "Springfield", "IL", "US")],
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE, "Always in a hurry",
                                     pinned=True),
                     PreferenceInput(PreferenceKind.BEST_TIME, "Mornings; never Mondays")],
        dates=[DateInput(DateKind.BIRTHDAY, 4, 17), DateInput(DateKind.ANNIVERSARY, 6, 12, 2010),
               DateInput(DateKind.CUSTOM, 2, 29, 2024, label="Shop opening")]),
    CustomerInput(first_name="Łukasz", last_name="Nuñez Müller-Lüdenscheidt",
                  contacts=[ContactInput(ContactKind.EMAIL, "lukasz@example.pl")],
                  dates=[DateInput(DateKind.BIRTHDAY, 12, 31, 1960)]),
    CustomerInput(company="Bäckerei \"Zum Glück\", GmbH",
                  contacts=[ContactInput(ContactKind.PHONE, "+49 30 1234567", "Work")]),
]
NOTES = {0: ["Her cat is at the vet.", "Likes the \"quick\" service;\nsecond line, with a comma"],
         2: ["Deliveries at the back door."]}


def shape(d: CustomerDetail) -> tuple[object, ...]:
    return (d.first_name, d.last_name, d.company, d.tags,
            tuple((c.kind, c.normalized, c.label, c.is_primary) for c in d.contacts),
            tuple((a.line1, a.line2, a.postal_code, a.city, a.region, a.country, a.label,
                   a.is_primary) for a in d.addresses),
            sorted((x.kind, x.month, x.day, x.year or 0, x.label) for x in d.important_dates),
            sorted(n.text for n in d.notes),
            tuple((p.kind, p.text, p.pinned) for p in d.preferences))


def the_shop(db: Database) -> list[tuple[object, ...]]:
    people = CustomerService(db)
    ids = CustomerListService(db).matching_ids(CustomerFilter())
    return sorted((shape(people.get(i)) for i in ids), key=repr)


@pytest.mark.parametrize("how", ["google_csv", "vcards"])
def test_export_then_import_into_an_empty_shop_gives_the_same_customers(
        any_db: Database, any_owner: Actor, how: str) -> None:
    people = CustomerService(any_db)
    for i, data in enumerate(SHOP):
        customer = people.create(data, any_owner)
        for text in NOTES.get(i, []):
            people.add_note(customer.id, text, any_owner, pinned=False)
    before = the_shop(any_db)
    out = io.StringIO()
    assert getattr(ExportService(any_db), how)(out, any_owner) == 3
    with any_db.transaction(any_owner, None) as session:  # an empty shop
        session.execute(delete(Customer))
    imports = ImportService(any_db)
    preview = imports.preview(imports.read(out.getvalue().encode("utf-8"), "export"))
    assert [r.match.kind for r in preview.rows] == [MatchKind.NEW] * 3
    assert [r.problems for r in preview.rows] == [[], [], []]
    imports.run(preview, any_owner)
    assert the_shop(any_db) == before


def test_the_export_of_a_filter_or_a_selection(db: Database, owner: Actor) -> None:
    people = CustomerService(db)
    ids = [people.create(data, owner).id for data in SHOP]
    out = io.StringIO()
    vip = CustomerListService(db).matching_ids(CustomerFilter(tag="vip"))
    assert ExportService(db).vcards(out, owner, vip) == 1
    assert out.getvalue().count("BEGIN:VCARD") == 1
    assert "VERSION:4.0" in out.getvalue()
    out = io.StringIO()
    assert ExportService(db).google_csv(out, owner, ids[1:]) == 2
    header, *rows = out.getvalue().splitlines()
    assert header.startswith("First Name,Middle Name,Last Name,Organization Name,Birthday")
    assert len(rows) == 2


def test_only_the_owner_exports(db: Database, owner: Actor) -> None:
    desk = UserService(db).add("Rita Reception", Role.RECEPTIONIST, owner,
                               first_password=FIRST_PASSWORD).as_actor()
    with pytest.raises(PermissionDeniedError):
        ExportService(db).google_csv(io.StringIO(), desk)
