"""Everything that happened with a customer, newest first, one page at a time.

Each kind of event lives in its own table; a page asks each table for its newest rows before
the cursor and merges them. With an index on (customer, time) per table this stays fast with
a million history entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import FEEDBACK_KIND_LABELS, FOLLOW_UP_CHANNEL_LABELS, local_zone
from crm_desktop.models import (
    CustomerQuery,
    Feedback,
    FeedbackCategory,
    FollowUp,
    FollowUpState,
    HistoryEntry,
    HistoryKind,
    Invoice,
    InvoiceKind,
    Order,
    OrderEvent,
    OrderEventKind,
    Payment,
    QueryEvent,
    User,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.customers import lifecycle
from crm_desktop.services.customers.customer_service import live_customer
from crm_desktop.services.follow_ups import follow_up_service, recurrence
from crm_desktop.services.follow_ups.follow_up_service import FollowUpRequest
from crm_desktop.services.queries.query_service import QueryEventView
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, clean_text, gather


class TimelineKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    LETTER = "letter"
    NOTE = "note"
    ORDER = "order"
    INVOICE = "invoice"
    PAYMENT = "payment"
    QUERY = "query"
    FEEDBACK = "feedback"
    FOLLOW_UP = "follow_up"


KIND_LABELS = {
    TimelineKind.CALL: "Call", TimelineKind.VISIT: "Visit", TimelineKind.EMAIL: "E-mail",
    TimelineKind.LETTER: "Letter", TimelineKind.NOTE: "Note", TimelineKind.ORDER: "Order",
    TimelineKind.INVOICE: "Invoice", TimelineKind.PAYMENT: "Payment",
    TimelineKind.QUERY: "Query", TimelineKind.FEEDBACK: "Feedback",
    TimelineKind.FOLLOW_UP: "Follow-up",
}
_RANK = {kind: rank for rank, kind in enumerate(TimelineKind)}
_HISTORY_KINDS = {TimelineKind(k.value) for k in HistoryKind}
_Query = Select[*tuple[Any, ...]]
_TIES = 20  # extra rows fetched per table so that events sharing a timestamp are not lost


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: TimelineKind
    ref_id: int
    title: str
    detail: str = ""
    who: str = ""
    amount: Decimal | None = None
    currency: str = ""
    date_only: bool = False  # dated by day (invoices, payments): no time of day to show

    @property
    def key(self) -> tuple[datetime, int, int]:
        """The order of the timeline: newest first, a fixed order among equal times."""
        return (self.at, _RANK[self.kind], self.ref_id)


def _noon(day: date) -> datetime:
    """Events dated by day (invoices, payments) sit at local noon of that day."""
    return datetime.combine(day, time(12), tzinfo=local_zone()).astimezone(UTC)


@dataclass(frozen=True)
class _Source:
    kinds: frozenset[TimelineKind]
    query: Callable[[int, datetime | None, int], _Query]
    entry: Callable[[Any], TimelineEntry]


def _history(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(HistoryEntry, User.display_name)
             .outerjoin(User, User.id == HistoryEntry.user_id)
             .where(HistoryEntry.customer_id == customer_id))
    if before is not None:
        query = query.where(HistoryEntry.occurred_at <= before)
    return query.order_by(HistoryEntry.occurred_at.desc(), HistoryEntry.id.desc()).limit(limit)


def _history_entry(row: Any) -> TimelineEntry:
    entry, who = row
    detail = " — ".join(p for p in (entry.outcome, entry.details) if p)
    return TimelineEntry(entry.occurred_at, TimelineKind(entry.kind.value), entry.id,
                         entry.summary, detail, who or "")


def _orders(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(OrderEvent, Order.gross_total, Order.currency, User.display_name)
             .join(Order, Order.id == OrderEvent.order_id)
             .outerjoin(User, User.id == OrderEvent.user_id)
             .where(OrderEvent.customer_id == customer_id))
    if before is not None:
        query = query.where(OrderEvent.at <= before)
    return query.order_by(OrderEvent.at.desc(), OrderEvent.id.desc()).limit(limit)


def _order_entry(row: Any) -> TimelineEntry:
    event, gross, currency, who = row
    placed = event.kind is OrderEventKind.PLACED
    return TimelineEntry(event.at, TimelineKind.ORDER, event.id,
                         f"Order {event.order_id} {event.kind.value}", event.detail, who or "",
                         gross if placed else None, currency)


def _invoices(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(Invoice, User.display_name).outerjoin(User, User.id == Invoice.created_by_id)
             .where(Invoice.customer_id == customer_id, Invoice.issued_on.is_not(None)))
    if before is not None:
        query = query.where(Invoice.issued_on <= before.astimezone(local_zone()).date())
    return query.order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(limit)


def _invoice_entry(row: Any) -> TimelineEntry:
    invoice, who = row
    if invoice.kind is InvoiceKind.CREDIT_NOTE:
        title, detail = f"Credit note {invoice.number} issued", invoice.credit_reason or ""
    else:
        title = f"Invoice {invoice.number} issued"
        detail = f"Due {invoice.due_on:%Y-%m-%d}" if invoice.due_on else ""
    return TimelineEntry(_noon(invoice.issued_on), TimelineKind.INVOICE, invoice.id, title,
                         detail, who or "", invoice.gross_total, invoice.currency,
                         date_only=True)


def _voids(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(Invoice, User.display_name).outerjoin(User, User.id == Invoice.updated_by_id)
             .where(Invoice.customer_id == customer_id, Invoice.voided_at.is_not(None)))
    if before is not None:
        query = query.where(Invoice.voided_at < before)
    return query.order_by(Invoice.voided_at.desc(), Invoice.id.desc()).limit(limit)


def _void_entry(row: Any) -> TimelineEntry:
    invoice, who = row
    what = "Credit note" if invoice.kind is InvoiceKind.CREDIT_NOTE else "Invoice"
    return TimelineEntry(invoice.voided_at, TimelineKind.INVOICE, invoice.id,
                         f"{what} {invoice.number} voided", invoice.void_reason or "",
                         who or "")


def _payments(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(Payment, Invoice.number, Invoice.currency, User.display_name)
             .join(Invoice, Invoice.id == Payment.invoice_id)
             .outerjoin(User, User.id == Payment.created_by_id)
             .where(Invoice.customer_id == customer_id))
    if before is not None:
        query = query.where(Payment.paid_on <= before.astimezone(local_zone()).date())
    return query.order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(limit)


def _payment_entry(row: Any) -> TimelineEntry:
    payment, number, currency, who = row
    return TimelineEntry(_noon(payment.paid_on), TimelineKind.PAYMENT, payment.id,
                         f"Payment for invoice {number}", payment.method.value.replace("_", " "),
                         who or "", payment.amount, currency, date_only=True)


def _queries(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(QueryEvent, CustomerQuery.subject, User.display_name)
             .join(CustomerQuery, CustomerQuery.id == QueryEvent.query_id)
             .outerjoin(User, User.id == QueryEvent.user_id)
             .where(QueryEvent.customer_id == customer_id))
    if before is not None:
        query = query.where(QueryEvent.at <= before)
    return query.order_by(QueryEvent.at.desc(), QueryEvent.id.desc()).limit(limit)


def _query_entry(row: Any) -> TimelineEntry:
    event, subject, who = row
    step = QueryEventView(event.at, event.kind, event.status, event.detail, who or "")
    return TimelineEntry(event.at, TimelineKind.QUERY, event.id,
                         f"Query {step.title.lower()}: {subject}", event.detail, who or "")


def _feedback(customer_id: int, before: datetime | None, limit: int) -> _Query:
    query = (select(Feedback, FeedbackCategory.name, User.display_name)
             .outerjoin(FeedbackCategory, FeedbackCategory.id == Feedback.category_id)
             .outerjoin(User, User.id == Feedback.created_by_id)
             .where(Feedback.customer_id == customer_id))
    if before is not None:
        query = query.where(Feedback.occurred_at <= before)
    return query.order_by(Feedback.occurred_at.desc(), Feedback.id.desc()).limit(limit)


def _feedback_entry(row: Any) -> TimelineEntry:
    item, category, who = row
    title = FEEDBACK_KIND_LABELS[item.kind] + (f": {category}" if category else "")
    rating = f"{item.rating}/5 " if item.rating else ""
    return TimelineEntry(item.occurred_at, TimelineKind.FEEDBACK, item.id, title,
                         f"{rating}{item.text}".strip(), who or "")


def _follow_up_at() -> Any:
    """Done and cancelled follow-ups sit where they were closed, open ones where they fall due."""
    return func.coalesce(FollowUp.completed_at, FollowUp.due_at)


def _follow_ups(customer_id: int, before: datetime | None, limit: int) -> _Query:
    assignee = aliased(User)
    at = _follow_up_at()
    query = (select(FollowUp, assignee.display_name)
             .outerjoin(assignee, assignee.id == FollowUp.assignee_id)
             .where(FollowUp.customer_id == customer_id,
                    # suggestions are proposals, not history
                    FollowUp.state.in_((FollowUpState.OPEN, FollowUpState.DONE,
                                        FollowUpState.CANCELLED))))
    if before is not None:
        query = query.where(at <= before)
    return query.order_by(at.desc(), FollowUp.id.desc()).limit(limit)


_FOLLOW_UP_TITLES = {FollowUpState.OPEN: "Follow-up due", FollowUpState.DONE: "Followed up",
                     FollowUpState.CANCELLED: "Follow-up cancelled"}


def _follow_up_entry(row: Any) -> TimelineEntry:
    item, who = row
    channel = FOLLOW_UP_CHANNEL_LABELS[item.channel].lower()
    title = f"{_FOLLOW_UP_TITLES[item.state]} ({channel}): {item.purpose}"
    detail = item.outcome or item.cancel_reason or recurrence.describe(item.rrule)
    if item.state is FollowUpState.OPEN and not item.rrule:
        detail = item.notes or ""
    return TimelineEntry(item.completed_at or item.due_at, TimelineKind.FOLLOW_UP, item.id,
                         title, detail, who or "")


_SOURCES = (
    _Source(frozenset(_HISTORY_KINDS), _history, _history_entry),
    _Source(frozenset({TimelineKind.ORDER}), _orders, _order_entry),
    _Source(frozenset({TimelineKind.INVOICE}), _invoices, _invoice_entry),
    _Source(frozenset({TimelineKind.INVOICE}), _voids, _void_entry),
    _Source(frozenset({TimelineKind.PAYMENT}), _payments, _payment_entry),
    _Source(frozenset({TimelineKind.QUERY}), _queries, _query_entry),
    _Source(frozenset({TimelineKind.FEEDBACK}), _feedback, _feedback_entry),
    _Source(frozenset({TimelineKind.FOLLOW_UP}), _follow_ups, _follow_up_entry),
)


class TimelineService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def page(self, customer_id: int, *, kinds: Sequence[TimelineKind] | None = None,
             before: TimelineEntry | None = None, limit: int = 50) -> list[TimelineEntry]:
        wanted = set(kinds) if kinds else set(TimelineKind)
        entries: list[TimelineEntry] = []
        # Date-only events sit at noon: widen the bound so none on the cursor's day is missed.
        bound = before.at + timedelta(days=1) if before is not None else None
        with self._db.read() as session:
            for source in _SOURCES:
                if not source.kinds & wanted:
                    continue
                for row in session.execute(source.query(customer_id, bound, limit + _TIES)):
                    entry = source.entry(row)
                    if entry.kind in wanted and (before is None or entry.key < before.key):
                        entries.append(entry)
        entries.sort(key=lambda e: e.key, reverse=True)
        return entries[:limit]

    def log(self, customer_id: int, kind: HistoryKind, summary: str, actor: Actor, *,
            outcome: str = "", details: str = "", occurred_at: datetime | None = None,
            follow_up: FollowUpRequest | None = None) -> int:
        """Record a call, visit, e-mail, letter or note; optionally schedule a follow-up."""
        now = self._db.clock()
        when = occurred_at or now
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        cleaned["summary"] = gather(errors, lambda: clean_text(
            "summary", "Summary", summary, max_length=500, required=True), "")
        cleaned["outcome"] = gather(errors, lambda: clean_text(
            "outcome", "Outcome", outcome, max_length=500), "")
        cleaned["details"] = gather(errors, lambda: clean_multiline(
            "details", "Details", details, max_length=5000), "")
        if when > now + timedelta(hours=1):
            errors["occurred_at"] = "That is in the future: log what has happened."
        if errors:
            raise ValidationError(errors)
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            customer = live_customer(session, customer_id)
            entry = HistoryEntry(customer_id=customer_id, kind=kind, occurred_at=when,
                                 user_id=actor.user_id, summary=cleaned["summary"],
                                 outcome=cleaned["outcome"], details=cleaned["details"])
            session.add(entry)
            lifecycle.record_contact(customer, when)
            session.flush()
            if follow_up is not None:
                follow_up_service.schedule(
                    session, customer, follow_up, actor.user_id,
                    now.astimezone(local_zone()).date(), source_kind="history",
                    source_id=entry.id)
            return entry.id
