"""The change feed: one desk sees what another committed, on both engines, and not its own
saves, nor what was rolled back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from crm_desktop.actor import Actor
from crm_desktop.errors import StorageError, ValidationError
from crm_desktop.models import AuditAction, ContactKind
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.storage.change_feed import Arrivals, ChangeFeed, SavedElsewhere
from crm_desktop.storage.database import Database

WAIT = 5.0  # seconds a notice may take to cross to the other desk (PostgreSQL)


@pytest.fixture
def front_desk(other_desk_db: Database) -> Database:
    return other_desk_db


def arrivals(feed: ChangeFeed, until: Callable[[list[SavedElsewhere]], bool]) -> Arrivals:
    """Poll until ``until`` holds for what arrived (one transaction's notices may cross the
    network in more than one piece), at most WAIT seconds."""
    saved: list[SavedElsewhere] = []
    everything = False
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        got = feed.poll(wait=0.5)
        saved += got.saved
        everything = everything or got.everything
        if until(saved):
            break
    return Arrivals(tuple(saved), everything)


def about(entity: str) -> Callable[[list[SavedElsewhere]], bool]:
    return lambda saved: any(e.entity == entity for e in saved)


@pytest.fixture
def feed(front_desk: Database) -> Iterator[ChangeFeed]:
    watching = ChangeFeed(front_desk)
    watching.start()
    yield watching
    watching.close()


def test_a_save_at_one_desk_arrives_at_the_other_with_who_and_what(
        any_db: Database, any_owner: Actor, front_desk: Database, feed: ChangeFeed) -> None:
    assert not feed.poll()  # nothing yet
    margo = CustomerService(any_db).create(CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, "+44 7700 900123")]), any_owner)

    arrived = arrivals(feed, lambda saved: {"customers", "contact_points"} <= {
        e.entity for e in saved})

    assert not arrived.everything
    by_entity = {e.entity: e for e in arrived.saved}
    assert {"customers", "contact_points"} <= set(by_entity)
    customer = by_entity["customers"]
    assert (customer.customer_id, customer.entity_id, customer.action) == (
        margo.id, margo.id, AuditAction.CREATE)
    assert customer.user_name == "Olivia Owner" and customer.user_id == any_owner.user_id
    assert "first_name" in customer.fields
    assert by_entity["contact_points"].customer_id == margo.id
    assert not feed.poll()  # each arrives once

    detail = CustomerService(any_db).get(margo.id)
    CustomerService(any_db).update(margo.id, detail.version, CustomerInput(
        first_name="Margo", last_name="Delacroix-Øster",
        contacts=[ContactInput(ContactKind.PHONE, "+44 7700 900123")]), any_owner)
    changed = arrivals(feed, about("customers")).saved
    assert [(e.entity, e.action, e.fields) for e in changed if e.entity == "customers"] == [
        ("customers", AuditAction.UPDATE, ("last_name", "sort_name"))]


def test_a_desk_does_not_hear_its_own_saves(any_db: Database, any_owner: Actor,
                                            front_desk: Database, feed: ChangeFeed) -> None:
    rita = UserService(front_desk).list_active()[0].as_actor()
    CustomerService(front_desk).create(CustomerInput(first_name="Jim", last_name="Hall"), rita)
    assert not feed.poll(wait=0.5 if not front_desk.is_sqlite else 0)
    # ...but hears the other desk's, after its own.
    CustomerService(any_db).create(CustomerInput(first_name="Alecia", last_name="Burns"),
                                   any_owner)
    assert [e.customer_id is not None for e in arrivals(feed, about("customers")).saved
            if e.entity == "customers"] == [True]


def test_nothing_arrives_of_a_save_that_was_refused(any_db: Database, any_owner: Actor,
                                                    feed: ChangeFeed) -> None:
    with pytest.raises(ValidationError):
        CustomerService(any_db).create(CustomerInput(first_name="", last_name=""), any_owner)
    with pytest.raises(RuntimeError), any_db.transaction(any_owner, None) as session:
        session.execute(text("INSERT INTO audit_entries (at, action, entity, changes) "
                             "VALUES (CURRENT_TIMESTAMP, 'create', 'customers', '{}')"))
        raise RuntimeError("rolled back")
    assert not feed.poll(wait=0.5 if not any_db.is_sqlite else 0)


def test_more_than_can_be_read_at_once_asks_for_everything(
        any_db: Database, any_owner: Actor, feed: ChangeFeed,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crm_desktop.storage.change_feed.MOST_AT_ONCE", 2)
    CustomerService(any_db).create(CustomerInput(
        first_name="Margo", last_name="Delacroix",
        contacts=[ContactInput(ContactKind.PHONE, "+44 7700 900123"),
                  ContactInput(ContactKind.EMAIL, "margo@example.com")]), any_owner)
    arrived = arrivals(feed, lambda saved: len(saved) >= 2)
    assert arrived.everything and len(arrived.saved) == 2
    assert not feed.poll()
    # What was not read of it is not announced later, with the next save.
    monkeypatch.setattr("crm_desktop.storage.change_feed.MOST_AT_ONCE", 2_000)
    jim = CustomerService(any_db).create(CustomerInput(first_name="Jim", last_name="Hall"),
                                         any_owner)
    later = arrivals(feed, about("customers"))
    assert {e.customer_id for e in later.saved} == {jim.id} and not later.everything


@pytest.mark.postgres
def test_a_dropped_link_is_said_at_once_and_everything_is_read_again_once_back(
        any_db: Database, any_owner: Actor, feed: ChangeFeed) -> None:
    if any_db.is_sqlite:
        pytest.skip("a SQLite file on this computer has no link to drop")
    listener_pid = feed._listener.info.backend_pid
    with any_db.engine.connect() as admin:  # as if the cable were pulled
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener_pid})
    CustomerService(any_db).create(CustomerInput(first_name="Jim", last_name="Hall"),
                                   any_owner)  # saved while this desk could not hear it
    with pytest.raises(StorageError, match="cannot be reached"):
        feed.poll(wait=1.0)
    back = feed.poll()
    assert back.everything  # what was missed is read afresh
    assert not feed.poll()
