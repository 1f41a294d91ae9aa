"""Customer queries: logged in seconds, always owned by someone, answered on time.

A query moves new → in progress → waiting on customer → resolved → closed, and can be
reopened. Every change is written as a ``QueryEvent`` in the same transaction, so the
customer's timeline shows who did what and when. The owner is always an active user:
the person logging it unless they choose someone else, and when someone is switched off
their open queries are handed over (see ``hand_over_open_queries``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import NotFoundError, ValidationError
from crm_desktop.formatting import PRIORITY_LABELS, QUERY_CHANNEL_LABELS, QUERY_STATUS_LABELS
from crm_desktop.models import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerQuery,
    CustomerStatus,
    FeedbackCategory,
    Priority,
    QueryChannel,
    QueryEvent,
    QueryEventKind,
    QueryStatus,
    User,
    customer_name,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers import lifecycle
from crm_desktop.services.customers.customer_service import (
    NAME_MAX,
    ContactInput,
    CustomerInput,
    add_customer,
    live_customer,
)
from crm_desktop.services.feedback.feedback_service import CategoryView, FeedbackService
from crm_desktop.services.follow_ups import follow_up_service
from crm_desktop.services.records import active_user, load_current
from crm_desktop.storage.database import Database
from crm_desktop.validation import (
    clean_multiline,
    clean_text,
    gather,
    normalize_email,
    normalize_phone,
)

OPEN_STATUSES = (QueryStatus.NEW, QueryStatus.IN_PROGRESS, QueryStatus.WAITING_ON_CUSTOMER)
DONE_STATUSES = (QueryStatus.RESOLVED, QueryStatus.CLOSED)
# Where a query may go next. Reopening (resolved or closed → in progress) is its own action.
NEXT_STATUSES: dict[QueryStatus, tuple[QueryStatus, ...]] = {
    QueryStatus.NEW: (QueryStatus.IN_PROGRESS, QueryStatus.WAITING_ON_CUSTOMER,
                      QueryStatus.RESOLVED),
    QueryStatus.IN_PROGRESS: (QueryStatus.WAITING_ON_CUSTOMER, QueryStatus.RESOLVED),
    QueryStatus.WAITING_ON_CUSTOMER: (QueryStatus.IN_PROGRESS, QueryStatus.RESOLVED),
    QueryStatus.RESOLVED: (QueryStatus.CLOSED,),
    QueryStatus.CLOSED: (),
}
# Overdue means the shop owes an answer: a query waiting on the customer is not overdue.
_OWED = (QueryStatus.NEW, QueryStatus.IN_PROGRESS)


def is_overdue(status: QueryStatus, due_at: datetime | None, now: datetime) -> bool:
    return status in _OWED and due_at is not None and due_at < now


@dataclass
class QueryInput:
    subject: str
    channel: QueryChannel = QueryChannel.PHONE
    details: str = ""
    priority: Priority = Priority.NORMAL
    owner_id: int | None = None  # None: the person logging it
    customer_id: int | None = None  # who asked, if they are already a customer...
    new_name: str = ""  # ...or a prospect created on the spot: a name
    new_contact: str = ""  # and one phone number or e-mail address
    category_id: int | None = None  # what it is about, from the owner's list of categories


@dataclass(frozen=True)
class QueryEventView:
    at: datetime
    kind: QueryEventKind
    status: QueryStatus
    detail: str
    who: str

    @property
    def title(self) -> str:
        if self.kind is QueryEventKind.LOGGED:
            return "Logged"
        if self.kind is QueryEventKind.REOPENED:
            return "Reopened"
        if self.kind is QueryEventKind.REASSIGNED:
            return "Reassigned"
        return QUERY_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class QueryView:
    id: int
    version: int
    customer_id: int
    customer_name: str
    channel: QueryChannel
    subject: str
    details: str
    priority: Priority
    status: QueryStatus
    owner_id: int
    owner_name: str
    category: str  # its category's name, or nothing
    owner_active: bool
    created_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    resolution: str
    events: tuple[QueryEventView, ...]

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.status, self.due_at, now)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class QueryScope(StrEnum):
    MINE = "mine"
    EVERYONE = "everyone"
    UNASSIGNED = "unassigned"  # the owner has been switched off: someone must take it


@dataclass(frozen=True)
class QueryFilter:
    scope: QueryScope = QueryScope.MINE
    user_id: int | None = None  # whose "mine"
    include_done: bool = False  # resolved and closed ones too
    customer_id: int | None = None
    overdue_at: datetime | None = None  # only those overdue at this moment


@dataclass(frozen=True)
class QueryRow:
    id: int
    customer_id: int
    customer_name: str
    subject: str
    channel: QueryChannel
    priority: Priority
    status: QueryStatus
    owner_name: str
    owner_active: bool
    created_at: datetime
    due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.status, self.due_at, now)


class QueryService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def response_due(self, priority: Priority, logged_at: datetime) -> datetime:
        """When an answer is due: the shop's setting for this priority, in hours."""
        return self._settings.business().answer_due(priority, logged_at)

    def categories(self) -> list[CategoryView]:
        """The owner's categories in use, to say what a query is about."""
        return FeedbackService(self._db).categories()

    # ---- writes ----------------------------------------------------------------------------

    def log(self, data: QueryInput, actor: Actor) -> QueryView:
        settings = self._settings.business()
        now = self._db.clock()
        errors: dict[str, str] = {}
        subject = gather(errors, lambda: clean_text("subject", "Subject", data.subject,
                                                    max_length=200, required=True), "")
        details = gather(errors, lambda: clean_multiline("details", "Details", data.details,
                                                         max_length=5000), "")
        prospect: tuple[CustomerInput, str] | None = None
        if data.customer_id is None:
            prospect = gather(errors, lambda: _prospect(data.new_name, data.new_contact,
                                                        settings.country), None)
        owner_id = data.owner_id if data.owner_id is not None else actor.user_id
        if owner_id is None:
            errors["owner_id"] = "Choose who owns this query."
        if errors:
            raise ValidationError(errors)
        assert owner_id is not None
        with self._db.transaction(actor, Permission.HANDLE_QUERIES) as session:
            _require_active_owner(session, owner_id)
            if prospect is not None:
                _refuse_known_contact(session, data.new_contact, prospect[1])
                customer = add_customer(session, prospect[0], actor, now, settings.country)
                customer.source = "Query"
            else:
                assert data.customer_id is not None
                customer = live_customer(session, data.customer_id)
            if data.category_id is not None:
                category = session.get(FeedbackCategory, data.category_id)
                if category is None or not category.active:
                    raise ValidationError.single("category_id",
                                                 "That category is no longer in use.")
            query = CustomerQuery(
                customer_id=customer.id, channel=data.channel, category_id=data.category_id,
                subject=subject,
                details=details, priority=data.priority, status=QueryStatus.NEW,
                owner_id=owner_id, due_at=settings.answer_due(data.priority, now))
            session.add(query)
            lifecycle.record_contact(customer, now)
            session.flush()
            _event(session, query, QueryEventKind.LOGGED, actor, now=now,
                   detail=f"{QUERY_CHANNEL_LABELS[data.channel]}, "
                          f"{PRIORITY_LABELS[data.priority].lower()} priority")
            return _view(session, query)

    def move(self, query_id: int, expected_version: int, status: QueryStatus, actor: Actor,
             *, note: str = "") -> QueryView:
        """The next step: in progress, waiting on the customer, resolved (with a note saying
        how) or closed."""
        resolution = ""
        if status is QueryStatus.RESOLVED:
            resolution = clean_multiline("resolution", "Resolution", note, max_length=5000)
            if not resolution:
                raise ValidationError.single("resolution",
                                             "Say how it was resolved: the next person to "
                                             "read this will want to know.")
        else:
            note = clean_text("note", "Note", note, max_length=500)
        now = self._db.clock()
        with self._db.transaction(actor, Permission.HANDLE_QUERIES) as session:
            query = _load(session, query_id, expected_version)
            if status not in NEXT_STATUSES[query.status]:
                raise ValidationError.single(
                    "status", f"A query that is {QUERY_STATUS_LABELS[query.status].lower()} "
                    f"cannot become {QUERY_STATUS_LABELS[status].lower()}.")
            query.status = status
            if status is QueryStatus.RESOLVED:
                query.resolution = resolution
                query.resolved_at = now
                follow_up_service.suggest_after_resolve(
                    session, query, self._settings.business(), now, actor.user_id)
            _event(session, query, QueryEventKind.STATUS, actor, now=now,
                   detail=resolution or note)
            session.flush()
            return _view(session, query)

    def reopen(self, query_id: int, expected_version: int, actor: Actor, *,
               reason: str = "") -> QueryView:
        reason = clean_text("reason", "Reason", reason, max_length=500)
        now = self._db.clock()
        with self._db.transaction(actor, Permission.HANDLE_QUERIES) as session:
            query = _load(session, query_id, expected_version)
            if query.status not in DONE_STATUSES:
                raise ValidationError.single("status", "Only a resolved or closed query can "
                                                       "be reopened; this one is still open.")
            query.status = QueryStatus.IN_PROGRESS
            query.resolved_at = None
            # The old resolution stays on the timeline (its event) and is cleared here.
            query.resolution = None
            # It is owed again: a fresh response time from now.
            query.due_at = self.response_due(query.priority, now)
            _event(session, query, QueryEventKind.REOPENED, actor, now=now, detail=reason)
            session.flush()
            return _view(session, query)

    def reassign(self, query_id: int, expected_version: int, owner_id: int,
                 actor: Actor) -> QueryView:
        now = self._db.clock()
        with self._db.transaction(actor, Permission.HANDLE_QUERIES) as session:
            query = _load(session, query_id, expected_version)
            owner = _require_active_owner(session, owner_id)
            if owner_id == query.owner_id:
                raise ValidationError.single("owner_id",
                                             f"{owner.display_name} already owns this query.")
            query.owner_id = owner_id
            _event(session, query, QueryEventKind.REASSIGNED, actor, now=now,
                   detail=f"to {owner.display_name}")
            session.flush()
            return _view(session, query)

    # ---- reads -----------------------------------------------------------------------------

    def get(self, query_id: int) -> QueryView:
        with self._db.read() as session:
            query = session.get(CustomerQuery, query_id)
            if query is None:
                raise NotFoundError("That query no longer exists.")
            return _view(session, query)

    def count(self, filters: QueryFilter) -> int:
        with self._db.read() as session:
            query = _where(select(func.count()).select_from(CustomerQuery)
                           .join(User, User.id == CustomerQuery.owner_id), filters)
            return int(session.scalar(query) or 0)

    def page(self, filters: QueryFilter, *, offset: int = 0, limit: int = 200
             ) -> list[QueryRow]:
        """Open ones first, soonest due first (so overdue ones lead), then the oldest."""
        done_last = case((CustomerQuery.status.in_(DONE_STATUSES), 1), else_=0)
        query = _where(
            select(CustomerQuery.id, CustomerQuery.customer_id, Customer.first_name,
                   Customer.last_name, Customer.company, CustomerQuery.subject,
                   CustomerQuery.channel, CustomerQuery.priority, CustomerQuery.status,
                   User.display_name, User.active, CustomerQuery.created_at,
                   CustomerQuery.due_at)
            .join(User, User.id == CustomerQuery.owner_id)
            .join(Customer, Customer.id == CustomerQuery.customer_id), filters)
        query = query.order_by(done_last, CustomerQuery.due_at.is_(None), CustomerQuery.due_at,
                               CustomerQuery.created_at, CustomerQuery.id)
        with self._db.read() as session:
            rows = session.execute(query.offset(offset).limit(limit)).all()
        return [QueryRow(r[0], r[1], customer_name(r[2], r[3], r[4], r[1]), r[5], r[6], r[7],
                         r[8], r[9], bool(r[10]), r[11], r[12]) for r in rows]

    def waiting_counts(self, user_id: int | None) -> dict[QueryScope, int]:
        """For the navigation badge: open queries that are mine, and unowned ones."""
        return {scope: self.count(QueryFilter(scope=scope, user_id=user_id))
                for scope in (QueryScope.MINE, QueryScope.UNASSIGNED)}


