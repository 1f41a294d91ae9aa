"""Complaints, wins, suggestions and ratings, and the tally that shows what keeps happening.

The rising rule, kept simple so the owner can check it by hand: a category is *rising* when
the last 30 days hold at least ``RISING_MIN`` entries and at least ``RISING_FACTOR`` times its
own average for a 30-day period over the 360 days before them. A category with no past at all
rises as soon as it reaches ``RISING_MIN``: a brand-new problem is worth a look.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import local_zone
from crm_desktop.models import (
    Customer,
    Feedback,
    FeedbackCategory,
    FeedbackKind,
    Invoice,
    Order,
    customer_name,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.customer_service import live_customer
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, clean_text, fold, gather

RISING_MIN = 3
RISING_FACTOR = 2
RECENT_DAYS = 30
PAST_DAYS = 360


@dataclass
class FeedbackInput:
    kind: FeedbackKind
    text: str = ""  # what happened, or the customer's own words
    category_id: int | None = None
    customer_id: int | None = None
    order_id: int | None = None
    invoice_id: int | None = None
    occurred_at: datetime | None = None  # None: now
    rating: int | None = None  # 1–5, for feedback
    apology_made: bool | None = None  # complaints only
    action_taken: str = ""  # complaints only


@dataclass(frozen=True)
class CategoryView:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class TallyRow:
    category_id: int
    name: str
    count: int  # in the chosen period
    last_30_days: int
    past_average: Decimal  # per 30 days over the 360 days before the last 30
    rising: bool


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    kind: FeedbackKind
    occurred_at: datetime
    category: str
    customer_id: int | None
    customer_name: str
    order_id: int | None
    text: str
    rating: int | None
    apology_made: bool | None
    action_taken: str


@dataclass(frozen=True)
class RatingSummary:
    average: Decimal | None  # one decimal, None when nobody has rated yet
    count: int
    recent: tuple[FeedbackEntry, ...]  # the newest comments first


def is_rising(last_30_days: int, past_360_days: int) -> bool:
    """The documented rule (see the module docstring)."""
    return (last_30_days >= RISING_MIN
            and last_30_days * PAST_DAYS >= RISING_FACTOR * past_360_days * RECENT_DAYS)


def month_starts(today: date, months: int) -> list[date]:
    """The first day of each of the last ``months`` calendar months, oldest first."""
    starts: list[date] = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


class FeedbackService:
    def __init__(self, database: Database) -> None:
        self._db = database

    # ---- the owner's list of categories ----------------------------------------------------

    def categories(self, *, include_inactive: bool = False) -> list[CategoryView]:
        query = select(FeedbackCategory).order_by(FeedbackCategory.name)
        if not include_inactive:
            query = query.where(FeedbackCategory.active)
        with self._db.read() as session:
            return [_category_view(c) for c in session.scalars(query)]

    def add_category(self, name: str, actor: Actor) -> CategoryView:
        cleaned = clean_text("name", "Category", name, max_length=80, required=True)
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            _refuse_duplicate(session, cleaned, None)
            category = FeedbackCategory(name=cleaned, active=True)
            session.add(category)
            session.flush()
            return _category_view(category)

    def rename_category(self, category_id: int, name: str, actor: Actor) -> CategoryView:
        cleaned = clean_text("name", "Category", name, max_length=80, required=True)
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            category = _category(session, category_id)
            _refuse_duplicate(session, cleaned, category_id)
            category.name = cleaned
            session.flush()
            return _category_view(category)

    def set_category_active(self, category_id: int, active: bool, actor: Actor
                            ) -> CategoryView:
        """A category no longer used is hidden from new entries; its past stays counted."""
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            category = _category(session, category_id)
            category.active = active
            session.flush()
            return _category_view(category)

    # ---- recording -------------------------------------------------------------------------

    def record(self, data: FeedbackInput, actor: Actor) -> int:
        now = self._db.clock()
        when = data.occurred_at or now
        errors: dict[str, str] = {}
        text = action = ""
        survey = data.kind is FeedbackKind.SURVEY
        try:
            text = clean_multiline("text", "What happened" if not survey else "Comment",
                                   data.text, max_length=5000)
            if not text and not survey:
                errors["text"] = "Say what happened, in a sentence or two."
        except ValidationError as exc:
            errors.update(exc.errors)
        if data.kind is FeedbackKind.COMPLAINT:
            action = gather(errors, lambda: clean_multiline(
                "action_taken", "What was done", data.action_taken, max_length=2000), "")
        if survey:
            if data.rating is None or not 1 <= data.rating <= 5:
                errors["rating"] = "Choose a rating from 1 to 5."
        elif data.category_id is None:
            errors["category_id"] = "Choose a category, so the tally can count it."
        if when > now + timedelta(hours=1):
            errors["occurred_at"] = "That is in the future: record what has happened."
        if errors:
            raise ValidationError(errors)
        with self._db.transaction(actor, Permission.HANDLE_QUERIES) as session:
            customer_id = data.customer_id
            if data.order_id is not None:
                order = session.get(Order, data.order_id)
                if order is None or (customer_id is not None and order.customer_id != customer_id):
                    raise ValidationError.single("order_id", "That order is not this customer's.")
                customer_id = order.customer_id
            if data.invoice_id is not None:
                invoice = session.get(Invoice, data.invoice_id)
                if invoice is None or (customer_id is not None
                                       and invoice.customer_id != customer_id):
                    raise ValidationError.single("invoice_id",
                                                 "That invoice is not this customer's.")
                customer_id = invoice.customer_id
            if customer_id is not None:
                live_customer(session, customer_id)
            if data.category_id is not None:
                _category(session, data.category_id)
            complaint = data.kind is FeedbackKind.COMPLAINT
            item = Feedback(
                kind=data.kind, text=text, category_id=data.category_id,
                customer_id=customer_id, order_id=data.order_id, invoice_id=data.invoice_id,
                occurred_at=when, rating=data.rating if survey else None,
                apology_made=bool(data.apology_made) if complaint else None,
                action_taken=action if complaint else None)
            session.add(item)
            session.flush()
            return item.id

    # ---- the tally ---------------------------------------------------------------------------

    def tally(self, kind: FeedbackKind, days: int) -> list[TallyRow]:
        """Each category's count over the last ``days`` days, with the rising flag; the
        busiest first. Categories switched off still show while they have entries."""
        now = self._db.clock()
        window_start = now - timedelta(days=days)
        recent_start = now - timedelta(days=RECENT_DAYS)
        past_start = recent_start - timedelta(days=PAST_DAYS)
        since = min(window_start, past_start)
        with self._db.read() as session:
            names = {c.id: (c.name, c.active) for c in session.scalars(select(FeedbackCategory))}
            rows = session.execute(
                select(Feedback.category_id, Feedback.occurred_at)
                .where(Feedback.kind == kind, Feedback.category_id.is_not(None),
                       Feedback.occurred_at >= since, Feedback.occurred_at <= now)
            ).all()
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for category_id, at in rows:
            assert category_id is not None  # filtered in the query
            bucket = counts[category_id]
            bucket[0] += at >= window_start
            bucket[1] += at >= recent_start
            bucket[2] += past_start <= at < recent_start
        result = []
        for category_id, (name, active) in names.items():
            count, recent, past = counts.get(category_id, (0, 0, 0))
            if not active and not count:
                continue
            average = (Decimal(past) * RECENT_DAYS / PAST_DAYS).quantize(
                Decimal("0.1"), ROUND_HALF_UP)
            result.append(TallyRow(category_id, name, count, recent, average,
                                   is_rising(recent, past)))
        result.sort(key=lambda r: (-r.count, fold(r.name)))
        return result

    def trend(self, kind: FeedbackKind, months: int = 12
              ) -> tuple[list[date], dict[str, list[int]]]:
        """Counts per category per calendar month (local time), for the chart."""
        zone = local_zone()
        today = self._db.clock().astimezone(zone).date()
        starts = month_starts(today, months)
        since = datetime.combine(starts[0], datetime.min.time(), tzinfo=zone)
        with self._db.read() as session:
            rows = session.execute(
                select(FeedbackCategory.name, Feedback.occurred_at)
                .join(FeedbackCategory, FeedbackCategory.id == Feedback.category_id)
                .where(Feedback.kind == kind, Feedback.occurred_at >= since)
            ).all()
        index = {(d.year, d.month): i for i, d in enumerate(starts)}
        series: dict[str, list[int]] = {}
        for name, at in rows:
            local = at.astimezone(zone)
            i = index.get((local.year, local.month))
            if i is not None:
                series.setdefault(name, [0] * months)[i] += 1
        return starts, dict(sorted(series.items(), key=lambda kv: fold(kv[0])))

    def entries(self, kind: FeedbackKind | None = None, *, category_id: int | None = None,
                days: int | None = None, customer_id: int | None = None,
                limit: int = 500) -> list[FeedbackEntry]:
        """The entries behind a count, newest first."""
        query = (select(Feedback, FeedbackCategory.name, Customer.first_name,
                        Customer.last_name, Customer.company)
                 .outerjoin(FeedbackCategory, FeedbackCategory.id == Feedback.category_id)
                 .outerjoin(Customer, Customer.id == Feedback.customer_id))
        if kind is not None:
            query = query.where(Feedback.kind == kind)
        if category_id is not None:
            query = query.where(Feedback.category_id == category_id)
        if days is not None:
            query = query.where(Feedback.occurred_at >= self._db.clock() - timedelta(days=days))
        if customer_id is not None:
            query = query.where(Feedback.customer_id == customer_id)
        query = query.order_by(Feedback.occurred_at.desc(), Feedback.id.desc()).limit(limit)
        with self._db.read() as session:
            return [_entry(row) for row in session.execute(query)]

    def ratings(self, customer_id: int | None = None, *, recent: int = 5) -> RatingSummary:
        """The average rating and the newest comments, for one customer or the whole shop."""
        query = select(func.avg(Feedback.rating), func.count(Feedback.rating)).where(
            Feedback.rating.is_not(None))
        if customer_id is not None:
            query = query.where(Feedback.customer_id == customer_id)
        with self._db.read() as session:
            average, count = session.execute(query).one()
        comments = [e for e in self.entries(FeedbackKind.SURVEY, customer_id=customer_id,
                                            limit=recent * 3) if e.text][:recent]
        return RatingSummary(
            None if average is None else Decimal(str(average)).quantize(Decimal("0.1"),
                                                                        ROUND_HALF_UP),
            int(count), tuple(comments))


def _entry(row: tuple[Feedback, str | None, str | None, str | None, str | None]
           ) -> FeedbackEntry:
    item, category, first, last, company = row
    name = (customer_name(first or "", last or "", company, item.customer_id)
            if item.customer_id is not None else "")
    return FeedbackEntry(item.id, item.kind, item.occurred_at, category or "", item.customer_id,
                         name, item.order_id, item.text, item.rating, item.apology_made,
                         item.action_taken or "")


def _category_view(category: FeedbackCategory) -> CategoryView:
    return CategoryView(category.id, category.name, category.active)


def _category(session: Session, category_id: int) -> FeedbackCategory:
    category = session.get(FeedbackCategory, category_id)
    if category is None:
        raise ValidationError.single("category_id", "That category no longer exists.")
    return category


def _refuse_duplicate(session: Session, name: str, category_id: int | None) -> None:
    for other_id, other in session.execute(select(FeedbackCategory.id, FeedbackCategory.name)):
        if other_id != category_id and fold(other) == fold(name):
            raise ValidationError.single("name", f"There is already a category “{other}”.")
