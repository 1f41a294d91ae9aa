"""Many new customers at once (an import of a whole address book), written as the customer
form writes one, a table at a time.

The form's new customer goes through the ORM, whose flush hooks stamp every row and write an
audit entry per row and column: about 2 ms a customer, five minutes for 100,000. Here each
table gets one multi-row insert per chunk (``storage.bulk``), the rows stamped with the same
values the hooks would give them, and each customer one audit entry saying what they were
given. The columns come from the same helpers the form uses (``customer_values``,
``contact_values`` …), and a test holds the two ways to the same stored customer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import (
    Address,
    AuditAction,
    AuditEntry,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerSearch,
    ImportantDate,
    PersonalNote,
    Preference,
    Tag,
    User,
    customer_tags,
)
from crm_desktop.models.base import table_of
from crm_desktop.services.customers import search_index
from crm_desktop.services.customers.customer_service import (
    CleanCustomer,
    address_values,
    contact_values,
    customer_values,
    date_values,
    preference_values,
)
from crm_desktop.services.records import in_chunks
from crm_desktop.storage import bulk
from crm_desktop.storage.audit import QUIET_COLUMNS, jsonable
from crm_desktop.validation import fold


@dataclass(frozen=True)
class NewCustomer:
    clean: CleanCustomer  # as validate_customer gave it
    notes: Sequence[str] = ()  # personal notes (not pinned), already checked


@dataclass
class KnownTags:
    """Tags found or made so far (folded name -> id, name): a chunk looks up only new ones."""

    by_key: dict[str, tuple[int, str]]

    def ids(self, session: Session, names: Sequence[str]) -> None:
        keys = {fold(n): n for n in names}
        for chunk in in_chunks([k for k in keys if k not in self.by_key]):
            self.by_key.update((key, (tag_id, name)) for tag_id, key, name in session.execute(
                select(Tag.id, Tag.name_key, Tag.name).where(Tag.name_key.in_(chunk))))
        made = [Tag(name=name, name_key=key) for key, name in keys.items()
                if key not in self.by_key]
        if made:
            session.add_all(made)  # a new tag is audited as any other
            session.flush()
            self.by_key.update((t.name_key, (t.id, t.name)) for t in made)


def add_customers(session: Session, new: Sequence[NewCustomer], actor: Actor, now: datetime,
                  region: str, *, tags: KnownTags,
                  audit_note: dict[str, Any] | None = None) -> list[int]:
    """Insert ``new`` in the caller's transaction; their ids, in order. Each gets its search
    row and one audit entry (with ``audit_note`` added to what it says)."""
    if not new:
        return []
    owners = {n.clean.data.owner_id for n in new} - {None}
    if owners and len(set(session.scalars(select(User.id).where(User.id.in_(owners))))) \
            != len(owners):
        raise ValidationError.single("owner_id", "That user no longer exists.")
    tags.ids(session, [name for n in new for name in n.clean.data.tags])
    conn = session.connection()
    stamps = {"version": 1, "created_at": now, "updated_at": now,
              "created_by_id": actor.user_id, "updated_by_id": actor.user_id}
    rows = [{**customer_values(n.clean.data), "status_changed_at": now,
             "owner_id": n.clean.data.owner_id if n.clean.data.owner_id is not None
             else actor.user_id, "gap_count": 0, "lifetime_value": Decimal("0.00"), **stamps}
            for n in new]
    ids = bulk.insert(conn, table_of(Customer), rows, returning_ids=True)

    parts: dict[Any, list[dict[str, Any]]] = {
        ContactPoint: [], Address: [], Preference: [], ImportantDate: [], PersonalNote: []}
    links: list[dict[str, Any]] = []
    search: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for customer_id, n, row in zip(ids, new, rows, strict=True):
        data = n.clean.data
        owned = {"customer_id": customer_id, **stamps}
        contacts = contact_values(n.clean.contacts)
        addresses = address_values(data.addresses, region)
        preferences = preference_values(data.preferences)
        dates = date_values(data.dates)
        parts[ContactPoint] += [{**c, **owned} for c in contacts]
        parts[Address] += [{**a, **owned} for a in addresses]
        parts[Preference] += [{**p, **owned} for p in preferences]
        parts[ImportantDate] += [{**d, **owned} for d in dates]
        parts[PersonalNote] += [{"text": text, "pinned": False, **owned} for text in n.notes]
        tag_names = [tags.by_key[fold(name)][1] for name in data.tags]
        links += [{"customer_id": customer_id, "tag_id": tags.by_key[fold(name)][0]}
                  for name in data.tags]
        search.append({"customer_id": customer_id, **search_index.document(
            data.first_name, data.last_name, data.company or "",
            emails=[c["normalized"] for c in contacts if c["kind"] is ContactKind.EMAIL],
            phones=[c["normalized"] for c in contacts if c["kind"] is ContactKind.PHONE],
            other=[*tag_names, *(p["text"] for p in preferences), *n.notes])})
        audit.append({"at": now, "user_id": actor.user_id, "action": AuditAction.CREATE,
                      "entity": "customers", "entity_id": customer_id,
                      "customer_id": customer_id, "changes": json.dumps(
                          _said(customer_id, row, contacts=contacts, addresses=addresses,
                                dates=dates, preferences=preferences, notes=n.notes,
                                tag_names=tag_names) | (audit_note or {}),
                          ensure_ascii=False, sort_keys=True)})
    bulk.insert(conn, customer_tags, links)
    for model, part in parts.items():
        bulk.insert(conn, table_of(model), part)
    bulk.insert(conn, table_of(CustomerSearch), search)
    bulk.insert(conn, table_of(AuditEntry), audit)
    return ids


def _said(customer_id: int, row: dict[str, Any], *, contacts: list[dict[str, Any]],
          addresses: list[dict[str, Any]], dates: list[dict[str, Any]],
          preferences: list[dict[str, Any]], notes: Sequence[str],
          tag_names: list[str]) -> dict[str, Any]:
    """What the audit entry of a new customer says: the columns the hooks would list, and
    each part in words (the form's path lists each part as an entry of its own)."""
    said = {"id": customer_id, **{k: jsonable(v) for k, v in row.items()
                                  if v is not None and k not in QUIET_COLUMNS}}
    if tag_names:
        said["tags"] = {"added": tag_names, "removed": []}
    words = {
        "phones": [c["value"] for c in contacts if c["kind"] is ContactKind.PHONE],
        "e-mails": [c["value"] for c in contacts if c["kind"] is ContactKind.EMAIL],
        "addresses": [", ".join(p for p in (a["line1"], a["line2"], " ".join(
            p for p in (a["postal_code"], a["city"]) if p), a["country"]) if p)
            for a in addresses],
        "dates": [f"{d['label'] or d['kind'].value}: {d['year'] or '----'}-{d['month']:02d}-"
                  f"{d['day']:02d}" for d in dates],
        "preferences": [p["text"] for p in preferences],
        "notes": list(notes),
    }
    said.update((key, "; ".join(values)) for key, values in words.items() if values)
    return said
