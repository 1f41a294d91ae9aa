from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, update

from crm_desktop.actor import Actor
from crm_desktop.models import ContactKind, Customer, CustomerStatus
from crm_desktop.services.customers.customer_list_service import (
    CustomerFilter,
    CustomerListService,
    SortKey,
)
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock

PEOPLE = [
    ("Jim", "Hart", "+1 (555) 013-4567", CustomerStatus.CUSTOMER, ["VIP"]),
    ("Margo", "Ñúñez", "201-555-0188", CustomerStatus.PROSPECT, []),
    ("Alecia", "Östberg", "+44 20 7946 0958", CustomerStatus.CUSTOMER, ["Local"]),
    ("Zoë", "Adams", "212 555 0101", CustomerStatus.LOST, ["vip"]),
]


@pytest.fixture
def people(any_db: Database, any_owner: Actor) -> dict[str, int]:
    service = CustomerService(any_db)
    ids = {}
    for first, last, phone, status, tags in PEOPLE:
        detail = service.create(CustomerInput(
            first_name=first, last_name=last, status=status, tags=tags,
            lost_reason="Moved" if status is CustomerStatus.LOST else "",
            contacts=[ContactInput(ContactKind.PHONE, phone)]), any_owner)
        ids[first] = detail.id
    with any_db.transaction(any_owner, None) as session:
        for value, first in ((Decimal("10.00"), "Jim"), (Decimal("99.50"), "Alecia")):
            session.execute(update(Customer).where(Customer.id == ids[first])
                            .values(lifetime_value=value))
    return ids


def names(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.display_name.split()[0] for r in rows]


def test_sorted_by_last_name_ignoring_accents(any_db: Database, people: dict[str, int]) -> None:
    service = CustomerListService(any_db)
    assert names(service.page(CustomerFilter())) == ["Zoë", "Jim", "Margo", "Alecia"]
    assert names(service.page(CustomerFilter(), descending=True)) == [
        "Alecia", "Margo", "Jim", "Zoë"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("nunez", ["Margo"]), ("NÚÑ", ["Margo"]), ("ost", ["Alecia"]), ("jim", ["Jim"]),
     ("0134", ["Jim"]), ("555 0134", ["Jim"]), ("7946", ["Alecia"]), ("zzz", []),
     ("%", [])],
)
def test_text_filter_matches_names_and_phone_fragments(any_db: Database, people: dict[str, int],
                                                       text: str, expected: list[str]) -> None:
    service = CustomerListService(any_db)
    rows = service.page(CustomerFilter(text=text))
    assert names(rows) == expected
    assert service.count(CustomerFilter(text=text)) == len(expected)


def test_filters_by_status_tag_and_owner(any_db: Database, people: dict[str, int],
                                         any_owner: Actor) -> None:
    service = CustomerListService(any_db)
    assert names(service.page(CustomerFilter(status=CustomerStatus.CUSTOMER))) == [
        "Jim", "Alecia"]
    assert names(service.page(CustomerFilter(tag="Vip"))) == ["Zoë", "Jim"]
    assert service.count(CustomerFilter(owner_id=any_owner.user_id)) == 4
    assert service.count(CustomerFilter(owner_id=-1)) == 0


def test_sort_by_value_and_nullable_columns(any_db: Database, people: dict[str, int]) -> None:
    service = CustomerListService(any_db)
    assert names(service.page(CustomerFilter(), SortKey.LIFETIME_VALUE, descending=True))[:2] \
        == ["Alecia", "Jim"]
    # Never contacted (NULL) comes last in both directions.
    rows = service.page(CustomerFilter(), SortKey.LAST_CONTACT)
    assert len(rows) == 4


def test_keyset_pages_equal_offset_pages(db: Database, owner: Actor, clock: FakeClock) -> None:
    service = CustomerService(db)
    for i in range(23):
        service.create(CustomerInput(first_name=f"P{i:02d}", last_name="Same"), owner)
    lister = CustomerListService(db)
    for sort in SortKey:
        for descending in (False, True):
            everything = lister.page(CustomerFilter(), sort, descending=descending, limit=100)
            pages, after = [], None
            for number in range(5):
                page = lister.page(CustomerFilter(), sort, descending=descending, limit=5,
                                   after=after, offset=number * 5)
                pages += page
                after = page[-1] if page else None
            assert [r.id for r in pages] == [r.id for r in everything], (sort, descending)


def test_pages_near_the_end_counted_back_from_it_equal_offset_pages(
        any_db: Database, any_owner: Actor) -> None:
    service = CustomerService(any_db)
    for i in range(23):
        service.create(CustomerInput(first_name=f"P{i:02d}", last_name="Same" if i % 3 else
                                     "Apart"), any_owner)
    lister = CustomerListService(any_db)
    for sort in SortKey:
        for descending in (False, True):
            everything = [r.id for r in lister.page(CustomerFilter(), sort,
                                                    descending=descending, limit=100)]
            for offset in (0, 11, 12, 17, 20, 22):
                page = lister.page(CustomerFilter(), sort, descending=descending, limit=5,
                                   offset=offset, total=23)
                assert [r.id for r in page] == everything[offset:offset + 5], (
                    sort, descending, offset)


def test_deleted_customers_are_not_listed(any_db: Database, people: dict[str, int],
                                          any_owner: Actor) -> None:
    service = CustomerService(any_db)
    jim = service.get(people["Jim"])
    service.delete(jim.id, jim.version, any_owner)
    lister = CustomerListService(any_db)
    assert "Jim" not in names(lister.page(CustomerFilter()))
    assert lister.count(CustomerFilter(text="0134")) == 0


def test_rows_carry_primary_contacts_and_tags(any_db: Database, people: dict[str, int]) -> None:
    row = CustomerListService(any_db).page(CustomerFilter(text="hart"))[0]
    assert row.phone == "(555) 013-4567"  # national: the shop is in the US
    assert row.tags == ("VIP",)
    assert row.owner_name == "Olivia Owner"


def test_the_unfiltered_list_pages_in_sort_index_order_without_sorting_everyone(
        db: Database) -> None:
    """The plan, not a timing: the page's ids come straight from the sort index (ordering by
    the constant search score as well made SQLite sort all 100,000 customers: 176 ms)."""
    pages: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, params: object,
                _context: object, _many: bool) -> None:
        if statement.lstrip().startswith("SELECT customers.id, customers.first_name"):
            pages.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    CustomerListService(db).page(CustomerFilter(), limit=200)
    event.remove(db.engine, "before_cursor_execute", capture)
    statement, params = pages[0]
    with db.engine.connect() as connection:
        plan = [str(row[-1]) for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", params)]
    assert any("ix_customers_sort_name_id" in step for step in plan), plan
    # One sort is left: the page's own 200 rows, after the join.
    assert sum("TEMP B-TREE" in step for step in plan) == 1, plan
