"""Personal follow-ups: scheduled, assigned, reminded, recorded when done; never forgotten.

There is no server and no scheduled job, so nothing here waits for a timer:

- A **recurring** follow-up is one open row at a time. Completing (or skipping) it adds the
  next occurrence from its RRULE (see ``recurrence``), computed from the series' start in the
  follow-up's own zone. ``occurrence_at`` is the slot a row stands for and ``due_at`` when it
  is actually due, so one occurrence can be snoozed without moving the series; snoozing the
  whole series restarts the rule at the new time.
- **Suggestions** are rows in the SUGGESTED state with a unique ``suggestion_key``. Delivery
  and resolved-query suggestions are added in the same transaction as the delivery or the
  resolution; important dates and quiet customers are looked for whenever the Today view is
  refreshed (``refresh_suggestions``), an indexed and idempotent pass. Dismissing keeps the
  row, so the same reason is never proposed twice.
- **Reminders** are claimed (``claim_reminders``): a due, open follow-up whose
  ``notified_at`` is empty is stamped and returned once, so each occurrence is announced once,
  by whichever desk sees it first. What fell due while the app was closed is simply claimed at
  the next start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from crm_desktop.actor import Actor
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.models import (
    Customer,
    CustomerQuery,
    CustomerStatus,
    DateKind,
    FollowUp,
    FollowUpChannel,
    FollowUpState,
    ImportantDate,
    Order,
    User,
    customer_name,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.customers import dates, lifecycle
from crm_desktop.services.follow_ups import recurrence
from crm_desktop.services.records import active_user, load_current
from crm_desktop.services.reports.at_risk import AtRiskCustomer, at_risk
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, clean_text, gather

DEFAULT_HOUR = 9  # a follow-up due "on a day" is due at the start of the working day
MAX_YEARS_AHEAD = 10
SECTION_LIMIT = 100  # rows per Today section; the heading shows the full count
AT_RISK_ON_TODAY = 3  # the customers we may lose, shown on Today (the worst first)
QUIET_COUNT_CAP = 1000  # gone-quiet customers are counted up to this many
WEEK = 7
MIDNIGHT = time(0)


# ---- what callers pass in ------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRequest:
    """A follow-up scheduled along with something else (a logged contact)."""

    due: date
    channel: FollowUpChannel
    purpose: str
    assignee_id: int | None = None


@dataclass
class FollowUpInput:
    customer_id: int
    due: date
    purpose: str
    at: time | None = None  # None: due on the day, from the start of the working day
    channel: FollowUpChannel = FollowUpChannel.CALL
    assignee_id: int | None = None  # None: the person scheduling it
    notes: str = ""
    repeat: str | None = None  # an RRULE, e.g. "FREQ=MONTHLY"
    time_zone: str = ""  # IANA name; empty: this computer's
    source_kind: str | None = None  # what it was scheduled from: order, invoice, query, ...
    source_id: int | None = None


class Snooze(StrEnum):
    LATER_TODAY = "later_today"
    TOMORROW = "tomorrow"
    NEXT_WEEK = "next_week"


SNOOZE_LABELS = {Snooze.LATER_TODAY: "Later today", Snooze.TOMORROW: "Tomorrow",
                 Snooze.NEXT_WEEK: "Next week"}
LATER_TODAY_HOURS = 2


def snooze_until(choice: Snooze, now: datetime, zone_name: str = "") -> datetime:
    """When a quick snooze choice ends: in two hours, or tomorrow / in a week at 9:00."""
    if choice is Snooze.LATER_TODAY:
        return now + timedelta(hours=LATER_TODAY_HOURS)
    zone_name = zone_name or recurrence.local_zone_name()
    days = 1 if choice is Snooze.TOMORROW else WEEK
    return _at(_local_day(now, zone_name) + timedelta(days=days), zone_name)


def _local_day(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(recurrence.zone_for(zone_name)).date()


def _at(day: date, zone_name: str, clock_time: time = time(DEFAULT_HOUR)) -> datetime:
    """That day at that local time (9:00 unless told), as stored: in UTC."""
    return datetime.combine(day, clock_time, tzinfo=recurrence.zone_for(zone_name)
                            ).astimezone(UTC)


# ---- what callers get back -----------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpView:
    id: int
    version: int
    customer_id: int
    customer_name: str
    due_at: datetime
    has_time: bool
    time_zone: str
    channel: FollowUpChannel
    purpose: str
    notes: str
    assignee_id: int | None
    assignee_name: str
    state: FollowUpState
    rrule: str | None
    series_id: int | None
    occurrence_at: datetime | None
    source_kind: str | None
    source_id: int | None
    completed_at: datetime | None
    outcome: str
    cancel_reason: str
    updated_at: datetime | None = None  # last saved, and by whom (for a side-by-side choice)
    updated_by_id: int | None = None

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def repeat_text(self) -> str:
        return recurrence.describe(self.rrule)

    @property
    def snoozed(self) -> bool:
        return self.occurrence_at is not None and self.occurrence_at != self.due_at

    def overdue(self, now: datetime) -> bool:
        return self.state is FollowUpState.OPEN and _is_overdue(self.due_at, self.has_time,
                                                                now, self.time_zone)

    def local_due(self) -> datetime:
        return self.due_at.astimezone(recurrence.zone_for(self.time_zone))

    def as_input(self) -> FollowUpInput:
        """As the form shows it: what saving it unchanged would send."""
        local = self.local_due()
        chosen = recurrence.parse(self.rrule) if self.rrule else None
        return FollowUpInput(
            customer_id=self.customer_id, due=local.date(), purpose=self.purpose,
            at=local.time().replace(second=0, microsecond=0) if self.has_time else None,
            channel=self.channel, assignee_id=self.assignee_id, notes=self.notes,
            repeat=chosen.rrule() if chosen else self.rrule, time_zone=self.time_zone,
            source_kind=self.source_kind,
            source_id=self.source_id)


@dataclass(frozen=True)
class DateRow:
    customer_id: int
    customer_name: str
    upcoming: dates.Upcoming


@dataclass(frozen=True)
class QuietRow:
    customer_id: int
    customer_name: str
    last_contact_at: datetime
    usual_gap_days: float


T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    rows: tuple[T, ...]
    total: int


@dataclass(frozen=True)
class TodayView:
    now: datetime
    overdue: Section[FollowUpView]
    due_today: Section[FollowUpView]
    suggestions: Section[FollowUpView]
    upcoming: Section[FollowUpView]
    dates: Section[DateRow]
    quiet: Section[QuietRow]
    missed: tuple[FollowUpView, ...] = field(default=())


@dataclass(frozen=True)
class TodayScope:
    user_id: int | None  # whose day; None: everyone's
    include_unassigned: bool = True


# ---- the service ---------------------------------------------------------------------------


class FollowUpService:
    def __init__(self, database: Database, *, zone_name: str | None = None) -> None:
        self._db = database
        self._settings = SettingsService(database)
        self._zone_name = zone_name or recurrence.local_zone_name()

    @property
    def zone_name(self) -> str:
        return self._zone_name

    # ---- writes ----------------------------------------------------------------------------

    def schedule(self, data: FollowUpInput, actor: Actor) -> FollowUpView:
        now = self._db.clock()
        values = self._validated(data, now)
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            customer = _live_customer(session, data.customer_id)
            assignee = _active_assignee(session, data.assignee_id or actor.user_id)
            follow_up = FollowUp(
                customer_id=customer.id, state=FollowUpState.OPEN,
                assignee_id=assignee.id if assignee else None,
                source_kind=data.source_kind, source_id=data.source_id, **values)
            session.add(follow_up)
            session.flush()
            _start_series(follow_up)
            refresh_next_follow_up(session, customer)
            session.flush()
            return _view(session, follow_up)

    def edit(self, follow_up_id: int, expected_version: int, data: FollowUpInput,
             actor: Actor, *, accept: bool = False) -> FollowUpView:
        """Change when, how, what or who; ``accept`` also turns a suggestion into a real
        follow-up ("change, then accept")."""
        now = self._db.clock()
        values = self._validated(data, now)
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.OPEN, FollowUpState.SUGGESTED)
            assignee = _active_assignee(session, data.assignee_id or actor.user_id)
            for key, value in values.items():
                setattr(follow_up, key, value)
            follow_up.assignee_id = assignee.id if assignee else None
            follow_up.notified_at = None
            if accept:
                follow_up.state = FollowUpState.OPEN
            _start_series(follow_up)  # an edited series restarts from its new due time
            session.flush()
            refresh_next_follow_up(session, _customer(session, follow_up))
            return _view(session, follow_up)

    def accept(self, follow_up_id: int, expected_version: int, actor: Actor) -> FollowUpView:
        """A suggestion, as proposed, becomes a follow-up for whoever accepts it."""
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.SUGGESTED)
            follow_up.state = FollowUpState.OPEN
            if actor.user_id is not None:
                follow_up.assignee_id = actor.user_id
            # A suggestion for a day already gone is due now rather than born overdue.
            follow_up.due_at = max(follow_up.due_at, _start_of_day(self._db.clock(),
                                                                   follow_up.time_zone))
            session.flush()
            refresh_next_follow_up(session, _customer(session, follow_up))
            return _view(session, follow_up)

    def dismiss(self, follow_up_id: int, expected_version: int, actor: Actor) -> FollowUpView:
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.SUGGESTED)
            follow_up.state = FollowUpState.DISMISSED
            follow_up.completed_at = self._db.clock()
            session.flush()
            return _view(session, follow_up)

    def complete(self, follow_up_id: int, expected_version: int, outcome: str, actor: Actor
                 ) -> tuple[FollowUpView, FollowUpView | None]:
        """Done, with what came of it (for the timeline). A recurring one schedules its next
        occurrence in the same transaction; that one is returned too."""
        outcome = clean_multiline("outcome", "Outcome", outcome, max_length=1000)
        if not outcome:
            raise ValidationError.single("outcome", "Say how it went: the next person to "
                                                    "open this customer will want to know.")
        now = self._db.clock()
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.OPEN)
            follow_up.state = FollowUpState.DONE
            follow_up.completed_at = now
            follow_up.outcome = outcome
            customer = _customer(session, follow_up)
            lifecycle.record_contact(customer, now)
            following = _schedule_next(session, follow_up)
            session.flush()
            refresh_next_follow_up(session, customer)
            return (_view(session, follow_up),
                    _view(session, following) if following is not None else None)

    def snooze(self, follow_up_id: int, expected_version: int, until: datetime, actor: Actor,
               *, whole_series: bool = False) -> FollowUpView:
        """Due later. For a recurring follow-up, either only this occurrence moves (the
        series keeps its rhythm) or the whole series restarts from ``until``."""
        now = self._db.clock()
        if until <= now:
            raise ValidationError.single("until", "Snooze until a time that is still to come.")
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.OPEN)
            if whole_series and not follow_up.rrule:
                raise ValidationError.single("whole_series", "This follow-up does not repeat.")
            follow_up.due_at = until
            follow_up.has_time = follow_up.has_time or not _starts_day(until,
                                                                       follow_up.time_zone)
            follow_up.notified_at = None
            if whole_series:
                follow_up.series_start_at = follow_up.occurrence_at = until
            session.flush()
            refresh_next_follow_up(session, _customer(session, follow_up))
            return _view(session, follow_up)

    def reassign(self, follow_up_id: int, expected_version: int, assignee_id: int,
                 actor: Actor) -> FollowUpView:
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.OPEN, FollowUpState.SUGGESTED)
            assignee = _active_assignee(session, assignee_id)
            assert assignee is not None
            if follow_up.assignee_id == assignee.id:
                raise ValidationError.single("assignee_id",
                                             f"It is already {assignee.display_name}'s.")
            follow_up.assignee_id = assignee.id
            follow_up.notified_at = None  # the new person has not been reminded yet
            session.flush()
            return _view(session, follow_up)

    def cancel(self, follow_up_id: int, expected_version: int, reason: str, actor: Actor, *,
               whole_series: bool = False) -> tuple[FollowUpView, FollowUpView | None]:
        """Cancelled with a reason. Cancelling one occurrence of a series skips it: the next
        one is scheduled and returned."""
        reason = clean_text("reason", "Reason", reason, max_length=500)
        if not reason:
            raise ValidationError.single("reason", "Say why it is cancelled.")
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            follow_up = _load(session, follow_up_id, expected_version)
            _require_state(follow_up, FollowUpState.OPEN)
            follow_up.state = FollowUpState.CANCELLED
            follow_up.cancel_reason = reason
            follow_up.completed_at = self._db.clock()
            following = None if whole_series else _schedule_next(session, follow_up)
            session.flush()
            refresh_next_follow_up(session, _customer(session, follow_up))
            return (_view(session, follow_up),
                    _view(session, following) if following is not None else None)

    def refresh_suggestions(self, actor: Actor) -> int:
        """Propose follow-ups before important dates and for customers gone quiet. Safe to
        run any time, from either desk: each reason is proposed once."""
        settings = self._settings.business()
        now = self._db.clock()
        try:
            with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
                made = 0
                if settings.suggest_before_date:
                    made += _suggest_before_dates(session, settings, now, self._zone_name)
                if settings.suggest_when_quiet:
                    made += _suggest_for_quiet(session, settings, now, self._zone_name)
                return made
        except IntegrityError:
            return 0  # the other desk proposed the same ones a moment ago

    def claim_reminders(self, scope: TodayScope, actor: Actor) -> list[FollowUpView]:
        """Open follow-ups that have fallen due and not been announced yet, now marked as
        announced: each occurrence is returned once, ever."""
        now = self._db.clock()
        with self._db.transaction(actor, Permission.FOLLOW_UP) as session:
            ids = list(session.scalars(
                _scoped(select(FollowUp.id), scope)
                .where(FollowUp.state == FollowUpState.OPEN, FollowUp.due_at <= now,
                       FollowUp.notified_at.is_(None))
                .order_by(FollowUp.due_at, FollowUp.id).limit(500)))
            if not ids:
                return []
            claimed = session.execute(
                update(FollowUp).where(FollowUp.id.in_(ids), FollowUp.notified_at.is_(None))
                .values(notified_at=now).returning(FollowUp.id)).scalars().all()
            return _rows(session, select(FollowUp.id).where(FollowUp.id.in_(claimed)))

    # ---- reads -----------------------------------------------------------------------------

    def get(self, follow_up_id: int) -> FollowUpView:
        with self._db.read() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None:
                raise NotFoundError("That follow-up no longer exists.")
            return _view(session, follow_up)

    def for_customer(self, customer_id: int) -> list[FollowUpView]:
        """The customer's open follow-ups and waiting suggestions, soonest first."""
        with self._db.read() as session:
            return _rows(session, select(FollowUp.id).where(
                FollowUp.customer_id == customer_id,
                FollowUp.state.in_((FollowUpState.OPEN, FollowUpState.SUGGESTED))))

    def today(self, scope: TodayScope) -> TodayView:
        now = self._db.clock()
        day = _local_day(now, self._zone_name)
        start, tomorrow, week_end = (_at(day + timedelta(days=n), self._zone_name, MIDNIGHT)
                                     for n in (0, 1, WEEK))
        is_open = FollowUp.state == FollowUpState.OPEN
        overdue = or_(FollowUp.due_at < start, and_(FollowUp.has_time, FollowUp.due_at < now))
        settings = self._settings.business()
        with self._db.read() as session:
            def section(*conditions: ColumnElement[bool]) -> Section[FollowUpView]:
                return _section(session, scope, conditions)

            return TodayView(
                now=now,
                overdue=section(is_open, overdue),
                due_today=section(is_open, ~overdue, FollowUp.due_at < tomorrow),
                suggestions=section(FollowUp.state == FollowUpState.SUGGESTED,
                                    FollowUp.due_at < week_end),
                upcoming=section(is_open, FollowUp.due_at >= tomorrow,
                                 FollowUp.due_at < week_end),
                dates=_dates_this_week(session, day, scope),
                quiet=_quiet_customers(session, now, settings, scope),
            )

    def at_risk(self) -> Section[AtRiskCustomer]:
        """The few customers we are likeliest to lose, for Today (the Reports page lists them
        all). Scoring reads the whole shop, so Today asks for it on a worker."""
        settings = self._settings.business()
        with self._db.read() as session:
            found = at_risk(session, self._db.clock(), settings,
                            recurrence.zone_for(self._zone_name), limit=AT_RISK_ON_TODAY)
        return Section(found.customers, found.total)

    def due_count(self, scope: TodayScope) -> int:
        """Open follow-ups due by the end of today, overdue ones included: the badge."""
        day = _local_day(self._db.clock(), self._zone_name)
        tomorrow = _at(day + timedelta(days=1), self._zone_name, MIDNIGHT)
        with self._db.read() as session:
            return int(session.scalar(
                _scoped(select(func.count()).select_from(FollowUp), scope)
                .where(FollowUp.state == FollowUpState.OPEN, FollowUp.due_at < tomorrow)) or 0)

    def open_for_export(self, scope: TodayScope) -> list[FollowUpView]:
        with self._db.read() as session:
            return _rows(session, _scoped(select(FollowUp.id), scope)
                         .where(FollowUp.state == FollowUpState.OPEN))

    # ---- helpers ---------------------------------------------------------------------------

    def _validated(self, data: FollowUpInput, now: datetime) -> dict[str, Any]:
        errors: dict[str, str] = {}
        purpose = gather(errors, lambda: clean_text("purpose", "What to follow up",
                                                    data.purpose, max_length=500,
                                                    required=True), "")
        notes = gather(errors, lambda: clean_multiline("notes", "Notes", data.notes,
                                                       max_length=5000), "")
        rule: str | None = None
        if repeat := data.repeat:
            rule = gather(errors, lambda: recurrence.validate(repeat), None)
        zone_name = data.time_zone or self._zone_name
        if not recurrence.is_zone(zone_name):
            errors["time_zone"] = f"“{zone_name[:40]}” is not a time zone this computer knows."
            zone_name = self._zone_name
        today = _local_day(now, zone_name)
        if data.due < today:
            errors["due"] = "A follow-up cannot be due in the past: choose today or later."
        elif data.due.year > today.year + MAX_YEARS_AHEAD:
            errors["due"] = f"A follow-up can be due at most {MAX_YEARS_AHEAD} years ahead."
        if errors:
            raise ValidationError(errors)
        due_at = _at(data.due, zone_name, data.at or time(DEFAULT_HOUR))
        return {"due_at": due_at, "has_time": data.at is not None, "time_zone": zone_name,
                "channel": data.channel, "purpose": purpose, "notes": notes, "rrule": rule}


