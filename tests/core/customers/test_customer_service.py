from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, NotFoundError, ValidationError
from crm_desktop.models import (
    AuditEntry,
    ContactKind,
    CustomerStatus,
    PreferenceKind,
)
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
    PreferenceInput,
)
from crm_desktop.storage.database import Database
from tests.passwords import FIRST_PASSWORD


def margo() -> CustomerInput:
    return CustomerInput(
        first_name="Margo", last_name="Ñúñez", tags=["VIP", "vip", " Regular "],
        contacts=[ContactInput(ContactKind.PHONE, "(201) 555-0134", "mobile"),
                  ContactInput(ContactKind.EMAIL, "Margo@Example.COM")],
        addresses=[AddressInput("12 High Street", postal_code="07030", city="Hoboken")],
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE,
                                     "Always in a hurry — keep it short.", pinned=True)],
    )


def test_create_normalises_and_reads_back(any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    created = service.create(margo(), any_owner)
    assert created == service.get(created.id)
    assert created.display_name == "Margo Ñúñez"
    assert created.tags == ("Regular", "VIP")
    phone, email = created.contacts
    assert (phone.value, phone.normalized, phone.is_primary) == (
        "(201) 555-0134", "+12015550134", True)
    assert (email.value, email.normalized, email.is_primary) == (
        "Margo@example.com", "margo@example.com", True)
    assert created.addresses[0].country == "US"  # the shop's country by default
    assert created.owner_name == "Olivia Owner"
    assert created.status is CustomerStatus.PROSPECT
    assert created.version == 1
    assert created.number == f"C-{created.id:06d}"


def test_edit_keeps_rows_and_bumps_version(any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    created = service.create(margo(), any_owner)
    form = created.as_input()
    form.contacts.append(ContactInput(ContactKind.PHONE, "+44 20 7946 0958", "work",
                                      is_primary=True))
    form.contacts[0].is_primary = False
    form.preferences.pop()
    edited = service.update(created.id, created.version, form, any_owner)
    assert edited.version == created.version + 1
    assert edited.contacts[0].id == created.contacts[0].id
    assert [(c.value, c.is_primary) for c in edited.contacts] == [
        ("(201) 555-0134", False), ("Margo@example.com", True), ("+44 20 7946 0958", True)]
    assert edited.preferences == ()


def test_stale_edit_is_refused_and_changes_nothing(any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    created = service.create(margo(), any_owner)
    first = created.as_input()
    first.first_name = "Marguerite"
    service.update(created.id, created.version, first, any_owner)
    second = created.as_input()
    second.first_name = "Maggie"
    with pytest.raises(ConflictError, match="changed by someone else"):
        service.update(created.id, created.version, second, any_owner)
    assert service.get(created.id).first_name == "Marguerite"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (CustomerInput(), "first_name", "Enter a name"),
        (CustomerInput(first_name="x" * 101), "first_name", "at most 100"),
        (CustomerInput(first_name="Jim", contacts=[ContactInput(ContactKind.PHONE, "call me")]),
         "contacts.0.value", "“call me” is not a phone number"),
        (CustomerInput(first_name="Jim", contacts=[ContactInput(ContactKind.PHONE,
                                                                "555-01")]),
         "contacts.0.value", "wrong number of digits"),
        (CustomerInput(first_name="Jim", contacts=[ContactInput(ContactKind.EMAIL,
                                                                "jim@@example")]),
         "contacts.0.value", "not a valid e-mail address"),
        (CustomerInput(first_name="Jim", contacts=[
            ContactInput(ContactKind.EMAIL, "a@example.com", is_primary=True),
            ContactInput(ContactKind.EMAIL, "b@example.com", is_primary=True)]),
         "contacts.1.is_primary", "Only one e-mail"),
        (CustomerInput(first_name="Jim", contacts=[
            ContactInput(ContactKind.PHONE, "201 555 0134"),
            ContactInput(ContactKind.PHONE, "+1 (201) 555-0134")]),
         "contacts.1.value", "listed twice"),
        (CustomerInput(first_name="Jim", status=CustomerStatus.LOST), "lost_reason",
         "Say why the customer was lost"),
        (CustomerInput(first_name="Jim", addresses=[AddressInput("")]), "addresses.0.line1",
         "Street is required"),
        (CustomerInput(first_name="Jim", addresses=[AddressInput("1 Road", country="USA")]),
         "addresses.0.country", "two-letter code"),
        (CustomerInput(first_name="Jim", preferences=[
            PreferenceInput(PreferenceKind.OTHER, "")]), "preferences.0.text", "required"),
        (CustomerInput(first_name="Jim", tags=["t" * 61]), "tags.0", "at most 60"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(db: Database, owner: Actor,
                                                     form: CustomerInput, field: str,
                                                     message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerService(db).create(form, owner)
    assert field in caught.value.errors, caught.value.errors
    assert message in caught.value.errors[field]
    with db.read() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "customers")).all() == []


def test_all_field_errors_are_reported_at_once(db: Database, owner: Actor) -> None:
    form = CustomerInput(contacts=[ContactInput(ContactKind.EMAIL, "nope")])
    with pytest.raises(ValidationError) as caught:
        CustomerService(db).create(form, owner)
    assert set(caught.value.errors) == {"first_name", "contacts.0.value"}


def test_soft_delete_hides_and_restore_brings_back(any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    created = service.create(margo(), any_owner)
    service.delete(created.id, created.version, any_owner)
    with pytest.raises(NotFoundError):
        service.get(created.id)
    assert service.get(created.id, include_deleted=True).deleted_at is not None
    service.restore(created.id, any_owner)
    assert service.get(created.id).deleted_at is None


def test_every_change_is_audited_with_the_acting_user(db: Database, owner: Actor,
                                                      receptionist: Actor) -> None:
    service = CustomerService(db)
    created = service.create(margo(), receptionist)
    form = created.as_input()
    form.status = CustomerStatus.LOST
    form.lost_reason = "Moved away"
    service.update(created.id, created.version, form, owner)
    with db.read() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "customers", AuditEntry.entity_id == created.id)
            .order_by(AuditEntry.id)).all()
    assert [(e.action.value, e.user_id) for e in entries] == [
        ("create", receptionist.user_id), ("update", owner.user_id)]
    changes = json.loads(entries[1].changes)
    assert changes["status"] == ["prospect", "lost"]
    assert changes["lost_reason"] == [None, "Moved away"]


def test_tags_are_shared_case_insensitively(db: Database, owner: Actor) -> None:
    service = CustomerService(db)
    service.create(CustomerInput(first_name="A", tags=["VIP"]), owner)
    second = service.create(CustomerInput(first_name="B", tags=["vip", "Local"]), owner)
    assert second.tags == ("Local", "VIP")
    assert service.all_tags() == ["Local", "VIP"]


def test_bulk_changes_apply_to_every_selected_customer(any_db: Database,
                                                       any_owner: Actor) -> None:
    from crm_desktop.models import Role
    from crm_desktop.services.admin.user_service import UserService
    from crm_desktop.services.customers.customer_list_service import (
        CustomerFilter,
        CustomerListService,
    )
    from crm_desktop.services.customers.customer_service import BulkChange

    service = CustomerService(any_db)
    ids = [service.create(CustomerInput(first_name=n, tags=["Old"]), any_owner).id
           for n in ("Ann", "Bob", "Cy")]
    versions = {i: service.get(i).version for i in ids}
    assert service.bulk_change(ids[:2], BulkChange(add_tag="Gift buyer"), any_owner) == 2
    assert [service.get(i).tags for i in ids] == [("Gift buyer", "Old"), ("Gift buyer", "Old"),
                                                  ("Old",)]
    assert all(service.get(i).version == versions[i] + 1 for i in ids[:2])
    lister = CustomerListService(any_db)
    assert lister.count(CustomerFilter(text="gift buyer")) == 2  # the search index follows
    service.bulk_change(ids, BulkChange(remove_tag="old"), any_owner)
    assert service.get(ids[2]).tags == ()
    rita = UserService(any_db).add("Rita", Role.RECEPTIONIST, any_owner,
                                   first_password=FIRST_PASSWORD)
    service.bulk_change(ids, BulkChange(owner_id=rita.id), any_owner)
    assert {service.get(i).owner_name for i in ids} == {"Rita"}
    with pytest.raises(ValidationError) as caught:
        service.bulk_change(ids, BulkChange(status=CustomerStatus.LOST), any_owner)
    assert "lost_reason" in caught.value.errors
    service.bulk_change(ids, BulkChange(status=CustomerStatus.LOST, lost_reason="Closed"),
                        any_owner)
    assert {service.get(i).lost_reason for i in ids} == {"Closed"}
    with pytest.raises(ValidationError, match="Select at least one"):
        service.bulk_change([], BulkChange(add_tag="x"), any_owner)


def test_phones_show_national_for_the_shops_country_and_international_for_others(
        any_db: Database, any_owner: Actor) -> None:
    """One rule, however the number was typed or when: "+44 7700 900123" and "0161 496 0777"
    side by side in a British shop both read nationally; a German number reads +49."""
    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), country="GB"), any_owner)
    customers = CustomerService(any_db)
    margo = customers.create(CustomerInput(first_name="Margo", contacts=[
        ContactInput(ContactKind.PHONE, "+44 7700 900123", is_primary=True),
        ContactInput(ContactKind.PHONE, "0161 496 0777"),
        ContactInput(ContactKind.PHONE, "+49 30 901820")]), any_owner)
    assert [c.value for c in margo.contacts] == ["07700 900123", "0161 496 0777",
                                                 "+49 30 901820"]
    row = CustomerListService(any_db).page(CustomerFilter(text="Margo"))[0]
    assert row.phone == "07700 900123"
    # The shop moves to Germany: the same numbers follow the rule from the new country.
    settings.save_business(replace(settings.business(), country="DE"), any_owner)
    assert [c.value for c in customers.get(margo.id).contacts] == [
        "+44 7700 900123", "+44 161 496 0777", "030 901820"]
