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
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm_desktop.models import (
    Customer,
    CustomerStatus,
    Feedback,
    FeedbackKind,
    FollowUp,
    FollowUpState,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Order,
    OrderState,
    amount_owing,
    customer_name,
)
from crm_desktop.services.admin.settings_service import BusinessSettings
from crm_desktop.services.customers.lifecycle import quiet_since
from crm_desktop.services.records import in_chunks

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
    "Points for each reason: quiet longer than their usual gap 3; a complaint in the last "
    "90 days 3 (+1 with no apology recorded); a latest rating of 1 or 2 in the last year 3; "
    "an invoice overdue 2 (over 60 days: 3); a follow-up still open a week after it was due "
    "2; orders in the last 180 days under half the 180 before 2.")


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


def at_risk(session: Session, now: datetime, settings: BusinessSettings, zone: tzinfo,
            *, limit: int = 200) -> AtRisk:
    """Every customer with a reason to worry, scored; the first ``limit`` of them in full."""
    today = now.astimezone(zone).date()
    found: dict[int, list[Reason]] = defaultdict(list)
    customer = (Customer.deleted_at.is_(None), Customer.status == CustomerStatus.CUSTOMER)

    grace = timedelta(days=settings.quiet_grace_days)
    for cid, last, gap in session.execute(
            select(Customer.id, Customer.last_contact_at, Customer.usual_gap_days)
            .where(*customer, Customer.quiet_after_at < now - grace,
                   Customer.last_contact_at >= quiet_since(now, settings.inactive_after_days))):
        days = (now - last).days if last else 0
        found[cid].append(Reason(QUIET, f"Quiet for {days} days; usually in touch every "
                                        f"{round(gap or 0)}"))

    for complainer, at, apology in session.execute(
            select(Feedback.customer_id, Feedback.occurred_at, Feedback.apology_made)
            .where(Feedback.kind == FeedbackKind.COMPLAINT, Feedback.customer_id.is_not(None),
                   Feedback.occurred_at >= now - timedelta(days=COMPLAINT_DAYS))
            .order_by(Feedback.occurred_at.desc())):
        if complainer is None or any(r.text.startswith("Complained")
                                     for r in found[complainer]):
            continue  # the newest complaint speaks for them
        found[complainer].append(Reason(COMPLAINT + (0 if apology else NO_APOLOGY),
                                 f"Complained {_ago(at, now)}"
                                 + ("" if apology else ", no apology recorded")))

    latest = (select(Feedback.customer_id, func.max(Feedback.occurred_at).label("at"))
              .where(Feedback.rating.is_not(None), Feedback.customer_id.is_not(None),
                     Feedback.occurred_at >= now - timedelta(days=RATING_DAYS))
              .group_by(Feedback.customer_id).subquery())
    for rater, rating, at in session.execute(
            select(Feedback.customer_id, Feedback.rating, Feedback.occurred_at)
            .join(latest, (latest.c.customer_id == Feedback.customer_id)
                  & (latest.c.at == Feedback.occurred_at))
            .where(Feedback.rating <= LOW_RATING_MAX)):
        if rater is not None:
            found[rater].append(Reason(LOW_RATING, f"Rated us {rating}/5 {_ago(at, now)}"))

    owing = amount_owing()
    for cid, oldest_due in session.execute(
            select(Invoice.customer_id, func.min(Invoice.due_on))
            .where(Invoice.state == InvoiceState.ISSUED, Invoice.kind == InvoiceKind.INVOICE,
                   owing > 0, Invoice.due_on < today)
            .group_by(Invoice.customer_id)):
        days = (today - (oldest_due or today)).days
        found[cid].append(Reason(LONG_OVERDUE if days > LONG_OVERDUE_DAYS else OVERDUE,
                                 f"An invoice {days} days overdue"))

    for cid, due_at, purpose in session.execute(
            select(FollowUp.customer_id, func.min(FollowUp.due_at), func.min(FollowUp.purpose))
            .where(FollowUp.state == FollowUpState.OPEN,
                   FollowUp.due_at < now - timedelta(days=MISSED_AFTER_DAYS))
            .group_by(FollowUp.customer_id)):
        found[cid].append(Reason(MISSED_FOLLOW_UP,
                                 f"Follow-up “{purpose}” missed, due {_ago(due_at, now)}"))

    recent_start = now - timedelta(days=ORDER_WINDOW_DAYS)
    earlier_start = recent_start - timedelta(days=ORDER_WINDOW_DAYS)
    recent = func.sum(case((Order.ordered_at >= recent_start, Order.net_total), else_=0))
    earlier = func.sum(case((Order.ordered_at < recent_start, Order.net_total), else_=0))
    for cid, recent_value, earlier_value in session.execute(
            select(Order.customer_id, recent, earlier)
            .where(Order.ordered_at >= earlier_start, Order.ordered_at <= now,
                   Order.state.not_in((OrderState.DRAFT, OrderState.CANCELLED)))
            .group_by(Order.customer_id)
            .having(recent * 2 < earlier)):
        found[cid].append(Reason(FALLING_ORDERS, _falling(recent_value, earlier_value)))

    if not found:
        return AtRisk((), 0)
    # Only customers count: the reasons above were found without asking who is one.
    facts: dict[int, tuple[str, datetime | None, Decimal]] = {}
    for chunk in in_chunks(sorted(found)):
        for cid, first_name, last_name, company, contact, value in session.execute(
                select(Customer.id, Customer.first_name, Customer.last_name, Customer.company,
                       Customer.last_contact_at, Customer.lifetime_value)
                .where(Customer.id.in_(chunk), *customer)):
            facts[cid] = (customer_name(first_name, last_name, company, cid), contact, value)
    scored = sorted(((sum(r.points for r in found[cid]), facts[cid][2], cid) for cid in facts),
                    key=lambda t: (-t[0], -t[1], t[2]))
    rows = tuple(
        AtRiskCustomer(cid, facts[cid][0], score,
                       tuple(sorted(found[cid], key=lambda r: -r.points)),
                       facts[cid][1], facts[cid][2])
        for score, _value, cid in scored[:limit])
    return AtRisk(rows, len(scored))


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
