"""Creating, editing and (soft) deleting customers: the write path and the profile read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from difflib import SequenceMatcher
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.actor import Actor
from crm_desktop.errors import ConflictError, NotFoundError, ValidationError
from crm_desktop.formatting import local_zone
from crm_desktop.models import (
    Address,
    AddressKind,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerQuery,
    CustomerStatus,
    DateKind,
    Feedback,
    FollowUp,
    HistoryEntry,
    HistoryKind,
    ImportantDate,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Order,
    OrderEvent,
    PersonalNote,
    Preference,
    PreferenceKind,
    QueryStatus,
    Tag,
    User,
    amount_owing,
    customer_name,
)
from crm_desktop.models.base import Base
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers import lifecycle, search_index
from crm_desktop.services.customers.consent import ConsentView, consents_of
from crm_desktop.services.customers.dates import Upcoming, upcoming, valid_day
from crm_desktop.services.follow_ups import follow_up_service
from crm_desktop.services.records import user_name
from crm_desktop.storage.database import Database
from crm_desktop.validation import (
    clean_multiline,
    clean_text,
    digits_only,
    display_phone,
    fold,
    gather,
    normalize_email,
    normalize_phone,
    search_words,
)

MAX_CONTACTS = 20
NAME_MAX = 100  # first and last name, each
MAX_TAGS = 30


# ---- what the form sends -------------------------------------------------------------------


@dataclass
class ContactInput:
    kind: ContactKind
    value: str
    label: str = ""
    is_primary: bool = False
    id: int | None = None


@dataclass
class AddressInput:
    line1: str
    line2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    kind: AddressKind = AddressKind.BILLING
    label: str = ""
    is_primary: bool = False
    id: int | None = None


@dataclass
class PreferenceInput:
    kind: PreferenceKind
    text: str
    pinned: bool = False
    id: int | None = None


@dataclass
class DateInput:
    kind: DateKind
    month: int
    day: int
    year: int | None = None
    label: str = ""
    id: int | None = None


@dataclass
class CustomerInput:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    status: CustomerStatus = CustomerStatus.PROSPECT
    lost_reason: str = ""
    owner_id: int | None = None
    source: str = ""
    tags: list[str] = field(default_factory=list)
    contacts: list[ContactInput] = field(default_factory=list)
    addresses: list[AddressInput] = field(default_factory=list)
    preferences: list[PreferenceInput] = field(default_factory=list)
    dates: list[DateInput] = field(default_factory=list)


# ---- what the profile shows ----------------------------------------------------------------


@dataclass(frozen=True)
class ContactView:
    id: int
    kind: ContactKind
    label: str
    value: str
    normalized: str
    is_primary: bool


@dataclass(frozen=True)
class AddressView:
    id: int
    kind: AddressKind
    label: str
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str
    is_primary: bool

    def lines(self) -> list[str]:
        city_line = " ".join(p for p in (self.postal_code, self.city) if p)
        if self.region:
            city_line = f"{city_line}, {self.region}" if city_line else self.region
        return [line for line in (self.line1, self.line2, city_line, self.country) if line]


@dataclass(frozen=True)
class PreferenceView:
    id: int
    kind: PreferenceKind
    text: str
    pinned: bool


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    pinned: bool


@dataclass(frozen=True)
class DateView:
    id: int
    kind: DateKind
    label: str
    month: int
    day: int
    year: int | None


@dataclass(frozen=True)
class QueryBrief:
    id: int
    subject: str
    status: QueryStatus
    due_at: datetime | None


@dataclass(frozen=True)
class InvoiceBrief:
    id: int
    number: str
    due_on: date
    outstanding: Decimal
    currency: str


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    version: int
    first_name: str
    last_name: str
    company: str
    display_name: str
    status: CustomerStatus  # as stored: prospect, customer or lost
    shown_status: CustomerStatus  # as shown: a quiet customer is inactive
    last_activity_at: datetime
    lost_reason: str
    owner_id: int | None
    owner_name: str
    source: str
    tags: tuple[str, ...]
    contacts: tuple[ContactView, ...]
    addresses: tuple[AddressView, ...]
    preferences: tuple[PreferenceView, ...]
    notes: tuple[NoteView, ...]
    important_dates: tuple[DateView, ...]
    upcoming_dates: tuple[Upcoming, ...]  # within UPCOMING_DAYS, soonest first
    open_queries: tuple[QueryBrief, ...]
    overdue_invoices: tuple[InvoiceBrief, ...]
    last_contact_at: datetime | None
    next_follow_up_at: datetime | None
    lifetime_value: Decimal
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    consents: tuple[ConsentView, ...] = ()  # marketing, by channel; none asked: no row
    erased_at: datetime | None = None
    updated_by_name: str = ""  # who saved it last ("" for the app itself)

    @property
    def number(self) -> str:
        return customer_number(self.id)

    def as_input(self) -> CustomerInput:
        """The editable form of this customer, ids kept so edits update rows in place."""
        return CustomerInput(
            first_name=self.first_name,
            last_name=self.last_name,
            company=self.company,
            status=self.status,
            lost_reason=self.lost_reason,
            owner_id=self.owner_id,
            source=self.source,
            tags=list(self.tags),
            contacts=[ContactInput(c.kind, c.value, c.label, c.is_primary, c.id)
                      for c in self.contacts],
            addresses=[AddressInput(a.line1, a.line2, a.postal_code, a.city, a.region, a.country,
                                    a.kind, a.label, a.is_primary, a.id)
                       for a in self.addresses],
            preferences=[PreferenceInput(p.kind, p.text, p.pinned, p.id)
                         for p in self.preferences],
            dates=[DateInput(d.kind, d.month, d.day, d.year, d.label, d.id)
                   for d in self.important_dates],
        )


@dataclass(frozen=True)
class BulkChange:
    """One change applied to many customers at once (from a multi-selection)."""

    add_tag: str | None = None
    remove_tag: str | None = None
    owner_id: int | None = None
    status: CustomerStatus | None = None
    lost_reason: str = ""


@dataclass(frozen=True)
class DuplicateCandidate:
    id: int
    display_name: str
    reason: str  # "same phone number", "same e-mail address", "similar name"
    same_contact: bool = False  # the same phone or e-mail: almost surely the same person


@dataclass(frozen=True)
class TrashRow:
    id: int
    display_name: str
    deleted_at: datetime
    deleted_by: str
    purge_on: date  # when it goes for good (if nothing keeps it)
    kept_for_records: bool  # orders or invoices: the books keep the customer


MAX_BULK = 5000
TRASH_DAYS = 30
SIMILAR_NAME = 0.85  # difflib ratio from which two names count as "very similar"
UPCOMING_DAYS = 14  # important dates this close appear in the profile's banner
MAX_NOTE = 2000


def customer_number(customer_id: int) -> str:
    return f"C-{customer_id:06d}"


def sort_name_for(first_name: str, last_name: str, company: str) -> str:
    """The folded key customers are sorted and prefix-matched on: last name first."""
    parts = [p for p in (last_name, first_name) if p] or [company]
    return fold(" ".join(parts))[:320]


# ---- the service ---------------------------------------------------------------------------


class CustomerService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def _detail(self, session: Session, customer: Customer) -> CustomerDetail:
        settings, now = self._settings.business(), self._db.clock()  # one settings read
        return _detail(session, customer, lifecycle.quiet_since(now, settings.inactive_after_days),
                       now, shop_country=settings.country)

    def create(self, data: CustomerInput, actor: Actor) -> CustomerDetail:
        region = self._settings.business().country
        clean = validate_customer(data, region)
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            customer = insert_customer(session, clean, actor, self._db.clock(), region)
            return self._detail(session, customer)

    def update(self, customer_id: int, expected_version: int, data: CustomerInput,
               actor: Actor) -> CustomerDetail:
        region = self._settings.business().country
        clean = validate_customer(data, region)
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            customer = _load(session, customer_id)
            _check_version(customer, expected_version)
            with session.no_autoflush:
                _apply(session, customer, clean, self._db.clock(), region)
            # Any edit, even of a phone number alone, bumps the customer's version, so a
            # second desk holding the old version cannot overwrite it.
            flag_modified(customer, "updated_at")
            session.flush()
            search_index.refresh(session, [customer.id])
            return self._detail(session, customer)

    def get(self, customer_id: int, *, include_deleted: bool = False) -> CustomerDetail:
        with self._db.read() as session:
            customer = _load(session, customer_id, include_deleted=include_deleted)
            return self._detail(session, customer)

    def delete(self, customer_id: int, expected_version: int, actor: Actor) -> str:
        """Soft delete: the customer moves to the trash and can be restored. Returns the name."""
        with self._db.transaction(actor, Permission.DELETE_CUSTOMERS) as session:
            customer = _load(session, customer_id)
            _check_version(customer, expected_version)
            customer.deleted_at = self._db.clock()
            customer.deleted_by_id = actor.user_id
            search_index.refresh(session, [customer_id])  # deleted: no longer found
            return customer.display_name

    def restore(self, customer_id: int, actor: Actor) -> None:
        self.restore_many([customer_id], actor)

    def restore_many(self, customer_ids: Sequence[int], actor: Actor) -> int:
        """Bring customers back from the trash, as they were."""
        with self._db.transaction(actor, Permission.DELETE_CUSTOMERS) as session:
            customers = session.scalars(select(Customer).where(
                Customer.id.in_(customer_ids), Customer.deleted_at.is_not(None))).all()
            for customer in customers:
                customer.deleted_at = None
                customer.deleted_by_id = None
            session.flush()
            search_index.refresh(session, [c.id for c in customers])
            return len(customers)

    def bulk_change(self, customer_ids: Sequence[int], change: BulkChange,
                    actor: Actor) -> int:
        """Apply ``change`` to every listed customer in one transaction; returns how many."""
        ids = sorted(set(customer_ids))
        if not ids:
            raise ValidationError.single("selection", "Select at least one customer first.")
        if len(ids) > MAX_BULK:
            raise ValidationError.single(
                "selection", f"Select at most {MAX_BULK:,} customers for one change.")
        errors: dict[str, str] = {}
        tag = change.add_tag or change.remove_tag
        if tag is not None:
            try:
                tag = clean_text("tag", "Tag", tag, max_length=60, required=True)
            except ValidationError as exc:
                errors.update(exc.errors)
        reason = change.lost_reason.strip()
        if change.status is CustomerStatus.INACTIVE:
            errors["status"] = "Inactive is worked out from the quiet period; it is not set."
        if change.status is CustomerStatus.LOST and not reason:
            errors["lost_reason"] = "Say why these customers were lost."
        if errors:
            raise ValidationError(errors)
        now = self._db.clock()
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            if change.owner_id is not None and session.get(User, change.owner_id) is None:
                raise ValidationError.single("owner_id", "That user no longer exists.")
            customers = session.scalars(
                select(Customer).where(Customer.id.in_(ids), Customer.deleted_at.is_(None))
                .options(selectinload(Customer.tags))
            ).all()
            tag_row = tags_named(session, [tag])[0] if change.add_tag and tag else None
            for customer in customers:
                if tag_row is not None and tag_row not in customer.tags:
                    customer.tags.append(tag_row)
                if change.remove_tag and tag:
                    customer.tags = [t for t in customer.tags if t.name_key != fold(tag)]
                if change.owner_id is not None:
                    customer.owner_id = change.owner_id
                if change.status is not None and change.status is not customer.status:
                    customer.status = change.status
                    customer.status_changed_at = now
                    customer.lost_reason = reason if change.status is CustomerStatus.LOST \
                        else None
                flag_modified(customer, "updated_at")  # a new version: no silent overwrite
            session.flush()
            if tag is not None:
                search_index.refresh(session, [c.id for c in customers])
            return len(customers)

    # ---- duplicates ---------------------------------------------------------------------------

    def find_duplicates(self, data: CustomerInput, *, exclude_id: int | None = None,
                        limit: int = 5) -> list[DuplicateCandidate]:
        """Existing customers this one may be: same phone or e-mail, or a very similar name."""
        region = self._settings.business().country
        numbers: set[str] = set()
        for contact in data.contacts:
            try:
                if contact.kind is ContactKind.PHONE:
                    numbers.add(normalize_phone("x", contact.value, region)[0])
                else:
                    numbers.add(normalize_email("x", contact.value).casefold())
            except ValidationError:
                continue  # not a valid number yet: nothing to compare
        name = fold(search_words(f"{data.first_name} {data.last_name}"))
        found: dict[int, DuplicateCandidate] = {}
        with self._db.read() as session:
            live: list[ColumnElement[bool]] = [Customer.deleted_at.is_(None)]
            if exclude_id is not None:
                live.append(Customer.id != exclude_id)
            if numbers:
                for cid, first, last, company, kind in session.execute(
                    select(Customer.id, Customer.first_name, Customer.last_name,
                           Customer.company, ContactPoint.kind)
                    .join(ContactPoint, ContactPoint.customer_id == Customer.id)
                    .where(ContactPoint.normalized.in_(numbers), *live).limit(limit)
                ):
                    what = "phone number" if kind is ContactKind.PHONE else "e-mail address"
                    found.setdefault(cid, DuplicateCandidate(
                        cid, customer_name(first, last, company, cid), f"same {what}",
                        same_contact=True))
            last_name = fold(search_words(data.last_name))
            if len(name) >= 3 and len(last_name) >= 2:
                prefix = last_name[:3]
                for cid, first, last, company in session.execute(
                    select(Customer.id, Customer.first_name, Customer.last_name,
                           Customer.company)
                    .where(Customer.sort_name >= prefix,
                           Customer.sort_name < prefix + "\U0010ffff", *live)
                    .limit(500)
                ):
                    other = fold(" ".join(p for p in (first, last) if p))
                    if cid not in found and SequenceMatcher(None, name, other).ratio() \
                            >= SIMILAR_NAME:
                        found[cid] = DuplicateCandidate(
                            cid, customer_name(first, last, company, cid), "similar name")
        return list(found.values())[:limit]

    # ---- merging duplicates -------------------------------------------------------------------

    def merge(self, keep_id: int, duplicate_id: int, actor: Actor) -> CustomerDetail:
        """Fold a duplicate into the customer kept: everything the duplicate had (contacts,
        addresses, preferences, notes, dates, tags, history, orders, invoices, queries,
        feedback, follow-ups) moves over, and the duplicate goes to the trash, empty."""
        if keep_id == duplicate_id:
            raise ValidationError.single("selection", "Choose two different customers.")
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            keep = _load(session, keep_id)
            duplicate = _load(session, duplicate_id)
            numbers = {c.normalized for c in keep.contact_points}
            for contact in list(duplicate.contact_points):
                duplicate.contact_points.remove(contact)
                if contact.normalized not in numbers:
                    contact.is_primary = False  # the kept customer's primaries stay primary
                    contact.position = len(keep.contact_points)
                    keep.contact_points.append(contact)
            for address in list(duplicate.addresses):
                duplicate.addresses.remove(address)
                address.is_primary = False
                keep.addresses.append(address)
            for preference in list(duplicate.preferences):
                duplicate.preferences.remove(preference)
                keep.preferences.append(preference)
            for note in list(duplicate.notes):
                duplicate.notes.remove(note)
                keep.notes.append(note)
            known_dates = {(d.kind, d.month, d.day) for d in keep.important_dates}
            for important in list(duplicate.important_dates):
                duplicate.important_dates.remove(important)
                if (important.kind, important.month, important.day) not in known_dates:
                    keep.important_dates.append(important)
            keep.tags = [*keep.tags, *(t for t in duplicate.tags if t not in keep.tags)]
            duplicate.tags = []
            # Row by row rather than one UPDATE, so that every move is in the audit trail.
            movable: tuple[Any, ...] = (HistoryEntry, Order, OrderEvent, Invoice, CustomerQuery,
                                        Feedback, FollowUp)
            for model in movable:
                for row in session.scalars(select(model).where(
                        model.customer_id == duplicate_id)):
                    row.customer_id = keep_id
            keep.company = keep.company or duplicate.company
            keep.source = keep.source or duplicate.source
            keep.lifetime_value += duplicate.lifetime_value
            for at in (duplicate.last_contact_at,):
                if at is not None:
                    lifecycle.record_contact(keep, at)
            if duplicate.first_order_at is not None:
                lifecycle.record_order(session, keep, duplicate.first_order_at)
            duplicate.lifetime_value = Decimal("0.00")
            duplicate.deleted_at = self._db.clock()
            duplicate.deleted_by_id = actor.user_id
            session.add(HistoryEntry(
                customer_id=keep_id, kind=HistoryKind.NOTE, occurred_at=self._db.clock(),
                user_id=actor.user_id,
                summary=f"Merged with {duplicate.display_name} ({customer_number(duplicate_id)})"))
            flag_modified(keep, "updated_at")
            session.flush()
            follow_up_service.refresh_next_follow_up(session, keep)
            search_index.refresh(session, [keep_id, duplicate_id])
            session.refresh(keep)
            return self._detail(session, keep)

    # ---- trash -----------------------------------------------------------------------------

    def trash(self) -> list[TrashRow]:
        deleter = aliased(User)
        with self._db.read() as session:
            rows = session.execute(
                select(Customer.id, Customer.first_name, Customer.last_name, Customer.company,
                       Customer.deleted_at, deleter.display_name)
                .outerjoin(deleter, deleter.id == Customer.deleted_by_id)
                .where(Customer.deleted_at.is_not(None))
                .order_by(Customer.deleted_at.desc())
            ).all()
            kept = _with_records(session, [r[0] for r in rows])
        trash = []
        for cid, first, last, company, deleted_at, deleted_by in rows:
            assert deleted_at is not None  # the query asked for deleted customers only
            purge_on = (deleted_at + timedelta(days=TRASH_DAYS)).astimezone(local_zone()).date()
            trash.append(TrashRow(cid, customer_name(first, last, company, cid), deleted_at,
                                  deleted_by or "", purge_on, cid in kept))
        return trash

    def purge(self, customer_ids: Sequence[int], actor: Actor) -> int:
        """Delete customers in the trash for good. Those with orders or invoices are kept:
        the books must be able to show whom they sold to."""
        with self._db.transaction(actor, Permission.PURGE_CUSTOMERS) as session:
            doomed = session.scalars(select(Customer).where(
                Customer.id.in_(customer_ids), Customer.deleted_at.is_not(None))).all()
            kept = _with_records(session, [c.id for c in doomed])
            purged = [c for c in doomed if c.id not in kept]
            for customer in purged:
                session.delete(customer)
            return len(purged)

    def purge_expired(self, actor: Actor) -> int:
        """Purge what has been in the trash longer than TRASH_DAYS (run when the owner signs
        in, so nothing depends on a scheduled job)."""
        cutoff = self._db.clock() - timedelta(days=TRASH_DAYS)
        with self._db.read() as session:
            expired = list(session.scalars(select(Customer.id).where(
                Customer.deleted_at.is_not(None), Customer.deleted_at < cutoff)))
        return self.purge(expired, actor) if expired else 0

    # ---- personal notes: "Alecia's cat is at the vet" ---------------------------------------

    def add_note(self, customer_id: int, text: str, actor: Actor, *,
                 pinned: bool = True) -> CustomerDetail:
        body = clean_multiline("note", "Note", text, max_length=MAX_NOTE)
        if not body:
            raise ValidationError.single("note", "Write the note first.")
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            customer = _load(session, customer_id)
            customer.notes.append(PersonalNote(text=body, pinned=pinned))
            session.flush()
            search_index.refresh(session, [customer_id])
            return self._detail(session, customer)

    def set_note_pinned(self, note_id: int, pinned: bool, actor: Actor) -> CustomerDetail:
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            note = self._note(session, note_id)
            note.pinned = pinned
            session.flush()
            customer = _load(session, note.customer_id)
            return self._detail(session, customer)

    def delete_note(self, note_id: int, actor: Actor) -> CustomerDetail:
        with self._db.transaction(actor, Permission.WORK_WITH_CUSTOMERS) as session:
            note = self._note(session, note_id)
            customer_id = note.customer_id
            session.delete(note)
            session.flush()
            search_index.refresh(session, [customer_id])
            customer = _load(session, customer_id)
            session.refresh(customer, ["notes"])
            return self._detail(session, customer)

    @staticmethod
    def _note(session: Session, note_id: int) -> PersonalNote:
        note = session.get(PersonalNote, note_id)
        if note is None:
            raise NotFoundError("That note no longer exists; someone may have deleted it.")
        return note

    def all_tags(self) -> list[str]:
        with self._db.read() as session:
            return list(session.scalars(select(Tag.name).order_by(Tag.name_key)))


# ---- validation ----------------------------------------------------------------------------


@dataclass
class CleanContact:
    source: ContactInput
    value: str
    normalized: str
    digits: str | None
    label: str = ""


@dataclass
class CleanCustomer:
    data: CustomerInput
    status: CustomerStatus
    contacts: list[CleanContact]


# Runs one check; its refusal joins the form's errors (the first message per field wins).
_Check = Callable[[Callable[[], object]], None]


def validate_customer(data: CustomerInput, region: str) -> CleanCustomer:
    errors: dict[str, str] = {}

    def check(fn: Callable[[], object]) -> None:
        try:
            fn()
        except ValidationError as exc:
            for key, message in exc.errors.items():
                errors.setdefault(key, message)

    out = CustomerInput(
        status=data.status, owner_id=data.owner_id,
        contacts=data.contacts, addresses=data.addresses, preferences=data.preferences,
        dates=data.dates,
    )

    check(lambda: _clean_names(out, data))
    check(lambda: setattr(out, "source", clean_text("source", "Source", data.source,
                                                     max_length=200)))
    check(lambda: setattr(out, "lost_reason", clean_text(
        "lost_reason", "Reason", data.lost_reason, max_length=500,
        required=data.status is CustomerStatus.LOST)))
    if data.status is CustomerStatus.LOST and "lost_reason" in errors:
        errors["lost_reason"] = "Say why the customer was lost: it helps win the next one."

    out.tags = _clean_tags(data.tags, check, errors)
    contacts = _clean_contacts(data, region, check, errors)
    out.addresses = _cleaned(data.addresses, _clean_address(region), check)
    out.dates = _cleaned(data.dates, _clean_date, check)
    out.preferences = _cleaned(data.preferences, _clean_preference, check)
    if errors:
        raise ValidationError(errors)
    return CleanCustomer(out, data.status, contacts)


def _clean_names(out: CustomerInput, data: CustomerInput) -> None:
    out.first_name = clean_text("first_name", "First name", data.first_name,
                                max_length=NAME_MAX)
    out.last_name = clean_text("last_name", "Last name", data.last_name, max_length=NAME_MAX)
    out.company = clean_text("company", "Company", data.company, max_length=200)
    if not (out.first_name or out.last_name or out.company):
        raise ValidationError.single(
            "first_name", "Enter a name: a first name, a last name or a company."
        )


def _clean_tags(names: list[str], check: _Check, errors: dict[str, str]) -> list[str]:
    tags: list[str] = []
    for i, tag in enumerate(names):
        def one_tag(i: int = i, tag: str = tag) -> None:
            name = clean_text(f"tags.{i}", "Tag", tag, max_length=60)
            if name and fold(name) not in {fold(t) for t in tags}:
                tags.append(name)
        check(one_tag)
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"At most {MAX_TAGS} tags per customer."
    return tags


def _clean_contacts(data: CustomerInput, region: str, check: _Check,
                    errors: dict[str, str]) -> list[CleanContact]:
    contacts: list[CleanContact] = []
    if len(data.contacts) > MAX_CONTACTS:
        errors["contacts"] = f"At most {MAX_CONTACTS} phone numbers and e-mail addresses."
    for i, contact in enumerate(data.contacts):
        def one_contact(i: int = i, contact: ContactInput = contact) -> None:
            label = "Phone" if contact.kind is ContactKind.PHONE else "E-mail"
            value = clean_text(f"contacts.{i}.value", label, contact.value, max_length=254,
                               required=True)
            label = clean_text(f"contacts.{i}.label", "Label", contact.label, max_length=40)
            if contact.kind is ContactKind.PHONE:
                e164, shown = normalize_phone(f"contacts.{i}.value", value, region)
                contacts.append(CleanContact(contact, shown, e164, digits_only(e164), label))
            else:
                email = normalize_email(f"contacts.{i}.value", value)
                contacts.append(CleanContact(contact, email, email.casefold(), None, label))
        check(one_contact)
    for kind in ContactKind:
        primaries = [c for c in contacts if c.source.kind is kind and c.source.is_primary]
        if len(primaries) > 1:
            index = data.contacts.index(primaries[1].source)
            errors[f"contacts.{index}.is_primary"] = (
                f"Only one {'phone number' if kind is ContactKind.PHONE else 'e-mail'} "
                "can be the primary one."
            )
        seen: set[str] = set()
        for c in contacts:
            if c.source.kind is kind:
                if c.normalized in seen:
                    index = data.contacts.index(c.source)
                    errors[f"contacts.{index}.value"] = f"“{c.value}” is listed twice."
                seen.add(c.normalized)
    return contacts


def _cleaned(items: list[T], clean_one: Callable[[int, T], T], check: _Check) -> list[T]:
    """Each item as ``clean_one`` stores it; an item it refuses stays as given (its errors are
    in ``check``'s collection, so nothing is stored)."""
    out: list[T] = []
    for i, item in enumerate(items):
        done: list[T] = []

        def one(i: int = i, item: T = item, done: list[T] = done) -> None:
            done.append(clean_one(i, item))
        check(one)
        out.append(done[0] if done else item)
    return out


def _clean_address(region: str) -> Callable[[int, AddressInput], AddressInput]:
    def clean(i: int, a: AddressInput) -> AddressInput:
        errors: dict[str, str] = {}
        key = f"addresses.{i}"
        fields = {name: gather(errors, partial(clean_text, f"{key}.{name}", label,
                                               getattr(a, name), max_length=most,
                                               required=name == "line1"), "")
                  for name, label, most in (("line1", "Street", 200),
                                            ("line2", "Address line 2", 200),
                                            ("postal_code", "Postal code", 20),
                                            ("city", "City", 100), ("region", "Region", 100),
                                            ("label", "Label", 40))}
        country = (search_words(a.country) or region).upper()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            errors[f"{key}.country"] = "Country must be a two-letter code such as US, GB or DE."
        if errors:
            raise ValidationError(errors)
        return replace(a, line1=fields["line1"], line2=fields["line2"],
                       postal_code=fields["postal_code"], city=fields["city"],
                       region=fields["region"], label=fields["label"], country=country)
    return clean


def _clean_date(i: int, d: DateInput) -> DateInput:
    label = clean_text(f"dates.{i}.label", "Label", d.label, max_length=100,
                       required=d.kind is DateKind.CUSTOM)
    if d.year is not None and not 1800 <= d.year <= 2200:
        raise ValidationError.single(f"dates.{i}.year",
                                     "Year must be between 1800 and 2200, or empty.")
    if not valid_day(d.month, d.day, d.year):
        raise ValidationError.single(
            f"dates.{i}.day", f"There is no day {d.day} in that month"
            + (f" of {d.year}." if d.year else "."))
    return replace(d, label=label)


def _clean_preference(i: int, p: PreferenceInput) -> PreferenceInput:
    return replace(p, text=clean_text(f"preferences.{i}.text", "Preference", p.text,
                                      max_length=1000, required=True))


# ---- persistence helpers -------------------------------------------------------------------


def add_customer(session: Session, data: CustomerInput, actor: Actor, now: datetime,
                 region: str) -> Customer:
    """Validate and insert a customer inside the caller's transaction (e.g. a prospect created
    while logging their query)."""
    return insert_customer(session, validate_customer(data, region), actor, now, region)


def insert_customer(session: Session, clean: CleanCustomer, actor: Actor, now: datetime,
                    region: str) -> Customer:
    customer = new_customer(session, clean, actor, now, region)
    session.flush()
    search_index.refresh(session, [customer.id])
    return customer


def new_customer(session: Session, clean: CleanCustomer, actor: Actor, now: datetime,
                 region: str, *, tags: dict[str, Tag] | None = None) -> Customer:
    """A customer added to the caller's session and not flushed yet (an import adds hundreds
    before one flush; the caller refreshes their search rows). ``tags`` keeps the tags found
    or made so far, so two new customers tagged alike share one new tag."""
    with session.no_autoflush:
        customer = Customer(status=clean.status, owner_id=actor.user_id)
        session.add(customer)
        _apply(session, customer, clean, now, region, tags=tags)
    return customer


_Row = TypeVar("_Row", bound=Base)
T = TypeVar("T")


def _load(session: Session, customer_id: int, *, include_deleted: bool = False) -> Customer:
    customer = session.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .options(
            selectinload(Customer.contact_points),
            selectinload(Customer.addresses),
            selectinload(Customer.preferences),
            selectinload(Customer.notes),
            selectinload(Customer.important_dates),
            selectinload(Customer.tags),
            selectinload(Customer.owner),
        )
    )
    if customer is None or (customer.deleted_at is not None and not include_deleted):
        raise NotFoundError("That customer no longer exists; someone may have deleted them.")
    return customer