def schedule(session: Session, customer: Customer, request: FollowUpRequest,
             assignee_id: int | None, today: date, *, source_kind: str | None = None,
             source_id: int | None = None, field_prefix: str = "follow_up") -> FollowUp:
    """Add an open follow-up inside the caller's transaction (with a logged contact)."""
    purpose = clean_text(f"{field_prefix}.purpose", "What to follow up", request.purpose,
                         max_length=500, required=True)
    if request.due < today:
        raise ValidationError.single(f"{field_prefix}.due",
                                     "A follow-up cannot be due in the past.")
    zone_name = recurrence.local_zone_name()
    due_at = _at(request.due, zone_name)
    follow_up = FollowUp(
        customer_id=customer.id, due_at=due_at, has_time=False, time_zone=zone_name,
        channel=request.channel, purpose=purpose,
        assignee_id=request.assignee_id or assignee_id, state=FollowUpState.OPEN,
        source_kind=source_kind, source_id=source_id,
    )
    session.add(follow_up)
    session.flush()
    refresh_next_follow_up(session, customer)
    return follow_up


def refresh_next_follow_up(session: Session, customer: Customer) -> None:
    """Keep the customer's sortable 'next follow-up' in step with their open follow-ups."""
    customer.next_follow_up_at = session.scalar(
        select(func.min(FollowUp.due_at)).where(FollowUp.customer_id == customer.id,
                                                FollowUp.state == FollowUpState.OPEN))


