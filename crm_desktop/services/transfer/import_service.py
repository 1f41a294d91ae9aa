"""Bringing a file of contacts in: a preview with every duplicate found, then one undoable batch.

- ``read`` reads the file (``contact_files``) in the shop's phone region.
- ``preview`` checks every record as the customer form would, and matches it against the
  customers we have and against the file's earlier records: the same contact from an earlier
  import (its vCard UID or row fingerprint), the same phone number or e-mail address, or a
  similar name (rapidfuzz) with the same postcode or city. Each record gets a decision:
  create, skip, fill in what we do not have yet (update), or add everything it has (merge).
- ``run`` carries out the decisions in one transaction recorded as an ``ImportBatch``, with
  progress and cancel; cancelling leaves nothing half-imported.
- ``undo`` removes what a batch created and takes back what it added to existing customers,
  as long as nobody has changed those customers since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, utils
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from crm_desktop.actor import Actor
from crm_desktop.errors import CrmError, NotFoundError, ValidationError
from crm_desktop.models import (
    Address,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerQuery,
    CustomerSource,
    DateKind,
    Feedback,
    FollowUp,
    HistoryEntry,
    ImportAction,
    ImportantDate,
    ImportBatch,
    ImportBatchItem,
    Invoice,
    Order,
    PersonalNote,
    Tag,
    User,
    customer_name,
)
from crm_desktop.models.base import table_of
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers import search_index
from crm_desktop.services.customers.customer_service import (
    MAX_NOTE,
    CleanCustomer,
    sort_name_for,
    tags_named,
)
from crm_desktop.services.customers.new_customers import KnownTags, NewCustomer, add_customers
from crm_desktop.services.records import in_chunks
from crm_desktop.services.transfer.contact_files import (
    ContactFile,
    IncomingContact,
    ReadOptions,
    read_contacts,
)
from crm_desktop.storage import bulk
from crm_desktop.storage.database import Database
from crm_desktop.validation import clean_multiline, fold

SIMILAR_NAME = 88  # rapidfuzz token_sort_ratio: "Margo Delacroix" and "Margot Delacroix"
_CHUNK = 500  # records written together


class Decision(StrEnum):
    CREATE = "create"
    SKIP = "skip"
    UPDATE = "update"  # fill in what we do not have yet
    MERGE = "merge"  # add everything the file has

    @property
    def label(self) -> str:
        return {"create": "Create", "skip": "Skip", "update": "Fill in what we lack",
                "merge": "Merge into it"}[self.value]


class MatchKind(StrEnum):
    NEW = "new"
    SAME = "same"  # the same contact: same identity, phone or e-mail
    POSSIBLE = "possible"  # a similar name in the same place
    REJECTED = "rejected"  # cannot be imported as it is


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    customer_id: int | None = None  # an existing customer…
    row: int | None = None  # …or an earlier record of the file (its index)
    name: str = ""
    reason: str = ""

    def describe(self, rows: Sequence[PreviewRow] | None = None) -> str:
        if self.kind is MatchKind.NEW:
            return "New"
        if self.kind is MatchKind.REJECTED:
            return "Cannot be imported"
        who = self.name
        if self.row is not None and rows is not None:
            who = f"{rows[self.row].contact.name} (line {rows[self.row].contact.line})"
        prefix = "Same as" if self.kind is MatchKind.SAME else "Possibly"
        return f"{prefix} {who} ({self.reason})"


@dataclass
class PreviewRow:
    contact: IncomingContact
    match: Match
    decision: Decision

    @property
    def clean(self) -> CleanCustomer | None:
        """The record as the customer form would store it (None: it cannot be imported)."""
        return self.contact.clean

    @property
    def problems(self) -> list[str]:
        return [*self.contact.errors, *self.contact.problems]


@dataclass
class ImportPreview:
    file: ContactFile
    rows: list[PreviewRow]

    def count(self, kind: MatchKind) -> int:
        return sum(1 for r in self.rows if r.match.kind is kind)

    def decide_duplicates(self, decision: Decision, *, kinds: Iterable[MatchKind] = (
            MatchKind.SAME, MatchKind.POSSIBLE)) -> None:
        """One decision for every duplicate at once."""
        wanted = set(kinds)
        for row in self.rows:
            if row.match.kind in wanted:
                row.decision = decision


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    created: int
    updated: int
    skipped: int
    rejected: int
    customer_ids: frozenset[int]
    unchanged: int = 0  # matched, and the file had nothing we lacked

    def summary(self) -> str:
        parts = [f"{self.created:,} created", f"{self.updated:,} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} already up to date")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped")
        if self.rejected:
            parts.append(f"{self.rejected:,} could not be imported")
        return ", ".join(parts)


@dataclass(frozen=True)
class UndoResult:
    removed: int  # customers the import had created
    restored: int  # customers it had added to, put back as they were
    customer_ids: frozenset[int]

    def summary(self) -> str:
        return f"{self.removed:,} customers removed, {self.restored:,} put back as they were"


@dataclass(frozen=True)
class BatchRow:
    id: int
    at: datetime
    file_name: str
    file_format: str
    by: str
    created: int
    updated: int
    undone_at: datetime | None


class ImportCancelledError(CrmError):
    """The person pressed Cancel: nothing was imported."""


Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    return None


class ImportService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def region(self) -> str:
        return self._settings.business().country

    def read(self, content: bytes, name: str, options: ReadOptions | None = None, *,
             progress: Progress = _no_progress) -> ContactFile:
        """The file's records, each checked as the customer form would."""
        return read_contacts(content, name, self.region(), options, progress)

    # ---- the preview ------------------------------------------------------------------------

    def preview(self, file: ContactFile, *, on_duplicate: Decision | None = None,
                progress: Progress = _no_progress) -> ImportPreview:
        """Every record matched (each was checked as it was read); nothing is written."""
        total = len(file.contacts)
        # Each record was checked as it was read (IncomingContact.clean): here it is matched.
        rows = [PreviewRow(contact, Match(MatchKind.REJECTED) if contact.clean is None
                           else Match(MatchKind.NEW), Decision.SKIP if contact.clean is None
                           else Decision.CREATE) for contact in file.contacts]
        with self._db.read() as session:
            known = _Known.load(session, [c.clean for c in file.contacts if c.clean],
                                [r.contact.identity for r in rows])
        in_file = _Known()
        for i, row in enumerate(rows):
            if i % 500 == 0:
                progress(i, total)
            clean = row.clean
            if clean is None:
                continue
            row.match = known.match(row.contact, clean) or in_file.match(row.contact, clean) \
                or Match(MatchKind.NEW)
            if row.match.kind is not MatchKind.NEW:
                # A possible duplicate is created unless the person says otherwise: a
                # customer too many can be merged later; one skipped would be lost.
                row.decision = on_duplicate or (Decision.MERGE if row.match.kind is
                                                MatchKind.SAME else Decision.CREATE)
            in_file.add_row(i, row.contact, clean)
        progress(total, total)
        return ImportPreview(file, rows)

    # ---- the import -------------------------------------------------------------------------

    def run(self, preview: ImportPreview, actor: Actor, *, progress: Progress = _no_progress,
            cancelled: Callable[[], bool] = lambda: False) -> ImportResult:
        """Carry out the preview's decisions in one transaction, recorded as one batch."""
        rows = preview.rows
        with self._db.transaction(actor, Permission.IMPORT_CUSTOMERS) as session:
            _check_actor(session, actor)
            batch = ImportBatch(file_name=preview.file.name[:255],
                                file_format=preview.file.format.value)
            session.add(batch)
            session.flush()
            work = _Run(session, actor, batch.id, self.region(), self._db.clock(),
                        {"imported_from": batch.file_name})
            for i, row in enumerate(rows):
                if cancelled():
                    raise ImportCancelledError("The import was cancelled: nothing was imported.")
                if i % 100 == 0:
                    progress(i, len(rows))
                work.record(i, row)
            work.flush()
            progress(len(rows), len(rows))
            bulk.insert(session.connection(), table_of(ImportBatchItem), [
                {"batch_id": batch.id, "customer_id": customer_id, "action": item.action,
                 "added": json.dumps(item.added), "version_after": item.version}
                for customer_id, item in work.items.items()])
            batch = session.get_one(ImportBatch, batch.id)
            batch.created_count = sum(1 for item in work.items.values()
                                      if item.action is ImportAction.CREATED)
            batch.updated_count = len(work.items) - batch.created_count
            batch.skipped_count = work.skipped + work.unchanged
            batch.rejected_count = work.rejected
            session.flush()
            return ImportResult(batch.id, batch.created_count, batch.updated_count,
                                work.skipped, work.rejected, frozenset(work.items),
                                work.unchanged)

    # ---- the batches and their undo ---------------------------------------------------------

    def batches(self, limit: int = 50) -> list[BatchRow]:
        with self._db.read() as session:
            return [BatchRow(b.id, b.created_at, b.file_name, b.file_format, by or "",
                             b.created_count, b.updated_count, b.undone_at)
                    for b, by in session.execute(
                        select(ImportBatch, User.display_name)
                        .outerjoin(User, User.id == ImportBatch.created_by_id)
                        .order_by(ImportBatch.id.desc()).limit(limit))]

    def undo(self, batch_id: int, actor: Actor) -> UndoResult:
        """Take a batch back: what it created is deleted, what it added is removed. Refused
        when any of its customers has changed since."""
        with self._db.transaction(actor, Permission.UNDO_IMPORT) as session:
            _check_actor(session, actor)
            batch = session.get(ImportBatch, batch_id)
            if batch is None:
                raise NotFoundError("That import no longer exists.")
            if batch.undone_at is not None:
                raise ValidationError.single("batch", "This import has already been undone.")
            items = list(session.scalars(select(ImportBatchItem).where(
                ImportBatchItem.batch_id == batch_id)))
            customers = {c.id: c for c in session.scalars(select(Customer).where(
                Customer.id.in_([i.customer_id for i in items])).options(
                selectinload(Customer.tags)))}
            created = [i.customer_id for i in items if i.action is ImportAction.CREATED]
            changed = [customers[i.customer_id] for i in items
                       if i.customer_id not in customers
                       or customers[i.customer_id].version != i.version_after
                       or (i.action is ImportAction.CREATED
                           and customers[i.customer_id].deleted_at is not None)]
            changed += [customers[cid] for cid in _with_history(session, created)
                        if customers[cid] not in changed]
            if changed:
                names = ", ".join(c.display_name for c in changed[:3])
                more = f" and {len(changed) - 3:,} more" if len(changed) > 3 else ""
                raise ValidationError.single(
                    "batch", f"{len(changed):,} of the customers this import touched have "
                    f"changed since ({names}{more}), so it can no longer be undone as a whole. "
                    "Change or delete them one by one instead.")
            for item in items:
                customer = customers[item.customer_id]
                if item.action is ImportAction.CREATED:
                    session.delete(customer)
                else:
                    _take_back(session, customer, json.loads(item.added))
                    flag_modified(customer, "updated_at")
            session.flush()
            for source in session.scalars(select(CustomerSource).where(
                    CustomerSource.batch_id == batch_id)):
                session.delete(source)
            batch.undone_at = self._db.clock()
            touched = [i.customer_id for i in items if i.action is not ImportAction.CREATED]
            search_index.refresh(session, touched)
            return UndoResult(len(created), len(touched),
                              frozenset(i.customer_id for i in items))


