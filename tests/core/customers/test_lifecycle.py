"""prospect → customer on first order → inactive after the quiet period (computed) → lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_desktop.actor import Actor
from crm_desktop.models import Customer, CustomerStatus
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers import lifecycle
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def listed(db: Database, status: CustomerStatus) -> list[str]:
    rows = CustomerListService(db).page(CustomerFilter(status=status))
    return [r.display_name for r in rows]


def test_first_order_turns_a_prospect_into_a_customer(any_db: Database, any_owner: Actor,
                                                      clock: FakeClock) -> None:
    service = CustomerService(any_db)
    jim = service.create(CustomerInput(first_name="Jim"), any_owner)
    assert jim.shown_status is CustomerStatus.PROSPECT
    clock.advance(days=3)
    with any_db.transaction(any_owner, None) as session:
        customer = session.get(Customer, jim.id)
        assert customer is not None
        lifecycle.record_order(session, customer, clock.now)
    jim = service.get(jim.id)
    assert (jim.status, jim.shown_status) == (CustomerStatus.CUSTOMER, CustomerStatus.CUSTOMER)
    assert jim.last_contact_at == clock.now
    assert listed(any_db, CustomerStatus.CUSTOMER) == ["Jim"]
    assert listed(any_db, CustomerStatus.PROSPECT) == []


def test_a_quiet_customer_is_shown_inactive_without_any_job(any_db: Database,
                                                            any_owner: Actor,
                                                            clock: FakeClock) -> None:
    service = CustomerService(any_db)
    margo = service.create(CustomerInput(first_name="Margo",
                                         status=CustomerStatus.CUSTOMER), any_owner)
    clock.advance(days=364)
    assert service.get(margo.id).shown_status is CustomerStatus.CUSTOMER
    clock.advance(days=2)  # past the default 365 quiet days
    assert service.get(margo.id).shown_status is CustomerStatus.INACTIVE
    assert service.get(margo.id).status is CustomerStatus.CUSTOMER  # nothing was written
    assert listed(any_db, CustomerStatus.INACTIVE) == ["Margo"]
    assert listed(any_db, CustomerStatus.CUSTOMER) == []
    row = CustomerListService(any_db).page(CustomerFilter())[0]
    assert row.status is CustomerStatus.INACTIVE
    # A contact makes her active again at once.
    with any_db.transaction(any_owner, None) as session:
        customer = session.get(Customer, margo.id)
        assert customer is not None
        lifecycle.record_contact(customer, clock.now)
    assert service.get(margo.id).shown_status is CustomerStatus.CUSTOMER
    assert listed(any_db, CustomerStatus.INACTIVE) == []


def test_the_quiet_period_is_a_setting(db: Database, owner: Actor, clock: FakeClock) -> None:
    service = CustomerService(db)
    alecia = service.create(CustomerInput(first_name="Alecia",
                                          status=CustomerStatus.CUSTOMER), owner)
    clock.advance(days=40)
    assert service.get(alecia.id).shown_status is CustomerStatus.CUSTOMER
    SettingsService(db).save_business(BusinessSettings(inactive_after_days=30), owner)
    assert service.get(alecia.id).shown_status is CustomerStatus.INACTIVE


def test_prospects_are_never_inactive_and_lost_keeps_its_reason(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    service = CustomerService(any_db)
    service.create(CustomerInput(first_name="Pat"), any_owner)
    lost = service.create(CustomerInput(first_name="Lou", status=CustomerStatus.LOST,
                                        lost_reason="Found a cheaper shop"), any_owner)
    clock.advance(days=1000)
    assert listed(any_db, CustomerStatus.PROSPECT) == ["Pat"]
    rows = CustomerListService(any_db).page(CustomerFilter(status=CustomerStatus.LOST))
    assert [(r.display_name, r.lost_reason) for r in rows] == [("Lou", "Found a cheaper shop")]
    assert service.get(lost.id).shown_status is CustomerStatus.LOST


def test_python_and_sql_rules_agree(db: Database, owner: Actor, clock: FakeClock) -> None:
    service = CustomerService(db)
    for days in (0, 200, 400):
        service.create(CustomerInput(first_name=f"D{days}", status=CustomerStatus.CUSTOMER),
                       owner)
        clock.advance(days=days)
    cutoff = lifecycle.quiet_since(clock.now, 365)
    with db.read() as session:
        rows = session.execute(select(Customer, lifecycle.effective_status(cutoff))).all()
    for customer, shown in rows:
        activity = customer.last_contact_at or customer.status_changed_at
        assert lifecycle.effective(customer.status, activity, cutoff).value == shown


@pytest.mark.parametrize("status", [CustomerStatus.PROSPECT, CustomerStatus.LOST])
def test_effective_leaves_prospects_and_lost_alone(status: CustomerStatus,
                                                   clock: FakeClock) -> None:
    assert lifecycle.effective(status, clock.now, clock.now) is status
