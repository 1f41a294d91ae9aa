"""Customers out again, so the shop is never locked in: Google Contacts CSV and vCard 4.0.

Both carry what the import reads back (names, company, every phone, e-mail and address with
its label, birthday, anniversary and other dates, tags, personal notes and preferences), so
export → import into an empty database gives the same customers. vCards are written with
``vobject``; preferences travel as ``X-CRM-PREFERENCE`` lines (vCard) and custom fields
(Google CSV), which other address books keep or ignore.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from crm_desktop.actor import Actor
from crm_desktop.models import (
    ConsentChannel,
    ContactKind,
    ContactPoint,
    Customer,
    DateKind,
    ImportantDate,
)
from crm_desktop.permissions import Permission
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.customers.consent import consented
from crm_desktop.services.records import live_customer_ids
from crm_desktop.services.transfer.contact_files import (
    GOOGLE_NOTE_SEPARATOR,
    preference_label,
)
from crm_desktop.storage.database import Database

_CHUNK = 500
Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    return None


_TYPE_OF_LABEL = {"mobile": "cell", "home": "home", "work": "work", "fax": "fax",
                  "pager": "pager"}


class ExportService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._settings = SettingsService(database)

    def _ids(self, customer_ids: Sequence[int] | None, actor: Actor,
             marketing: ConsentChannel | None) -> list[int]:
        """The customers to write, read where the permission to export is checked. Erased
        customers have nothing to export; for ``marketing`` on a channel, only those who
        agreed to it."""
        criteria = () if marketing is None else (consented(marketing),)
        with self._db.read(actor, Permission.EXPORT_EVERYTHING) as session:
            return live_customer_ids(session, customer_ids, *criteria)

    def _customers(self, ids: list[int], progress: Progress) -> Iterator[Customer]:
        for start in range(0, len(ids), _CHUNK):
            progress(start, len(ids))
            chunk = ids[start:start + _CHUNK]
            with self._db.read() as session:
                found = {c.id: c for c in session.scalars(
                    select(Customer).where(Customer.id.in_(chunk)).options(
                        selectinload(Customer.contact_points), selectinload(Customer.addresses),
                        selectinload(Customer.important_dates), selectinload(Customer.notes),
                        selectinload(Customer.tags), selectinload(Customer.preferences)))}
            yield from (found[i] for i in chunk if i in found)
        progress(len(ids), len(ids))

    # ---- Google Contacts CSV ----------------------------------------------------------------

    def google_csv(self, out: TextIO, actor: Actor, customer_ids: Sequence[int] | None = None,
                   *, progress: Progress = _no_progress,
                   marketing: ConsentChannel | None = None) -> int:
        """Write the customers (all, or these) as Google Contacts CSV; returns how many."""
        ids = self._ids(customer_ids, actor, marketing)
        emails, phones, addresses, events, preferences = self._widths(ids)
        header = ["First Name", "Middle Name", "Last Name", "Organization Name", "Birthday",
                  "Notes", "Labels"]
        for n in range(1, emails + 1):
            header += [f"E-mail {n} - Label", f"E-mail {n} - Value"]
        for n in range(1, phones + 1):
            header += [f"Phone {n} - Label", f"Phone {n} - Value"]
        for n in range(1, addresses + 1):
            header += [f"Address {n} - {part}" for part in (
                "Label", "Street", "Extended Address", "City", "Region", "Postal Code",
                "Country")]
        for n in range(1, events + 1):
            header += [f"Event {n} - Label", f"Event {n} - Value"]
        for n in range(1, preferences + 1):
            header += [f"Custom Field {n} - Label", f"Custom Field {n} - Value"]
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        count = 0
        for c in self._customers(ids, progress):
            birthday = next((d for d in c.important_dates if d.kind is DateKind.BIRTHDAY), None)
            row = [c.first_name, "", c.last_name, c.company or "",
                   _date_text(birthday) if birthday else "",
                   GOOGLE_NOTE_SEPARATOR.join(n.text for n in c.notes),
                   " ::: ".join(["* myContacts", *(t.name for t in c.tags)])]
            row += _pairs(c.contact_points, ContactKind.EMAIL, emails)
            row += _pairs(c.contact_points, ContactKind.PHONE, phones)
            for n in range(addresses):
                if n < len(c.addresses):
                    a = c.addresses[n]
                    row += [a.label, a.line1, a.line2, a.city, a.region, a.postal_code,
                            a.country]
                else:
                    row += [""] * 7
            others = [d for d in c.important_dates if d is not birthday]
            for n in range(events):
                row += [_event_label(others[n]), _date_text(others[n])] if n < len(others) \
                    else ["", ""]
            for n in range(preferences):
                row += [preference_label(c.preferences[n].kind, c.preferences[n].pinned),
                        c.preferences[n].text] if n < len(c.preferences) else ["", ""]
            writer.writerow(row)
            count += 1
        return count

    def _widths(self, ids: list[int]) -> tuple[int, int, int, int, int]:
        """How many e-mails, phones, addresses, dates and preferences the fullest customer
        has: the numbered column groups of the header."""
        from crm_desktop.models import Address, Preference  # noqa: PLC0415 - local names

        def widest(model: Any, *where: ColumnElement[bool]) -> int:
            counts = select(func.count().label("n")).select_from(model).where(
                *where).group_by(model.customer_id)
            if len(ids) <= _CHUNK:
                counts = counts.where(model.customer_id.in_(ids))
            with self._db.read() as session:
                return int(session.scalar(select(func.max(counts.subquery().c.n))) or 0)

        return (widest(ContactPoint, ContactPoint.kind == ContactKind.EMAIL),
                widest(ContactPoint, ContactPoint.kind == ContactKind.PHONE),
                widest(Address),
                widest(ImportantDate, ImportantDate.kind != DateKind.BIRTHDAY),
                widest(Preference))

    # ---- vCard 4.0 --------------------------------------------------------------------------

    def vcards(self, out: TextIO, actor: Actor, customer_ids: Sequence[int] | None = None,
               *, progress: Progress = _no_progress,
               marketing: ConsentChannel | None = None) -> int:
        """Write the customers (all, or these) as vCard 4.0; returns how many."""
        import vobject  # noqa: PLC0415 - only an export or import of vCards needs it

        ids = self._ids(customer_ids, actor, marketing)
        shop = self._settings.business().shop_name
        count = 0
        for c in self._customers(ids, progress):
            card = vobject.vCard()
            card.add("version").value = "4.0"
            card.add("uid").value = uuid.uuid5(uuid.NAMESPACE_URL,
                                               f"crm-desktop:{shop}:{c.id}").urn
            card.add("n").value = vobject.vcard.Name(family=c.last_name, given=c.first_name)
            card.add("fn").value = c.display_name
            if c.company:
                card.add("org").value = [c.company]
            for n, point in enumerate(c.contact_points, start=1):
                line = card.add("tel" if point.kind is ContactKind.PHONE else "email",
                                group=f"item{n}" if point.label else None)
                line.value = point.normalized if point.kind is ContactKind.PHONE \
                    else point.value
                if point.is_primary:
                    line.params["PREF"] = ["1"]
                if point.label:
                    card.add("x-ablabel", group=f"item{n}").value = point.label
            for n, a in enumerate(c.addresses, start=len(c.contact_points) + 1):
                line = card.add("adr", group=f"item{n}" if a.label else None)
                line.value = vobject.vcard.Address(street=a.line1, extended=a.line2,
                                                   city=a.city, region=a.region,
                                                   code=a.postal_code, country=a.country)
                if a.label:
                    card.add("x-ablabel", group=f"item{n}").value = a.label
            for d in c.important_dates:
                if d.kind is DateKind.CUSTOM:
                    line = card.add("x-crm-date")
                    line.params["LABEL"] = [d.label]
                else:
                    line = card.add("bday" if d.kind is DateKind.BIRTHDAY else "anniversary")
                line.value = _date_text(d, compact=True)
            for note in c.notes:
                card.add("note").value = note.text
            if c.tags:
                card.add("categories").value = [t.name for t in c.tags]
            for p in c.preferences:
                line = card.add("x-crm-preference")
                line.value = p.text
                line.params["KIND"] = [p.kind.value]
                if p.pinned:
                    line.params["PINNED"] = ["1"]
            out.write(card.serialize())
            count += 1
        return count


def _pairs(points: Sequence[ContactPoint], kind: ContactKind, width: int) -> list[str]:
    of_kind = [p for p in points if p.kind is kind]
    out: list[str] = []
    for n in range(width):
        if n < len(of_kind):
            p = of_kind[n]
            out += [("* " if p.is_primary else "") + p.label,
                    p.normalized if kind is ContactKind.PHONE else p.value]
        else:
            out += ["", ""]
    return out


def _date_text(d: ImportantDate, *, compact: bool = False) -> str:
    if d.year is None:
        return f"--{d.month:02d}{d.day:02d}" if compact else f"--{d.month:02d}-{d.day:02d}"
    return f"{d.year:04d}{d.month:02d}{d.day:02d}" if compact \
        else f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _event_label(d: ImportantDate) -> str:
    return "Anniversary" if d.kind is DateKind.ANNIVERSARY else (d.label or "Event")