def live_customer(session: Session, customer_id: int) -> Customer:
    """The customer, unless deleted meanwhile (then a clear NotFoundError)."""
    return _load(session, customer_id)


def _check_version(customer: Customer, expected_version: int) -> None:
    if customer.version != expected_version:
        raise ConflictError(
            f"{customer.display_name} was changed by someone else after you opened the profile. "
            "Your changes were not saved; reopen the profile to see theirs."
        )


def _sync(existing: Sequence[_Row], wanted_ids: Sequence[int | None]) -> dict[int, _Row]:
    """Rows to keep, by id. Rows the form no longer lists are removed by delete-orphan."""
    by_id = {row.id: row for row in existing}  # type: ignore[attr-defined]
    return {i: by_id[i] for i in wanted_ids if i is not None and i in by_id}


def customer_values(data: CustomerInput) -> dict[str, Any]:
    """The customer's own columns the form sets (not its owner, not its stamps)."""
    return {"first_name": data.first_name, "last_name": data.last_name,
            "company": data.company or None,
            "sort_name": sort_name_for(data.first_name, data.last_name, data.company),
            "status": data.status,
            "lost_reason": data.lost_reason if data.status is CustomerStatus.LOST else None,
            "source": data.source or None}


def _apply(session: Session, customer: Customer, clean: CleanCustomer, now: datetime,
           region: str, *, tags: dict[str, Tag] | None = None) -> None:
    data = clean.data
    if data.status is not customer.status or customer.status_changed_at is None:
        customer.status_changed_at = now
    _set(customer, customer_values(data))
    if data.owner_id is not None:
        if session.get(User, data.owner_id) is None:
            raise ValidationError.single("owner_id", "That user no longer exists.")
        customer.owner_id = data.owner_id

    customer.tags = tags_named(session, data.tags, tags)

    _apply_contacts(session, customer, clean.contacts)
    _apply_addresses(customer, data.addresses, region)
    _apply_preferences(customer, data.preferences)
    _apply_dates(customer, data.dates)


