"""A country as address books write it ("Deutschland", "United Kingdom", "FR", "USA") to its
ISO 3166-1 alpha-2 code, from the territory names Babel (CLDR) has in several languages."""

from __future__ import annotations

from functools import cache

from crm_desktop.validation import fold

# The languages of the exports we read; CLDR names every country in each of them.
_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da")
# What people write that CLDR does not list as the name.
_EXTRA = {"usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
          "america": "US", "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB",
          "wales": "GB", "northern ireland": "GB", "great britain": "GB", "britain": "GB",
          "holland": "NL", "brd": "DE", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
          "osterreich": "AT"}


@cache
def _names() -> dict[str, str]:
    from babel import Locale  # noqa: PLC0415 - the table is built on the first import only

    names: dict[str, str] = {}
    for language in _LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "UN", "EZ",
                                                                   "QO", "XA", "XB"}:
                names.setdefault(fold(name), code)
    for name, code in _EXTRA.items():
        names.setdefault(fold(name), code)
    return names


def country_code(text: str) -> str | None:
    """The two-letter code of ``text``, or ``None`` if it names no country we know."""
    key = fold(" ".join(text.split())).strip(" .")
    if len(key) == 2 and key.isascii() and key.isalpha():
        code = key.upper()
        return "GB" if code == "UK" else code if code in set(_names().values()) else None
    if len(key) == 3 and key.isascii() and key.isalpha():
        alpha3 = _alpha3().get(key.upper())
        if alpha3:
            return alpha3
    return _names().get(key)


@cache
def _alpha3() -> dict[str, str]:
    """The three-letter codes people type most (a full table would need another library)."""
    return {"USA": "US", "GBR": "GB", "DEU": "DE", "FRA": "FR", "AUT": "AT", "CHE": "CH",
            "NLD": "NL", "BEL": "BE", "ITA": "IT", "ESP": "ES", "PRT": "PT", "POL": "PL",
            "CAN": "CA", "AUS": "AU", "IRL": "IE", "SWE": "SE", "DNK": "DK", "NOR": "NO",
            "FIN": "FI", "LUX": "LU", "NZL": "NZ", "MEX": "MX"}