# ---- suggestions made along with other work ------------------------------------------------


def suggest_after_delivery(session: Session, order: Order, settings: BusinessSettings,
                           now: datetime, assignee_id: int | None) -> FollowUp | None:
    """An order just arrived: a few days on, check they are happy with it."""
    if not settings.suggest_after_delivery or order.customer_id is None:
        return None
    return _suggest(session, key=f"order:{order.id}", customer_id=order.customer_id,
                    due_at=_on_day(now, settings.after_delivery_days),
                    channel=FollowUpChannel.CALL,
                    purpose=f"Make sure they're happy with order {order.id}",
                    source=("order", order.id), assignee_id=assignee_id)


def suggest_after_resolve(session: Session, query: CustomerQuery, settings: BusinessSettings,
                          now: datetime, assignee_id: int | None) -> FollowUp | None:
    """A query was resolved: a little later, check that it stayed solved."""
    if not settings.suggest_after_query:
        return None
    return _suggest(session, key=f"query:{query.id}:{now:%Y%m%d%H%M%S}",
                    customer_id=query.customer_id,
                    due_at=_on_day(now, settings.after_query_days),
                    channel=FollowUpChannel.CALL,
                    purpose=f"Make sure it stayed solved: {query.subject}"[:500],
                    source=("query", query.id), assignee_id=assignee_id)


