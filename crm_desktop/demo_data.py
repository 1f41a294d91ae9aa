"""Realistic fake shop data for demos and benchmarks.

100,000 customers take well under a minute: names and places come from small pools that Faker
fills once, rows are written with bulk Core inserts in chunks, and ids are assigned here so
children can point at their parents without a round trip.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

import phonenumbers
from faker import Faker
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from crm_desktop.actor import SYSTEM
from crm_desktop.models import (
    Address,
    AuditEntry,
    ContactPoint,
    Customer,
    CustomerQuery,
    CustomerSearch,
    Feedback,
    FeedbackCategory,
    FollowUp,
    HistoryEntry,
    ImportantDate,
    Invoice,
    InvoiceLine,
    MarketingConsent,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PersonalNote,
    Preference,
    Product,
    QueryEvent,
    Role,
    Tag,
    User,
    customer_tags,
)
from crm_desktop.models.base import Base, table_of
from crm_desktop.money import totals
from crm_desktop.passwords import hash_password
from crm_desktop.services.admin.settings_service import BusinessSettings, SettingsService
from crm_desktop.services.admin.user_service import UserService
from crm_desktop.services.customers.customer_service import sort_name_for
from crm_desktop.services.customers.lifecycle import MIN_GAPS
from crm_desktop.services.customers.search_index import document
from crm_desktop.services.invoices import sales_days
from crm_desktop.storage import bulk
from crm_desktop.storage.database import Database
from crm_desktop.validation import fold

Progress = Callable[[int, int], None]

CHUNK = 5_000
# Both demo people (Sam Owner, Rita Reception) sign in with this; it is in the README. A demo
# shop is for trying the app, never for real customers.
DEMO_PASSWORD = "corner shop demo"

PREFERENCES = [
    ("service_style", "Always in a hurry — keep it short."),
    ("service_style", "Likes time to consider the options; never rush."),
    ("service_style", "Enjoys a chat about the grandchildren."),
    ("channel", "Prefers a phone call to e-mail."),
    ("channel", "E-mail only, please; never calls back."),
    ("best_time", "Best reached after 5 pm."),
    ("best_time", "Mornings before 10."),
    ("language", "Prefers to speak Spanish."),
    ("other", "Allergic to lilies — check bouquets."),
    ("other", "Pays by bank transfer, never card."),
]
NOTES = [
    "Her cat is at the vet — ask how she is doing.",
    "Daughter's wedding in the spring.",
    "Recently moved house; check the new address on orders.",
    "Was unhappy with the last delivery delay; be extra careful.",
    "Brought in two friends as customers last year.",
    "Training for a marathon.",
]
TAGS = ["VIP", "Regular", "Wholesale", "Newsletter", "Local", "Gift buyer", "Trade", "Seasonal"]
CATEGORIES = ["Delivery", "Billing", "Product quality", "Staff", "Waiting time"]
LOST_REASONS = ["Moved away", "Moved away", "Found a cheaper shop", "Unhappy with a delivery",
                "Closed their business", "No longer needs what we sell"]
# How much each month sells against the best (December): the seasons of a gift shop.
SEASON = {1: 0.35, 2: 0.4, 3: 0.5, 4: 0.55, 5: 0.6, 6: 0.5, 7: 0.4, 8: 0.45, 9: 0.6,
          10: 0.7, 11: 0.9, 12: 1.0}
FEEDBACK_TEXTS = {
    "complaint": ["The parcel came two days late.", "Charged twice for one order.",
                  "The lid was cracked when it arrived."],
    "win": ["Thanked us for the quick repair.", "Came back after a year away.",
            "Recommended us to a neighbour."],
    "suggestion": ["Could you open on Saturdays?", "Would like reminders by text."],
    "survey": ["Always a pleasure.", "Good, but the wait was long.", "Lovely service."],
}
HISTORY_KINDS = ["call", "visit", "email", "letter", "note"]
SUMMARIES = {
    "call": ["Called about an order", "Asked for prices", "Returned our call", "Booked a visit"],
    "visit": ["Came into the shop", "Picked up an order", "Browsed the new range"],
    "email": ["Asked about delivery times", "Sent thanks for the service", "Asked for invoice"],
    "letter": ["Sent a handwritten card", "Mailed the catalogue"],
    "note": ["Mentioned a birthday coming up", "Prefers the blue packaging"],
}


@dataclass
class DemoResult:
    customers: int
    history: int
    orders: int
    invoices: int
    follow_ups: int


def _pool(fake: Faker, make: Callable[[], str], size: int) -> list[str]:
    return [make() for _ in range(size)]


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _next_id(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


TABLES: dict[str, type[Base]] = {
    "customer": Customer, "contact": ContactPoint, "address": Address, "pref": Preference,
    "note": PersonalNote, "date": ImportantDate, "history": HistoryEntry, "order": Order,
    "line": OrderLine, "invoice": Invoice, "iline": InvoiceLine, "payment": Payment,
    "follow": FollowUp, "query": CustomerQuery, "feedback": Feedback,
    "consent": MarketingConsent,
}


def generate(
    database: Database,
    customers: int,
    *,
    history_per_customer: int = 5,
    seed: int = 2026,
    follow_up_share: float = 0.25,  # of customers with an open follow-up
    progress: Progress | None = None,
) -> DemoResult:
    shop = _DemoShop(database, seed, history_per_customer=history_per_customer,
                     follow_up_share=follow_up_share)
    totals = DemoResult(0, 0, 0, 0, 0)
    for chunk in _chunks(customers, CHUNK):
        rows = shop.new_chunk()
        for _ in chunk:
            shop.add_customer()
        _write_chunk(database, rows)
        totals.customers += len(chunk)
        totals.history += len(rows["history"])
        totals.orders += len(rows["order"])
        totals.invoices += len(rows["invoice"])
        totals.follow_ups += len(rows["follow"])
        if progress:
            progress(totals.customers, customers)

    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for model in TABLES.values():
                name = table_of(model).name
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
        # The day-by-day sales the report reads, worked out from the invoices just written.
        with Session(bind=conn) as session:
            sales_days.rebuild(session)
            session.flush()
        conn.execute(table_of(AuditEntry).insert(), [{
            "at": database.clock(), "user_id": SYSTEM.user_id, "action": "create",
            "entity": "demo_data", "entity_id": None, "changes": json.dumps(totals.__dict__)}])
    return totals


def _write_chunk(database: Database, rows: dict[str, list[dict[str, Any]]]) -> None:
    """One chunk of customers and everything they have, in one transaction."""
    with database.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # The indexes of a million customers do not fit SQLite's default 2 MB page cache:
            # every insert would read its index pages back from disk (this connection only).
            conn.exec_driver_sql("PRAGMA cache_size = -262144")
        bulk.insert(conn, table_of(Customer), rows["customer"])
        bulk.insert(conn, customer_tags, rows["tags"])
        bulk.insert(conn, table_of(CustomerSearch), rows["search"])
        for key in ("contact", "address", "pref", "note", "date", "history", "order", "line",
                    "invoice", "iline", "payment", "follow", "query", "feedback", "consent"):
            bulk.insert(conn, table_of(TABLES[key]), rows[key])
        bulk.insert(conn, table_of(OrderEvent), rows["event"])  # after the orders they belong to
        bulk.insert(conn, table_of(QueryEvent), rows["query_event"])


class _DemoShop:
    """Makes up one customer after another, with ids that continue what the database holds.

    Every draw comes from one seeded generator, in a fixed order, so a seed always makes the
    same shop: change the order of the draws and every demo database changes."""

    def __init__(self, database: Database, seed: int, *, history_per_customer: int,
                 follow_up_share: float) -> None:
        self.rng = rng = random.Random(seed)
        Faker.seed(seed)
        users = UserService(database)
        if users.needs_first_run():
            users.first_run("Sam Owner", "Corner Shop", "US", password=DEMO_PASSWORD)
        settings: BusinessSettings = SettingsService(database).business()
        self.region = settings.country
        self.currency = settings.currency
        self.history_per_customer = history_per_customer
        self.follow_up_share = follow_up_share
        self.fake = fake = Faker(_faker_locale(settings.locale))
        self.first_names = _pool(fake, fake.first_name, 600)
        self.last_names = _pool(fake, fake.last_name, 900)
        self.companies = _pool(fake, fake.company, 300)
        self.streets = _pool(fake, fake.street_address, 800)
        self.cities = [(fake.postcode(), fake.city()) for _ in range(300)]
        self.now = now = database.clock()
        self.today = now.date()
        # What happens to customers over the years (repeat orders with the seasons, late
        # payers, customers drifting away, past follow-ups and queries, complaints that come
        # in a cluster) is drawn from a stream of its own: the rest of a seeded shop stays as
        # it was before the story was added.
        self.story = random.Random(seed * 7919 + 17)
        self.stamp = stamp = {"version": 1, "created_at": now, "updated_at": now,
                              "created_by_id": None, "updated_by_id": None}
        with database.engine.begin() as conn:
            user_ids = list(conn.scalars(select(User.id)))
            if len(user_ids) < 2:
                conn.execute(table_of(User).insert(), [{
                    **stamp, "username": "rita.reception", "display_name": "Rita Reception",
                    "role": Role.RECEPTIONIST.value, "active": True,
                    "password_hash": hash_password(DEMO_PASSWORD),
                    "must_change_password": False}])
                user_ids = list(conn.scalars(select(User.id)))
            self.user_ids = user_ids
            self.tag_ids = _ensure_named(conn, table_of(Tag), TAGS, stamp, key=True)
            self.category_ids = _ensure_named(conn, table_of(FeedbackCategory), CATEGORIES,
                                              stamp)
            self.products = _ensure_products(conn, rng, stamp)
        with database.engine.begin() as conn:
            self.ids = {key: _next_id(conn, table_of(model)) for key, model in TABLES.items()}
            self.invoice_seq = int(conn.scalar(select(func.count()).select_from(Invoice)) or 0)
        self.phone_example = phonenumbers.example_number_for_type(
            self.region, 0) or phonenumbers.parse("+12015550123")
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def new_chunk(self) -> dict[str, list[dict[str, Any]]]:
        self.rows = {k: [] for k in (*TABLES, "tags", "search", "event", "query_event")}
        return self.rows

    def _next(self, key: str) -> int:
        row_id = self.ids[key]
        self.ids[key] += 1
        return row_id

    def add_customer(self) -> None:
        rng, now, stamp = self.rng, self.now, self.stamp
        cid = self._next("customer")
        first, last = rng.choice(self.first_names), rng.choice(self.last_names)
        company = rng.choice(self.companies) if rng.random() < 0.15 else None
        status = rng.choices(["customer", "prospect", "quiet", "lost"], [70, 18, 8, 4])[0]
        since = now - timedelta(days=rng.randint(30, 5 * 365))
        quiet_days = rng.randint(400, 900) if status == "quiet" else rng.randint(0, 300)
        last_contact = now - timedelta(days=quiet_days, minutes=rng.randint(0, 600))
        since = min(since, last_contact - timedelta(days=1))
        status = "customer" if status == "quiet" else status  # inactive is computed
        owner = rng.choice(self.user_ids)
        emails, e164 = self._contacts(cid, first, last)
        self._address(cid)
        self._consents(cid, since, has_email=bool(emails))
        searchable = self._remembered(cid)  # preferences, notes and tags, for the search
        self._history(cid, since, last_contact)
        lifetime = Decimal("0.00")
        first_order: datetime | None = None
        if status in ("customer", "lost"):
            ordered = since + timedelta(days=rng.randint(0, 20))
            lifetime, self.invoice_seq = _order_with_invoice(
                self.rows, self.ids, rng, stamp, cid, self.products, ordered, self.currency,
                self.invoice_seq, today=self.today, settle=self.story)
            first_order = ordered
            if status == "customer":
                lifetime += self._repeat_orders(cid, ordered, last_contact)
        next_follow_up = self._follow_up(cid, owner)
        self._query(cid, owner)
        self._feedback(cid)
        next_follow_up = self._story(cid, owner, next_follow_up)
        lost_reason, lost_on = None, since
        if status == "lost":
            lost_reason = self.story.choice(LOST_REASONS)
            lost_on = min(now, last_contact + timedelta(days=self.story.randint(20, 240)))
        country_code = len(str(self.phone_example.country_code))
        self.rows["search"].append({"customer_id": cid, **document(
            first, last, company or "", emails=emails, phones=[], other=searchable),
            "digits": f"{e164[1:]} {e164[1 + country_code:]}"})
        self.rows["customer"].append({
            **stamp, "id": cid, "first_name": first, "last_name": last, "company": company,
            "sort_name": sort_name_for(first, last, company or ""), "status": status,
            "lost_reason": lost_reason, "status_changed_at": lost_on, "owner_id": owner,
            "source": rng.choice(["Walk-in", "Recommendation", "Website", "Market stall"]),
            "last_contact_at": last_contact, "next_follow_up_at": next_follow_up,
            "first_order_at": first_order, "lifetime_value": lifetime,
            **_rhythm(since, last_contact, self.history_per_customer),
            "deleted_at": None, "deleted_by_id": None,
        })

    def _repeat_orders(self, cid: int, first: datetime, last_contact: datetime) -> Decimal:
        """More orders between the first and the last contact, more of them before
        Christmas; one customer in eight drifts away, buying less in the last six months.
        Returns what they spent."""
        story = self.story
        span = (last_contact - first).total_seconds()
        if span < 30 * 86400:
            return Decimal("0.00")
        drifting = story.random() < 0.12
        spent = Decimal("0.00")
        orders = story.choice([0, 0, 1, 1, 2, 3, 4])
        for n in range(orders):
            if n == orders - 1 and story.random() < 0.35:
                at = last_contact  # often enough, their last contact was a purchase
            else:
                while True:  # the seasons: a moment is kept as often as its month sells
                    at = first + timedelta(seconds=story.random() * span)
                    if story.random() * max(SEASON.values()) < SEASON[at.month]:
                        break
            recent = (self.now - at).days < 180
            gross, self.invoice_seq = _order_with_invoice(
                self.rows, self.ids, story, self.stamp, cid, self.products, at, self.currency,
                self.invoice_seq, late_share=0.2, small=drifting and recent, today=self.today,
                settle=story)
            spent += gross
        return spent

    def _story(self, cid: int, owner: int, next_follow_up: datetime | None) -> datetime | None:
        """Follow-ups and queries of the past year, complaints that come in a cluster (a
        courier's bad month) and ratings. Returns the customer's next open follow-up."""
        story, now, stamp, rows = self.story, self.now, self.stamp, self.rows
        # A two-desk shop follows up a few dozen customers a day, not a third of them.
        if story.random() < 0.08:
            due = now - timedelta(days=story.randint(1, 365), hours=story.randint(0, 8))
            state, done = story.choices(
                [("done", 0), ("done", 1), ("cancelled", 0), ("open", 0)],
                [65, 15, 10, 10])[0]
            completed = (due + timedelta(hours=story.randint(0, 8)) if not done
                         else due + timedelta(days=story.randint(1, 10)))
            rows["follow"].append({
                **stamp, "id": self._next("follow"), "customer_id": cid, "due_at": due,
                "has_time": False, "time_zone": "UTC", "channel": story.choice(
                    ["call", "visit", "email", "card"]),
                "purpose": story.choice(["Check they are happy", "Chase the quote",
                                         "Ask about the delivery", "Thank them"]),
                "notes": "", "assignee_id": owner if story.random() < 0.8
                else story.choice(self.user_ids),
                "rrule": None, "series_id": None, "series_start_at": None,
                "occurrence_at": None, "suggestion_key": None, "state": state,
                "source_kind": None, "source_id": None,
                "completed_at": min(completed, now) if state == "done" else None,
                "outcome": "Done" if state == "done" else None,
                "cancel_reason": "Not needed any more" if state == "cancelled" else None,
                "notified_at": None})
            if state == "open":
                next_follow_up = due if next_follow_up is None else min(due, next_follow_up)
        if story.random() < 0.04:
            self._answered_query(cid, owner)
        if story.random() < 0.015:  # the courier's bad weeks, about two and a half months ago
            at = now - timedelta(days=story.randint(65, 85), hours=story.randint(0, 23))
            apologised = story.random() < 0.5
            rows["feedback"].append({
                **stamp, "id": self._next("feedback"), "customer_id": cid, "order_id": None,
                "invoice_id": None, "kind": "complaint", "category_id": self.category_ids[0],
                "occurred_at": at, "rating": None, "text": "The parcel came days late.",
                "apology_made": apologised,
                "action_taken": "Refunded the postage" if apologised and story.random() < 0.7
                else None})
        if story.random() < 0.03:
            rows["feedback"].append({
                **stamp, "id": self._next("feedback"), "customer_id": cid, "order_id": None,
                "invoice_id": None, "kind": "survey", "category_id": None,
                "occurred_at": now - timedelta(days=story.randint(0, 365)),
                "rating": story.choices([1, 2, 3, 4, 5], [5, 10, 15, 35, 35])[0],
                "text": story.choice(FEEDBACK_TEXTS["survey"]), "apology_made": None,
                "action_taken": None})
        return next_follow_up

    def _answered_query(self, cid: int, owner: int) -> None:
        """A query of the past year, answered within hours and resolved within days; one in
        fifteen was reopened."""
        story, now = self.story, self.now
        query_id = self._next("query")
        logged = now - timedelta(days=story.randint(2, 365), hours=story.randint(0, 23))
        answered = logged + timedelta(hours=story.uniform(0.5, 30))
        resolved = answered + timedelta(hours=story.uniform(1, 240))
        reopened = story.random() < 1 / 15
        events = [(logged, "logged", "new"), (answered, "status", "in_progress"),
                  (resolved, "status", "resolved")]
        if reopened:
            events.append((resolved + timedelta(days=2), "reopened", "in_progress"))
        status = events[-1][2] if events[-1][0] < now else "in_progress"
        self.rows["query"].append({
            **self.stamp, "created_at": logged, "id": query_id, "customer_id": cid,
            "channel": story.choice(["phone", "phone", "walk_in", "email", "letter"]),
            "category_id": story.choice([*self.category_ids[:3], None]),
            "subject": story.choice(["Where is my order?", "Can I change my order?",
                                     "A question about my invoice", "Do you deliver?"]),
            "details": "", "priority": story.choice(["normal", "normal", "high", "low"]),
            "status": status, "owner_id": owner, "due_at": logged + timedelta(days=2),
            "resolved_at": resolved if status == "resolved" else None,
            "resolution": "Answered" if status == "resolved" else None})
        for at, kind, step in events:
            if at < now:
                self.rows["query_event"].append({
                    "query_id": query_id, "customer_id": cid, "at": at, "kind": kind,
                    "status": step, "detail": "", "user_id": owner})

    def _contacts(self, cid: int, first: str, last: str) -> tuple[list[str], str]:
        """A phone for everyone, an e-mail for three in four: (e-mails, phone in E.164)."""
        rng, stamp = self.rng, self.stamp
        phone_national, e164 = _fake_phone(rng, self.phone_example)
        self.rows["contact"].append({**stamp, "id": self._next("contact"), "customer_id": cid,
                                     "kind": "phone", "label": rng.choice(["mobile", "home", ""]),
                                     "value": phone_national, "normalized": e164,
                                     "digits": e164.lstrip("+"), "is_primary": True,
                                     "position": 0})
        emails: list[str] = []
        if rng.random() < 0.75:
            email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}@example.com"
            emails.append(email)
            self.rows["contact"].append({**stamp, "id": self._next("contact"),
                                         "customer_id": cid, "kind": "email", "label": "",
                                         "value": email, "normalized": email, "digits": None,
                                         "is_primary": True, "position": 1})
        return emails, e164

    def _address(self, cid: int) -> None:
        postcode, city = self.rng.choice(self.cities)
        self.rows["address"].append({**self.stamp, "id": self._next("address"),
                                     "customer_id": cid, "kind": "billing", "label": "",
                                     "line1": self.rng.choice(self.streets), "line2": "",
                                     "postal_code": postcode, "city": city, "region": "",
                                     "country": self.region, "is_primary": True, "position": 0})

    def _consents(self, cid: int, since: datetime, *, has_email: bool) -> None:
        """Six in ten said yes to letters, four in ten to e-mail, one in twenty took it
        back. Drawn from the customer number, not the shared random stream, so the rest of
        a seeded shop stays as it was."""
        spread = (cid * 2654435761) % 100
        for channel, share in (("post", 60), ("email", 40 if has_email else 0)):
            if spread < share:
                self.rows["consent"].append({
                    **self.stamp, "id": self._next("consent"), "customer_id": cid,
                    "channel": channel, "given": spread >= 5, "changed_at": since,
                    "method": "in_person" if spread % 2 else "in_writing", "note": ""})

    def _remembered(self, cid: int) -> list[str]:
        """Preferences, a note, a birthday and tags: what the banner remembers."""
        rng, stamp, rows = self.rng, self.stamp, self.rows
        searchable: list[str] = []
        for position in range(rng.choice([0, 1, 1, 2])):
            kind, text_ = rng.choice(PREFERENCES)
            searchable.append(text_)
            rows["pref"].append({**stamp, "id": self._next("pref"), "customer_id": cid,
                                 "kind": kind, "text": text_, "pinned": position == 0,
                                 "position": position})
        if rng.random() < 0.3:
            note = rng.choice(NOTES)
            searchable.append(note)
            rows["note"].append({**stamp, "id": self._next("note"), "customer_id": cid,
                                 "text": note, "pinned": rng.random() < 0.7})
        if rng.random() < 0.5:
            birthday = self.fake.date_of_birth(minimum_age=18, maximum_age=90)
            rows["date"].append({**stamp, "id": self._next("date"), "customer_id": cid,
                                 "kind": "birthday", "label": "", "month": birthday.month,
                                 "day": birthday.day,
                                 "year": birthday.year if rng.random() < 0.6 else None})
        for tag_index in rng.sample(range(len(self.tag_ids)), rng.choice([0, 0, 1, 1, 2])):
            rows["tags"].append({"customer_id": cid, "tag_id": self.tag_ids[tag_index]})
            searchable.append(TAGS[tag_index])
        return searchable

    def _history(self, cid: int, since: datetime, last_contact: datetime) -> None:
        rng = self.rng
        for _h in range(self.history_per_customer):
            kind = rng.choice(HISTORY_KINDS)
            self.rows["history"].append({
                **self.stamp, "id": self._next("history"), "customer_id": cid, "kind": kind,
                "occurred_at": since + (last_contact - since) * rng.random(),
                "user_id": rng.choice(self.user_ids),
                "summary": rng.choice(SUMMARIES[kind]), "details": "",
                "outcome": rng.choice(["", "Happy", "Will call back", "Ordered",
                                       "Needs a quote"]),
                "duration_minutes": None})

    def _follow_up(self, cid: int, owner: int) -> datetime | None:
        rng = self.rng
        if rng.random() >= self.follow_up_share:
            return None
        due = self.now + timedelta(days=rng.randint(-10, 40))
        follow_id = self._next("follow")
        monthly = cid % 10 == 0  # not drawn: the rest of the data stays as it was
        self.rows["follow"].append({
            **self.stamp, "id": follow_id, "customer_id": cid, "due_at": due,
            "has_time": False, "time_zone": "UTC",
            "channel": rng.choice(["call", "visit", "email", "card"]),
            "purpose": rng.choice(["Check they are happy", "Offer the new range",
                                   "Birthday card"]),
            "notes": "", "assignee_id": owner,
            "rrule": "FREQ=MONTHLY" if monthly else None,
            "series_id": follow_id if monthly else None,
            "series_start_at": due if monthly else None,
            "occurrence_at": due if monthly else None,
            "suggestion_key": None, "state": "open", "source_kind": None, "source_id": None,
            "completed_at": None, "outcome": None, "cancel_reason": None, "notified_at": None})
        return due

    def _query(self, cid: int, owner: int) -> None:
        if self.rng.random() >= 0.03:
            return
        now = self.now
        query_id = self._next("query")
        self.rows["query"].append({**self.stamp, "id": query_id, "customer_id": cid,
                                   "channel": "phone", "category_id": self.category_ids[0],
                                   "subject": "Where is my order?",
                                   "details": "", "priority": "normal", "status": "new",
                                   "owner_id": owner, "due_at": now + timedelta(days=2),
                                   "resolved_at": None, "resolution": None})
        self.rows["query_event"].append({"query_id": query_id, "customer_id": cid, "at": now,
                                         "kind": "logged", "status": "new", "detail": "",
                                         "user_id": owner})

    def _feedback(self, cid: int) -> None:
        rng = self.rng
        if rng.random() >= 0.04:
            return
        kind = rng.choice(["complaint", "win", "suggestion", "survey"])
        survey = kind == "survey"
        self.rows["feedback"].append({
            **self.stamp, "id": self._next("feedback"), "customer_id": cid,
            "order_id": None, "invoice_id": None, "kind": kind,
            "category_id": None if survey else rng.choice(self.category_ids),
            "occurred_at": self.now - timedelta(days=rng.randint(0, 700)),
            "rating": rng.randint(2, 5) if survey else None,
            "text": rng.choice(FEEDBACK_TEXTS[kind]),
            "apology_made": True if kind == "complaint" else None,
            "action_taken": None})


def _faker_locale(locale: str) -> str:
    try:
        Faker(locale)
    except AttributeError:
        return "en_US"
    return locale


def _ascii(name: str) -> str:
    return "".join(c for c in fold(name) if c.isalnum()) or "customer"


def _fake_phone(rng: random.Random, example: phonenumbers.PhoneNumber) -> tuple[str, str]:
    """(national form, E.164) of a number shaped like the region's example number, with the
    last digits changed."""
    national = str(example.national_number)
    keep = max(1, len(national) - 6)
    digits = national[:keep] + "".join(str(rng.randint(0, 9)) for _ in national[keep:])
    number = phonenumbers.PhoneNumber(country_code=example.country_code,
                                      national_number=int(digits))
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
            f"+{example.country_code}{digits}")


def _ensure_named(conn: Connection, table: Table, names: list[str], stamp: dict[str, Any],
                  *, key: bool = False) -> list[int]:
    existing = {r.name: r.id for r in conn.execute(select(table.c.id, table.c.name))}
    missing = [n for n in names if n not in existing]
    if missing:
        conn.execute(table.insert(), [
            {**stamp, "name": n, **({"name_key": n.casefold()} if key else {"active": True})}
            for n in missing])
        existing = {r.name: r.id for r in conn.execute(select(table.c.id, table.c.name))}
    return [existing[n] for n in names]


CATALOGUE = (
    # name, unit, price range in cents, tax rate (%)
    ('Oak side table', 'pc', (14900, 32900), '19'),
    ('Walnut bookshelf', 'pc', (29900, 64900), '19'),
    ('Linen napkins, set of 4', 'set', (1800, 3400), '19'),
    ('Hand-thrown mug', 'pc', (1400, 2600), '19'),
    ('Beeswax candle', 'pc', (600, 1500), '19'),
    ('Wool throw', 'pc', (5900, 12900), '19'),
    ('Ceramic vase', 'pc', (2400, 7900), '19'),
    ('Cotton tea towel', 'pc', (700, 1400), '19'),
    ('Olive wood board', 'pc', (2900, 5900), '19'),
    ('Glass carafe', 'pc', (1900, 3900), '19'),
    ('Seasonal bouquet', 'pc', (2500, 6500), '7'),
    ('Potted herb', 'pc', (450, 1200), '7'),
    ('Local honey, 500 g', 'jar', (650, 1200), '7'),
    ('Loose-leaf tea, 100 g', 'bag', (550, 1400), '7'),
    ('Ground coffee, 250 g', 'bag', (700, 1500), '7'),
    ('Greeting card', 'pc', (250, 600), '7'),
    ('Gift wrapping', 'pc', (150, 500), '19'),
    ('Furniture polish', 'bottle', (800, 1600), '19'),
    ('Delivery within town', 'trip', (900, 2500), '19'),
    ('Assembly service', 'h', (3500, 6000), '19'),
    ('Repair voucher', 'pc', (2000, 5000), '0'),
)


def _ensure_products(conn: Connection, rng: random.Random,
                     stamp: dict[str, Any]) -> list[tuple[int, str, Decimal, Decimal]]:
    table = table_of(Product)
    if not conn.scalar(select(func.count()).select_from(table)):
        rows = []
        for i, (name, unit, (low, high), rate) in enumerate(CATALOGUE):
            rows.append({**stamp, "sku": f"SKU-{1001 + i}", "name": name,
                         "description": "", "unit_price": Decimal(rng.randint(low, high)) / 100,
                         "tax_rate": Decimal(rate), "unit": unit, "active": True})
        conn.execute(table.insert(), rows)
    return [(r.id, r.name, r.unit_price, r.tax_rate) for r in conn.execute(
        select(table.c.id, table.c.name, table.c.unit_price, table.c.tax_rate))]


def _order_with_invoice(  # noqa: PLR0917 - a private helper of generate()'s loop
    rows: dict[str, list[dict[str, Any]]],
    ids: dict[str, int],
    rng: random.Random,
    stamp: dict[str, Any],
    customer_id: int,
    products: list[tuple[int, str, Decimal, Decimal]],
    ordered: datetime,
    currency: str,
    invoice_seq: int,
    *,
    late_share: float = 0.0,  # of invoices paid after their due date (others: on time)
    small: bool = False,  # one of the cheapest things, once: a customer drifting away
    today: date,
    settle: random.Random | None = None,  # draws whether an old unpaid invoice was paid late
) -> tuple[Decimal, int]:
    order_id = ids["order"]
    ids["order"] += 1
    delivered = ordered + timedelta(days=rng.randint(1, 6))
    rows["order"].append({**stamp, "id": order_id, "customer_id": customer_id,
                          "state": "delivered", "currency": currency, "ordered_at": ordered,
                          "confirmed_at": ordered, "shipped_at": delivered,
                          "delivered_at": delivered,
                          "closed_at": None, "cancelled_at": None, "cancel_reason": None,
                          "notes": ""})
    invoice_id = ids["invoice"]
    ids["invoice"] += 1
    bought = []
    cheapest = sorted(products, key=itemgetter(2))[:4]
    for position in range(1 if small else rng.randint(1, 3)):
        product_id, name, price, tax_rate = rng.choice(cheapest if small else products)
        qty = Decimal(1 if small else rng.randint(1, 4))
        rows["line"].append({**stamp, "id": ids["line"], "order_id": order_id,
                             "position": position, "product_id": product_id,
                             "description": name, "quantity": qty, "delivered_quantity": qty,
                             "returned_quantity": Decimal(0), "unit_price": price,
                             "discount_percent": Decimal(0), "tax_rate": tax_rate,
                             "return_reason": None, "returned_at": None, "refund_kind": None})
        rows["iline"].append({**stamp, "id": ids["iline"], "invoice_id": invoice_id,
                              "position": position, "order_line_id": ids["line"],
                              "description": name, "quantity": qty, "unit_price": price,
                              "discount_percent": Decimal(0), "tax_rate": tax_rate})
        ids["line"] += 1
        ids["iline"] += 1
        bought.append((qty, price, Decimal(0), tax_rate))
    summary = totals(bought)
    net_total, tax_total, gross_total = summary.net, summary.tax, summary.gross
    order_row = rows["order"][-1]
    order_row.update(net_total=net_total, tax_total=tax_total, gross_total=gross_total)
    for at, kind in ((ordered, "placed"), (ordered, "confirmed"), (delivered, "shipped"),
                     (delivered, "delivered")):
        rows["event"].append({"order_id": order_id, "customer_id": customer_id, "at": at,
                              "kind": kind, "order_line_id": None, "quantity": None,
                              "detail": "", "user_id": None})
    invoice_seq += 1
    issued = delivered.date()
    rows["invoice"].append({**stamp, "id": invoice_id, "customer_id": customer_id,
                            "kind": "invoice", "credited_invoice_id": None,
                            "number": f"{issued.year}-D{invoice_seq:06d}", "state": "issued",
                            "currency": currency, "issued_on": issued,
                            "due_on": issued + timedelta(days=14), "billing_address": "",
                            "net_total": net_total, "tax_total": tax_total,
                            "gross_total": gross_total, "thank_you_note": "",
                            "printed_at": delivered, "voided_at": None, "void_reason": None,
                            "payment_terms_days": 14, "paid_total": Decimal("0.00")})
    if rng.random() < 0.85:
        days = rng.randint(0, 20)
        if late_share and rng.random() < late_share:
            days = rng.randint(15, 75)
        _pay(rows, ids, stamp, invoice_id, gross_total, paid_on=issued + timedelta(days=days),
             today=today)
    elif settle is not None and (today - issued).days > 120 and settle.random() < 0.92:
        # Most invoices left unpaid are paid in the end, after a reminder or two.
        _pay(rows, ids, stamp, invoice_id, gross_total,
             paid_on=issued + timedelta(days=settle.randint(35, 110)), today=today)
    return gross_total, invoice_seq


def _pay(rows: dict[str, list[dict[str, Any]]], ids: dict[str, int], stamp: dict[str, Any],
         invoice_id: int, amount: Decimal, *, paid_on: date, today: date) -> None:
    if paid_on > today:
        return  # a payment still to come is not made up
    rows["invoice"][-1]["paid_total"] = amount
    rows["payment"].append({**stamp, "id": ids["payment"], "invoice_id": invoice_id,
                            "paid_on": paid_on, "amount": amount, "method": "card",
                            "reference": ""})
    ids["payment"] += 1


__all__ = ["DemoResult", "generate"]


def _rhythm(first: datetime, last: datetime, contacts: int) -> dict[str, object]:
    """The usual gap between contacts, as lifecycle.record_contact would have learnt it."""
    gaps = contacts - 1
    usual = (last - first).total_seconds() / 86400 / gaps if gaps > 0 else 0.0
    if gaps < MIN_GAPS or usual < 1:
        return {"gap_count": 0, "usual_gap_days": None, "quiet_after_at": None}
    return {"gap_count": gaps, "usual_gap_days": usual,
            "quiet_after_at": last + timedelta(days=usual)}
