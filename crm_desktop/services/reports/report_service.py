"""The owner's reports: sales, money owed, follow-ups, queries, complaints and wins, and
customers. Each is a :class:`Report` of figures, charts and tables, counted with SQL aggregates
over indexed columns (within 200 ms each on the 100,000-customer demo: ``bench/reports.py``).

How things are counted (also in the README):

- *Sales* are the invoices issued in the period, before tax, less the credit notes issued in
  it; void invoices count for nothing. They are added up from each day's sales per product
  (``SalesDay``, kept by the invoice service; a line not from the catalogue counts under
  "Other").
- *Money owed* is what is left to pay on issued invoices today, aged by days past their due
  date.
- A follow-up is *on time* when it was done by the end of the day it was due.
- A query's *first answer* is when it first left "New"; its *resolution* when it was resolved.
- Days are local days; a month is a calendar month.

Only people who may see revenue get the sales report; the others are for everyone signed in.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from crm_desktop.actor import Actor
from crm_desktop.documents.report_document import (
    Chart,
    ChartKind,
    Column,
    Drill,
    Figure,
    Kind,
    Period,
    Report,
    Row,
    Series,
    Table,
    add_months,
)
from crm_desktop.errors import ValidationError
from crm_desktop.formatting import (
    FEEDBACK_KIND_LABELS,
    PRIORITY_LABELS,
    QUERY_CHANNEL_LABELS,
    QUERY_STATUS_LABELS,
    local_zone,
)
from crm_desktop.models import (
    Customer,
    CustomerQuery,
    CustomerStatus,
    Feedback,
    FeedbackCategory,
    FeedbackKind,
    FollowUp,
    FollowUpState,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Order,
    OrderLine,
    OrderState,
    Product,
    QueryEvent,
    QueryEventKind,
    QueryStatus,
    SalesDay,
    User,
    amount_owing,
    current_customers,
    customer_name,
    owing_invoices,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.records import customer_names
from crm_desktop.services.reports.at_risk import AT_RISK_RULE, AtRisk, at_risk
from crm_desktop.storage.database import Database

TOP = 20  # products and customers in the sales report
LIST_LIMIT = 500  # rows behind a figure, and customers owing, shown at most
ZERO = Decimal("0.00")
BUCKETS = ("Not yet due", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")
OUTCOMES = ("On time", "Late", "Overdue", "Cancelled", "Not due yet")
NO_ONE = "Unassigned"


def bucket_of(days_overdue: int) -> int:
    """The ageing bucket of an invoice ``days_overdue`` past its due date (≤ 0: not due)."""
    if days_overdue <= 0:
        return 0
    return 1 if days_overdue <= 30 else 2 if days_overdue <= 60 else 3 if days_overdue <= 90 \
        else 4


def share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def change(now: Decimal, before: Decimal) -> Decimal | None:
    """The change from ``before`` to ``now`` as a share (0.25: a quarter more)."""
    return ((now - before) / before).quantize(Decimal("0.0001")) if before else None


def hours(delta: timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / 3600).quantize(Decimal("0.1"))


def median_hours(values: list[float]) -> Decimal | None:
    """The median of some durations in hours, to a tenth."""
    if not values:
        return None
    return Decimal(statistics.median(values)).quantize(Decimal("0.1"))


def month_key(day: date) -> str:
    return day.strftime("%Y-%m")


class ReportService:
    def __init__(self, database: Database, *, zone: tzinfo | None = None) -> None:
        self._db = database
        self._zone = zone or local_zone()
        self._settings = SettingsService(database)

    @property
    def zone(self) -> tzinfo:
        return self._zone

    def today(self) -> date:
        return self._db.clock().astimezone(self._zone).date()

    def _window(self, period: Period) -> tuple[datetime, datetime]:
        return period.begins(self._zone), period.ends(self._zone)

    def _month_start(self, at: datetime) -> date:
        return at.astimezone(self._zone).date().replace(day=1)

    def _month_index(self, column: Any, period: Period) -> ColumnElement[int]:
        """Which of ``period.months()`` a moment falls in (0, 1, ...), in local time, worked
        out in SQL: each month's first local midnight, as an instant, is compared against."""
        starts = [datetime.combine(m, time.min, tzinfo=self._zone) for m in period.months()]
        if len(starts) == 1:
            return literal(0)
        return case(*((column < start, literal(i - 1)) for i, start in enumerate(starts[1:], 1)),
                    else_=literal(len(starts) - 1))

    # ---- sales ---------------------------------------------------------------------------

    def sales(self, period: Period, actor: Actor) -> Report:
        currency = self._settings.business().currency
        begin, end = self._window(period)
        before = period.year_before()
        with self._db.read(actor, Permission.SEE_REVENUE) as session:
            this_year = _revenue_by_month(session, period, currency)
            last_year = _revenue_by_month(session, before, currency)
            products = session.execute(_sales_by_product(period, currency)).all()
            best = (select(Invoice.customer_id, func.count().label("invoices"),
                           func.sum(Invoice.net_total).label("sales"))
                    .where(*_issued_in(period, currency)).group_by(Invoice.customer_id)
                    .order_by(func.sum(Invoice.net_total).desc(), Invoice.customer_id)
                    .limit(TOP).subquery())
            customers = session.execute(
                select(best.c.customer_id, Customer.first_name, Customer.last_name,
                       Customer.company, best.c.invoices, best.c.sales)
                .join(Customer, Customer.id == best.c.customer_id)
                .order_by(best.c.sales.desc(), best.c.customer_id)).all()
            placed = (Order.ordered_at >= begin, Order.ordered_at < end,
                      Order.state.not_in((OrderState.DRAFT, OrderState.CANCELLED)),
                      Order.currency == currency)
            orders, order_value, ordering = session.execute(
                select(func.count(), func.sum(Order.net_total),
                       func.count(func.distinct(Order.customer_id))).where(*placed)).one()
            # New: their first order falls in the period (read from the customers' index,
            # then their orders matched against those few ids, not every order joined).
            newcomers = select(Customer.id).where(
                Customer.deleted_at.is_(None), Customer.first_order_at >= begin,
                Customer.first_order_at < end)
            new_count, new_value = session.execute(
                select(func.count(func.distinct(Order.customer_id)), func.sum(Order.net_total))
                .where(*placed, Order.customer_id.in_(newcomers))).one()
        total = sum(this_year.values(), ZERO)
        total_before = sum(last_year.values(), ZERO)
        month_rows = []
        for month in period.months():
            same_before = month.replace(year=month.year - 1)
            now_value = this_year.get(month_key(month), ZERO)
            before_value = last_year.get(month_key(same_before), ZERO)
            month_rows.append(Row(
                (month, now_value, before_value, change(now_value, before_value)),
                drill=_invoices_drill(f"Invoices issued in {month_key(month)}",
                                      _month_period(month, period))))
        new_count, new_value = int(new_count), new_value or ZERO
        old_count = int(ordering) - new_count
        old_value = (order_value or ZERO) - new_value
        orders = int(orders)
        average = (order_value / orders).quantize(Decimal("0.01")) if orders else None
        months = tuple(r.cells[0] for r in month_rows)
        return Report(
            "sales", "Sales", period,
            figures=(
                Figure("Sales", total, Kind.MONEY, "before tax, less credit notes"),
                Figure("A year before", total_before, Kind.MONEY),
                Figure("Change", change(total, total_before), Kind.PERCENT),
                Figure("Orders", orders, Kind.COUNT),
                Figure("Average order", average, Kind.MONEY, "before tax"),
                Figure("New customers ordering", new_count, Kind.COUNT),
                Figure("Returning customers ordering", old_count, Kind.COUNT),
            ),
            charts=(Chart("Sales by month, against the year before", ChartKind.BARS, months, (
                Series.of("This period", month_rows, 1),
                Series.of("A year before", month_rows, 2),
            ), money=True, table="By month"),),
            tables=(
                Table("By month", (Column("Month", Kind.MONTH), Column("Sales", Kind.MONEY),
                                   Column("A year before", Kind.MONEY),
                                   Column("Change", Kind.PERCENT)),
                      tuple(month_rows),
                      total=Row(("Total", total, total_before, change(total, total_before)))),
                Table(f"By product (top {TOP})",
                      (Column("Product"), Column("Quantity", Kind.COUNT),
                       Column("Sales", Kind.MONEY)),
                      tuple(Row((name or "Other (not from the catalogue)", _quantity(qty),
                                 value or ZERO),
                                drill=_invoices_drill(f"Invoices with {name or 'other lines'}",
                                                      period, product_id=product_id))
                            for product_id, name, qty, value in products),
                      note="From each day's sales, before tax."),
                Table(f"By customer (top {TOP})",
                      (Column("Customer"), Column("Invoices", Kind.COUNT),
                       Column("Sales", Kind.MONEY)),
                      tuple(Row((customer_name(first, last, company, cid), int(count),
                                 value or ZERO), customer_id=cid,
                                drill=_invoices_drill(
                                    f"Invoices to {customer_name(first, last, company, cid)}",
                                    period, customer_id=cid))
                            for cid, first, last, company, count, value in customers)),
                Table("New and returning customers",
                      (Column("Customers"), Column("Ordering", Kind.COUNT),
                       Column("Order value", Kind.MONEY)),
                      (Row(("New: first order in the period", new_count, new_value),
                           drill=Drill("customers", "New customers", (
                               *_span(period), ("which", "new")))),
                       Row(("Returning", old_count, old_value)))),
            ),
            notes=("Sales are invoices issued in the period, before tax, less credit notes; "
                   "void invoices count for nothing.",
                   f"Amounts in {currency}."))

    # ---- money owed ----------------------------------------------------------------------

    def money_owed(self, actor: Actor) -> Report:
        """What customers owe today, aged; the customers owing the most first."""
        currency = self._settings.business().currency
        today = self.today()
        owing = amount_owing()
        with self._db.read(actor, None) as session:
            rows = session.execute(
                select(Invoice.customer_id, Invoice.due_on, owing)
                .where(owing_invoices(), Invoice.currency == currency)).all()
            per_customer: dict[int, list[Decimal]] = {}
            oldest: dict[int, int] = {}
            counts = [0] * len(BUCKETS)
            amounts = [ZERO] * len(BUCKETS)
            for customer_id, due_on, amount in rows:
                days = (today - (due_on or today)).days
                index = bucket_of(days)
                counts[index] += 1
                amounts[index] += amount
                per_customer.setdefault(customer_id, [ZERO] * len(BUCKETS))[index] += amount
                oldest[customer_id] = max(oldest.get(customer_id, 0), days)
            ranked = sorted(per_customer.items(),
                            key=lambda kv: (-sum(kv[1], ZERO), kv[0]))[:LIST_LIMIT]
            names = customer_names(session, [cid for cid, _ in ranked])
        total = sum(amounts, ZERO)
        overdue = sum(amounts[1:], ZERO)
        bucket_rows = tuple(
            Row((label, count, amount), drill=_invoices_drill(
                f"Unpaid invoices: {label.lower()}", None, bucket=i))
            for i, (label, count, amount) in enumerate(zip(BUCKETS, counts, amounts,
                                                           strict=True)))
        customer_rows = tuple(
            Row((names.get(cid, f"Customer {cid}"), *owed, sum(owed, ZERO), oldest[cid]),
                customer_id=cid,
                drill=_invoices_drill(f"Unpaid invoices of {names.get(cid, '')}", None,
                                      customer_id=cid, bucket=-1))
            for cid, owed in ranked)
        more = len(per_customer) - len(ranked)
        return Report(
            "owed", "Money owed", _today_period(today),
            figures=(Figure("Owed", total, Kind.MONEY),
                     Figure("Overdue", overdue, Kind.MONEY),
                     Figure("Unpaid invoices", len(rows), Kind.COUNT),
                     Figure("Customers owing", len(per_customer), Kind.COUNT)),
            charts=(Chart("What is owed, by days past due", ChartKind.BARS, BUCKETS,
                          (Series("Owed", tuple(amounts)),), money=True,
                          table="Ageing"),),
            tables=(
                Table("Ageing", (Column("Days past due"), Column("Invoices", Kind.COUNT),
                                 Column("Owed", Kind.MONEY)), bucket_rows,
                      total=Row(("Total", len(rows), total))),
                Table("Per customer", (Column("Customer"),
                                       *(Column(b, Kind.MONEY) for b in BUCKETS),
                                       Column("Total", Kind.MONEY),
                                       Column("Oldest, days overdue", Kind.COUNT)),
                      customer_rows,
                      note=f"And {more} more customers owing less." if more > 0 else ""),
            ),
            notes=(f"As of {today.isoformat()}, in {currency}: what is left to pay on issued "
                   "invoices (after payments and credit notes).",))

    # ---- follow-ups ----------------------------------------------------------------------

    def follow_ups(self, period: Period, actor: Actor) -> Report:
        begin, end = self._window(period)
        now = self._db.clock()
        months = period.months()
        month = self._month_index(FollowUp.due_at, period)
        in_period = (FollowUp.due_at >= begin, FollowUp.due_at < end)
        today = datetime.combine(now.astimezone(self._zone).date(), time.min, tzinfo=self._zone)
        with self._db.read(actor, None) as session:
            # Open and cancelled ones are counted in SQL (an open one is overdue once its day
            # is over); only those done are read one by one, to see if they were on time.
            facts = (select(FollowUp.assignee_id, month.label("month"), FollowUp.state,
                            (FollowUp.due_at < today).label("past"))
                     .where(*in_period, FollowUp.state.in_((FollowUpState.OPEN,
                                                            FollowUpState.CANCELLED)))
                     .subquery())  # (grouped outside: PostgreSQL groups by column, not by
            counted = session.execute(  # an expression whose parameters are bound twice)
                select(facts.c.assignee_id, facts.c.month, facts.c.state, facts.c.past,
                       func.count())
                .group_by(facts.c.assignee_id, facts.c.month, facts.c.state, facts.c.past)
            ).all()
            done = session.execute(
                select(FollowUp.assignee_id, month, FollowUp.due_at, FollowUp.completed_at)
                .where(*in_period, FollowUp.state == FollowUpState.DONE)).all()
            people = _people(session)
        by_person: dict[int, list[int]] = defaultdict(lambda: [0] * len(OUTCOMES))
        by_month: dict[date, list[int]] = {m: [0] * len(OUTCOMES) for m in months}
        totals = [0] * len(OUTCOMES)

        def add(assignee_id: int | None, index: int, outcome: int, count: int) -> None:
            by_person[assignee_id or 0][outcome] += count
            by_month[months[index]][outcome] += count
            totals[outcome] += count

        for assignee_id, index, state, past, count in counted:
            add(assignee_id, index, 3 if state is FollowUpState.CANCELLED else 2 if past else 4,
                int(count))
        for assignee_id, index, due_at, completed_at in done:
            add(assignee_id, index, self.outcome(due_at, FollowUpState.DONE, completed_at, now),
                1)
        rows = sum(totals)
        columns = (*(Column(o, Kind.COUNT) for o in OUTCOMES),
                   Column("Share on time", Kind.PERCENT))

        def counts(values: list[int]) -> tuple[int | Decimal | None, ...]:
            return (*values, share(values[0], values[0] + values[1] + values[2]))

        person_rows = tuple(
            Row((people.get(uid, NO_ONE), *counts(values)),
                drill=Drill("follow_ups", f"Follow-ups of {people.get(uid, NO_ONE)}",
                            (*_span(period), ("person", uid))))
            for uid, values in sorted(by_person.items(),
                                      key=lambda kv: people.get(kv[0], NO_ONE).casefold()))
        month_rows = tuple(
            Row((month, *counts(values)),
                drill=Drill("follow_ups", f"Follow-ups due in {month_key(month)}",
                            _span(_month_period(month, period))))
            for month, values in sorted(by_month.items()))
        return Report(
            "follow_ups", "Follow-ups", period,
            figures=(Figure("Due in the period", rows, Kind.COUNT),
                     *(Figure(o, totals[i], Kind.COUNT) for i, o in enumerate(OUTCOMES[:4])),
                     Figure("Done on time", counts(totals)[-1], Kind.PERCENT,
                            "of those done or overdue")),
            charts=(Chart("Follow-ups by month", ChartKind.STACKED, tuple(months), tuple(
                Series.of(o, month_rows, 1 + i)
                for i, o in enumerate(OUTCOMES[:4])), table="Per month"),),
            tables=(Table("Per person", (Column("Person"), *columns), person_rows,
                          total=Row(("Everyone", *counts(totals)))),
                    Table("Per month", (Column("Month", Kind.MONTH), *columns), month_rows)),
            notes=("Follow-ups due in the period. On time: done by the end of the day it was "
                   "due; overdue: still open after its day.",))

    def outcome(self, due_at: datetime, state: FollowUpState, completed_at: datetime | None,
                now: datetime) -> int:
        """Which of ``OUTCOMES`` a follow-up had: its index."""
        day_after = datetime.combine(due_at.astimezone(self._zone).date() + timedelta(days=1),
                                     datetime.min.time(), tzinfo=self._zone)
        if state is FollowUpState.CANCELLED:
            return 3
        if state is FollowUpState.DONE:
            return 0 if completed_at is None or completed_at < day_after else 1
        return 2 if now >= day_after else 4

    # ---- queries -------------------------------------------------------------------------

    def queries(self, period: Period, actor: Actor) -> Report:
        begin, end = self._window(period)
        in_period = and_(CustomerQuery.created_at >= begin, CustomerQuery.created_at < end)
        with self._db.read(actor, None) as session:
            answers = _first_answers(in_period).subquery()
            reopened = (select(QueryEvent.query_id)
                        .where(QueryEvent.kind == QueryEventKind.REOPENED))
            # How long each took, worked out in SQL: hours as plain numbers, not two
            # datetimes a query to bring back and subtract.
            rows = session.execute(
                select(CustomerQuery.channel, CustomerQuery.priority,
                       CustomerQuery.category_id, CustomerQuery.status,
                       _hours_between(session, answers.c.at, CustomerQuery.created_at),
                       _hours_between(session, CustomerQuery.resolved_at,
                                      CustomerQuery.created_at),
                       CustomerQuery.id.in_(reopened))
                .outerjoin(answers, answers.c.query_id == CustomerQuery.id)
                .where(in_period)).all()
            names = _category_names(session)
        groups: dict[str, dict[str | int, list[Any]]] = {"channel": {}, "priority": {},
                                                         "category": {}}
        done = (QueryStatus.RESOLVED, QueryStatus.CLOSED)
        for channel, priority, category, status, first, resolved, again in rows:
            for group, key in (("channel", channel.value), ("priority", priority.value),
                               ("category", category or 0)):
                entry = groups[group].setdefault(key, [0, 0, [], [], 0])
                entry[0] += 1
                entry[1] += status not in done
                if first is not None:
                    entry[2].append(first)
                if resolved is not None:
                    entry[3].append(resolved)
                entry[4] += bool(again)
        first_all = [r[4] for r in rows if r[4] is not None]
        resolved_all = [r[5] for r in rows if r[5] is not None]
        still_open = sum(r[3] not in done for r in rows)
        reopened_count = sum(bool(r[6]) for r in rows)
        columns = (Column("Queries", Kind.COUNT), Column("Still open", Kind.COUNT),
                   Column("Median to first answer", Kind.HOURS),
                   Column("Median to resolution", Kind.HOURS), Column("Reopened", Kind.COUNT))

        def table(title: str, group: str, labels: dict[str | int, str]) -> Table:
            found = groups[group]
            return Table(title, (Column(title.removeprefix("By ").capitalize()), *columns), tuple(
                Row((label, entry[0], entry[1], median_hours(entry[2]),
                     median_hours(entry[3]), entry[4]),
                    drill=Drill("queries", f"Queries: {label}", (*_span(period), (group, key))))
                for key, label in labels.items() if (entry := found.get(key))))

        channels = table("By channel", "channel",
                         {k.value: v for k, v in QUERY_CHANNEL_LABELS.items()})
        by_category = sorted(groups["category"].items(), key=lambda kv: -kv[1][0])
        return Report(
            "queries", "Queries", period,
            figures=(Figure("Queries logged", len(rows), Kind.COUNT),
                     Figure("Still open", still_open, Kind.COUNT),
                     Figure("Median to first answer", median_hours(first_all), Kind.HOURS),
                     Figure("Median to resolution", median_hours(resolved_all), Kind.HOURS),
                     Figure("Reopened", reopened_count, Kind.COUNT)),
            charts=(Chart("Queries by channel", ChartKind.BARS,
                          tuple(r.cells[0] for r in channels.rows),
                          (Series.of("Queries", channels.rows, 1),
                           Series.of("Still open", channels.rows, 2)),
                          table="By channel"),),
            tables=(channels,
                    table("By category", "category",
                          {key: names.get(int(key), "No category") for key, _ in by_category}),
                    table("By priority", "priority",
                          {k.value: v for k, v in PRIORITY_LABELS.items()})),
            notes=("Queries logged in the period. First answer: when a query first left "
                   "“New”; resolution: when it was resolved. Times are calendar hours.",))

    # ---- complaints and wins -------------------------------------------------------------

    def feedback(self, period: Period, actor: Actor) -> Report:
        begin, end = self._window(period)
        kinds = (FeedbackKind.COMPLAINT, FeedbackKind.WIN)
        with self._db.read(actor, None) as session:
            rows = session.execute(
                select(Feedback.kind, Feedback.category_id, Feedback.occurred_at,
                       Feedback.apology_made, Feedback.action_taken)
                .where(Feedback.kind.in_(kinds), Feedback.occurred_at >= begin,
                       Feedback.occurred_at < end)).all()
            categories = _category_names(session)
        per_category: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        per_month: dict[date, list[int]] = {m: [0, 0] for m in period.months()}
        complaints = apologised = acted = 0
        for kind, category_id, at, apology, action in rows:
            column = 0 if kind is FeedbackKind.COMPLAINT else 1
            per_category[category_id or 0][column] += 1
            per_month.setdefault(self._month_start(at), [0, 0])[column] += 1
            if column == 0:
                complaints += 1
                apologised += bool(apology)
                acted += bool((action or "").strip())
        wins = len(rows) - complaints
        category_rows = tuple(
            Row((categories.get(cid, "No category"), c, w),
                drill=Drill("feedback", f"Complaints and wins: {categories.get(cid, 'none')}",
                            (*_span(period), ("category", cid))))
            for cid, (c, w) in sorted(per_category.items(),
                                      key=lambda kv: (-kv[1][0], -kv[1][1],
                                                      categories.get(kv[0], "").casefold())))
        month_rows = tuple(
            Row((month, c, w), drill=Drill(
                "feedback", f"Complaints and wins in {month_key(month)}",
                _span(_month_period(month, period))))
            for month, (c, w) in sorted(per_month.items()))
        columns = (Column("Complaints", Kind.COUNT), Column("Wins", Kind.COUNT))
        return Report(
            "feedback", "Complaints and wins", period,
            figures=(Figure("Complaints", complaints, Kind.COUNT),
                     Figure("Wins", wins, Kind.COUNT),
                     Figure("Complaints with an apology", share(apologised, complaints),
                            Kind.PERCENT),
                     Figure("Complaints with an action recorded", share(acted, complaints),
                            Kind.PERCENT)),
            charts=(Chart("Complaints and wins by month", ChartKind.BARS,
                          tuple(r.cells[0] for r in month_rows),
                          (Series.of("Complaints", month_rows, 1),
                           Series.of("Wins", month_rows, 2)),
                          table="Per month"),),
            tables=(Table("Per category", (Column("Category"), *columns), category_rows,
                          total=Row(("Total", complaints, wins))),
                    Table("Per month", (Column("Month", Kind.MONTH), *columns), month_rows)),
            notes=("The tally for the period: complaints and wins recorded, by when they "
                   "happened.",))

    # ---- customers -----------------------------------------------------------------------

    def customers(self, period: Period, actor: Actor) -> Report:
        begin, end = self._window(period)
        now = self._db.clock()
        grace = timedelta(days=self._settings.business().quiet_grace_days)
        live = Customer.deleted_at.is_(None)
        with self._db.read(actor, None) as session:
            first = (select(self._month_index(Customer.first_order_at, period).label("month"))
                     .where(live, Customer.first_order_at >= begin,
                            Customer.first_order_at < end).subquery())
            new = session.execute(select(first.c.month, func.count())
                                  .group_by(first.c.month)).all()
            lost = session.execute(select(Customer.lost_reason, Customer.status_changed_at).where(
                live, Customer.status == CustomerStatus.LOST,
                Customer.status_changed_at >= begin, Customer.status_changed_at < end)).all()
            quiet = int(session.scalar(select(func.count()).select_from(Customer).where(
                *_went_quiet(begin - grace, min(end, now) - grace))) or 0)
            average, rated = session.execute(
                select(func.avg(Feedback.rating), func.count(Feedback.rating))
                .where(Feedback.rating.is_not(None), Feedback.occurred_at >= begin,
                       Feedback.occurred_at < end)).one()
            comments = session.execute(
                select(Feedback.occurred_at, Feedback.customer_id, Feedback.rating,
                       Feedback.text, Customer.first_name, Customer.last_name,
                       Customer.company)
                .outerjoin(Customer, Customer.id == Feedback.customer_id)
                .where(Feedback.kind == FeedbackKind.SURVEY, Feedback.text != "",
                       Feedback.occurred_at >= begin, Feedback.occurred_at < end)
                .order_by(Feedback.occurred_at.desc(), Feedback.id.desc()).limit(10)).all()
        per_month: dict[date, list[int]] = {m: [0, 0] for m in period.months()}
        months = period.months()
        for index, count in new:
            per_month[months[index]][0] += count
        reasons: Counter[str] = Counter()
        for reason, at in lost:
            reasons[(reason or "").strip() or "No reason given"] += 1
            if at is not None:
                per_month.setdefault(self._month_start(at), [0, 0])[1] += 1
        rating = (None if average is None
                  else Decimal(str(average)).quantize(Decimal("0.1")))
        return Report(
            "customers", "Customers", period,
            figures=(Figure("New customers", sum(count for _, count in new), Kind.COUNT,
                            "first order in the period"),
                     Figure("Lost", len(lost), Kind.COUNT),
                     Figure("Gone quiet", quiet, Kind.COUNT,
                            "longer than their usual gap, plus the grace"),
                     Figure("Average rating", rating, Kind.RATING,
                            f"{int(rated)} rating{'s' if rated != 1 else ''}")),
            charts=(Chart("New and lost customers by month", ChartKind.BARS,
                          tuple(sorted(per_month)),
                          (Series("New", tuple(v[0] for _, v in sorted(per_month.items()))),
                           Series("Lost", tuple(v[1] for _, v in sorted(per_month.items())))),
                          table="Per month"),),
            tables=(
                Table("Lost, and why", (Column("Reason given"), Column("Customers", Kind.COUNT)),
                      tuple(Row((reason, count), drill=Drill(
                          "customers", f"Lost: {reason}",
                          (*_span(period), ("which", "lost"), ("reason", reason))))
                            for reason, count in sorted(reasons.items(),
                                                        key=lambda kv: (-kv[1], kv[0])))),
                Table("Per month", (Column("Month", Kind.MONTH), Column("New", Kind.COUNT),
                                    Column("Lost", Kind.COUNT)),
                      tuple(Row((month, n, lo), drill=Drill(
                          "customers", f"New and lost in {month_key(month)}",
                          _span(_month_period(month, period))))
                            for month, (n, lo) in sorted(per_month.items()))),
                Table("Recent comments", (Column("When", Kind.DATE), Column("Customer"),
                                          Column("Rating", Kind.COUNT), Column("Comment")),
                      tuple(Row((at.astimezone(self._zone).date(),
                                 customer_name(first or "", last or "", company, cid)
                                 if cid is not None else "Anonymous", score, text),
                                customer_id=cid)
                            for at, cid, score, text, first, last, company in comments)),
            ),
            notes=("New: first order in the period. Lost: marked lost in the period. Gone "
                   "quiet: went longer than their own usual gap between contacts (plus the "
                   "shop's grace days) during the period.",))

    # ---- customers we may lose -----------------------------------------------------------

    def at_risk(self, actor: Actor, *, limit: int = 200) -> AtRisk:
        settings = self._settings.business()
        with self._db.read(actor, None) as session:
            return at_risk(session, self._db.clock(), settings, self._zone, limit=limit)

    def at_risk_report(self, actor: Actor) -> Report:
        found = self.at_risk(actor)
        today = self.today()
        return Report(
            "at_risk", "Customers we may lose", _today_period(today),
            figures=(Figure("Customers with a reason to worry", found.total, Kind.COUNT),),
            tables=(Table("Customers we may lose", (
                Column("Score", Kind.COUNT), Column("Customer"), Column("Why"),
                Column("Last contact", Kind.DATE), Column("Spent", Kind.MONEY)), tuple(
                Row((c.score, c.name, c.why,
                     c.last_contact_at.astimezone(self._zone).date()
                     if c.last_contact_at else None, c.lifetime_value), customer_id=c.customer_id)
                for c in found.customers),
                note=(f"The {len(found.customers)} with the highest scores are shown."
                      if found.total > len(found.customers) else "")),),
            notes=(AT_RISK_RULE,))

    # ---- the rows behind a figure ----------------------------------------------------------

    def behind(self, drill: Drill, actor: Actor) -> Table:
        """The list behind a figure, as a table whose rows open a customer (or invoice)."""
        readers: dict[str, Callable[[Session, Drill], Table]] = {
            "invoices": self._invoices_behind, "follow_ups": self._follow_ups_behind,
            "queries": self._queries_behind, "feedback": self._feedback_behind,
            "customers": self._customers_behind,
        }
        reader = readers.get(drill.what)
        if reader is None:
            raise ValidationError.single("drill", "There is no list behind that figure.")
        _check_filters(drill)
        permission = (Permission.SEE_REVENUE if drill.what == "invoices"
                      and drill.get("bucket") is None else None)
        with self._db.read(actor, permission) as session:
            return reader(session, drill)

    def _span_of(self, drill: Drill) -> tuple[datetime, datetime] | None:
        start, end = drill.get("start"), drill.get("end")
        if start is None or end is None:
            return None
        return self._window(Period(date.fromisoformat(str(start)), date.fromisoformat(str(end))))

    def _invoices_behind(self, session: Session, drill: Drill) -> Table:
        currency = self._settings.business().currency
        owing = amount_owing()
        bucket = drill.get("bucket")
        query = (select(Invoice.id, Invoice.number, Invoice.issued_on, Invoice.due_on,
                        Invoice.customer_id, Customer.first_name, Customer.last_name,
                        Customer.company, Invoice.net_total, owing)
                 .join(Customer, Customer.id == Invoice.customer_id)
                 .where(Invoice.currency == currency))
        if (customer_id := drill.get("customer_id")) is not None:
            query = query.where(Invoice.customer_id == int(customer_id))
        today = self.today()
        if bucket is not None:
            query = query.where(owing_invoices())
            query = query.where(*_bucket_condition(int(bucket), today))
            query = query.order_by(Invoice.due_on, Invoice.id)
        else:
            start, end = str(drill.get("start")), str(drill.get("end"))
            query = query.where(*_issued_in(Period(date.fromisoformat(start),
                                                   date.fromisoformat(end)), currency))
            if (product_id := drill.get("product_id")) is not None:
                query = query.where(Invoice.id.in_(_invoices_with_product(int(product_id))))
            query = query.order_by(Invoice.issued_on, Invoice.id)
        rows = session.execute(query.limit(LIST_LIMIT)).all()
        return Table(drill.title, (
            Column("Number"), Column("Issued", Kind.DATE), Column("Due", Kind.DATE),
            Column("Customer"), Column("Before tax", Kind.MONEY), Column("Owed", Kind.MONEY),
            Column("Days overdue", Kind.COUNT)), tuple(
            Row((number or "", issued, due, customer_name(first, last, company, cid), net,
                 max(left, ZERO), max((today - due).days, 0) if due and left > 0 else 0),
                customer_id=cid, invoice_id=invoice_id)
            for invoice_id, number, issued, due, cid, first, last, company, net, left in rows),
            note=_limited(len(rows)))

    def _follow_ups_behind(self, session: Session, drill: Drill) -> Table:
        span = self._span_of(drill)
        assert span is not None
        now = self._db.clock()
        query = (select(FollowUp.due_at, FollowUp.state, FollowUp.completed_at,
                        FollowUp.purpose, FollowUp.assignee_id, FollowUp.customer_id,
                        Customer.first_name, Customer.last_name, Customer.company)
                 .join(Customer, Customer.id == FollowUp.customer_id)
                 .where(FollowUp.due_at >= span[0], FollowUp.due_at < span[1],
                        FollowUp.state.in_((FollowUpState.OPEN, FollowUpState.DONE,
                                            FollowUpState.CANCELLED))))
        person = drill.get("person")
        if person is not None:
            query = query.where(FollowUp.assignee_id == int(person) if int(person)
                                else FollowUp.assignee_id.is_(None))
        rows = session.execute(query.order_by(FollowUp.due_at, FollowUp.id)
                               .limit(LIST_LIMIT)).all()
        people = _people(session)
        return Table(drill.title, (
            Column("Due", Kind.DATE), Column("Customer"), Column("What"), Column("Person"),
            Column("How it went")), tuple(
            Row((due.astimezone(self._zone).date(), customer_name(first, last, company, cid),
                 purpose, people.get(uid or 0, NO_ONE),
                 OUTCOMES[self.outcome(due, state, done, now)]), customer_id=cid)
            for due, state, done, purpose, uid, cid, first, last, company in rows),
            note=_limited(len(rows)))

    def _queries_behind(self, session: Session, drill: Drill) -> Table:
        span = self._span_of(drill)
        assert span is not None
        in_period = and_(CustomerQuery.created_at >= span[0], CustomerQuery.created_at < span[1])
        query = (select(CustomerQuery.id, CustomerQuery.created_at, CustomerQuery.subject,
                        CustomerQuery.status, CustomerQuery.resolved_at,
                        CustomerQuery.customer_id, Customer.first_name, Customer.last_name,
                        Customer.company)
                 .join(Customer, Customer.id == CustomerQuery.customer_id).where(in_period))
        if (channel := drill.get("channel")) is not None:
            query = query.where(CustomerQuery.channel == str(channel))
        if (priority := drill.get("priority")) is not None:
            query = query.where(CustomerQuery.priority == str(priority))
        if (category := drill.get("category")) is not None:
            query = query.where(CustomerQuery.category_id == int(category) if int(category)
                                else CustomerQuery.category_id.is_(None))
        rows = session.execute(query.order_by(CustomerQuery.created_at, CustomerQuery.id)
                               .limit(LIST_LIMIT)).all()
        answered: dict[int, datetime] = {
            qid: at for qid, at in session.execute(_first_answers(in_period))}
        return Table(drill.title, (
            Column("Logged", Kind.DATE), Column("Customer"), Column("Subject"),
            Column("Status"), Column("To first answer", Kind.HOURS),
            Column("To resolution", Kind.HOURS)), tuple(
            Row((created.astimezone(self._zone).date(),
                 customer_name(first, last, company, cid), subject,
                 QUERY_STATUS_LABELS[status],
                 hours(answered[qid] - created) if qid in answered else None,
                 hours(resolved - created) if resolved else None), customer_id=cid)
            for qid, created, subject, status, resolved, cid, first, last, company in rows),
            note=_limited(len(rows)))

    def _feedback_behind(self, session: Session, drill: Drill) -> Table:
        span = self._span_of(drill)
        assert span is not None
        query = (select(Feedback.occurred_at, Feedback.kind, Feedback.text,
                        Feedback.apology_made, Feedback.action_taken, FeedbackCategory.name,
                        Feedback.customer_id, Customer.first_name, Customer.last_name,
                        Customer.company)
                 .outerjoin(Customer, Customer.id == Feedback.customer_id)
                 .outerjoin(FeedbackCategory, FeedbackCategory.id == Feedback.category_id)
                 .where(Feedback.kind.in_((FeedbackKind.COMPLAINT, FeedbackKind.WIN)),
                        Feedback.occurred_at >= span[0], Feedback.occurred_at < span[1]))
        if (category := drill.get("category")) is not None:
            query = query.where(Feedback.category_id == int(category) if int(category)
                                else Feedback.category_id.is_(None))
        rows = session.execute(query.order_by(Feedback.occurred_at, Feedback.id)
                               .limit(LIST_LIMIT)).all()
        return Table(drill.title, (
            Column("When", Kind.DATE), Column("Kind"), Column("Category"), Column("Customer"),
            Column("What happened"), Column("Apologised"), Column("What was done")), tuple(
            Row((at.astimezone(self._zone).date(), FEEDBACK_KIND_LABELS[kind], category or "",
                 customer_name(first or "", last or "", company, cid) if cid else "",
                 text, "" if apology is None else ("Yes" if apology else "No"), action or ""),
                customer_id=cid)
            for at, kind, text, apology, action, category, cid, first, last, company in rows),
            note=_limited(len(rows)))

    def _customers_behind(self, session: Session, drill: Drill) -> Table:
        span = self._span_of(drill)
        assert span is not None
        begin, end = span
        which, reason = drill.get("which"), drill.get("reason")
        new = and_(Customer.first_order_at >= begin, Customer.first_order_at < end)
        lost = and_(Customer.status == CustomerStatus.LOST, Customer.status_changed_at >= begin,
                    Customer.status_changed_at < end)
        if reason is not None:
            lost = and_(lost, Customer.lost_reason == str(reason)) \
                if reason != "No reason given" else and_(
                    lost, or_(Customer.lost_reason.is_(None), Customer.lost_reason == ""))
        condition = new if which == "new" else lost if which == "lost" else or_(new, lost)
        rows = session.execute(
            select(Customer.id, Customer.first_name, Customer.last_name, Customer.company,
                   Customer.status, Customer.first_order_at, Customer.status_changed_at,
                   Customer.lost_reason, Customer.last_contact_at)
            .where(Customer.deleted_at.is_(None), condition)
            .order_by(Customer.sort_name, Customer.id).limit(LIST_LIMIT)).all()

        def local(at: datetime | None) -> date | None:
            return at.astimezone(self._zone).date() if at else None

        return Table(drill.title, (
            Column("Customer"), Column("Status"), Column("First order", Kind.DATE),
            Column("Lost on", Kind.DATE), Column("Reason"), Column("Last contact", Kind.DATE)),
            tuple(Row((customer_name(first, last, company, cid), status.value.capitalize(),
                       local(first_order),
                       local(changed) if status is CustomerStatus.LOST else None,
                       reason_ or "", local(last_contact)), customer_id=cid)
                  for cid, first, last, company, status, first_order, changed, reason_,
                  last_contact in rows),
            note=_limited(len(rows)))