def _suggest(session: Session, *, key: str, customer_id: int, due_at: datetime,
             channel: FollowUpChannel, purpose: str, source: tuple[str, int],
             assignee_id: int | None, known: set[str] | None = None,
             owner_id: int | None = None) -> FollowUp | None:
    """Propose it, unless this reason was proposed before (``known``: the keys already
    looked up in bulk). It goes to the customer's owner, else to ``assignee_id``."""
    if known is None:
        if session.scalar(select(FollowUp.id).where(FollowUp.suggestion_key == key)):
            return None
        owner_id = session.scalar(select(Customer.owner_id).where(Customer.id == customer_id))
    elif key in known:
        return None
    follow_up = FollowUp(
        customer_id=customer_id, due_at=due_at, has_time=False,
        time_zone=recurrence.local_zone_name(), channel=channel, purpose=purpose,
        assignee_id=owner_id or assignee_id, state=FollowUpState.SUGGESTED,
        source_kind=source[0], source_id=source[1], suggestion_key=key)
    session.add(follow_up)
    return follow_up


def _known_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of these reasons have been proposed already: one query per thousand."""
    known: set[str] = set()
    for start in range(0, len(keys), 1000):
        known.update(k for k in session.scalars(select(FollowUp.suggestion_key).where(
            FollowUp.suggestion_key.in_(keys[start:start + 1000]))) if k)
    return known


def _suggest_before_dates(session: Session, settings: BusinessSettings, now: datetime,
                          zone_name: str) -> int:
    today = _local_day(now, zone_name)
    lead = settings.before_date_days
    # Dates whose "send a card" day has come (the date itself still ahead) or comes this week.
    days = [today + timedelta(days=i) for i in range(lead + WEEK)]
    rows = session.execute(
        select(ImportantDate, Customer.owner_id)
        .join(Customer, Customer.id == ImportantDate.customer_id)
        .where(Customer.deleted_at.is_(None), _month_day_in(days))).all()
    made = 0
    found = [(important, owner_id, dates.next_occurrence(important.month, important.day, today))
             for important, owner_id in rows]
    known = _known_keys(session, [f"date:{i.id}:{on.year}" for i, _o, on in found])
    for important, owner_id, on in found:
        what = important.label or dates.KIND_LABELS[important.kind]
        key = f"date:{important.id}:{on.year}"
        due_day = max(on - timedelta(days=lead), today)
        suggestion = _suggest(
            session, key=key, customer_id=important.customer_id,
            due_at=_at(due_day, zone_name),
            channel=(FollowUpChannel.CARD if important.kind is not DateKind.CUSTOM
                     else FollowUpChannel.CALL),
            purpose=f"{what} on {on.day} {on:%b}: a card or a call?",
            source=("date", important.id), assignee_id=None, known=known, owner_id=owner_id)
        made += suggestion is not None
    return made


def _suggest_for_quiet(session: Session, settings: BusinessSettings, now: datetime,
                       zone_name: str) -> int:
    """Customers who have just gone quiet: longer than their usual gap (plus the grace)
    since their last contact. Only those who crossed the line in the last month, so a
    database full of long-lost customers does not bury the day in suggestions."""
    cutoff = now - timedelta(days=settings.quiet_grace_days)
    rows = session.execute(
        select(Customer.id, Customer.last_contact_at, Customer.usual_gap_days,
               Customer.owner_id)
        .where(Customer.deleted_at.is_(None), Customer.quiet_after_at < cutoff,
               Customer.quiet_after_at >= cutoff - timedelta(days=30),
               Customer.status.in_((CustomerStatus.CUSTOMER, CustomerStatus.INACTIVE)))
        .order_by(Customer.quiet_after_at.desc()).limit(200)).all()
    made = 0
    known = _known_keys(session, [f"quiet:{r[0]}:{r[1]:%Y%m%d}" for r in rows if r[1]])
    for customer_id, last_contact, gap, owner_id in rows:
        if last_contact is None or gap is None:
            continue
        suggestion = _suggest(
            session, key=f"quiet:{customer_id}:{last_contact:%Y%m%d}", customer_id=customer_id,
            due_at=_start_of_day(now, zone_name), channel=FollowUpChannel.CALL,
            purpose=f"Gone quiet: usually in touch every {round(gap)} days",
            source=("quiet", customer_id), assignee_id=None, known=known, owner_id=owner_id)
        made += suggestion is not None
    return made


# ---- internals -----------------------------------------------------------------------------


def _is_overdue(due_at: datetime, has_time: bool, now: datetime, zone_name: str) -> bool:
    """Timed follow-ups are overdue from their time; the others once their day is over."""
    if has_time:
        return due_at < now
    return _local_day(due_at, zone_name) < _local_day(now, zone_name)


def _on_day(now: datetime, days: int) -> datetime:
    zone_name = recurrence.local_zone_name()
    return _at(_local_day(now, zone_name) + timedelta(days=days), zone_name)


def _start_of_day(now: datetime, zone_name: str) -> datetime:
    return _at(_local_day(now, zone_name), zone_name, MIDNIGHT)


def _starts_day(moment: datetime, zone_name: str) -> bool:
    local = moment.astimezone(recurrence.zone_for(zone_name))
    return local.time() == time(DEFAULT_HOUR)


def _start_series(follow_up: FollowUp) -> None:
    """A recurring follow-up's series starts at its due time; a one-off has no series."""
    if follow_up.rrule:
        follow_up.series_id = follow_up.series_id or follow_up.id
        follow_up.series_start_at = follow_up.occurrence_at = follow_up.due_at
    else:
        follow_up.series_id = follow_up.series_start_at = follow_up.occurrence_at = None