def contact_values(clean_contacts: Sequence[CleanContact]) -> list[dict[str, Any]]:
    """Each contact's columns as stored: in the form's order, and the first of each kind the
    primary one when none is marked."""
    has_primary = {kind: any(c.source.is_primary for c in clean_contacts
                             if c.source.kind is kind) for kind in ContactKind}
    first_of_kind: dict[ContactKind, CleanContact] = {}
    for c in clean_contacts:
        first_of_kind.setdefault(c.source.kind, c)
    return [{"kind": c.source.kind, "label": c.label, "value": c.value,
             "normalized": c.normalized, "digits": c.digits,
             "is_primary": c.source.is_primary or (
                 not has_primary[c.source.kind] and first_of_kind[c.source.kind] is c),
             "position": position}
            for position, c in enumerate(clean_contacts)]


def address_values(wanted: Sequence[AddressInput], region: str) -> list[dict[str, Any]]:
    any_primary = any(a.is_primary for a in wanted)
    return [{"kind": a.kind, "label": " ".join(a.label.split()),
             "line1": " ".join(a.line1.split()), "line2": " ".join(a.line2.split()),
             "postal_code": " ".join(a.postal_code.split()), "city": " ".join(a.city.split()),
             "region": " ".join(a.region.split()),
             "country": (a.country or region).strip().upper(),
             "is_primary": a.is_primary or (not any_primary and position == 0),
             "position": position}
            for position, a in enumerate(wanted)]


