"""The customers we are about to lose, each with the reasons, scored by a small rule the owner
can check by hand (the README has the same table):

==========================================================  ======
Reason                                                       Points
==========================================================  ======
Quiet for longer than their own usual gap (plus the grace),    3
but not yet past the shop's quiet period
A complaint in the last 90 days                                3
… and no apology recorded for it                              +1
A rating of 1 or 2 in the last year (their latest)             3
An invoice overdue by more than 60 days                        3
An invoice overdue (up to 60 days)                             2
A follow-up missed: still open a week after it was due         2
Falling orders: the last 180 days under half the 180 before    2
==========================================================  ======

Only customers (not prospects, not those already marked lost) are scored; the highest score
first, and among equal scores the customer who has spent the most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from crm_desktop.models import (
    Customer,
    Feedback,
    FeedbackKind,
    FollowUp,
    FollowUpState,
    Invoice,
    Order,
    OrderState,
    current_customers,
    owing_invoices,
)
from crm_desktop.services.admin.settings_service import BusinessSettings
from crm_desktop.services.customers.lifecycle import quiet_since
from crm_desktop.services.records import customer_names

QUIET = 3
COMPLAINT = 3
NO_APOLOGY = 1
LOW_RATING = 3
LONG_OVERDUE = 3
OVERDUE = 2
MISSED_FOLLOW_UP = 2
FALLING_ORDERS = 2

COMPLAINT_DAYS = 90
RATING_DAYS = 365
LONG_OVERDUE_DAYS = 60
MISSED_AFTER_DAYS = 7
ORDER_WINDOW_DAYS = 180
LOW_RATING_MAX = 2

AT_RISK_RULE = (
    f"Points for each reason: quiet longer than their usual gap {QUIET}; a complaint in the "
    f"last {COMPLAINT_DAYS} days {COMPLAINT} (+{NO_APOLOGY} with no apology recorded); a "
    f"latest rating of {LOW_RATING_MAX} or less in the last year {LOW_RATING}; an invoice "
    f"overdue {OVERDUE} (over {LONG_OVERDUE_DAYS} days: {LONG_OVERDUE}); a follow-up still "
    f"open {MISSED_AFTER_DAYS} days after it was due {MISSED_FOLLOW_UP}; orders in the last "
    f"{ORDER_WINDOW_DAYS} days under half the {ORDER_WINDOW_DAYS} before {FALLING_ORDERS}.")


@dataclass(frozen=True)
class Reason:
    points: int
    text: str


@dataclass(frozen=True)
class AtRiskCustomer:
    customer_id: int
    name: str
    score: int
    reasons: tuple[Reason, ...]  # the weightiest first
    last_contact_at: datetime | None
    lifetime_value: Decimal

    @property
    def why(self) -> str:
        return "; ".join(r.text for r in self.reasons)


@dataclass(frozen=True)
class AtRisk:
    customers: tuple[AtRiskCustomer, ...]
    total: int  # how many customers have at least one reason


Rule = Select[Any, Any, Any, Any]  # customer id, points, and two facts for the words


class _Rules:
    """Each reason as one SELECT of (customer id, points, two facts for its words), over the
    whole shop or only some customers."""

    def __init__(self, now: datetime, settings: BusinessSettings, zone: tzinfo) -> None:
        self.now = now
        self.today = now.astimezone(zone).date()
        self.grace = timedelta(days=settings.quiet_grace_days)
        self.since = quiet_since(now, settings.inactive_after_days)

    def all(self, only: Sequence[int] | None = None) -> list[Rule]:
        return [self.quiet(only), self.complaint(only), self.rating(only), self.overdue(only),
                self.missed(only), self.falling(only)]

    def quiet(self, only: Sequence[int] | None) -> Rule:
        query = (select(Customer.id.label("customer_id"), literal(QUIET).label("points"),
                        Customer.last_contact_at.label("a"), Customer.usual_gap_days.label("b"))
                 .where(*_CUSTOMER, Customer.quiet_after_at < self.now - self.grace,
                        # (quiet_after_at is the last contact plus the gap: bounded below
                        # too, so only the quiet period's range of the index is walked)
                        Customer.quiet_after_at >= self.since,
                        Customer.last_contact_at >= self.since))
        return query.where(Customer.id.in_(only)) if only is not None else query

    def _latest(self, condition: ColumnElement[bool], days: int,
                only: Sequence[int] | None) -> Any:
        """Each customer's newest feedback of a kind within ``days``."""
        query = (select(Feedback.customer_id, func.max(Feedback.occurred_at).label("at"))
                 .where(condition, Feedback.customer_id.is_not(None),
                        Feedback.occurred_at >= self.now - timedelta(days=days))
                 .group_by(Feedback.customer_id))
        if only is not None:
            query = query.where(Feedback.customer_id.in_(only))
        return query.subquery()

    def complaint(self, only: Sequence[int] | None) -> Rule:
        latest = self._latest(Feedback.kind == FeedbackKind.COMPLAINT, COMPLAINT_DAYS, only)
        points = case((Feedback.apology_made.is_(True), literal(COMPLAINT)),
                      else_=literal(COMPLAINT + NO_APOLOGY))
        return (select(Feedback.customer_id, points.label("points"),
                       Feedback.occurred_at.label("a"), Feedback.apology_made.label("b"))
                .join(latest, (latest.c.customer_id == Feedback.customer_id)
                      & (latest.c.at == Feedback.occurred_at))
                .where(Feedback.kind == FeedbackKind.COMPLAINT))

    def rating(self, only: Sequence[int] | None) -> Rule:
        latest = self._latest(Feedback.rating.is_not(None), RATING_DAYS, only)
        return (select(Feedback.customer_id, literal(LOW_RATING).label("points"),
                       Feedback.occurred_at.label("a"), Feedback.rating.label("b"))
                .join(latest, (latest.c.customer_id == Feedback.customer_id)
                      & (latest.c.at == Feedback.occurred_at))
                .where(Feedback.rating <= LOW_RATING_MAX))

    def overdue(self, only: Sequence[int] | None) -> Rule:
        oldest = func.min(Invoice.due_on)
        points = case((oldest < self.today - timedelta(days=LONG_OVERDUE_DAYS),
                       literal(LONG_OVERDUE)), else_=literal(OVERDUE))
        query = (select(Invoice.customer_id, points.label("points"), oldest.label("a"),
                        literal(None).label("b"))
                 .where(owing_invoices(), Invoice.due_on < self.today)
                 .group_by(Invoice.customer_id))
        return query.where(Invoice.customer_id.in_(only)) if only is not None else query

    def missed(self, only: Sequence[int] | None) -> Rule:
        query = (select(FollowUp.customer_id, literal(MISSED_FOLLOW_UP).label("points"),
                        func.min(FollowUp.due_at).label("a"), func.min(FollowUp.purpose).label("b"))
                 .where(FollowUp.state == FollowUpState.OPEN,
                        FollowUp.due_at < self.now - timedelta(days=MISSED_AFTER_DAYS))
                 .group_by(FollowUp.customer_id))
        return query.where(FollowUp.customer_id.in_(only)) if only is not None else query

    def falling(self, only: Sequence[int] | None) -> Rule:
        recent_start = self.now - timedelta(days=ORDER_WINDOW_DAYS)
        recent = func.sum(case((Order.ordered_at >= recent_start, Order.net_total), else_=0))
        earlier = func.sum(case((Order.ordered_at < recent_start, Order.net_total), else_=0))
        query = (select(Order.customer_id, literal(FALLING_ORDERS).label("points"),
                        recent.label("a"), earlier.label("b"))
                 .where(Order.ordered_at >= recent_start - timedelta(days=ORDER_WINDOW_DAYS),
                        Order.ordered_at <= self.now,
                        Order.state.not_in((OrderState.DRAFT, OrderState.CANCELLED)))
                 .group_by(Order.customer_id)
                 .having(recent * 2 < earlier))
        return query.where(Order.customer_id.in_(only)) if only is not None else query

    def words(self, rule: int, a: Any, b: Any) -> str:
        """What a reason says, from the two facts its SELECT read."""
        now = self.now
        if rule == 0:
            days = (now - a).days if a else 0
            return f"Quiet for {days} days (usually in touch every {round(b or 0)} days)"
        if rule == 1:
            return f"Complained {_ago(a, now)}" + ("" if b else ", no apology recorded")
        if rule == 2:
            return f"Rated us {b}/5 {_ago(a, now)}"
        if rule == 3:
            return f"An invoice {(self.today - a).days} days overdue"
        if rule == 4:
            return f"Follow-up “{b}” missed, due {_ago(a, now)}"
        return _falling(a, b)