def _schedule_next(session: Session, follow_up: FollowUp) -> FollowUp | None:
    if not follow_up.rrule:
        return None
    start = follow_up.series_start_at or follow_up.due_at
    slot = follow_up.occurrence_at or follow_up.due_at
    following = recurrence.next_occurrence(follow_up.rrule, start, slot, follow_up.time_zone)
    if following is None:
        return None  # the rule has run its course
    row = FollowUp(
        customer_id=follow_up.customer_id, due_at=following, has_time=follow_up.has_time,
        time_zone=follow_up.time_zone, channel=follow_up.channel, purpose=follow_up.purpose,
        notes=follow_up.notes, assignee_id=follow_up.assignee_id, rrule=follow_up.rrule,
        series_id=follow_up.series_id or follow_up.id, series_start_at=start,
        occurrence_at=following, state=FollowUpState.OPEN,
        source_kind=follow_up.source_kind, source_id=follow_up.source_id)
    session.add(row)
    session.flush()
    return row


def _month_day_in(days: Sequence[date]) -> ColumnElement[bool]:
    pairs = {(d.month, d.day) for d in days}
    if (2, 28) in pairs:
        pairs.add((2, 29))  # 29 February is kept on the 28th in other years
    return or_(*(and_(ImportantDate.month == m, ImportantDate.day == d) for m, d in pairs))


