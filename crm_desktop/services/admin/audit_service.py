"""Reading the audit trail: a profile's history of changes, and the shop's audit log.

The trail itself is written by the session hooks (``crm_desktop.storage.audit``) in the
transaction of each change; nothing here writes, edits or deletes an entry.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TextIO, TypeVar

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.formatting import local_zone
from crm_desktop.models import AuditAction, AuditEntry, ContactPoint, MarketingConsent, User
from crm_desktop.permissions import Permission
from crm_desktop.services.customers.consent import CHANNEL_LABELS
from crm_desktop.storage.database import Database

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class AuditKind(StrEnum):
    """The kinds the audit log filters by."""

    SIGN_INS = "Sign-ins"
    CUSTOMERS = "Customers"
    SALES = "Orders, invoices and payments"
    FOLLOW_UPS = "Follow-ups"
    QUERIES = "Queries and feedback"
    IMPORTS = "Imports"
    SHOP = "Settings, people and products"


ENTITY_LABELS: dict[str, str] = {
    "customers": "Customer", "contact_points": "Contact", "addresses": "Address",
    "preferences": "Preference", "personal_notes": "Note", "important_dates": "Date",
    "history_entries": "History entry", "customer_tags": "Tag", "tags": "Tag",
    "orders": "Order", "order_lines": "Order line", "order_events": "Order step",
    "products": "Product", "invoices": "Invoice", "invoice_lines": "Invoice line",
    "payments": "Payment", "invoice_sequences": "Invoice numbering",
    "follow_ups": "Follow-up", "queries": "Query", "query_events": "Query step",
    "feedback": "Feedback", "feedback_categories": "Feedback category",
    "import_batches": "Import", "import_batch_items": "Imported customer",
    "customer_sources": "Import source", "settings": "Setting", "shop_images": "Shop image",
    "users": "Person", "demo_data": "Demo data", "marketing_consents": "Marketing consent",
    "shop": "The whole shop",
}
_KIND_ENTITIES: dict[AuditKind, tuple[str, ...]] = {
    AuditKind.CUSTOMERS: ("customers", "contact_points", "addresses", "preferences",
                          "personal_notes", "important_dates", "history_entries", "tags",
                          "marketing_consents"),
    AuditKind.SALES: ("orders", "order_lines", "order_events", "invoices", "invoice_lines",
                      "payments", "invoice_sequences"),
    AuditKind.FOLLOW_UPS: ("follow_ups",),
    AuditKind.QUERIES: ("queries", "query_events", "feedback"),
    AuditKind.IMPORTS: ("import_batches", "import_batch_items", "customer_sources"),
    AuditKind.SHOP: ("settings", "shop_images", "users", "products", "feedback_categories",
                     "shop"),
}
# A profile's changes name which of its kind a row is: "Contact (phone)", "Marketing
# consent (post)".
# (The model, its column, and the words for its values where the stored ones will not do.)
_QUALIFIED: dict[str, tuple[type[ContactPoint] | type[MarketingConsent], str,
                            dict[str, str]]] = {
    "contact_points": (ContactPoint, "kind", {}),
    "marketing_consents": (MarketingConsent, "channel", {
        channel.value: label.lower() for channel, label in CHANNEL_LABELS.items()}),
}
# What a profile's "History of changes" lists: the customer's own record and its parts.
PROFILE_ENTITIES = ("customers", "contact_points", "addresses", "preferences",
                    "personal_notes", "important_dates", "marketing_consents")
_ACTION_WORDS = {AuditAction.CREATE: "added", AuditAction.UPDATE: "changed",
                 AuditAction.DELETE: "removed", AuditAction.SIGN_IN: "signed in",
                 AuditAction.SIGN_IN_FAILED: "failed sign-in",
                 AuditAction.RESTORE: "restored from a backup"}
# Fields worth a word of their own; "" hides what is derived or bookkeeping (ids, the
# digits a phone number is searched by, sort keys, running figures).
_FIELD_LABELS = {"value": "value", "normalized": "", "position": "", "search_key": "",
                 "sort_name": "", "name_key": "", "deleted_at": "moved to the trash",
                 "deleted_by_id": "", "id": "", "digits": "", "gap_count": "",
                 "lifetime_value": "", "status_changed_at": "", "customer_id": "",
                 "owner_id": "looked after by"}


def field_label(field: str) -> str:
    label = _FIELD_LABELS.get(field)
    if label is not None:
        return label
    return field.removesuffix("_id").replace("_", " ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    kind: AuditKind | None = None
    since: date | None = None  # local dates, both included
    until: date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    who: str
    action: AuditAction
    entity: str
    entity_id: int | None
    customer_id: int | None
    changes: dict[str, Any]

    @property
    def what(self) -> str:
        label = ENTITY_LABELS.get(self.entity, self.entity.replace("_", " ").capitalize())
        if self.action in (AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED):
            return _ACTION_WORDS[self.action].capitalize()
        number = f" {self.entity_id}" if self.entity_id is not None else ""
        return f"{label}{number} {_ACTION_WORDS[self.action]}"

    @property
    def details(self) -> str:
        """The changes in one line: "phone: 0123 → 0456; city: Leeds"."""
        parts = []
        for field, value in self.changes.items():
            label = field_label(field)
            if not label:
                continue
            if isinstance(value, list) and len(value) == 2 and self.action is AuditAction.UPDATE:
                parts.append(f"{label}: {_text(value[0])} → {_text(value[1])}")
            elif isinstance(value, dict) and {"added", "removed"} >= set(value):
                added = ", ".join(value.get("added", []))
                removed = ", ".join(value.get("removed", []))
                parts.append(f"{label}: " + "; ".join(
                    p for p in (f"+{added}" if added else "", f"−{removed}" if removed else "")
                    if p))
            else:
                parts.append(f"{label}: {_text(value)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class FieldChange:
    """One line of a profile's history of changes."""

    at: datetime
    who: str
    what: str  # "Customer", "Contact (phone)", "Address"
    field: str
    old: str
    new: str


