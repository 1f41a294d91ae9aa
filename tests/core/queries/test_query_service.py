"""Queries: logged with an owner, moved through their statuses, overdue on the shop's clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.models import (
    ContactKind,
    Priority,
    QueryChannel,
    QueryEventKind,
    QueryStatus,
    User,
)
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    ContactInput,
    CustomerInput,
    CustomerService,
)
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.feedback.feedback_service import FeedbackService
from crm_desktop.services.queries.query_service import (
    QueryFilter,
    QueryInput,
    QueryScope,
    QueryService,
)
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock


def test_a_caller_who_is_not_a_customer_becomes_a_prospect_with_their_query(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    queries = QueryService(any_db)
    query = queries.log(QueryInput("Do you repair cane chairs?", channel=QueryChannel.PHONE,
                                   new_name="Alecia de la Cruz", new_contact="(201) 555-0188"),
                        any_owner)
    customer = CustomerService(any_db).get(query.customer_id)
    assert (customer.first_name, customer.last_name) == ("Alecia de la", "Cruz")
    assert customer.status.value == "prospect" and customer.source == "Query"
    assert customer.contacts[0].normalized == "+12015550188"
    assert customer.last_contact_at == clock.now
    # The person logging it owns it; it is due after the shop's time for a normal priority.
    assert query.owner_id == any_owner.user_id and query.status is QueryStatus.NEW
    assert query.due_at == clock.now + timedelta(hours=72)
    assert [q.subject for q in customer.open_queries] == ["Do you repair cane chairs?"]


def test_a_known_number_is_not_made_into_a_second_customer(db: Database, owner: Actor) -> None:
    CustomerService(db).create(CustomerInput(first_name="Jim", contacts=[
        ContactInput(kind=ContactKind.PHONE, value="201-555-0123")]), owner)
    with pytest.raises(ValidationError) as raised:
        QueryService(db).log(QueryInput("Price?", new_name="J", new_contact="+1 201 555 0123"),
                             owner)
    assert raised.value.errors == {"new_contact": "+1 201 555 0123 belongs to Jim already: "
                                                  "choose them under “Existing customer”."}


def test_missing_and_wrong_details_are_named_at_their_fields(db: Database, owner: Actor) -> None:
    with pytest.raises(ValidationError) as raised:
        QueryService(db).log(QueryInput("  ", new_name="", new_contact="not a number"), owner)
    assert set(raised.value.errors) == {"subject", "new_name", "new_contact"}
    with pytest.raises(ValidationError) as raised:
        QueryService(db).log(QueryInput("Hello", new_name="Ann", new_contact=""), owner)
    assert "phone number or an e-mail" in raised.value.errors["new_contact"]


def test_a_query_says_what_it_is_about_from_the_owners_categories(
        db: Database, owner: Actor) -> None:
    queries = QueryService(db)
    jim = CustomerService(db).create(CustomerInput(first_name="Jim"), owner).id
    categories = {c.name: c.id for c in queries.categories()}
    query = queries.log(QueryInput("Where is the parcel?", customer_id=jim,
                                   category_id=categories["Delivery"]), owner)
    assert queries.get(query.id).category == "Delivery"
    assert queries.log(QueryInput("Hello", customer_id=jim), owner).category == ""
    feedback = FeedbackService(db)
    feedback.set_category_active(categories["Staff"], False, owner)
    assert "Staff" not in {c.name for c in queries.categories()}
    for gone in (categories["Staff"], 10_000):
        with pytest.raises(ValidationError) as raised:
            queries.log(QueryInput("Hello", customer_id=jim, category_id=gone), owner)
        assert raised.value.errors == {"category_id": "That category is no longer in use."}


def test_the_status_flow_and_every_step_on_the_timeline(
        any_db: Database, any_owner: Actor, clock: FakeClock) -> None:
    queries = QueryService(any_db)
    query = queries.log(QueryInput("Where is my parcel?", new_name="Margo",
                                   new_contact="margo@example.com"), any_owner)
    clock.advance(hours=1)
    query = queries.move(query.id, query.version, QueryStatus.IN_PROGRESS, any_owner)
    query = queries.move(query.id, query.version, QueryStatus.WAITING_ON_CUSTOMER, any_owner,
                         note="Asked for the order number")
    # Resolving needs a note saying how; a skipped or backwards step is refused.
    with pytest.raises(ValidationError, match="Say how it was resolved"):
        queries.move(query.id, query.version, QueryStatus.RESOLVED, any_owner)
    with pytest.raises(ValidationError, match="cannot become closed"):
        queries.move(query.id, query.version, QueryStatus.CLOSED, any_owner)
    query = queries.move(query.id, query.version, QueryStatus.RESOLVED, any_owner,
                         note="Found it at the depot; delivered today")
    assert query.resolution == "Found it at the depot; delivered today"
    assert query.resolved_at == clock.now
    with pytest.raises(ValidationError, match="resolved cannot become in progress"):
        queries.move(query.id, query.version, QueryStatus.IN_PROGRESS, any_owner)
    query = queries.move(query.id, query.version, QueryStatus.CLOSED, any_owner)
    clock.advance(days=2)
    query = queries.reopen(query.id, query.version, any_owner, reason="Parcel was damaged")
    assert query.status is QueryStatus.IN_PROGRESS and query.resolution == ""
    assert query.due_at == clock.now + timedelta(hours=72)  # owed again, from now
    assert [e.title for e in query.events] == [
        "Logged", "In progress", "Waiting on customer", "Resolved", "Closed", "Reopened"]
    assert all(e.who == "Olivia Owner" for e in query.events)

    timeline = TimelineService(any_db).page(query.customer_id, kinds=[TimelineKind.QUERY])
    assert [e.title for e in timeline] == [
        "Query reopened: Where is my parcel?", "Query closed: Where is my parcel?",
        "Query resolved: Where is my parcel?",
        "Query waiting on customer: Where is my parcel?",
        "Query in progress: Where is my parcel?", "Query logged: Where is my parcel?"]
    assert timeline[2].detail == "Found it at the depot; delivered today"
    assert timeline[0].at == clock.now


def test_a_stale_screen_cannot_overwrite_a_newer_change(db: Database, owner: Actor) -> None:
    queries = QueryService(db)
    query = queries.log(QueryInput("Refund?", new_name="Ann", new_contact="ann@example.com"),
                        owner)
    queries.move(query.id, query.version, QueryStatus.IN_PROGRESS, owner)
    with pytest.raises(ConflictError):
        queries.move(query.id, query.version, QueryStatus.RESOLVED, owner, note="Refunded")


def test_owner_rules(db: Database, owner: Actor, receptionist: Actor) -> None:
    users = UserService(db)
    queries = QueryService(db)
    # The receptionist logs it and owns it unless she names someone else.
    mine = queries.log(QueryInput("Opening hours?", new_name="Ann",
                                  new_contact="ann@example.com"), receptionist)
    assert mine.owner_name == "Rita Reception"
    given = queries.log(QueryInput("Invoice wrong", customer_id=mine.customer_id,
                                   owner_id=owner.user_id), receptionist)
    assert given.owner_name == "Olivia Owner"
    # Reassigning is recorded; it must name someone new and active.
    moved = queries.reassign(mine.id, mine.version, owner.user_id or 0, receptionist)
    assert moved.owner_name == "Olivia Owner"
    assert moved.events[-1].kind is QueryEventKind.REASSIGNED
    assert moved.events[-1].detail == "to Olivia Owner"
    with pytest.raises(ValidationError, match="already owns"):
        queries.reassign(moved.id, moved.version, owner.user_id or 0, owner)
    moved = queries.reassign(moved.id, moved.version, receptionist.user_id or 0, owner)
    # When Rita leaves, her open queries pass to the owner who switched her off: no query is
    # ever left without an active owner.
    left = users.set_active(receptionist.user_id or 0, False, owner)
    assert left.handed_over == 1
    handed = queries.get(moved.id)
    assert handed.owner_name == "Olivia Owner" and handed.owner_active
    assert handed.events[-1].detail == "to Olivia Owner (Rita Reception left)"
    with pytest.raises(ValidationError, match="switched off and cannot own"):
        queries.log(QueryInput("Hi", customer_id=mine.customer_id,
                               owner_id=receptionist.user_id), owner)


def test_mine_everyone_and_unassigned_lists(db: Database, owner: Actor, receptionist: Actor,
                                            clock: FakeClock) -> None:
    queries = QueryService(db)
    first = queries.log(QueryInput("Urgent!", priority=Priority.URGENT, new_name="Ann",
                                   new_contact="ann@example.com"), owner)
    clock.advance(hours=1)
    queries.log(QueryInput("Whenever", priority=Priority.LOW,
                                    customer_id=first.customer_id), receptionist)
    third = queries.log(QueryInput("Done soon", customer_id=first.customer_id), owner)
    queries.move(third.id, third.version, QueryStatus.RESOLVED, owner, note="Answered")

    def subjects(**kwargs: object) -> list[str]:
        filters = QueryFilter(user_id=owner.user_id, **kwargs)  # type: ignore[arg-type]
        rows = queries.page(filters)
        assert queries.count(filters) == len(rows)
        return [r.subject for r in rows]

    assert subjects() == ["Urgent!"]
    assert subjects(scope=QueryScope.EVERYONE) == ["Urgent!", "Whenever"]  # soonest due first
    assert subjects(scope=QueryScope.EVERYONE, include_done=True) == [
        "Urgent!", "Whenever", "Done soon"]
    assert subjects(scope=QueryScope.UNASSIGNED) == []
    # A query whose owner was switched off some other way (say, on the other desk while this
    # one was logging) shows up as unassigned until someone takes it.
    with db.transaction(owner, None) as session:
        user = session.get(User, receptionist.user_id)
        assert user is not None
        user.active = False
    assert subjects(scope=QueryScope.UNASSIGNED) == ["Whenever"]
    assert queries.waiting_counts(owner.user_id)[QueryScope.UNASSIGNED] == 1


def test_overdue_follows_the_clock_and_the_priority_settings(
        db: Database, owner: Actor, clock: FakeClock) -> None:
    settings = SettingsService(db)
    settings.save_business(replace(settings.business(), respond_urgent_hours=2), owner)
    queries = QueryService(db)
    query = queries.log(QueryInput("Leak!", priority=Priority.URGENT, new_name="Ann",
                                   new_contact="ann@example.com"), owner)
    assert query.due_at == clock.now + timedelta(hours=2)
    clock.advance(hours=1, minutes=59)
    assert not queries.get(query.id).overdue(clock.now)
    clock.advance(minutes=2)
    assert queries.get(query.id).overdue(clock.now)
    [row] = queries.page(QueryFilter(user_id=owner.user_id))
    assert row.overdue(clock.now)
    # Waiting on the customer: the answer is theirs to give, so it is not overdue for us.
    query = queries.move(query.id, query.version, QueryStatus.WAITING_ON_CUSTOMER, owner)
    assert not query.overdue(clock.now)
    query = queries.move(query.id, query.version, QueryStatus.RESOLVED, owner, note="Fixed")
    assert not query.overdue(clock.now)


def test_response_times_are_validated_settings(db: Database, owner: Actor) -> None:
    settings = SettingsService(db)
    with pytest.raises(ValidationError) as raised:
        settings.save_business(replace(settings.business(), respond_low_hours=0), owner)
    assert set(raised.value.errors) == {"respond_low_hours"}


def test_only_people_can_be_owners(db: Database, owner: Actor) -> None:
    from crm_desktop.actor import SYSTEM
    with pytest.raises(ValidationError) as raised:
        QueryService(db).log(QueryInput("Hi", new_name="Ann", new_contact="ann@example.com"),
                             SYSTEM)
    assert set(raised.value.errors) == {"owner_id"}