def _dates_this_week(session: Session, today: date, scope: TodayScope) -> Section[DateRow]:
    days = [today + timedelta(days=i) for i in range(WEEK)]
    query = (select(ImportantDate, Customer.first_name, Customer.last_name, Customer.company)
             .join(Customer, Customer.id == ImportantDate.customer_id)
             .where(Customer.deleted_at.is_(None), _month_day_in(days),
                    ImportantDate.kind.in_((DateKind.BIRTHDAY, DateKind.ANNIVERSARY,
                                            DateKind.CUSTOM))))
    if scope.user_id is not None:
        query = query.where(or_(Customer.owner_id == scope.user_id,
                                Customer.owner_id.is_(None)))
    rows: list[DateRow] = []
    for important, first, last, company in session.execute(query.limit(1000)):
        coming = dates.upcoming(important.kind, important.label, important.month,
                                important.day, important.year, today=today,
                                within_days=WEEK - 1)
        if coming is not None:
            rows.append(DateRow(important.customer_id,
                                customer_name(first, last, company, important.customer_id),
                                coming))
    rows.sort(key=lambda r: (r.upcoming.on, r.customer_name))
    return Section(tuple(rows[:SECTION_LIMIT]), len(rows))


def _quiet_customers(session: Session, now: datetime, settings: BusinessSettings,
                     scope: TodayScope) -> Section[QuietRow]:
    cutoff = now - timedelta(days=settings.quiet_grace_days)
    conditions = [Customer.deleted_at.is_(None), Customer.quiet_after_at < cutoff,
                  Customer.status.in_((CustomerStatus.CUSTOMER, CustomerStatus.INACTIVE)),
                  # nobody is already on it
                  Customer.next_follow_up_at.is_(None)]
    if scope.user_id is not None:
        conditions.append(or_(Customer.owner_id == scope.user_id, Customer.owner_id.is_(None)))
    # Counting every long-lost customer costs more than it tells: "1,000" means "at least".
    capped = select(Customer.id).where(*conditions).limit(QUIET_COUNT_CAP).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    rows = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name, Customer.company,
               Customer.last_contact_at, Customer.usual_gap_days)
        .where(*conditions).order_by(Customer.quiet_after_at.desc(), Customer.id.desc())
        .limit(SECTION_LIMIT)).all()
    return Section(tuple(QuietRow(r[0], customer_name(r[1], r[2], r[3], r[0]),
                                  r[4] or now, float(r[5] or 0)) for r in rows), total)