_SYSTEM_NAME = "CRM Desktop"
_MIN_ID, _MAX_ID = 1, 2**31 - 1  # an id no INTEGER column can hold matches nothing


# Fields holding a person's id: shown as the person's name.
_PERSON_FIELDS = frozenset({"owner_id", "assignee_id", "user_id"})


def _rows(session: Session, query: Select[AuditEntry, str]) -> list[AuditRow]:
    rows = []
    for entry, name in session.execute(query):
        try:
            changes = json.loads(entry.changes or "{}")
        except ValueError:
            changes = {}
        rows.append(AuditRow(entry.id, entry.at, name or _SYSTEM_NAME, entry.action,
                             entry.entity, entry.entity_id, entry.customer_id,
                             changes if isinstance(changes, dict) else {}))
    _name_people(session, rows)
    return rows


def _name_people(session: Session, rows: list[AuditRow]) -> None:
    """"looked after by: 1" reads "looked after by: Olivia Owner"."""
    def ids(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    wanted = {i for row in rows for field, value in row.changes.items()
              if field in _PERSON_FIELDS for i in ids(value) if isinstance(i, int)}
    if not wanted:
        return
    names = {user_id: name for user_id, name in session.execute(
        select(User.id, User.display_name).where(User.id.in_(wanted)))}
    for row in rows:
        for field in _PERSON_FIELDS & row.changes.keys():
            value = row.changes[field]
            named = [names.get(i, i) if isinstance(i, int) else i for i in ids(value)]
            row.changes[field] = named if isinstance(value, list) else named[0]


def _base() -> Select[AuditEntry, str]:
    return (select(AuditEntry, User.display_name)
            .outerjoin(User, User.id == AuditEntry.user_id))


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


class AuditService:
    def __init__(self, database: Database) -> None:
        self._db = database

    # ---- a profile's history of changes ------------------------------------------------------

    def customer_changes(self, customer_id: int, actor: Actor, *,
                         limit: int = 500) -> list[FieldChange]:
        """Each change to the customer and their contacts, addresses, preferences, notes and
        dates, field by field, newest first."""
        with self._db.read(actor, None) as session:
            rows = _rows(session, _base().where(
                AuditEntry.customer_id == customer_id,
                AuditEntry.entity.in_(PROFILE_ENTITIES))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
            # Which of its kind a row is ("Contact (phone)"), from the entry or from the row.
            known: dict[tuple[str, int], Any] = {}
            for entity, (model, column, _words) in _QUALIFIED.items():
                ids = {r.entity_id for r in rows if r.entity == entity}
                if ids:
                    known.update(((entity, row_id), value) for row_id, value in session.execute(
                        select(model.id, getattr(model, column)).where(model.id.in_(ids))))
        changes: list[FieldChange] = []
        for row in rows:
            what = ENTITY_LABELS.get(row.entity, row.entity)
            if row.entity in _QUALIFIED:
                _model, column, words = _QUALIFIED[row.entity]
                value = row.changes.get(column) or known.get((row.entity, row.entity_id or 0))
                value = value[-1] if isinstance(value, list) else value
                if value:
                    what = f"{what} ({words.get(value, _text(value))})"
            if row.action is AuditAction.DELETE:
                changes.append(FieldChange(row.at, row.who, what, "removed", "", ""))
                continue
            for field, value in row.changes.items():
                label = field_label(field)
                if not label:
                    continue
                if row.action is AuditAction.UPDATE and isinstance(value, list):
                    old, new = value[0], value[1]
                elif isinstance(value, dict):
                    old, new = ", ".join(value.get("removed", [])), ", ".join(
                        value.get("added", []))
                else:
                    old, new = None, value
                if _text(old) or _text(new):
                    changes.append(FieldChange(row.at, row.who, what, label, _text(old),
                                               _text(new)))
        return changes

    # ---- the shop's audit log -----------------------------------------------------------------

    @staticmethod
    def _where(query: _Query, filters: AuditFilter) -> _Query:
        if filters.user_id is not None:
            query = query.where(AuditEntry.user_id == filters.user_id
                                if _MIN_ID <= filters.user_id <= _MAX_ID else false())
        if filters.kind is AuditKind.SIGN_INS:
            query = query.where(AuditEntry.action.in_(
                [AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED]))
        elif filters.kind is not None:
            query = query.where(AuditEntry.entity.in_(_KIND_ENTITIES[filters.kind]),
                                AuditEntry.action.in_(
                                    [AuditAction.CREATE, AuditAction.UPDATE,
                                     AuditAction.DELETE, AuditAction.RESTORE]))
        if filters.since is not None and filters.since > date.min:
            query = query.where(AuditEntry.at >= _local_start(filters.since))
        if filters.until is not None and filters.until < date.max:
            query = query.where(AuditEntry.at < _local_start(filters.until + timedelta(days=1)))
        return query

    def count(self, filters: AuditFilter, actor: Actor) -> int:
        with self._db.read(actor, Permission.READ_AUDIT_LOG) as session:
            return int(session.scalar(self._where(
                select(func.count()).select_from(AuditEntry), filters)) or 0)

    def page(self, filters: AuditFilter, actor: Actor, *, offset: int = 0, limit: int = 200,
             after: AuditRow | None = None, total: int | None = None) -> list[AuditRow]:
        """Newest first. ``after`` (the last row of the page before) pages by key, so the
        millionth entry costs what the first does; without it, ``offset`` jumps. Given the
        ``total`` (the count the list already has), a jump into the older half is counted
        back from the oldest end, so the last page costs what the first does."""
        query = self._where(_base(), filters)
        newest_first = (AuditEntry.at.desc(), AuditEntry.id.desc())
        if after is not None:
            query = query.where(or_(AuditEntry.at < after.at, and_(
                AuditEntry.at == after.at, AuditEntry.id < after.id))).order_by(*newest_first)
        elif total is not None and offset > total // 2:
            start = max(0, total - offset - limit)
            with self._db.read(actor, Permission.READ_AUDIT_LOG) as session:
                rows = _rows(session, query.order_by(AuditEntry.at, AuditEntry.id)
                             .offset(start).limit(max(0, min(limit, total - offset))))
            return rows[::-1]
        else:
            query = query.order_by(*newest_first).offset(offset)
        with self._db.read(actor, Permission.READ_AUDIT_LOG) as session:
            return _rows(session, query.limit(limit))

    def people(self, actor: Actor) -> list[tuple[int, str]]:
        """Everyone who ever used the app (switched off or not), for the log's filter."""
        with self._db.read(actor, Permission.READ_AUDIT_LOG) as session:
            return [(i, n) for i, n in session.execute(
                select(User.id, User.display_name).order_by(User.display_name))]

    def write_csv(self, out: TextIO, filters: AuditFilter, actor: Actor, *,
                  progress: Callable[[int, int], None] = lambda _d, _t: None) -> int:
        """The filtered log as CSV (UTF-8, one row per entry, newest first)."""
        total = self.count(filters, actor)
        writer = csv.writer(out)
        writer.writerow(["When", "Who", "What", "Details", "Customer id"])
        written = 0
        for page in self._pages(filters, actor):
            for row in page:
                writer.writerow([row.at.astimezone(local_zone()).isoformat(timespec="seconds"),
                                 row.who, row.what, row.details, row.customer_id or ""])
            written += len(page)
            progress(written, total)
        return written

    def _pages(self, filters: AuditFilter, actor: Actor,
               size: int = 2000) -> Iterator[Sequence[AuditRow]]:
        after: AuditRow | None = None
        while True:
            page = self.page(filters, actor, limit=size, after=after)
            if not page:
                return
            yield page
            after = page[-1]

