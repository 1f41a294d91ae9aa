"""Keeping the customer search text in step with every write.

Services call ``refresh(session, customer_ids)`` inside their transaction after changing
anything searchable (names, contacts, tags, preferences, notes) and after deleting or
restoring; deleted customers have no search row, so they cannot be found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_desktop.models import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerSearch,
    PersonalNote,
    Preference,
    Tag,
    customer_tags,
)
from crm_desktop.validation import fold


def phone_digits(e164: str) -> str:
    """'+15550134567' -> '15550134567 5550134567': found by either way of writing it."""
    digits = e164.lstrip("+")
    if digits.isascii() and digits.isdigit() and digits[0] != "0":
        # The country calling code is the one prefix of 1-3 digits phonenumbers knows (they
        # are prefix-free): a number stored as E.164 need not be parsed again.
        for size in (1, 2, 3):
            if int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                rest = digits[size:]
                if 2 <= len(rest) <= 17:
                    national = str(int(rest))
                    return f"{digits} {national}" if national != digits else digits
                break
    try:
        national = str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return digits
    return f"{digits} {national}" if national != digits else digits


def document(first_name: str, last_name: str, company: str, *, emails: Iterable[str],
             phones: Iterable[str], other: Iterable[str]) -> dict[str, str]:
    name = fold(" ".join(p for p in (first_name, last_name) if p))
    folded_company = fold(company)
    folded_emails = " ".join(e.casefold() for e in emails)
    folded_other = fold(" ".join(other))
    return {
        "name": name,
        "company": folded_company,
        "emails": folded_emails,
        "digits": " ".join(phone_digits(p) for p in phones),
        "other": folded_other,
        "all_text": " ".join(p for p in (name, folded_company, folded_emails, folded_other) if p),
    }


def refresh(session: Session, customer_ids: Iterable[int]) -> None:
    """Rebuild the search rows of these customers from what the session now holds."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    session.flush()
    session.execute(delete(CustomerSearch).where(CustomerSearch.customer_id.in_(ids)))
    customers = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name, Customer.company)
        .where(Customer.id.in_(ids), Customer.deleted_at.is_(None))
    ).all()
    if not customers:
        return
    live = [c.id for c in customers]
    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    for customer_id, kind, normalized in session.execute(
        select(ContactPoint.customer_id, ContactPoint.kind, ContactPoint.normalized)
        .where(ContactPoint.customer_id.in_(live))
    ):
        (phones if kind is ContactKind.PHONE else emails)[customer_id].append(normalized)
    other: dict[int, list[str]] = defaultdict(list)
    for customer_id, name in session.execute(
        select(customer_tags.c.customer_id, Tag.name)
        .join(Tag, Tag.id == customer_tags.c.tag_id)
        .where(customer_tags.c.customer_id.in_(live))
    ):
        other[customer_id].append(name)
    for model in (Preference, PersonalNote):
        for customer_id, text in session.execute(
            select(model.customer_id, model.text).where(model.customer_id.in_(live))
        ):
            other[customer_id].append(text)
    session.add_all(
        CustomerSearch(
            customer_id=c.id,
            **document(c.first_name, c.last_name, c.company or "", emails=emails[c.id],
                       phones=phones[c.id], other=other[c.id]),
        )
        for c in customers
    )
    session.flush()