@dataclass
class _Item:
    action: ImportAction
    added: dict[str, Any]
    version: int


@dataclass
class _Run:
    """One import under way: what each record became, and the counts.

    New customers wait in ``pending`` and are written a chunk at a time, a table at a time
    (``new_customers.add_customers``); records that add to customers we have wait in
    ``additions`` and go through the ORM together, as the profile's edits do.
    """

    session: Session
    actor: Actor
    batch_id: int
    region: str
    now: datetime
    audit_note: dict[str, Any]
    target_of: dict[int, int] = field(default_factory=dict)  # record index -> its customer
    items: dict[int, _Item] = field(default_factory=dict)
    skipped: int = 0
    rejected: int = 0
    unchanged: int = 0
    pending: list[tuple[int, NewCustomer, str]] = field(default_factory=list)
    tags: dict[str, Tag] = field(default_factory=dict)  # for the ORM's additions
    known_tags: KnownTags = field(default_factory=lambda: KnownTags({}))
    identities: set[str] = field(default_factory=set)  # remembered by this import
    # Records that add to a customer: (customer, record, its contact, merge or only fill in).
    additions: list[tuple[int, CleanCustomer, IncomingContact, bool]] = field(
        default_factory=list)

    def record(self, index: int, row: PreviewRow) -> None:
        if row.match.kind is MatchKind.REJECTED or row.clean is None:
            self.rejected += 1
            return
        decision = row.decision
        target: int | None = None
        if decision in {Decision.UPDATE, Decision.MERGE}:
            if row.match.row is not None:
                self.flush()  # the earlier record it matched may be waiting to be written
                target = self.target_of.get(row.match.row)
            else:
                target = row.match.customer_id
            if target is None:  # the earlier record it matched was skipped: this one stands
                decision = Decision.CREATE
        if decision is Decision.SKIP:
            self.skipped += 1
            if row.match.customer_id is not None:
                self.target_of[index] = row.match.customer_id
            return
        if target is None:
            self.pending.append((index, NewCustomer(row.clean, _notes(row.contact)),
                                 row.contact.identity))
        else:
            self.additions.append((target, row.clean, row.contact,
                                   decision is Decision.MERGE))
            self.target_of[index] = target
        if len(self.pending) + len(self.additions) >= _CHUNK:
            self.flush()

    def _add_all(self) -> None:
        """Add what the waiting records have to the customers they match: the customers read
        together, one flush for all."""
        if not self.additions:
            return
        session = self.session
        session.expunge_all()  # what earlier chunks loaded: the flush would scan it
        self.tags.clear()
        wanted = sorted({target for target, *_rest in self.additions})
        customers: dict[int, Customer] = {}
        for chunk in in_chunks(wanted):
            customers.update((c.id, c) for c in session.scalars(
                _with_parts(select(Customer).where(Customer.id.in_(chunk),
                                                   Customer.deleted_at.is_(None)))))
        changed: list[tuple[int, dict[str, Any], list[tuple[str, Any]], bool]] = []
        with session.no_autoflush:
            for target, clean, contact, merge in self.additions:
                customer = customers.get(target)
                if customer is None:
                    raise NotFoundError("A customer this import would change has been "
                                        "deleted meanwhile; preview the file again.")
                added, new_rows = _add_to(session, customer, clean, contact, merge=merge,
                                          region=self.region, tags=self.tags)
                if new_rows or added["fields"] or added["tags"]:
                    flag_modified(customer, "updated_at")  # a new version, seen elsewhere
                    changed.append((target, added, new_rows, merge))
                else:
                    self.unchanged += 1
        session.flush()
        for target, added, new_rows, merge in changed:
            for table, row in new_rows:
                added.setdefault(table, []).append(row.id)
            previous = self.items.get(target)
            if previous is None:
                self.items[target] = _Item(ImportAction.MERGED if merge
                                           else ImportAction.UPDATED, added, 0)
            elif previous.action is not ImportAction.CREATED:  # one created here goes whole
                _join(previous.added, added)
            self.items[target].version = customers[target].version
        search_index.refresh(session, {target for target, *_rest in changed})
        self._remember([(target, contact.identity)
                        for target, _clean, contact, _merge in self.additions])
        self.additions.clear()

    def _remember(self, sources: list[tuple[int, str]]) -> None:
        """Store where these customers came from (customer id, identity), except what is
        stored already: one look-up for a whole chunk."""
        wanted: dict[tuple[str, str], int] = {}
        for customer_id, identity in sources:
            kind, _, external = identity.partition(":")
            if external and identity not in self.identities:
                self.identities.add(identity)
                wanted.setdefault((kind, external), customer_id)
        if not wanted:
            return
        stored = {(source, external) for source, external in self.session.execute(select(
            CustomerSource.source, CustomerSource.external_id).where(
            tuple_(CustomerSource.source, CustomerSource.external_id).in_(list(wanted))))}
        bulk.insert(self.session.connection(), table_of(CustomerSource), [
            {"customer_id": customer_id, "source": kind, "external_id": external,
             "batch_id": self.batch_id}
            for (kind, external), customer_id in wanted.items()
            if (kind, external) not in stored])

    def flush(self) -> None:
        """Write the new customers that are waiting, with their search rows, and what the
        waiting records add to customers we have."""
        self._add_all()
        if not self.pending:
            return
        ids = add_customers(self.session, [new for _i, new, _x in self.pending], self.actor,
                            self.now, self.region, tags=self.known_tags,
                            audit_note=self.audit_note)
        for (index, _new, _identity), customer_id in zip(self.pending, ids, strict=True):
            self.target_of[index] = customer_id
            self.items[customer_id] = _Item(ImportAction.CREATED, {}, 1)
        self._remember([(customer_id, identity)
                        for (_i, _new, identity), customer_id in zip(self.pending, ids,
                                                                     strict=True)])
        self.pending.clear()


