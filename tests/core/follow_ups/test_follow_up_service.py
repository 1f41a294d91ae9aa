"""Follow-ups: recurrence across DST, snoozing one occurrence or the series, reminders that
fire once, suggestions by rule, and the Today view, all on a clock the test moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.models import (
    CustomerStatus,
    DateKind,
    FollowUpChannel,
    FollowUpState,
    HistoryKind,
    QueryStatus,
    Role,
)
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import (
    CustomerInput,
    CustomerService,
    DateInput,
)
from crm_desktop.services.customers.timeline_service import TimelineKind, TimelineService
from crm_desktop.services.follow_ups import recurrence
from crm_desktop.services.follow_ups.follow_up_service import (
    FollowUpInput,
    FollowUpService,
    Snooze,
    TodayScope,
    snooze_until,
)
from crm_desktop.services.orders.order_service import OrderLineInput, OrderService
from crm_desktop.services.queries.query_service import QueryInput, QueryService
from crm_desktop.storage.database import Database
from tests.conftest import FakeClock
from tests.passwords import FIRST_PASSWORD

BERLIN = "Europe/Berlin"


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BERLIN))  # type: ignore[misc]


@pytest.fixture
def service(any_db: Database) -> FollowUpService:
    return FollowUpService(any_db, zone_name=BERLIN)


@pytest.fixture
def jim(any_db: Database, any_owner: Actor) -> int:
    return CustomerService(any_db).create(CustomerInput(first_name="Jim", last_name="Hale"),
                                          any_owner).id


def monthly(customer: int, due: date, *, rule: str = "FREQ=MONTHLY", at: time = time(9)
            ) -> FollowUpInput:
    return FollowUpInput(customer, due, "Ask how the new chairs are", at=at, repeat=rule,
                         time_zone=BERLIN)


def test_a_monthly_follow_up_keeps_its_local_time_across_the_dst_change(
        service: FollowUpService, jim: int, any_owner: Actor, any_db: Database,
        clock: FakeClock) -> None:
    first = service.schedule(monthly(jim, date(2026, 3, 16)), any_owner)
    assert first.due_at == berlin(2026, 3, 16, 9) and first.due_at.hour == 8  # CET: UTC+1
    assert first.repeat_text == "Every month" and first.series_id == first.id
    clock.now = berlin(2026, 3, 16, 10).astimezone(UTC)
    done, following = service.complete(first.id, first.version, "Happy; wants a cushion",
                                       any_owner)
    assert done.state is FollowUpState.DONE and done.completed_at == clock.now
    # Clocks went forward on 29 March: still 9:00 in Berlin, now 7:00 UTC.
    assert following is not None and following.due_at == berlin(2026, 4, 16, 9)
    assert following.due_at.astimezone(UTC).hour == 7
    assert (following.series_id, following.state) == (first.id, FollowUpState.OPEN)
    # And back again on 25 October.
    clock.now = berlin(2026, 10, 16, 9, 30).astimezone(UTC)
    series = following
    for month in range(4, 11):
        assert series.due_at == berlin(2026, month, 16, 9)
        _, next_one = service.complete(series.id, series.version, "Fine", any_owner)
        assert next_one is not None
        series = next_one
    assert series.due_at == berlin(2026, 11, 16, 9) and series.due_at.hour == 8
    # The customer's sortable "next follow-up" moves with the series.
    assert CustomerService(any_db).get(jim).next_follow_up_at == series.due_at


@pytest.mark.parametrize(("rule", "start", "then"), [
    ("FREQ=MONTHLY;BYDAY=+3MO", date(2026, 3, 16), date(2026, 4, 20)),  # third Monday
    ("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 3, 27), date(2026, 4, 24)),  # last Friday
    ("FREQ=WEEKLY;INTERVAL=2", date(2026, 3, 3), date(2026, 3, 17)),
    ("FREQ=DAILY;INTERVAL=10", date(2026, 3, 3), date(2026, 3, 13)),
    ("FREQ=YEARLY", date(2026, 3, 3), date(2027, 3, 3)),
])
def test_relative_and_interval_rules(service: FollowUpService, jim: int, any_owner: Actor,
                                     rule: str, start: date, then: date) -> None:
    first = service.schedule(monthly(jim, start, rule=rule), any_owner)
    _, following = service.complete(first.id, first.version, "Done", any_owner)
    assert following is not None and following.local_due().date() == then


def test_rules_read_as_people_say_them() -> None:
    assert recurrence.describe("FREQ=MONTHLY;BYDAY=+3MO") == "Every month on the third Monday"
    assert recurrence.describe("FREQ=MONTHLY;BYDAY=-1FR") == "Every month on the last Friday"
    assert recurrence.describe("FREQ=WEEKLY;INTERVAL=2") == "Every 2 weeks"
    assert recurrence.describe(None) == "Does not repeat"
    repeat = recurrence.Repeat(recurrence.Unit.MONTH, 1, -1, 4)
    assert repeat.rrule() == "FREQ=MONTHLY;BYDAY=-1FR"
    assert recurrence.parse(repeat.rrule()) == repeat


def test_snoozing_one_occurrence_keeps_the_rhythm_snoozing_the_series_moves_it(
        service: FollowUpService, jim: int, any_owner: Actor, clock: FakeClock) -> None:
    clock.now = berlin(2026, 3, 16, 10).astimezone(UTC)
    one = service.schedule(monthly(jim, date(2026, 3, 16)), any_owner)
    one = service.snooze(one.id, one.version, berlin(2026, 3, 20, 9), any_owner)
    assert one.due_at == berlin(2026, 3, 20, 9) and one.snoozed
    _, following = service.complete(one.id, one.version, "Done", any_owner)
    assert following is not None and following.due_at == berlin(2026, 4, 16, 9)

    series = service.schedule(monthly(jim, date(2026, 3, 16)), any_owner)
    series = service.snooze(series.id, series.version, berlin(2026, 3, 20, 9), any_owner,
                            whole_series=True)
    assert not series.snoozed
    _, following = service.complete(series.id, series.version, "Done", any_owner)
    assert following is not None and following.due_at == berlin(2026, 4, 20, 9)


def test_snooze_choices_and_refusals(service: FollowUpService, jim: int, any_owner: Actor,
                                     clock: FakeClock) -> None:
    now = clock.now  # Monday 2 March 2026, 10:30 in Berlin
    assert snooze_until(Snooze.LATER_TODAY, now, BERLIN) == now + timedelta(hours=2)
    assert snooze_until(Snooze.TOMORROW, now, BERLIN) == berlin(2026, 3, 3, 9)
    assert snooze_until(Snooze.NEXT_WEEK, now, BERLIN) == berlin(2026, 3, 9, 9)
    once = service.schedule(FollowUpInput(jim, date(2026, 3, 2), "Call back"), any_owner)
    with pytest.raises(ValidationError, match="still to come"):
        service.snooze(once.id, once.version, now - timedelta(minutes=1), any_owner)
    with pytest.raises(ValidationError, match="does not repeat"):
        service.snooze(once.id, once.version, now + timedelta(days=1), any_owner,
                       whole_series=True)
    later = service.snooze(once.id, once.version, snooze_until(Snooze.LATER_TODAY, now),
                           any_owner)
    assert later.has_time  # "later today" is a time, not just a day


def test_completing_needs_an_outcome_and_lands_on_the_timeline(
        service: FollowUpService, jim: int, any_owner: Actor, any_db: Database,
        clock: FakeClock) -> None:
    item = service.schedule(FollowUpInput(jim, date(2026, 3, 2), "Check the delivery",
                                          channel=FollowUpChannel.VISIT), any_owner)
    with pytest.raises(ValidationError) as raised:
        service.complete(item.id, item.version, "  ", any_owner)
    assert "outcome" in raised.value.errors
    clock.advance(hours=1)
    done, following = service.complete(item.id, item.version, "All fine, ordered polish",
                                       any_owner)
    assert following is None and done.outcome == "All fine, ordered polish"
    entry = TimelineService(any_db).page(jim, kinds=[TimelineKind.FOLLOW_UP])[0]
    assert (entry.at, entry.title, entry.detail, entry.who) == (
        clock.now, "Followed up (visit): Check the delivery", "All fine, ordered polish",
        "Olivia Owner")
    assert CustomerService(any_db).get(jim).last_contact_at == clock.now
    with pytest.raises(ValidationError, match="already done"):
        service.complete(done.id, done.version, "again", any_owner)


def test_cancelling_one_occurrence_skips_it_cancelling_the_series_ends_it(
        service: FollowUpService, jim: int, any_owner: Actor) -> None:
    first = service.schedule(monthly(jim, date(2026, 3, 16)), any_owner)
    with pytest.raises(ValidationError, match="why"):
        service.cancel(first.id, first.version, "", any_owner)
    cancelled, following = service.cancel(first.id, first.version, "On holiday", any_owner)
    assert cancelled.cancel_reason == "On holiday"
    assert following is not None and following.due_at == berlin(2026, 4, 16, 9)
    _, none = service.cancel(following.id, following.version, "Moved away", any_owner,
                             whole_series=True)
    assert none is None and service.for_customer(following.customer_id) == []


def test_bad_input_is_refused_at_its_field(service: FollowUpService, jim: int,
                                           any_owner: Actor, any_db: Database) -> None:
    with pytest.raises(ValidationError) as raised:
        service.schedule(FollowUpInput(jim, date(2026, 3, 1), " ", repeat="FREQ=SOMETIMES"),
                         any_owner)
    assert set(raised.value.errors) == {"due", "purpose", "repeat"}
    rita = UserService(any_db).add("Rita Reception", Role.RECEPTIONIST, any_owner,
                                   first_password=FIRST_PASSWORD)
    UserService(any_db).set_active(rita.id, False, any_owner)
    with pytest.raises(ValidationError, match="switched off"):
        service.schedule(FollowUpInput(jim, date(2026, 3, 3), "Call", assignee_id=rita.id),
                         any_owner)
    item = service.schedule(FollowUpInput(jim, date(2026, 3, 3), "Call"), any_owner)
    service.snooze(item.id, item.version, berlin(2026, 3, 4, 9), any_owner)
    with pytest.raises(ConflictError):
        service.complete(item.id, item.version, "stale", any_owner)


def test_reminders_fire_once_per_occurrence_and_missed_ones_wait_for_the_next_start(
        service: FollowUpService, jim: int, any_owner: Actor, any_db: Database,
        clock: FakeClock) -> None:
    mine = TodayScope(any_owner.user_id)
    item = service.schedule(FollowUpInput(jim, date(2026, 3, 2), "Call at noon",
                                          at=time(12)), any_owner)
    assert service.claim_reminders(mine, any_owner) == []  # not due yet (10:30)
    clock.now = berlin(2026, 3, 2, 12).astimezone(UTC)
    assert [r.id for r in service.claim_reminders(mine, any_owner)] == [item.id]
    assert service.claim_reminders(mine, any_owner) == []  # once, ever
    # The app was closed over the weekend: both fell due meanwhile, and both wait.
    a = service.schedule(FollowUpInput(jim, date(2026, 3, 6), "Friday call"), any_owner)
    b = service.schedule(FollowUpInput(jim, date(2026, 3, 7), "Saturday card"), any_owner)
    restarted = FollowUpService(any_db, zone_name=BERLIN)
    clock.now = berlin(2026, 3, 9, 8).astimezone(UTC)
    assert [r.id for r in restarted.claim_reminders(mine, any_owner)] == [a.id, b.id]
    # A snoozed one is a new occurrence in time: it will be announced again.
    b = restarted.get(b.id)
    restarted.snooze(b.id, b.version, clock.now + timedelta(hours=1), any_owner)
    clock.advance(hours=1)
    assert [r.id for r in restarted.claim_reminders(mine, any_owner)] == [b.id]
    # Someone else's follow-ups are theirs to be reminded of.
    rita = UserService(any_db).add("Rita Reception", Role.RECEPTIONIST, any_owner,
                                   first_password=FIRST_PASSWORD)
    service.schedule(FollowUpInput(jim, date(2026, 3, 9), "Rita's", assignee_id=rita.id),
                     any_owner)
    clock.advance(hours=2)
    assert restarted.claim_reminders(mine, any_owner) == []
    assert len(restarted.claim_reminders(TodayScope(rita.id), any_owner)) == 1


def test_a_delivered_order_suggests_checking_they_are_happy(
        service: FollowUpService, jim: int, any_owner: Actor, any_db: Database,
        clock: FakeClock) -> None:
    orders = OrderService(any_db)
    order = orders.create_draft(jim, [OrderLineInput(D(1), "Chair", unit_price=D("80.00"),
                                                     tax_rate=D(0))], any_owner)
    order = orders.confirm(order.id, order.version, any_owner)
    assert service.for_customer(jim) == []
    orders.deliver(order.id, order.version, {order.lines[0].id: D(1)}, any_owner)
    (suggestion,) = service.for_customer(jim)
    assert suggestion.state is FollowUpState.SUGGESTED
    assert suggestion.purpose == f"Make sure they're happy with order {order.id}"
    assert suggestion.local_due().date() == date(2026, 3, 5)  # three days on
    assert (suggestion.source_kind, suggestion.source_id) == ("order", order.id)
    # Not on the timeline until someone accepts it; accepting makes it theirs.
    assert TimelineService(any_db).page(jim, kinds=[TimelineKind.FOLLOW_UP]) == []
    accepted = service.accept(suggestion.id, suggestion.version, any_owner)
    assert accepted.state is FollowUpState.OPEN and accepted.assignee_id == any_owner.user_id
    assert CustomerService(any_db).get(jim).next_follow_up_at == accepted.due_at


def test_suggestion_rules_follow_the_settings(service: FollowUpService, jim: int,
                                              any_owner: Actor, any_db: Database) -> None:
    settings = SettingsService(any_db)
    settings.save_business(replace(settings.business(), suggest_after_query=False), any_owner)
    queries = QueryService(any_db)
    query = queries.log(QueryInput("Wobbly leg", customer_id=jim), any_owner)
    queries.move(query.id, query.version, QueryStatus.RESOLVED, any_owner, note="Sent a new screw")
    assert service.for_customer(jim) == []
    settings.save_business(replace(settings.business(), suggest_after_query=True,
                                   after_query_days=10), any_owner)
    query = queries.get(query.id)
    query = queries.reopen(query.id, query.version, any_owner)
    queries.move(query.id, query.version, QueryStatus.RESOLVED, any_owner, note="Replaced the leg")
    (suggestion,) = service.for_customer(jim)
    assert suggestion.purpose == "Make sure it stayed solved: Wobbly leg"
    assert suggestion.local_due().date() == date(2026, 3, 12)


def test_important_dates_are_suggested_ahead_once_even_if_dismissed(
        service: FollowUpService, any_owner: Actor, any_db: Database, clock: FakeClock) -> None:
    customers = CustomerService(any_db)
    margo = customers.create(CustomerInput(first_name="Margo", dates=[
        DateInput(DateKind.BIRTHDAY, 3, 12, 1970)]), any_owner).id
    customers.create(CustomerInput(first_name="Later", dates=[
        DateInput(DateKind.BIRTHDAY, 4, 30)]), any_owner)
    assert service.refresh_suggestions(any_owner) == 1  # 12 March is within 7 + 7 days
    (card,) = service.for_customer(margo)
    assert card.channel is FollowUpChannel.CARD
    assert card.purpose == "Birthday on 12 Mar: a card or a call?"
    assert card.local_due().date() == date(2026, 3, 5)  # a week ahead
    service.dismiss(card.id, card.version, any_owner)
    assert service.refresh_suggestions(any_owner) == 0
    assert service.for_customer(margo) == []
    clock.advance(days=365)  # next year's birthday is a new reason
    assert service.refresh_suggestions(any_owner) >= 1
    assert len(service.for_customer(margo)) == 1


def test_a_customer_quiet_for_longer_than_usual_is_suggested(
        service: FollowUpService, any_owner: Actor, any_db: Database, clock: FakeClock) -> None:
    customers = CustomerService(any_db)
    timeline = TimelineService(any_db)
    alecia = customers.create(CustomerInput(first_name="Alecia",
                                            status=CustomerStatus.CUSTOMER), any_owner).id
    # She calls about every 30 days...
    for _ in range(4):
        timeline.log(alecia, HistoryKind.CALL, "Monthly order", any_owner)
        clock.advance(days=30)
    detail = customers.get(alecia)
    assert detail.last_contact_at is not None
    # ...so 30 days after the last call (plus 14 days' grace) she counts as gone quiet.
    clock.now = detail.last_contact_at + timedelta(days=30 + 13)
    assert service.refresh_suggestions(any_owner) == 0
    assert service.today(TodayScope(None)).quiet.total == 0
    clock.advance(days=2)
    assert service.refresh_suggestions(any_owner) == 1
    (suggestion,) = service.for_customer(alecia)
    assert suggestion.purpose == "Gone quiet: usually in touch every 30 days"
    today = service.today(TodayScope(None))
    assert [r.customer_name for r in today.quiet.rows] == ["Alecia"]
    assert [r.id for r in today.suggestions.rows] == [suggestion.id]


def test_today_sorts_the_day_into_sections(service: FollowUpService, jim: int,
                                           any_owner: Actor, any_db: Database,
                                           clock: FakeClock) -> None:
    rita = UserService(any_db).add("Rita Reception", Role.RECEPTIONIST, any_owner,
                                   first_password=FIRST_PASSWORD)
    CustomerService(any_db).create(CustomerInput(first_name="Birthday", last_name="Girl",
                                                 dates=[DateInput(DateKind.BIRTHDAY, 3, 4)]),
                                   any_owner)

    def add(day: int, purpose: str, **kwargs: object) -> int:
        return service.schedule(FollowUpInput(jim, date(2026, 3, day), purpose, **kwargs),
                                any_owner).id  # type: ignore[arg-type]

    late = add(2, "Was due this morning", at=time(8))
    today = add(2, "Sometime today")
    soon = add(5, "Thursday")
    add(12, "Next week")
    ritas = add(2, "Rita's", assignee_id=rita.id)
    clock.advance(days=2)  # Wednesday 4 March, 10:30: the first three are now overdue
    overdue_two = add(4, "Due at four", at=time(16))
    view = service.today(TodayScope(any_owner.user_id))
    assert [r.id for r in view.overdue.rows] == [late, today]
    assert [r.id for r in view.due_today.rows] == [overdue_two]
    assert [r.id for r in view.upcoming.rows] == [soon]
    assert [d.customer_name for d in view.dates.rows] == ["Birthday Girl"]
    assert view.dates.rows[0].upcoming.describe() == "Birthday today"
    everyone = service.today(TodayScope(None))
    assert ritas in [r.id for r in everyone.overdue.rows] and everyone.overdue.total == 3
    assert all(r.overdue(view.now) for r in view.overdue.rows)
