"""The standard sales-tax (VAT/GST) rate of a country: the default a new product or a line
typed by hand starts with. Always editable: reduced rates, exemptions and US sales tax (which
varies by state and city, so it has no default here) are the shop's to enter.

Standard rates as published by each tax office (as of 2025; a shop checks its own). There is
no maintained offline library for this: pyvat covers the EU only and needs ``requests`` for its VIES
look-ups, vat_moss's rates date from 2014. When a country changes its rate, change it here;
products already in the catalogue and orders already placed keep theirs.
"""

from __future__ import annotations

from decimal import Decimal

_STANDARD = {
    # European Union
    "AT": "20", "BE": "21", "BG": "20", "HR": "25", "CY": "19", "CZ": "21", "DK": "25",
    "EE": "24", "FI": "25.5", "FR": "20", "DE": "19", "GR": "24", "HU": "27", "IE": "23",
    "IT": "22", "LV": "21", "LT": "21", "LU": "17", "MT": "18", "NL": "21", "PL": "23",
    "PT": "23", "RO": "21", "SK": "23", "SI": "22", "ES": "21", "SE": "25",
    # Elsewhere in Europe
    "GB": "20", "CH": "8.1", "LI": "8.1", "NO": "25", "IS": "24", "TR": "20",
    "RS": "20", "UA": "20",
    # The rest of the world
    "AU": "10", "NZ": "15", "CA": "5", "JP": "10", "KR": "10", "SG": "9", "IN": "18",
    "ZA": "15", "MX": "16", "IL": "18", "AE": "5", "SA": "15",
}
STANDARD_RATES = {country: Decimal(rate) for country, rate in _STANDARD.items()}


def standard_tax_rate(country: str) -> Decimal | None:
    """The country's standard rate in percent, or None where there is no single one."""
    return STANDARD_RATES.get(country.upper())