# ---- checking and matching -------------------------------------------------------------------


def _notes(contact: IncomingContact) -> list[str]:
    """The record's notes as personal notes: a note too long is cut at the limit, what no
    database can store is dropped (the reader has read them whole; a note is never lost for
    one broken character)."""
    out = []
    for note in contact.notes:
        text = clean_multiline("note", "Note", note[:MAX_NOTE].encode(
            "utf-8", "ignore").decode("utf-8"), max_length=MAX_NOTE)
        if text:
            out.append(text)
    return out


def _contact_keys(clean: CleanCustomer) -> list[tuple[str, ContactKind]]:
    return [(c.normalized, c.source.kind) for c in clean.contacts]


def _name_key(clean: CleanCustomer) -> str:
    d = clean.data
    return fold(" ".join(p for p in (d.first_name, d.last_name) if p))


def _places(clean: CleanCustomer) -> set[str]:
    out = set()
    for a in clean.data.addresses:
        if a.postal_code:
            out.add("p:" + fold(a.postal_code).replace(" ", ""))
        if a.city:
            out.add("c:" + fold(a.city))
    return out


@dataclass
class _Known:
    """What duplicates are matched on, for the customers we have or the file's records."""

    identities: dict[str, tuple[int, str]] = field(default_factory=dict)
    contacts: dict[str, tuple[int, str, ContactKind]] = field(default_factory=dict)
    places: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    in_file: bool = True  # ids are record indexes, not customer ids
    uid_rows: dict[int, bool] = field(default_factory=dict)  # records with a UID of their own

    @classmethod
    def load(cls, session: Session, cleaned: Sequence[CleanCustomer],
             identities: Sequence[str]) -> _Known:
        known = cls(in_file=False)
        live = Customer.deleted_at.is_(None)
        who = (Customer.id, Customer.first_name, Customer.last_name, Customer.company)
        keys = sorted({(kind, ident) for kind, _, ident in
                       (i.partition(":") for i in identities if i)})
        for chunk in in_chunks(keys):
            for source, external, cid, first, last, company in session.execute(
                    select(CustomerSource.source, CustomerSource.external_id, *who)
                    .join(Customer, Customer.id == CustomerSource.customer_id)
                    .where(tuple_(CustomerSource.source, CustomerSource.external_id)
                           .in_(chunk), live)):
                known.identities[f"{source}:{external}"] = (
                    cid, customer_name(first, last, company, cid))
        numbers = sorted({key for c in cleaned for key, _kind in _contact_keys(c)})
        for numbers_chunk in in_chunks(numbers):
            for normalized, kind, cid, first, last, company in session.execute(
                    select(ContactPoint.normalized, ContactPoint.kind, *who)
                    .join(Customer, Customer.id == ContactPoint.customer_id)
                    .where(ContactPoint.normalized.in_(numbers_chunk), live)
                    .order_by(Customer.id)):
                known.contacts.setdefault(normalized, (
                    cid, customer_name(first, last, company, cid), kind))
        if any(_places(c) for c in cleaned):
            # Every live customer's place and name, read once: one pass over the addresses
            # costs less than a lookup per record for a big file, and little for a small one.
            for cid, first, last, company, postal, city in session.execute(
                    select(*who, Address.postal_code, Address.city)
                    .join(Address, Address.customer_id == Customer.id).where(live)):
                name = fold(" ".join(p for p in (first, last) if p))
                if not name:
                    continue
                shown = customer_name(first, last, company, cid)
                for place in (("p:" + fold(postal).replace(" ", "")) if postal else None,
                              ("c:" + fold(city)) if city else None):
                    if place:
                        known.places.setdefault(place, []).append((name, cid, shown))
        return known

    def add_row(self, index: int, contact: IncomingContact, clean: CleanCustomer) -> None:
        name = contact.name
        self.uid_rows[index] = contact.identity.startswith("uid:")
        if contact.identity:
            self.identities.setdefault(contact.identity, (index, name))
        for key, kind in _contact_keys(clean):
            self.contacts.setdefault(key, (index, name, kind))
        folded = _name_key(clean)
        if folded:
            for place in _places(clean):
                self.places.setdefault(place, []).append((folded, index, name))

    def match(self, contact: IncomingContact, clean: CleanCustomer) -> Match | None:
        def found(kind: MatchKind, ref: int, name: str, reason: str) -> Match:
            if self.in_file:
                return Match(kind, row=ref, name=name, reason=reason)
            return Match(kind, customer_id=ref, name=name, reason=reason)

        if contact.identity in self.identities:
            ref, name = self.identities[contact.identity]
            return found(MatchKind.SAME, ref, name, "the same contact, imported before"
                         if not self.in_file else "the same contact")
        for key, _kind in _contact_keys(clean):
            if key in self.contacts:
                ref, name, kind = self.contacts[key]
                what = "phone number" if kind is ContactKind.PHONE else "e-mail"
                # Two cards with UIDs of their own are two people in their address book
                # (a family sharing a landline): only possibly the same.
                # Within one file, two cards with UIDs of their own are two people of
                # their address book, and two rows with one phone may be a family sharing
                # a landline: only possibly the same.
                unsure = self.in_file and (kind is ContactKind.PHONE or (
                    contact.identity.startswith("uid:") and self.uid_rows.get(ref, False)))
                return found(MatchKind.POSSIBLE if unsure else MatchKind.SAME, ref, name,
                             f"same {what}")
        folded = _name_key(clean)
        if folded:
            for place in sorted(_places(clean), reverse=True):  # "p:" postcodes first
                for other, ref, name in self.places.get(place, ()):
                    if other == folded or fuzz.token_sort_ratio(
                            folded, other, processor=utils.default_process) >= SIMILAR_NAME:
                        where = "postcode" if place.startswith("p:") else "city"
                        return found(MatchKind.POSSIBLE, ref, name,
                                     f"{'same' if other == folded else 'similar'} name, "
                                     f"same {where}")
        return None