# ---- what a drill may ask -------------------------------------------------------------------

def _is_day(value: str | int) -> bool:
    try:
        Period(date.fromisoformat(str(value)), date.fromisoformat(str(value)))
    except (ValueError, ValidationError):
        return False
    return True


def _is_int(value: str | int, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


_WHOLE = (0, 2**31 - 1)  # what an INTEGER key can hold
_FILTERS: dict[str, Callable[[str | int], bool]] = {
    "start": _is_day, "end": _is_day,
    "customer_id": lambda v: _is_int(v, *_WHOLE), "product_id": lambda v: _is_int(v, *_WHOLE),
    "person": lambda v: _is_int(v, *_WHOLE), "category": lambda v: _is_int(v, *_WHOLE),
    "bucket": lambda v: _is_int(v, -1, len(BUCKETS) - 1),
    "channel": lambda v: v in QUERY_CHANNEL_LABELS, "priority": lambda v: v in PRIORITY_LABELS,
    "which": lambda v: v in ("new", "lost"),
    "reason": lambda v: isinstance(v, str) and len(v) <= 500,
}


def _check_filters(drill: Drill) -> None:
    """A drill is made by a report, but read as if typed: a filter the lists do not know,
    or a value out of its range, is refused in words."""
    for key, value in drill.filters:
        check = _FILTERS.get(key)
        if check is None or not check(value):
            raise ValidationError.single("drill", "That list cannot be shown: it asks for "
                                                  "something the reports do not keep.")
    if drill.what != "invoices" or drill.get("bucket") is None:
        start, end = drill.get("start"), drill.get("end")
        if start is None or end is None or str(end) < str(start):
            raise ValidationError.single("drill", "That list needs a period.")


# ---- SQL pieces ----------------------------------------------------------------------------


def _issued_in(period: Period, currency: str) -> tuple[ColumnElement[bool], ...]:
    """Invoices and credit notes issued in the period (void ones are not)."""
    return (Invoice.state == InvoiceState.ISSUED, Invoice.issued_on >= period.start,
            Invoice.issued_on <= period.end, Invoice.currency == currency)


def _month_of(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.to_char(column, "YYYY-MM")


def _hours_between(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return type_coerce((func.julianday(later) - func.julianday(earlier)) * 24, Float())
    return type_coerce(func.extract("epoch", later - earlier) / 3600, Float())


def _revenue_by_month(session: Session, period: Period, currency: str) -> dict[str, Decimal]:
    """Sales per month ("2026-03"), from the day-by-day sales: exact, as each invoice's net
    is the sum of its lines' nets."""
    month = _month_of(session, SalesDay.day)
    return {key: value or ZERO for key, value in session.execute(
        select(month, func.sum(SalesDay.net))
        .where(SalesDay.day >= period.start, SalesDay.day <= period.end,
               SalesDay.currency == currency)
        .group_by(month))}


def _sales_by_product(period: Period, currency: str) -> Select[int, str | None, Decimal, Decimal]:
    value = func.sum(SalesDay.net)
    return (select(SalesDay.product_key, Product.name, func.sum(SalesDay.quantity), value)
            .outerjoin(Product, Product.id == SalesDay.product_key)
            .where(SalesDay.day >= period.start, SalesDay.day <= period.end,
                   SalesDay.currency == currency)
            .group_by(SalesDay.product_key, Product.name)
            .having(or_(func.sum(SalesDay.quantity) != 0, value != 0))
            .order_by(value.desc(), SalesDay.product_key).limit(TOP))


def _invoices_with_product(product_id: int) -> Select[Any]:
    credited = aliased(InvoiceLine)
    order_line_id = func.coalesce(InvoiceLine.order_line_id, credited.order_line_id)
    query = (select(InvoiceLine.invoice_id)
             .outerjoin(credited, credited.id == InvoiceLine.credited_line_id)
             .outerjoin(OrderLine, OrderLine.id == order_line_id))
    return query.where(OrderLine.product_id == product_id if product_id
                       else OrderLine.product_id.is_(None))


def _bucket_condition(bucket: int, today: date) -> tuple[ColumnElement[bool], ...]:
    if bucket < 0:  # all of a customer's unpaid invoices
        return ()
    if bucket == 0:
        return (or_(Invoice.due_on.is_(None), Invoice.due_on >= today),)
    low, high = ((1, 30), (31, 60), (61, 90), (91, None))[bucket - 1]
    conditions = [Invoice.due_on <= today - timedelta(days=low)]
    if high is not None:
        conditions.append(Invoice.due_on >= today - timedelta(days=high))
    return tuple(conditions)


def _first_answers(in_period: ColumnElement[bool]) -> Select[int, datetime]:
    """When each query of the period first left "New"."""
    return (select(QueryEvent.query_id, func.min(QueryEvent.at).label("at"))
            .join(CustomerQuery, CustomerQuery.id == QueryEvent.query_id)
            .where(in_period, QueryEvent.kind.in_((QueryEventKind.STATUS,
                                                   QueryEventKind.REOPENED)),
                   QueryEvent.status != QueryStatus.NEW)
            .group_by(QueryEvent.query_id))


def _went_quiet(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    return (*current_customers(), Customer.quiet_after_at >= since,
            Customer.quiet_after_at < until)


def _category_names(session: Session) -> dict[int, str]:
    return {cid: name for cid, name in session.execute(
        select(FeedbackCategory.id, FeedbackCategory.name))}


def _people(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name))}


def _quantity(value: Decimal | None) -> Decimal | int:
    if value is None:
        return 0
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def _span(period: Period) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("start", period.start.isoformat()), ("end", period.end.isoformat())


def _invoices_drill(title: str, period: Period | None, **filters: int) -> Drill:
    return Drill("invoices", title,
                 (*(_span(period) if period else ()), *sorted(filters.items())))


def _month_period(month: date, within: Period) -> Period:
    """The part of ``month`` inside ``within``."""
    last = add_months(month, 1) - timedelta(days=1)
    return Period(max(month, within.start), min(last, within.end))


def _today_period(today: date) -> Period:
    return Period(today, today, "today")


def _limited(count: int) -> str:
    return f"The first {LIST_LIMIT} are shown." if count >= LIST_LIMIT else ""
