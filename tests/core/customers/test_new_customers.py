"""Many new customers at once (an import) are stored exactly as the form stores one; on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import (
    Address,
    AddressKind,
    AuditEntry,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerSearch,
    DateKind,
    ImportantDate,
    PersonalNote,
    Preference,
    PreferenceKind,
    customer_tags,
)
from crm_desktop.models.base import table_of
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
)
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    ContactInput,
    CustomerInput,
    CustomerService,
    DateInput,
    PreferenceInput,
    validate_customer,
)
from crm_desktop.services.customers.new_customers import KnownTags, NewCustomer, add_customers
from crm_desktop.storage.database import Database


def margo(n: int | None = None) -> CustomerInput:
    return CustomerInput(
        first_name=f"Margo{n or ''}", last_name="Delacroix-Øster", company="  Øster  & Co ",
        source="Met at the fair",
        contacts=[ContactInput(ContactKind.PHONE, "(555) 013-4567", "Home"),
                  ContactInput(ContactKind.PHONE, "+44 161 496 0777", "Work",
                               is_primary=True),
                  ContactInput(ContactKind.EMAIL, f"Margo{n or ''}@Example.com")],
        addresses=[AddressInput("1  High   Street", postal_code="62701", city="Springfield"),
                   AddressInput("2 Low Road", city="Leeds", country="gb",
                                kind=AddressKind.SHIPPING, label=" Summer ")],
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE, " Time to consider ",
                                     pinned=True)],
        dates=[DateInput(DateKind.BIRTHDAY, 4, 17, 1985),
               DateInput(DateKind.CUSTOM, 6, 1, label="Shop  anniversary")],
        tags=["vip", "Regulars"])


_LEFT_OUT = {"id", "customer_id"}


def stored(session: Any, customer_id: int) -> dict[str, Any]:
    """Every row the customer has, without ids."""
    out: dict[str, Any] = {}
    for model in (Customer, ContactPoint, Address, Preference, ImportantDate, PersonalNote):
        table = table_of(model)
        key = table.c.id if model is Customer else table.c.customer_id
        out[table.name] = [{k: v for k, v in row._mapping.items() if k not in _LEFT_OUT}
                           for row in session.execute(select(table).where(
                               key == customer_id).order_by(table.c.id))]
    out["tags"] = sorted(session.scalars(select(customer_tags.c.tag_id).where(
        customer_tags.c.customer_id == customer_id)))
    search = session.execute(select(table_of(CustomerSearch)).where(
        CustomerSearch.customer_id == customer_id)).one()._mapping
    out["search"] = {k: v for k, v in search.items() if k != "customer_id"}
    return out


def test_a_customer_added_in_bulk_is_stored_as_the_form_stores_one(
        any_db: Database, any_owner: Actor) -> None:
    people = CustomerService(any_db)
    people.create(CustomerInput(first_name="Someone", tags=["VIP"]), any_owner)  # a tag we have
    by_form = people.create(margo(), any_owner)
    people.add_note(by_form.id, "Cat at the vet", any_owner, pinned=False)
    region = "US"
    with any_db.transaction(any_owner, Permission.IMPORT_CUSTOMERS) as session:
        [by_bulk] = add_customers(session, [NewCustomer(validate_customer(margo(), region),
                                                        ["Cat at the vet"])],
                                  any_owner, any_db.clock(), region, tags=KnownTags({}))
    with any_db.read() as session:
        form, bulk = stored(session, by_form.id), stored(session, by_bulk)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "customers", AuditEntry.entity_id == by_bulk)).one()
    assert bulk == form
    assert len(form["tags"]) == 2  # "vip" is the VIP we had; "Regulars" made once
    said = json.loads(entry.changes)
    assert said["first_name"] == "Margo"
    assert said["tags"] == {"added": ["VIP", "Regulars"], "removed": []}
    assert said["phones"] == "(555) 013-4567; +44 161 496 0777"
    assert said["notes"] == "Cat at the vet"
    assert entry.customer_id == by_bulk
    # Found by the front desk as any other.
    for typed in ("0134567", "cat at the", "oster"):
        found = CustomerListService(any_db).search(CustomerFilter(text=typed))
        assert set(found) == {by_form.id, by_bulk}, typed


def test_many_at_once_each_with_its_own_rows(any_db: Database, any_owner: Actor) -> None:
    clean = [NewCustomer(validate_customer(margo(n), "US")) for n in range(1, 1201)]
    with any_db.transaction(any_owner, Permission.IMPORT_CUSTOMERS) as session:
        ids = add_customers(session, clean, any_owner, any_db.clock(), "US",
                            tags=KnownTags({}))
    assert len(set(ids)) == 1200
    people = CustomerService(any_db)
    for n in (1, 600, 1200):  # the ids came back in the order given
        detail = people.get(ids[n - 1])
        assert detail.first_name == f"Margo{n}"
        assert [c.value for c in detail.contacts][-1] == f"Margo{n}@example.com"


def test_an_owner_who_is_gone_is_refused(any_db: Database, any_owner: Actor) -> None:
    data = margo(1)
    data.owner_id = 999_999
    with pytest.raises(ValidationError) as refused, \
            any_db.transaction(any_owner, Permission.IMPORT_CUSTOMERS) as session:
        add_customers(session, [NewCustomer(validate_customer(data, "US"))], any_owner,
                      any_db.clock(), "US", tags=KnownTags({}))
    assert refused.value.errors == {"owner_id": "That user no longer exists."}