def hand_over_open_queries(session: Session, from_user: User, to_user: User, actor: Actor,
                           now: datetime) -> int:
    """Someone who leaves leaves no query without an owner: theirs go to ``to_user``."""
    queries = session.scalars(select(CustomerQuery).where(
        CustomerQuery.owner_id == from_user.id, CustomerQuery.status.in_(OPEN_STATUSES))).all()
    for query in queries:
        query.owner_id = to_user.id
        _event(session, query, QueryEventKind.REASSIGNED, actor, now=now,
               detail=f"to {to_user.display_name} ({from_user.display_name} left)")
    return len(queries)


def _where(query: Select[*tuple[Any, ...]], filters: QueryFilter
           ) -> Select[*tuple[Any, ...]]:
    conditions: list[ColumnElement[bool]] = []
    if not filters.include_done:
        conditions.append(CustomerQuery.status.in_(OPEN_STATUSES))
    if filters.scope is QueryScope.MINE:
        conditions.append(CustomerQuery.owner_id == (filters.user_id or -1))
    elif filters.scope is QueryScope.UNASSIGNED:
        conditions.append(User.active.is_(False))
    if filters.customer_id is not None:
        conditions.append(CustomerQuery.customer_id == filters.customer_id)
    if filters.overdue_at is not None:
        conditions += [CustomerQuery.status.in_(_OWED), CustomerQuery.due_at < filters.overdue_at]
    return query.where(*conditions)


