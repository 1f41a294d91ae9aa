from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models import (
    AuditEntry,
    ContactKind,
    Customer,
    CustomerSearch,
    HistoryKind,
    Order,
    Role,
)
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.timeline_service import TimelineService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD


@pytest.fixture
def margo(any_db: Database, any_owner: Actor) -> int:
    return CustomerService(any_db).create(CustomerInput(
        first_name="Margo", last_name="Nuñez", contacts=[
            ContactInput(ContactKind.PHONE, "+1 201 555 0134"),
            ContactInput(ContactKind.EMAIL, "margo@example.com")]), any_owner).id


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (CustomerInput(first_name="M", contacts=[ContactInput(ContactKind.PHONE,
                                                              "(201) 555-0134")]),
         "same phone number"),
        (CustomerInput(first_name="Someone", contacts=[ContactInput(ContactKind.EMAIL,
                                                                    "MARGO@example.com")]),
         "same e-mail address"),
        (CustomerInput(first_name="Margot", last_name="Nunez"), "similar name"),
        (CustomerInput(first_name="margo", last_name="NUÑEZ"), "similar name"),
    ],
)
def test_duplicates_are_found_by_number_e_mail_or_similar_name(
        any_db: Database, margo: int, form: CustomerInput, reason: str) -> None:
    found = CustomerService(any_db).find_duplicates(form)
    assert [(d.id, d.display_name, d.reason) for d in found] == [(margo, "Margo Nuñez", reason)]


def test_different_people_are_not_duplicates(any_db: Database, margo: int) -> None:
    service = CustomerService(any_db)
    assert service.find_duplicates(CustomerInput(first_name="Jim", last_name="Nunn")) == []
    assert service.find_duplicates(CustomerInput(first_name="Margo", last_name="Nuñez"),
                                   exclude_id=margo) == []
    half_typed = CustomerInput(first_name="X", contacts=[ContactInput(ContactKind.PHONE, "20")])
    assert service.find_duplicates(half_typed) == []


def test_trash_restores_within_30_days_then_the_owner_purges(
        any_db: Database, any_owner: Actor, margo: int, clock: FakeClock) -> None:
    service = CustomerService(any_db)
    TimelineService(any_db).log(margo, HistoryKind.CALL, "Called", any_owner)
    detail = service.get(margo)
    service.delete(margo, detail.version, any_owner)
    [row] = service.trash()
    assert (row.display_name, row.deleted_by, row.kept_for_records) == (
        "Margo Nuñez", "Olivia Owner", False)
    assert row.purge_on == clock.now.date() + timedelta(days=30)
    clock.advance(days=29)
    assert service.purge_expired(any_owner) == 0
    clock.advance(days=2)
    assert service.purge_expired(any_owner) == 1
    assert service.trash() == []
    with any_db.read() as session:
        assert session.get(Customer, margo) is None
        assert session.scalar(select(func.count()).select_from(CustomerSearch)) == 0
        deletions = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "customers", AuditEntry.action == "delete")).all()
    assert [d.entity_id for d in deletions] == [margo]
    assert CustomerListService(any_db).count(CustomerFilter(text="margo")) == 0


def test_customers_with_orders_stay_in_the_trash(any_db: Database, any_owner: Actor,
                                                 margo: int, clock: FakeClock) -> None:
    owner = any_owner
    service = CustomerService(any_db)
    with any_db.transaction(owner, None) as session:
        session.add(Order(customer_id=margo, currency="USD", ordered_at=clock.now))
    service.delete(margo, service.get(margo).version, owner)
    assert service.trash()[0].kept_for_records
    assert service.purge([margo], owner) == 0
    assert service.get(margo, include_deleted=True).deleted_at is not None


def test_only_the_owner_purges(any_db: Database, any_owner: Actor, margo: int) -> None:
    receptionist = UserService(any_db).add("Rita", Role.RECEPTIONIST, any_owner,
                                           first_password=FIRST_PASSWORD).as_actor()
    service = CustomerService(any_db)
    service.delete(margo, service.get(margo).version, receptionist)
    with pytest.raises(PermissionDeniedError, match="Only the shop owner"):
        service.purge([margo], receptionist)
    assert service.purge_expired(receptionist) == 0


def test_merge_moves_everything_and_keeps_the_search_in_step(
        any_db: Database, any_owner: Actor, margo: int, clock: FakeClock) -> None:
    from crm_desktop.models import DateKind, PreferenceKind
    from crm_desktop.services.customers.customer_service import DateInput, PreferenceInput

    service = CustomerService(any_db)
    twin = service.create(CustomerInput(
        first_name="Margo", last_name="Nunez", company="Nunez Flowers", tags=["VIP"],
        contacts=[ContactInput(ContactKind.PHONE, "+1 201 555 0134"),  # the same number
                  ContactInput(ContactKind.PHONE, "+1 201 555 0199")],
        preferences=[PreferenceInput(PreferenceKind.SERVICE_STYLE, "Always in a hurry",
                                     pinned=True)],
        dates=[DateInput(DateKind.BIRTHDAY, 4, 1)]), any_owner)
    TimelineService(any_db).log(twin.id, HistoryKind.VISIT, "Bought tulips", any_owner)
    from decimal import Decimal

    from crm_desktop.services.orders.order_service import OrderLineInput, OrderService

    OrderService(any_db).create_draft(twin.id, [OrderLineInput(
        Decimal(2), "Tulips", unit_price=Decimal("3.50"), tax_rate=Decimal(7))], any_owner)
    clock.advance(minutes=1)
    merged = service.merge(margo, twin.id, any_owner)
    assert merged.company == "Nunez Flowers"
    assert merged.tags == ("VIP",)
    assert [c.value for c in merged.contacts] == [
        "(201) 555-0134", "margo@example.com", "(201) 555-0199"]
    assert [c.is_primary for c in merged.contacts] == [True, True, False]
    assert [p.text for p in merged.preferences] == ["Always in a hurry"]
    assert [(d.month, d.day) for d in merged.important_dates] == [(4, 1)]
    titles = [e.title for e in TimelineService(any_db).page(margo)]
    assert "Bought tulips" in titles and "Order 1 placed" in titles
    assert titles[0] == f"Merged with Margo Nunez (C-{twin.id:06d})"
    assert service.get(twin.id, include_deleted=True).deleted_at is not None
    lister = CustomerListService(any_db)
    assert [r.id for r in lister.page(CustomerFilter(text="0199"))] == [margo]
    assert [r.id for r in lister.page(CustomerFilter(text="flowers"))] == [margo]
    assert lister.count(CustomerFilter(text="nunez")) == 1