def _scoped(query: Select[Any], scope: TodayScope) -> Select[Any]:
    if scope.user_id is None:
        return query
    if scope.include_unassigned:
        return query.where(or_(FollowUp.assignee_id == scope.user_id,
                               FollowUp.assignee_id.is_(None)))
    return query.where(FollowUp.assignee_id == scope.user_id)


def _section(session: Session, scope: TodayScope, conditions: Sequence[ColumnElement[bool]]
             ) -> Section[FollowUpView]:
    total = int(session.scalar(_scoped(select(func.count()).select_from(FollowUp), scope)
                               .where(*conditions)) or 0)
    if not total:
        return Section((), 0)
    rows = _rows(session, _scoped(select(FollowUp.id), scope).where(*conditions)
                 .order_by(FollowUp.due_at, FollowUp.id).limit(SECTION_LIMIT))
    return Section(tuple(rows), total)


def _rows(session: Session, ids: Select[Any]) -> list[FollowUpView]:
    """The follow-ups ``ids`` selects, with their customer's and assignee's names, soonest
    first: one query however many there are."""
    assignee = aliased(User)
    found = session.execute(
        select(FollowUp, Customer.first_name, Customer.last_name, Customer.company,
               assignee.display_name)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .outerjoin(assignee, assignee.id == FollowUp.assignee_id)
        .where(FollowUp.id.in_(ids.scalar_subquery()))
        .order_by(FollowUp.due_at, FollowUp.id)).all()
    return [_make_view(f, customer_name(first, last, company, f.customer_id), who or "")
            for f, first, last, company, who in found]