_CUSTOMER = current_customers()
_LATEST_FEEDBACK = {1, 2}  # the rules reading each customer's newest complaint, or rating


def at_risk(session: Session, now: datetime, settings: BusinessSettings, zone: tzinfo,
            *, limit: int = 200) -> AtRisk:
    """Every customer with a reason to worry, scored in SQL; the first ``limit`` of them with
    their reasons in words."""
    rules = _Rules(now, settings, zone)
    parts = []
    for rule, query in enumerate(rules.all()):
        customer_id, points = query.selected_columns[:2]
        # Only the customer and the points: the facts for the words are read for the top
        # few alone. (Two complaints, or ratings, at one moment count once.)
        parts.append(query.with_only_columns(customer_id, func.max(points).label("points"))
                     .group_by(customer_id) if rule in _LATEST_FEEDBACK
                     else query.with_only_columns(customer_id, points))
    found = union_all(*parts).subquery()
    # Scored first, then each scored customer looked up once (not once per reason).
    scored = (select(found.c.customer_id, func.sum(found.c.points).label("score"))
              .group_by(found.c.customer_id).subquery())
    ranked = session.execute(
        select(scored.c.customer_id, scored.c.score, func.count().over(),
               Customer.last_contact_at, Customer.lifetime_value)
        .join(Customer, Customer.id == scored.c.customer_id)
        .where(*_CUSTOMER)
        .order_by(scored.c.score.desc(), Customer.lifetime_value.desc(), scored.c.customer_id)
        .limit(limit)).all()
    if not ranked:
        return AtRisk((), 0)
    ids = [row[0] for row in ranked]
    names = customer_names(session, ids)
    reasons: dict[int, list[Reason]] = defaultdict(list)
    for rule, query in enumerate(rules.all(ids)):
        seen: set[int] = set()
        for cid, points, a, b in session.execute(query):
            if cid is not None and cid not in seen:
                seen.add(cid)
                reasons[cid].append(Reason(int(points), rules.words(rule, a, b)))
    return AtRisk(tuple(
        AtRiskCustomer(cid, names[cid], int(total_points),
                       tuple(sorted(reasons[cid], key=lambda r: -r.points)), contact, value)
        for cid, total_points, _count, contact, value in ranked), int(ranked[0][2]))


def _ago(at: datetime | date, now: datetime) -> str:
    day = at.date() if isinstance(at, datetime) else at
    days = (now.date() - day).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def _falling(recent: Decimal | float | int, earlier: Decimal | float | int) -> str:
    if not recent:
        return (f"No orders in the last {ORDER_WINDOW_DAYS} days, after ordering in the "
                f"{ORDER_WINDOW_DAYS} before")
    drop = 1 - Decimal(str(recent)) / Decimal(str(earlier))
    return (f"Orders down {round(drop * 100)} % (the last {ORDER_WINDOW_DAYS} days against "
            f"the {ORDER_WINDOW_DAYS} before)")