def _prospect(name: str, contact: str, region: str) -> tuple[CustomerInput, str]:
    """A new prospect from just a name and one phone number or e-mail address, and that
    contact detail as stored for lookups."""
    errors: dict[str, str] = {}
    normalized = ""
    cleaned_name = gather(errors, lambda: clean_text("new_name", "Name", name, max_length=200,
                                                     required=True), "")
    value = contact.strip()
    kind = ContactKind.EMAIL if "@" in value else ContactKind.PHONE
    if not value:
        errors["new_contact"] = ("Enter a phone number or an e-mail address, so someone can "
                                 "get back to them.")
    else:
        normalized = gather(errors, lambda: (
            normalize_email("new_contact", value).casefold() if kind is ContactKind.EMAIL
            else normalize_phone("new_contact", value, region)[0]), "")
    first, _, last = cleaned_name.rpartition(" ")
    if not first:
        first, last = last, ""
    if max(len(first), len(last)) > NAME_MAX:
        errors["new_name"] = (f"That name is too long: first and last name may each have at "
                              f"most {NAME_MAX} characters.")
    if errors:
        raise ValidationError(errors)
    return CustomerInput(first_name=first, last_name=last,
                         status=CustomerStatus.PROSPECT,
                         contacts=[ContactInput(kind, value, is_primary=True)]), normalized


