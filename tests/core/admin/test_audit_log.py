"""The audit log's pages: the same rows however they are reached (by key from the page
before, by offset from the newest end, or counted back from the oldest), and its filters."""

from __future__ import annotations

from datetime import date

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import PermissionDeniedError
from crm_desktop.models import Role
from crm_desktop.services.admin.audit_service import AuditFilter, AuditKind, AuditService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD


def test_every_way_to_a_page_gives_the_same_rows(any_db: Database, any_owner: Actor,
                                                 clock: FakeClock) -> None:
    for n in range(23):
        CustomerService(any_db).create(CustomerInput(first_name=f"Jim {n}"), any_owner)
        if n % 3:
            clock.advance(minutes=1)  # and some share a moment, ordered by id then
    audit = AuditService(any_db)
    kind = AuditFilter(kind=AuditKind.CUSTOMERS)
    total = audit.count(kind, any_owner)
    assert total == 23
    whole = audit.page(kind, any_owner, limit=1000)
    assert [r.at for r in whole] == sorted((r.at for r in whole), reverse=True)
    by_key, after = [], None
    while page := audit.page(kind, any_owner, limit=5, after=after):
        by_key += page
        after = page[-1]
    assert [r.id for r in by_key] == [r.id for r in whole]
    for offset in range(0, total + 1):
        expected = [r.id for r in whole[offset:offset + 5]]
        assert [r.id for r in audit.page(kind, any_owner, offset=offset, limit=5,
                                         total=total)] == expected, offset
        assert [r.id for r in audit.page(kind, any_owner, offset=offset, limit=5)] == expected


def test_filters_by_person_kind_and_period(any_db: Database, any_owner: Actor,
                                           clock: FakeClock) -> None:
    users = UserService(any_db)
    rita = users.add("Rita Reception", Role.RECEPTIONIST, any_owner,
                     first_password=FIRST_PASSWORD)
    clock.advance(days=1)
    CustomerService(any_db).create(CustomerInput(first_name="Margo"), rita.as_actor())
    users.sign_in("Rita Reception", FIRST_PASSWORD)
    audit = AuditService(any_db)
    mine = audit.page(AuditFilter(user_id=rita.id), any_owner)
    assert {r.who for r in mine} == {"Rita Reception"}
    assert [r.what for r in audit.page(AuditFilter(kind=AuditKind.SIGN_INS), any_owner)] == [
        "Signed in"]
    day = clock.now.date()
    assert audit.count(AuditFilter(since=day, until=day), any_owner) == len(mine)
    assert audit.count(AuditFilter(until=date(2026, 3, 2)), any_owner) == audit.count(
        AuditFilter(), any_owner) - len(mine)
    with pytest.raises(PermissionDeniedError, match="audit log"):
        audit.count(AuditFilter(), rita.as_actor())
