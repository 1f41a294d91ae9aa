from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from crm_desktop.actor import Actor
from crm_desktop.formatting import Formatter
from crm_desktop.gui.customers.customer_list_model import (
    COLUMNS,
    CUSTOMER_ID_ROLE,
    CustomerListModel,
)
from crm_desktop.services.customers.customer_list_service import CustomerFilter, CustomerListService
from crm_desktop.services.customers.customer_service import CustomerInput, CustomerService
from crm_desktop.storage.database import Database
from tests.ui.customers.counting import Later


class CountingService(CustomerListService):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.pages: list[dict[str, Any]] = []

    def page(self, filters: CustomerFilter, sort: Any = None, **kwargs: Any) -> Any:
        self.pages.append({"offset": kwargs.get("offset"), "after": kwargs.get("after")})
        return super().page(filters, sort, **kwargs) if sort else super().page(filters, **kwargs)


@pytest.fixture
def fifty(db: Database, owner: Actor) -> None:
    service = CustomerService(db)
    for i in range(50):
        service.create(CustomerInput(first_name=f"Person{i:02d}", last_name="Test"), owner)


def test_model_passes_qt_model_tester(qtmodeltester: ModelTester, db: Database, fifty: None,
                                      formatter: Formatter) -> None:
    model = CustomerListModel(CustomerListService(db), formatter, page_size=7)
    qtmodeltester.check(model)
    model.set_filter(CustomerFilter(text="person1"))
    qtmodeltester.check(model)


def test_only_pages_that_are_looked_at_are_loaded(db: Database, fifty: None,
                                                  formatter: Formatter) -> None:
    service = CountingService(db)
    model = CustomerListModel(service, formatter, page_size=10, max_pages=2)
    assert model.rowCount() == 50
    assert service.pages == []
    assert model.index(0, 0).data() == "Person00 Test"
    assert model.index(11, 0).data() == "Person11 Test"
    # The second page continued from the first by keyset, not by OFFSET.
    assert service.pages[1]["after"] is not None
    assert model.index(49, 0).data() == "Person49 Test"  # a jump: counted from the end
    assert service.pages[2] == {"offset": 40, "after": None}
    assert len(service.pages) == 3
    model.index(0, 0).data()  # page 0 was evicted (max_pages=2): read again
    assert len(service.pages) == 4


def test_sorting_happens_in_sql(db: Database, fifty: None, formatter: Formatter) -> None:
    model = CustomerListModel(CustomerListService(db), formatter)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "Person49 Test"
    phone_column = [c.key for c in COLUMNS].index("phone")
    model.sort(phone_column, Qt.SortOrder.AscendingOrder)  # not sortable: order unchanged
    assert model.index(0, 0).data() == "Person49 Test"
    assert isinstance(model.index(0, 0).data(CUSTOMER_ID_ROLE), int)


@pytest.fixture
def counted_later(monkeypatch: pytest.MonkeyPatch) -> Later:
    import crm_desktop.gui.customers.customer_list_model as list_model

    monkeypatch.setattr(list_model, "AT_ONCE", 20)  # (a million customers, in small)
    return Later()


def test_a_long_list_shows_at_once_and_takes_its_whole_length_when_counted(
        db: Database, fifty: None, formatter: Formatter, counted_later: Later,
        qtmodeltester: ModelTester) -> None:
    model = CustomerListModel(CountingService(db), formatter, page_size=10,
                              count_later=counted_later)
    qtmodeltester.check(model)
    assert model.rowCount() == 20  # counted as far as needed to show the first pages
    assert not model.counted
    assert model.index(19, 0).data() == "Person19 Test"
    counted_later.run()
    assert model.rowCount() == 50 and model.index(49, 0).data() == "Person49 Test"
    assert model.counted
    qtmodeltester.check(model)


def test_a_refresh_keeps_the_length_it_knew_while_it_counts_again(
        db: Database, owner: Actor, fifty: None, formatter: Formatter,
        counted_later: Later) -> None:
    service = CountingService(db)
    model = CustomerListModel(service, formatter, page_size=10, count_later=counted_later)
    counted_later.run()
    model.refresh()
    assert model.rowCount() == 50  # not 20 for a moment: no jump of the scrollbar
    service.pages.clear()
    assert model.index(49, 0).data() == "Person49 Test"
    assert service.pages == [{"offset": 40, "after": None}]  # read back from the end
    CustomerService(db).create(CustomerInput(first_name="Person50", last_name="Test"), owner)
    model.refresh()
    assert model.rowCount() == 50
    counted_later.run()  # the new customer is counted: the list takes it
    assert model.rowCount() == 51 and model.index(50, 0).data() == "Person50 Test"


def test_a_count_that_arrives_after_the_list_changed_is_dropped(
        db: Database, fifty: None, formatter: Formatter, counted_later: Later) -> None:
    model = CustomerListModel(CustomerListService(db), formatter, page_size=10,
                              count_later=counted_later)
    model.set_filter(CustomerFilter(text="person1"))  # a search: counted whole, at once
    searched = model.rowCount()
    counted_later.run()  # the whole list's count, of no use now
    assert model.rowCount() == searched == 10