def preference_values(wanted: Sequence[PreferenceInput]) -> list[dict[str, Any]]:
    return [{"kind": p.kind, "text": p.text.strip(), "pinned": p.pinned, "position": position}
            for position, p in enumerate(wanted)]


def date_values(wanted: Sequence[DateInput]) -> list[dict[str, Any]]:
    return [{"kind": d.kind, "label": " ".join(d.label.split()), "month": d.month,
             "day": d.day, "year": d.year} for d in wanted]


def _set(row: object, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(row, key, value)


def _apply_contacts(session: Session, customer: Customer,
                    clean_contacts: list[CleanContact]) -> None:
    keep = _sync(customer.contact_points, [c.source.id for c in clean_contacts])
    contacts: list[ContactPoint] = []
    wanted: dict[int, bool] = {}
    for c, values in zip(clean_contacts, contact_values(clean_contacts), strict=True):
        row = keep.get(c.source.id) if c.source.id is not None else None
        if row is None:
            row = ContactPoint(kind=c.source.kind)
        wanted[id(row)] = values.pop("is_primary")
        _set(row, values)
        contacts.append(row)
    # A primary moving from one saved row to another: clear the old one in a flush of its
    # own first, so the one-primary index never sees two at once.
    losing = [r for r in customer.contact_points
              if r.is_primary and r.id is not None and not wanted.get(id(r), False)]
    if losing:
        for row in losing:
            row.is_primary = False
        session.flush()
    for row in contacts:
        row.is_primary = wanted[id(row)]
    customer.contact_points = contacts


def _apply_addresses(customer: Customer, wanted: list[AddressInput], region: str) -> None:
    keep_a = _sync(customer.addresses, [a.id for a in wanted])
    addresses: list[Address] = []
    for a, values in zip(wanted, address_values(wanted, region), strict=True):
        row_a = keep_a.get(a.id) if a.id is not None else None
        if row_a is None:
            row_a = Address(kind=a.kind)
        _set(row_a, values)
        addresses.append(row_a)
    customer.addresses = addresses


def _apply_preferences(customer: Customer, wanted: list[PreferenceInput]) -> None:
    keep_p = _sync(customer.preferences, [p.id for p in wanted])
    preferences: list[Preference] = []
    for p, values in zip(wanted, preference_values(wanted), strict=True):
        row_p = keep_p.get(p.id) if p.id is not None else None
        if row_p is None:
            row_p = Preference(kind=p.kind)
        _set(row_p, values)
        preferences.append(row_p)
    customer.preferences = preferences


def _apply_dates(customer: Customer, wanted: list[DateInput]) -> None:
    keep_d = _sync(customer.important_dates, [d.id for d in wanted])
    dates: list[ImportantDate] = []
    for d, values in zip(wanted, date_values(wanted), strict=True):
        row_d = keep_d.get(d.id) if d.id is not None else None
        if row_d is None:
            row_d = ImportantDate(kind=d.kind)
        _set(row_d, values)
        dates.append(row_d)
    customer.important_dates = dates


def tags_named(session: Session, names: list[str], known: dict[str, Tag] | None = None
               ) -> list[Tag]:
    """The tags of these names, made where new; ``known`` (by folded name) is looked in first
    and keeps what was found or made."""
    if not names:
        return []
    keys = {fold(n): n for n in names}
    found = dict(known or {})
    missing = [k for k in keys if k not in found]
    if missing:
        found.update((t.name_key, t) for t in session.scalars(
            select(Tag).where(Tag.name_key.in_(missing))))
    tags = []
    for key, name in keys.items():
        tag = found.get(key)
        if tag is None:
            tag = Tag(name=name, name_key=key)
            session.add(tag)
        tags.append(tag)
        if known is not None:
            known[key] = tag
    return tags


def _with_records(session: Session, customer_ids: Sequence[int]) -> set[int]:
    """Which of these customers have orders or invoices."""
    if not customer_ids:
        return set()
    ids = list(customer_ids)
    return set(session.scalars(select(Order.customer_id).where(Order.customer_id.in_(ids)))) | \
        set(session.scalars(select(Invoice.customer_id).where(Invoice.customer_id.in_(ids))))


def _open_queries(session: Session, customer_id: int) -> tuple[QueryBrief, ...]:
    rows = session.execute(
        select(CustomerQuery.id, CustomerQuery.subject, CustomerQuery.status,
               CustomerQuery.due_at)
        .where(CustomerQuery.customer_id == customer_id,
               CustomerQuery.status.notin_([QueryStatus.RESOLVED, QueryStatus.CLOSED]))
        .order_by(CustomerQuery.created_at)
    ).all()
    return tuple(QueryBrief(*row) for row in rows)


def overdue_invoices_query(customer_id: int, today: date
                           ) -> Select[int, str | None, date | None, Decimal, str]:
    """A customer's overdue invoices, oldest first (index ix_invoices_customer_state_due)."""
    owing = amount_owing()
    return (select(Invoice.id, Invoice.number, Invoice.due_on, owing, Invoice.currency)
            .where(Invoice.customer_id == customer_id, Invoice.state == InvoiceState.ISSUED,
                   Invoice.kind == InvoiceKind.INVOICE, Invoice.due_on < today, owing > 0)
            .order_by(Invoice.due_on))


def _overdue_invoices(session: Session, customer_id: int, today: date
                      ) -> tuple[InvoiceBrief, ...]:
    rows = session.execute(overdue_invoices_query(customer_id, today)).all()
    return tuple(InvoiceBrief(r[0], r[1] or "", r[2] or today, Decimal(r[3]), r[4])
                 for r in rows)


def _detail(session: Session, c: Customer, cutoff: datetime, now: datetime, *,
            shop_country: str) -> CustomerDetail:
    activity = c.last_contact_at or c.first_order_at or c.status_changed_at or c.created_at
    today = now.astimezone(local_zone()).date()
    soon = [u for u in (upcoming(d.kind, d.label, d.month, d.day, d.year, today=today,
                                 within_days=UPCOMING_DAYS)
                        for d in c.important_dates) if u is not None]
    owner_name = c.owner.display_name if c.owner is not None else ""
    return CustomerDetail(
        id=c.id,
        version=c.version,
        first_name=c.first_name,
        last_name=c.last_name,
        company=c.company or "",
        display_name=c.display_name,
        status=c.status,
        shown_status=lifecycle.effective(c.status, activity, cutoff),
        last_activity_at=activity,
        lost_reason=c.lost_reason or "",
        owner_id=c.owner_id,
        owner_name=owner_name,
        source=c.source or "",
        tags=tuple(sorted((t.name for t in c.tags), key=fold)),
        contacts=tuple(ContactView(
            p.id, p.kind, p.label,
            display_phone(p.normalized, shop_country) if p.kind is ContactKind.PHONE else p.value,
            p.normalized, p.is_primary) for p in c.contact_points),
        addresses=tuple(AddressView(a.id, a.kind, a.label, a.line1, a.line2, a.postal_code,
                                    a.city, a.region, a.country, a.is_primary)
                        for a in c.addresses),
        preferences=tuple(PreferenceView(p.id, p.kind, p.text, p.pinned) for p in c.preferences),
        notes=tuple(NoteView(n.id, n.text, n.pinned) for n in c.notes),
        important_dates=tuple(DateView(d.id, d.kind, d.label, d.month, d.day, d.year)
                              for d in c.important_dates),
        upcoming_dates=tuple(sorted(soon, key=lambda u: u.days)),
        open_queries=_open_queries(session, c.id),
        overdue_invoices=_overdue_invoices(session, c.id, today),
        last_contact_at=c.last_contact_at,
        next_follow_up_at=c.next_follow_up_at,
        lifetime_value=c.lifetime_value,
        created_at=c.created_at,
        updated_at=c.updated_at,
        updated_by_name=user_name(session, c.updated_by_id),
        deleted_at=c.deleted_at,
        consents=consents_of(session, c.id),
        erased_at=c.erased_at,
    )