# ---- writing ---------------------------------------------------------------------------------


def _check_actor(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if actor.user_id is not None and (user is None or not user.active):
        raise ValidationError.single("actor", "Your sign-in is no longer valid; sign in again.")


def _with_parts(query: Select[Customer]) -> Select[Customer]:
    return query.options(
        selectinload(Customer.contact_points), selectinload(Customer.addresses),
        selectinload(Customer.important_dates), selectinload(Customer.notes),
        selectinload(Customer.tags))


def _add_to(session: Session, customer: Customer, clean: CleanCustomer,
            contact: IncomingContact, *, merge: bool, region: str,
            tags: dict[str, Tag]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Add to an existing customer what the record has and the customer lacks; returns what
    was added (the fields filled and their old values, the tags) and the new rows, whose ids
    join it once flushed, for undo."""
    data = clean.data
    added: dict[str, Any] = {"fields": {}, "tags": []}
    new_rows: list[tuple[str, Any]] = []
    for name in ("first_name", "last_name", "company"):
        value = getattr(data, name)
        if value and not getattr(customer, name):
            added["fields"][name] = getattr(customer, name)
            setattr(customer, name, value)
    if added["fields"]:
        customer.sort_name = sort_name_for(customer.first_name, customer.last_name,
                                           customer.company or "")
    have = {c.normalized for c in customer.contact_points}
    for c in clean.contacts:
        if c.normalized in have:
            continue
        have.add(c.normalized)
        primary = not any(p.is_primary for p in customer.contact_points
                          if p.kind is c.source.kind)
        row = ContactPoint(kind=c.source.kind, label=c.label, value=c.value,
                           normalized=c.normalized, digits=c.digits, is_primary=primary,
                           position=len(customer.contact_points))
        customer.contact_points.append(row)
        new_rows.append(("contact_points", row))
    places = {(fold(a.line1), fold(a.postal_code)) for a in customer.addresses}
    for a in data.addresses:
        if (fold(a.line1), fold(a.postal_code)) in places or (customer.addresses and not merge):
            continue
        row_a = Address(kind=a.kind, label=a.label, line1=a.line1, line2=a.line2,
                        postal_code=a.postal_code, city=a.city, region=a.region,
                        country=(a.country or region).upper(),
                        is_primary=not customer.addresses, position=len(customer.addresses))
        customer.addresses.append(row_a)
        places.add((fold(a.line1), fold(a.postal_code)))
        new_rows.append(("addresses", row_a))
    for d in data.dates:
        same_kind = [x for x in customer.important_dates if x.kind is d.kind]
        if any((x.month, x.day) == (d.month, d.day) for x in same_kind) or (
                same_kind and d.kind is DateKind.BIRTHDAY):
            continue
        row_d = ImportantDate(kind=d.kind, label=d.label, month=d.month, day=d.day,
                              year=d.year)
        customer.important_dates.append(row_d)
        new_rows.append(("important_dates", row_d))
    have_tags = {t.name_key for t in customer.tags}
    new_tags = [t for t in tags_named(session, data.tags, tags) if t.name_key not in have_tags]
    if new_tags:
        customer.tags = [*customer.tags, *new_tags]
    added["tags"] = [t.name_key for t in new_tags]
    if merge:
        texts = {fold(n.text) for n in customer.notes}
        for text in _notes(contact):
            if fold(text) not in texts:
                note = PersonalNote(text=text, pinned=False)
                customer.notes.append(note)
                new_rows.append(("personal_notes", note))
    return added, new_rows


def _join(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if key == "fields":
            for name, old in value.items():
                into["fields"].setdefault(name, old)
        else:
            into.setdefault(key, []).extend(value)


_ADDED_MODELS: dict[str, Any] = {"contact_points": ContactPoint, "addresses": Address,
                                 "important_dates": ImportantDate,
                                 "personal_notes": PersonalNote}


def _take_back(session: Session, customer: Customer, added: dict[str, Any]) -> None:
    for table, model in _ADDED_MODELS.items():
        ids = added.get(table) or []
        for row in session.scalars(select(model).where(model.id.in_(ids),
                                                       model.customer_id == customer.id)):
            session.delete(row)
    removed = set(added.get("tags") or [])
    customer.tags = [t for t in customer.tags if t.name_key not in removed]
    for name, old in (added.get("fields") or {}).items():
        setattr(customer, name, old if name != "company" else (old or None))
    if added.get("fields"):
        customer.sort_name = sort_name_for(customer.first_name, customer.last_name,
                                           customer.company or "")
    session.flush()
    # A primary that went with the import leaves the customer's next one as the primary.
    session.refresh(customer, ["contact_points", "addresses"])
    for kind in ContactKind:
        of_kind = [c for c in customer.contact_points if c.kind is kind]
        if of_kind and not any(c.is_primary for c in of_kind):
            of_kind[0].is_primary = True
    if customer.addresses and not any(a.is_primary for a in customer.addresses):
        customer.addresses[0].is_primary = True


def _with_history(session: Session, customer_ids: Sequence[int]) -> set[int]:
    """Which of these customers have anything recorded against them since they came in."""
    found: set[int] = set()
    models: tuple[Any, ...] = (HistoryEntry, Order, Invoice, CustomerQuery, Feedback, FollowUp)
    for chunk in in_chunks(list(customer_ids)):
        for model in models:
            found |= set(session.scalars(select(model.customer_id).where(
                model.customer_id.in_(chunk)).distinct()))
    return found