def _refuse_known_contact(session: Session, contact: str, normalized: str) -> None:
    """A caller whose number we already have is not new: say who it is instead of making a
    duplicate."""
    known = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name, Customer.company)
        .join(ContactPoint, ContactPoint.customer_id == Customer.id)
        .where(ContactPoint.normalized == normalized, Customer.deleted_at.is_(None)).limit(1)
    ).first()
    if known is not None:
        name = customer_name(known[1], known[2], known[3], known[0])
        raise ValidationError.single(
            "new_contact", f"{contact.strip()} belongs to {name} already: choose them under "
                           "“Existing customer”.")


def _require_active_owner(session: Session, user_id: int) -> User:
    return active_user(session, user_id, field="owner_id", cannot="own a query")


def _load(session: Session, query_id: int, expected_version: int) -> CustomerQuery:
    return load_current(session, CustomerQuery, query_id, expected_version, "query")


def _event(session: Session, query: CustomerQuery, kind: QueryEventKind, actor: Actor, *,
           now: datetime, detail: str) -> None:
    session.add(QueryEvent(query_id=query.id, customer_id=query.customer_id, at=now, kind=kind,
                           status=query.status, detail=detail[:1000], user_id=actor.user_id))


def _view(session: Session, query: CustomerQuery) -> QueryView:
    customer = session.get(Customer, query.customer_id)
    owner = session.get(User, query.owner_id)
    assert customer is not None and owner is not None
    category = (session.get(FeedbackCategory, query.category_id)
                if query.category_id is not None else None)
    events = session.execute(
        select(QueryEvent, User.display_name).outerjoin(User, User.id == QueryEvent.user_id)
        .where(QueryEvent.query_id == query.id).order_by(QueryEvent.at, QueryEvent.id)
    ).all()
    return QueryView(
        id=query.id, version=query.version, customer_id=customer.id,
        customer_name=customer.display_name, channel=query.channel, subject=query.subject,
        details=query.details, priority=query.priority, status=query.status,
        owner_id=owner.id, owner_name=owner.display_name, owner_active=owner.active,
        category=category.name if category is not None else "",
        created_at=query.created_at, due_at=query.due_at, resolved_at=query.resolved_at,
        resolution=query.resolution or "",
        events=tuple(QueryEventView(e.at, e.kind, e.status, e.detail, who or "")
                     for e, who in events),
    )