def _live_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFoundError("That customer has been deleted; there is no one to follow up.")
    return customer


def _customer(session: Session, follow_up: FollowUp) -> Customer:
    customer = session.get(Customer, follow_up.customer_id)
    assert customer is not None
    return customer


def _active_assignee(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return active_user(session, user_id, field="assignee_id", cannot="be given follow-ups")


def _load(session: Session, follow_up_id: int, expected_version: int) -> FollowUp:
    return load_current(session, FollowUp, follow_up_id, expected_version, "follow-up")


_STATE_WORDS = {FollowUpState.SUGGESTED: "only suggested", FollowUpState.OPEN: "open",
                FollowUpState.DONE: "already done", FollowUpState.CANCELLED: "cancelled",
                FollowUpState.DISMISSED: "dismissed"}


def _require_state(follow_up: FollowUp, *states: FollowUpState) -> None:
    if follow_up.state not in states:
        raise ValidationError.single(
            "state", f"This follow-up is {_STATE_WORDS[follow_up.state]}; that cannot be done "
                     "to it any more.")


def _view(session: Session, follow_up: FollowUp) -> FollowUpView:
    [view] = _rows(session, select(FollowUp.id).where(FollowUp.id == follow_up.id))
    return view


def _make_view(f: FollowUp, name: str, who: str) -> FollowUpView:
    return FollowUpView(
        id=f.id, version=f.version, customer_id=f.customer_id, customer_name=name,
        due_at=f.due_at, has_time=f.has_time, time_zone=f.time_zone, channel=f.channel,
        purpose=f.purpose, notes=f.notes or "", assignee_id=f.assignee_id, assignee_name=who,
        state=f.state, rrule=f.rrule, series_id=f.series_id, occurrence_at=f.occurrence_at,
        source_kind=f.source_kind, source_id=f.source_id, completed_at=f.completed_at,
        outcome=f.outcome or "", cancel_reason=f.cancel_reason or "",
        updated_at=f.updated_at, updated_by_id=f.updated_by_id)
