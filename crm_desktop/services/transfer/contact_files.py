"""Reading the address books a shop already has: Google and Outlook CSV, vCard 2.1/3.0/4.0, and
any other CSV with its columns mapped by hand.

``read_contacts(content, name, region)`` detects the format, the encoding and the separator,
and turns each record into an ``IncomingContact``: a ``CustomerInput`` the customer service
accepts, the personal notes, the contact's identity in its address book (a vCard's UID or a
fingerprint of the row), the record's line number and every problem found in it; and checks
it as the customer form would (``IncomingContact.clean``), right after reading it, so that
each number and address is parsed once. A value that cannot be read (a bad e-mail, an
unreadable date) is left out and named as a problem; nothing is dropped without saying so.
CSV is read with the standard ``csv`` module, vCards with ``vobject``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import quopri
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import phonenumbers

from crm_desktop.errors import ValidationError
from crm_desktop.models import AddressKind, ContactKind, DateKind, PreferenceKind
from crm_desktop.services.customers.customer_service import (
    AddressInput,
    CleanCustomer,
    ContactInput,
    CustomerInput,
    DateInput,
    PreferenceInput,
    validate_customer,
)
from crm_desktop.services.customers.dates import valid_day
from crm_desktop.services.transfer.countries import country_code
from crm_desktop.validation import fold, normalize_email, normalize_phone

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_RECORDS = 200_000
MAX_CELL = 100_000  # characters in one CSV field (a note may be long; a megabyte is no note)


class FileFormat(StrEnum):
    GOOGLE = "google"
    OUTLOOK = "outlook"
    VCARD = "vcard"
    CSV = "csv"  # any other CSV: the columns are mapped by hand

    @property
    def label(self) -> str:
        return _FORMAT_TITLES[self]


_FORMAT_TITLES = {FileFormat.GOOGLE: "Google Contacts (CSV)",
                  FileFormat.OUTLOOK: "Outlook (CSV)",
                  FileFormat.VCARD: "vCard (.vcf)",
                  FileFormat.CSV: "Other CSV (columns chosen by hand)"}

ENCODINGS = {"utf-8": "Unicode (UTF-8)", "utf-8-sig": "Unicode (UTF-8 with a BOM)",
             "utf-16": "Unicode (UTF-16)", "utf-16-le": "Unicode (UTF-16, little-endian)",
             "utf-16-be": "Unicode (UTF-16, big-endian)",
             "cp1252": "Western European (Windows-1252)",
             "latin-1": "Western European (ISO 8859-1)"}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Vertical bar"}

# What a column can become, for the mapping step of "any other CSV" (and what the Outlook
# headers are read as).
TARGETS: dict[str, str] = {
    "": "(leave out)",
    "first_name": "First name", "middle_name": "Middle name", "last_name": "Last name",
    "full_name": "Full name", "company": "Company", "nickname": "Nickname",
    "job_title": "Job title",
    "email": "E-mail", "email.home": "E-mail (home)", "email.work": "E-mail (work)",
    "phone": "Phone", "phone.mobile": "Mobile phone", "phone.home": "Phone (home)",
    "phone.work": "Phone (work)",
    "home.street": "Street", "home.line2": "Address line 2",
    "home.postal_code": "Postal code", "home.city": "City", "home.region": "Region / state",
    "home.country": "Country",
    "work.street": "Street (work)", "work.line2": "Address line 2 (work)",
    "work.postal_code": "Postal code (work)", "work.city": "City (work)",
    "work.region": "Region / state (work)", "work.country": "Country (work)",
    "birthday": "Birthday", "anniversary": "Anniversary", "notes": "Notes",
    "tags": "Labels / categories",
}

# Outlook's headers in English, German and French (and the names other exports use for the
# same thing), folded: what each becomes.
_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "given name", "firstname", "forename", "vorname", "prenom"),
    "middle_name": ("middle name", "additional name", "weitere vornamen", "deuxieme prenom"),
    "last_name": ("last name", "family name", "surname", "lastname", "nachname", "nom",
                  "nom de famille"),
    "full_name": ("name", "full name", "display name", "nom complet", "vollstandiger name"),
    "company": ("company", "organization", "organisation", "firma", "societe", "company name",
                "organization name"),
    "nickname": ("nickname", "spitzname", "surnom"),
    "job_title": ("job title", "position", "fonction", "title at work"),
    "email": ("e-mail address", "email address", "e-mail", "email", "mail",
              "e-mail-adresse", "adresse de messagerie", "adresse mail", "courriel",
              "e-mail 2 address", "e-mail 3 address", "e-mail 2: adresse",
              "e-mail 3: adresse", "adresse de messagerie 2", "adresse de messagerie 3"),
    "phone": ("phone", "telephone", "tel", "phone number", "telefon", "primary phone",
              "haupttelefon", "telephone principal", "other phone", "weiteres telefon",
              "telephone (autre)", "autre telephone"),
    "phone.mobile": ("mobile phone", "mobile", "cell", "cell phone", "mobiltelefon", "handy",
                     "tel. mobile", "telephone mobile", "portable", "telephone portable",
                     "mobile phone 2", "mobiltelefon 2"),
    "phone.home": ("home phone", "home phone 2", "telefon privat", "telefon (privat)",
                   "telefon privat 2", "telefon (privat 2)", "telephone (domicile)",
                   "telephone personnel", "telephone 2 (domicile)"),
    "phone.work": ("business phone", "business phone 2", "company main phone",
                   "telefon geschaftlich", "telefon geschaftlich 2", "telefon firma",
                   "telephone (bureau)", "telephone 2 (bureau)", "telephone professionnel",
                   "telephone societe"),
    "home.street": ("home street", "street", "address", "strasse privat", "strasse",
                    "rue (domicile)", "rue", "adresse", "street address", "address line 1"),
    "home.line2": ("home street 2", "strasse privat 2", "rue (domicile) 2", "address line 2"),
    "home.postal_code": ("home postal code", "postal code", "postcode", "zip", "zip code",
                         "postleitzahl privat", "postleitzahl", "plz", "code postal (domicile)",
                         "code postal"),
    "home.city": ("home city", "city", "town", "ort privat", "ort", "stadt",
                  "ville (domicile)", "ville"),
    "home.region": ("home state", "state", "region", "county", "province",
                    "bundesland/kanton privat", "bundesland", "dep/region (domicile)",
                    "departement (domicile)", "etat/prov (domicile)"),
    "home.country": ("home country/region", "home country", "country", "country/region",
                     "land/region privat", "land", "pays/region (domicile)", "pays (domicile)",
                     "pays"),
    "work.street": ("business street", "strasse geschaftlich", "rue (bureau)"),
    "work.line2": ("business street 2", "strasse geschaftlich 2", "rue (bureau) 2"),
    "work.postal_code": ("business postal code", "postleitzahl geschaftlich",
                         "code postal (bureau)"),
    "work.city": ("business city", "ort geschaftlich", "ville (bureau)"),
    "work.region": ("business state", "region geschaftlich", "dep/region (bureau)",
                    "etat/prov (bureau)", "departement ou region (bureau)"),
    "work.country": ("business country/region", "business country", "land/region geschaftlich",
                     "pays/region (bureau)", "pays (bureau)"),
    "birthday": ("birthday", "birth date", "date of birth", "dob", "geburtstag",
                 "anniversaire", "date de naissance"),
    "anniversary": ("anniversary", "jahrestag", "anniversaire de mariage"),
    "notes": ("notes", "note", "notizen", "remarques", "comments", "commentaires"),
    "tags": ("categories", "kategorien", "labels", "tags", "groups", "group membership",
             "stichworter", "mots cles"),
}
_ALIAS_TARGET = {alias: target for target, names in _ALIASES.items() for alias in names}
# Headers only Outlook writes: at least three of them make a file an Outlook export.
_OUTLOOK_MARKS = frozenset(fold(h) for h in (
    "E-mail Address", "E-mail 2 Address", "Business Phone", "Home Phone", "Mobile Phone",
    "Home Street", "Business Street", "Home Postal Code", "Categories", "Job Title",
    "E-Mail-Adresse", "Telefon geschäftlich", "Mobiltelefon", "Straße privat",
    "Postleitzahl privat", "Kategorien", "Vorname", "Nachname", "Notizen",
    "Adresse de messagerie", "Téléphone (bureau)", "Tél. mobile", "Rue (domicile)",
    "Code postal (domicile)", "Catégories", "Prénom"))
_DAY_FIRST_MARKS = frozenset(fold(h) for h in (
    "Vorname", "Nachname", "Geburtstag", "Notizen", "Prénom", "Anniversaire", "Société"))
_GOOGLE_GROUP = re.compile(r"^(e-mail|phone|address|event|organization|website|relation|"
                           r"custom field)"
                           r" (\d+) - (.+)$")
_GOOGLE_SEPARATOR = " ::: "
# Several personal notes in Google's one Notes field, told apart again on the way back in.
GOOGLE_NOTE_SEPARATOR = "\n\n---\n\n"
_PREFERENCE_PREFIX = "preference: "


def preference_label(kind: PreferenceKind, pinned: bool) -> str:
    """How a preference is labelled where an address book has only labelled fields."""
    return f"Preference: {kind.value.replace('_', ' ')}{' (pinned)' if pinned else ''}"


def _preference(label: str, text: str) -> PreferenceInput | None:
    key = fold(label).strip()
    if not key.startswith(_PREFERENCE_PREFIX):
        return None
    name = key.removeprefix(_PREFERENCE_PREFIX)
    pinned = name.endswith(" (pinned)")
    name = name.removesuffix(" (pinned)").replace(" ", "_")
    kind = next((k for k in PreferenceKind if k.value == name), PreferenceKind.OTHER)
    return PreferenceInput(kind, text.strip(), pinned)


@dataclass
class IncomingContact:
    """One record of the file, as it would become a customer."""

    line: int  # where the record starts in the file (the header is line 1)
    data: CustomerInput
    notes: list[str] = field(default_factory=list)
    identity: str = ""  # "uid:…" or "row:…": the same contact in a later file
    problems: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # the cells (CSV) or the card's text
    # The record as the customer form would store it, checked as it is read (while its
    # numbers and addresses are still remembered): None if it cannot be imported, and why.
    clean: CleanCustomer | None = field(default=None, repr=False)
    errors: list[str] = field(default_factory=list)

    def check(self, region: str) -> IncomingContact:
        data = self.data
        if not (data.first_name or data.last_name or data.company):
            return self  # the reader has said why
        try:
            self.clean = validate_customer(data, region)
        except ValidationError as exc:
            self.errors = list(dict.fromkeys(exc.errors.values()))
        return self

    @property
    def name(self) -> str:
        d = self.data
        return " ".join(p for p in (d.first_name, d.last_name) if p) or d.company \
            or next((c.value for c in d.contacts), "") or "(no name)"


@dataclass(frozen=True)
class ReadOptions:
    """What the person chose instead of what was detected (``None``: detect)."""

    format: FileFormat | None = None
    encoding: str | None = None
    delimiter: str | None = None
    mapping: tuple[str, ...] | None = None  # a target per column, for FileFormat.CSV
    day_first: bool | None = None


@dataclass
class ContactFile:
    """A file read: how it was read, and its records."""

    name: str
    format: FileFormat
    encoding: str
    delimiter: str | None  # None for vCard
    header: list[str]
    mapping: tuple[str, ...]  # the target of each column ("" for vCard and Google)
    day_first: bool
    contacts: list[IncomingContact]

    @property
    def problem_count(self) -> int:
        return sum(1 for c in self.contacts if c.problems)


def not_contacts(message: str) -> ValidationError:
    return ValidationError.single("file", message)


# ---- bytes to text ---------------------------------------------------------------------------


def _sniff_bytes(content: bytes) -> None:
    """Refuse what is plainly not a text file of contacts, saying what it is."""
    if not content.strip():
        raise not_contacts("The file is empty.")
    if len(content) > MAX_FILE_BYTES:
        raise not_contacts(f"The file is too big ({len(content) / 1e6:,.0f} MB); "
                           f"at most {MAX_FILE_BYTES // 1_000_000} MB can be imported at once.")
    for magic, what in ((b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive or an "
                         "Excel workbook (save it as CSV first)"),
                        (b"\xd0\xcf\x11\xe0", "an old Office document (save it as CSV first)"),
                        (b"\x89PNG", "a picture"), (b"\xff\xd8\xff", "a picture"),
                        (b"GIF8", "a picture"), (b"SQLite format 3", "a database")):
        if content.startswith(magic):
            raise not_contacts(f"This is {what}, not a list of contacts.")


def detect_encoding(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = content[:4000]
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without its byte-order mark
        return "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def _decode(content: bytes, encoding: str) -> str:
    try:
        text = content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise not_contacts(f"The file cannot be read as {encoding}; choose another "
                           "encoding.") from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise not_contacts("This is not a text file (it holds binary data), so it is not a "
                           "list of contacts.")
    return text


# ---- the whole file --------------------------------------------------------------------------


def _no_progress(_done: int, _total: int) -> None:
    return None


def read_contacts(content: bytes, name: str, region: str, options: ReadOptions | None = None,
                  progress: Callable[[int, int], None] = _no_progress) -> ContactFile:
    """Every record of ``content``, read as its detected (or chosen) format, ``progress``
    told every few hundred records. Raises a ``ValidationError`` on ``file`` for a file that
    is not contacts at all."""
    options = options or ReadOptions()
    _sniff_bytes(content)
    encoding = options.encoding or detect_encoding(content)
    text = _decode(content, encoding)
    is_vcard = text.lstrip()[:11].upper() == "BEGIN:VCARD"
    if options.format is FileFormat.VCARD or (options.format is None and is_vcard):
        if not is_vcard:
            raise not_contacts("This file holds no vCard (no line says BEGIN:VCARD).")
        total = sum(1 for _ in _BEGIN_ANYWHERE.finditer(text))
        contacts: list[IncomingContact] = []
        for contact in _read_vcards(text, region):
            if len(contacts) % _EVERY == 0:
                progress(len(contacts), total)
            contacts.append(contact)
        return ContactFile(name, FileFormat.VCARD, encoding, None, [], (), False, contacts)
    if is_vcard:
        raise not_contacts("This is a vCard file: choose vCard as its format.")
    return _read_csv(text, name, encoding, region, options, progress=progress)


_EVERY = 500  # records between two words of progress
_BEGIN_ANYWHERE = re.compile("BEGIN:VCARD", re.IGNORECASE)


def _read_csv(text: str, name: str, encoding: str, region: str, options: ReadOptions, *,
              progress: Callable[[int, int], None]) -> ContactFile:
    delimiter = options.delimiter or sniff_delimiter(text)
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration):
        raise not_contacts("The first line is not a row of column names.") from None
    if len(header) < 2 and options.mapping is None:
        raise not_contacts("This does not look like a table of contacts: its first line has "
                           "one column only. Check the separator.")
    folded = [fold(h) for h in header]
    detected = _csv_format(folded)
    file_format = options.format or detected
    if file_format is FileFormat.VCARD:
        raise not_contacts("This file holds no vCard (no line says BEGIN:VCARD).")
    mapping = tuple(options.mapping) if options.mapping is not None else guess_mapping(header)
    if file_format is FileFormat.CSV and not any(mapping):
        raise not_contacts("None of the columns looks like a name, an e-mail or a phone "
                           "number: choose what each column holds.")
    rows = _rows(reader, lambda: reader.line_num)
    records: list[tuple[int, list[str]]] = []
    for line, row in rows:
        if len(records) >= MAX_RECORDS:
            raise not_contacts(f"The file has more than {MAX_RECORDS:,} contacts; split it.")
        if any(cell.strip() for cell in row):
            records.append((line, row))
    day_first = options.day_first
    if day_first is None:
        date_columns = _date_columns(file_format, folded, mapping)
        day_first = _day_first((row[i] for _, row in records for i in date_columns
                                if i < len(row)),
                               default=bool(_DAY_FIRST_MARKS & set(folded)) or region != "US")
    columns = {h: i for i, h in enumerate(folded)}
    contacts: list[IncomingContact] = []
    for line, row in records:
        if len(contacts) % _EVERY == 0:
            progress(len(contacts), len(records))
        builder = _google_row(row, columns) if file_format is FileFormat.GOOGLE \
            else _mapped_row(row, mapping)
        contacts.append(builder.contact(line, region, day_first, raw=row))
    return ContactFile(name, file_format, encoding, delimiter, header,
                       mapping if file_format is not FileFormat.GOOGLE else (), day_first,
                       contacts)


def _rows(reader: Iterator[list[str]], line_num: Callable[[], int]
          ) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on (a quoted field may hold newlines)."""
    line = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise not_contacts(f"Line {line} cannot be read as CSV ({exc}); is this really a "
                               "CSV file?") from None
        yield line, row
        line = line_num() + 1


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters="".join(DELIMITERS))
        found: str = dialect.delimiter
        if first.count(found) >= 1:
            return found
    except csv.Error:
        pass
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_format(folded: Sequence[str]) -> FileFormat:
    names = set(folded)
    groups = sum(1 for h in folded if _GOOGLE_GROUP.match(h))
    if groups and (names & {"first name", "given name", "name", "labels",
                            "group membership", "organization name"}):
        return FileFormat.GOOGLE
    if len(names & _OUTLOOK_MARKS) >= 3:
        return FileFormat.OUTLOOK
    return FileFormat.CSV


def guess_mapping(header: Sequence[str]) -> tuple[str, ...]:
    """What each column most likely holds, from its name (in English, German or French)."""
    out: list[str] = []
    for h in header:
        key = re.sub(r"\s+", " ", fold(h)).strip()
        out.append(_ALIAS_TARGET.get(key, ""))
    return tuple(out)


def _date_columns(file_format: FileFormat, folded: Sequence[str],
                  mapping: Sequence[str]) -> list[int]:
    if file_format is FileFormat.GOOGLE:
        return [i for i, h in enumerate(folded)
                if h == "birthday" or (h.startswith("event ") and h.endswith(" - value"))]
    return [i for i, t in enumerate(mapping) if t in {"birthday", "anniversary"}]


# ---- dates -----------------------------------------------------------------------------------

_EMPTY_DATES = re.compile(r"^[0.\-/ ]*$")  # Outlook writes "0.0.00" or "0/0/00" for none
_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")
_LOCAL = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})\.?$")
_LOCAL_NO_YEAR = re.compile(r"^(\d{1,2})[./](\d{1,2})\.?$")


def _day_first(values: Iterable[str], *, default: bool) -> bool:
    """Whether the file writes 17.04.1985 (day first) or 4/17/1985: a first part above 12
    says day first, a second part above 12 says month first; else the file's language."""
    for value in values:
        m = _LOCAL.match(value.strip()) or _LOCAL_NO_YEAR.match(value.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return default


def parse_date(text: str, *, day_first: bool) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) from the ways address books write a date; ``None`` for an
    empty one; ``ValueError`` for one that cannot be read."""
    value = text.strip()
    if not value or _EMPTY_DATES.match(value):
        return None
    year: int | None
    if m := _ISO.match(value):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if year in {1604, 1900} and value.startswith(("1604", "1900")):
            year = None  # Apple's and Outlook's stand-ins for "no year"
    elif m := _NO_YEAR.match(value):
        year, month, day = None, int(m.group(1)), int(m.group(2))
    elif m := (_LOCAL.match(value) or _LOCAL_NO_YEAR.match(value)):
        a, b = int(m.group(1)), int(m.group(2))
        day, month = (a, b) if day_first else (b, a)
        year = int(m.group(3)) if m.re is _LOCAL else None
        if year is not None and year < 100:  # "17.4.60": the most recent such year
            this_year = datetime.now(UTC).year
            year += this_year // 100 * 100 if year <= this_year % 100 else \
                this_year // 100 * 100 - 100
    else:
        raise ValueError(value)
    if not (1 <= month <= 12 and valid_day(month, day, year)) or (
            year is not None and not 1800 <= year <= 2200):
        raise ValueError(value)
    return month, day, year


# ---- one record ------------------------------------------------------------------------------


@dataclass
class _Builder:
    """What one record says, gathered before it is cleaned into a CustomerInput."""

    first: list[str] = field(default_factory=list)
    middle: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    full: str = ""
    company: str = ""
    nickname: str = ""
    job_title: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    phones: list[tuple[str, str]] = field(default_factory=list)
    addresses: dict[str, dict[str, str]] = field(default_factory=dict)  # label -> parts
    dates: list[tuple[DateKind, str, str]] = field(default_factory=list)  # kind, text, label
    notes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    preferences: list[PreferenceInput] = field(default_factory=list)
    primary: set[str] = field(default_factory=set)  # values marked as the preferred one
    uid: str = ""
    problems: list[str] = field(default_factory=list)

    def address(self, label: str) -> dict[str, str]:
        return self.addresses.setdefault(label, {})

    def contact(self, line: int, region: str, day_first: bool, *,
                raw: list[str]) -> IncomingContact:
        problems = list(self.problems)
        first = " ".join(p for p in (*self.first, *self.middle) if p.strip())
        last = " ".join(p for p in self.last if p.strip())
        if not (first or last) and self.full.strip() and fold(self.full) != fold(self.company):
            first, last = _split_full_name(self.full)
        data = CustomerInput(first_name=_one_line(first), last_name=_one_line(last),
                             company=_one_line(self.company))
        addresses = [a for a in (_address(parts, label, region, problems)
                                 for label, parts in self.addresses.items()) if a is not None]
        # A national number ("0170 1234567") is read in the contact's own country.
        home = addresses[0].country if addresses else region
        for value, label in _unique(self.phones):
            number = _phone(value, home, region)
            if number is None:
                problems.append(f"Phone “{_short(value)}” is not a phone number: left out.")
                continue
            data.contacts.append(ContactInput(ContactKind.PHONE, number, label[:40]))
        for value, label in _unique(self.emails):
            try:
                normalize_email("email", value)
            except ValidationError as exc:
                problems.append(f"E-mail: {next(iter(exc.errors.values()))} Left out.")
                continue
            data.contacts.append(ContactInput(ContactKind.EMAIL, value.strip(), label[:40]))
        _keep_phones_and_emails_distinct(data, region)
        marked = {fold(v) for v in self.primary}
        for contact_kind in ContactKind:
            of_kind = [c for c in data.contacts if c.kind is contact_kind]
            if of_kind:
                chosen = next((c for c in of_kind if fold(c.value) in marked), of_kind[0])
                chosen.is_primary = True
        for address in addresses:
            address.is_primary = not data.addresses
            data.addresses.append(address)
        data.dates = _dates(self.dates, day_first, problems)
        data.tags = _unique_tags(self.tags)
        data.preferences = [p for p in self.preferences if p.text][:50]
        notes = [n.strip() for n in self.notes if n and n.strip()]
        extra = [f"{what}: {_one_line(value)}" for what, value in
                 (("Nickname", self.nickname), ("Job title", self.job_title)) if value.strip()]
        if extra:
            notes.append("\n".join(extra))
        identity = f"uid:{self.uid.strip()}" if self.uid.strip() else f"row:{_fingerprint(data)}"
        if len(identity) > 255:
            identity = "uid:" + hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()
        if not (data.first_name or data.last_name or data.company):
            if data.contacts:  # only an address: call them by it rather than refuse them
                data.first_name = data.contacts[0].value[:100]
            else:
                problems.append("No name, company, phone or e-mail: nothing to import.")
        return IncomingContact(line, data, notes, identity, problems, raw).check(region)


def _dates(dates: Iterable[tuple[DateKind, str, str]], day_first: bool,
           problems: list[str]) -> list[DateInput]:
    out: list[DateInput] = []
    for kind, text, label in dates:
        try:
            parsed = parse_date(text, day_first=day_first)
        except ValueError:
            what = {DateKind.BIRTHDAY: "Birthday", DateKind.ANNIVERSARY: "Anniversary"}.get(
                kind, label or "Date")
            problems.append(f"{what} “{_short(text)}” is not a date: left out.")
            continue
        if parsed is not None and not any(
                d.kind is kind and (d.month, d.day) == parsed[:2] for d in out):
            out.append(DateInput(kind, parsed[0], parsed[1], parsed[2],
                                 label=label[:100] if kind is DateKind.CUSTOM else ""))
    return out


def _phone(value: str, home: str, region: str) -> str | None:
    """The number as the customer service will read it in the shop's region: as written when
    it reads that way, else in international form. A national number is read in the contact's
    own country (``home``, from their address) where it is a valid number there, so
    "030 1234567" in Berlin is Berlin's, and "(555) 013-9999" in Brussels stays American."""
    readings: list[str] = []
    for country in dict.fromkeys((home, region)):
        with suppress(ValidationError):
            readings.append(normalize_phone("phone", value, country)[0])
    if not readings:
        return None
    e164 = next((r for r in readings if phonenumbers.is_valid_number(phonenumbers.parse(r))),
                readings[0]) if len(readings) > 1 else readings[0]
    try:
        same = normalize_phone("phone", value, region)[0] == e164
    except ValidationError:
        same = False
    return value if same else e164


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, most: int = 60) -> str:
    text = _one_line(text)
    return text if len(text) <= most else text[: most - 1] + "…"


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for value, label in pairs:
        key = fold(value.strip())
        if key and key not in seen:
            seen.add(key)
            out.append((value.strip(), _one_line(label)))
    return out


def _keep_phones_and_emails_distinct(data: CustomerInput, region: str) -> None:
    """Two spellings of one number ("(555) 013-4567" and "+1 555 013 4567") are one contact."""
    seen: set[str] = set()
    kept = []
    for contact in data.contacts:
        key = contact.value
        with suppress(ValidationError):
            key = normalize_phone("x", key, region)[0] if contact.kind is ContactKind.PHONE \
                else normalize_email("x", key).casefold()
        if key not in seen:
            seen.add(key)
            kept.append(contact)
    data.contacts = kept


def _unique_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        system = tag.strip().startswith("*")  # Google's own groups: "* myContacts"
        name = _one_line(tag).lstrip("*").strip()
        if system and fold(name) in {"mycontacts", "my contacts"}:
            continue
        if name and fold(name) not in {fold(t) for t in out}:
            out.append(name[:60])
    return out


def _split_full_name(full: str) -> tuple[str, str]:
    words = _one_line(full).split(" ")
    if "," in full and len(full.split(",")) == 2:  # "Delacroix, Margo"
        last, first = (p.strip() for p in full.split(","))
        return first, last
    return " ".join(words[:-1]), words[-1]


def _address(parts: dict[str, str], label: str, region: str,
             problems: list[str]) -> AddressInput | None:
    clean = {k: _one_line(v) for k, v in parts.items() if v and v.strip()}
    street = clean.get("street", "")
    if not street and clean.get("formatted"):
        street = _one_line(parts["formatted"].strip().splitlines()[0])
    if not street:
        if clean.keys() - {"country", "formatted"}:
            problems.append(f"Address{f' ({label})' if label else ''} has no street: "
                            "left out.")
        return None
    country = region
    if clean.get("country"):
        found = country_code(clean["country"])
        if found is None:
            problems.append(f"Country “{_short(clean['country'])}” is not one we know: "
                            f"{region} assumed.")
        else:
            country = found
    return AddressInput(kind=AddressKind.BILLING, line1=street, line2=clean.get("line2", ""),
                        postal_code=clean.get("postal_code", ""), city=clean.get("city", ""),
                        region=clean.get("region", ""), country=country, label=label[:40])


def _fingerprint(data: CustomerInput) -> str:
    """A row's identity when its address book gives none: its name and first contact."""
    first_contact = next((fold(c.value) for c in data.contacts), "")
    key = "\x1f".join((fold(data.first_name), fold(data.last_name), fold(data.company),
                       first_contact))
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:40]


# ---- CSV rows --------------------------------------------------------------------------------


def _mapped_row(row: Sequence[str], mapping: Sequence[str]) -> _Builder:
    b = _Builder()
    for i, target in enumerate(mapping):
        if not target or i >= len(row) or not row[i].strip():
            continue
        value = row[i]
        _put(b, target, value)
    return b


def _put(b: _Builder, target: str, value: str) -> None:
    kind, _, part = target.partition(".")
    if kind in {"home", "work"}:
        b.address("Work" if kind == "work" else "")[part] = value
    elif kind == "email":
        b.emails.append((value, part.title()))
    elif kind == "phone":
        b.phones.append((value, part.title()))
    elif target == "first_name":
        b.first.append(value)
    elif target == "middle_name":
        b.middle.append(value)
    elif target == "last_name":
        b.last.append(value)
    elif target == "full_name":
        b.full = value
    elif target == "birthday":
        b.dates.append((DateKind.BIRTHDAY, value, ""))
    elif target == "anniversary":
        b.dates.append((DateKind.ANNIVERSARY, value, ""))
    elif target == "notes":
        b.notes.append(value)
    elif target == "tags":
        b.tags.extend(re.split(r"\s*:::\s*|[;,]", value))
    elif target in {"company", "nickname", "job_title"}:
        setattr(b, target, value)


def _google_row(row: Sequence[str], columns: dict[str, int]) -> _Builder:
    def cell(*names: str) -> str:
        for name in names:
            i = columns.get(name)
            if i is not None and i < len(row) and row[i].strip():
                return row[i]
        return ""

    def values(text: str) -> list[str]:
        return [v for v in (p.strip() for p in text.split(_GOOGLE_SEPARATOR)) if v]

    b = _Builder(first=[cell("first name", "given name")],
                 middle=[cell("middle name", "additional name")],
                 last=[cell("last name", "family name")], full=cell("name"),
                 company=cell("organization name", "organization 1 - name", "company"),
                 nickname=cell("nickname"),
                 job_title=cell("organization title", "organization 1 - title"))
    if birthday := cell("birthday"):
        b.dates.append((DateKind.BIRTHDAY, birthday, ""))
    if notes := cell("notes"):
        b.notes.extend(notes.split(GOOGLE_NOTE_SEPARATOR))
    b.tags.extend(values(cell("labels", "group membership")))
    groups: dict[tuple[str, int], dict[str, str]] = {}
    for name, i in columns.items():
        m = _GOOGLE_GROUP.match(name)
        if m and i < len(row) and row[i].strip():
            groups.setdefault((m.group(1), int(m.group(2))), {})[m.group(3)] = row[i]
    for (kind, _n), parts in sorted(groups.items(), key=lambda g: g[0][1]):
        written = parts.get("label") or parts.get("type") or ""
        label = _google_label(written)
        if kind in {"e-mail", "phone"}:
            target = b.emails if kind == "e-mail" else b.phones
            found = values(parts.get("value", ""))
            target.extend((v, label) for v in found)
            if written.strip().startswith("*") and found:  # Google marks the primary so
                b.primary.add(found[0])
        elif kind == "custom field":
            text = parts.get("value", "")
            preference = _preference(written, text)
            if preference is not None:
                b.preferences.append(preference)
            elif text.strip():
                b.notes.append(f"{written.strip() or 'Note'}: {text.strip()}")
        elif kind == "address":
            address = {key.replace(" ", "_"): value for key, value in parts.items()
                       if key in {"street", "city", "region", "postal code", "country",
                                  "formatted", "extended address"}}
            if "extended_address" in address:
                address["line2"] = address.pop("extended_address")
            b.addresses[label if label not in b.addresses else f"{label} {_n}"] = address
        elif kind == "event":
            date_kind = DateKind.ANNIVERSARY if fold(label) in {"anniversary", "jahrestag"} \
                else DateKind.CUSTOM
            b.dates.extend((date_kind, v, label or "Event")
                           for v in values(parts.get("value", "")))
        elif kind == "organization" and not b.company:
            b.company = parts.get("name", "")
    return b


def _google_label(text: str) -> str:
    label = text.strip().lstrip("*").strip()
    return "" if fold(label) in {"other", "custom"} else label


# ---- vCards ----------------------------------------------------------------------------------

_CARD_START = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE)
_CARD_END = re.compile(r"^END:VCARD\s*$", re.IGNORECASE)
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_TYPE_LABELS = {"cell": "Mobile", "mobile": "Mobile", "home": "Home", "work": "Work",
                "fax": "Fax", "iphone": "iPhone", "main": "Main", "pager": "Pager"}


def _cards(text: str) -> Iterator[tuple[int, str]]:
    lines = text.splitlines()
    start: int | None = None
    for number, line in enumerate(lines, start=1):
        if _CARD_START.match(line.strip()):
            start = number
        elif _CARD_END.match(line.strip()) and start is not None:
            yield start, "\r\n".join(lines[start - 1: number]) + "\r\n"
            start = None
    if start is not None:
        yield start, "\r\n".join(lines[start - 1:]) + "\r\n"


class _SkippedLines(logging.Handler):
    """vobject logs each line it skips as unreadable; here they become the card's problems
    (per thread: two imports may read at once), instead of user data in the log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        skipped = getattr(self.local, "skipped", None)
        if skipped is not None:
            found = re.search(r"line (\d+)", record.getMessage())
            skipped.append(int(found.group(1)) if found else 0)


_SKIPPED = _SkippedLines()


def _quiet_vobject() -> None:
    logger = logging.getLogger("vobject")
    if _SKIPPED not in logger.handlers:
        logger.addHandler(_SKIPPED)
        logger.propagate = False


def _read_vcards(text: str, region: str) -> Iterator[IncomingContact]:
    import vobject  # noqa: PLC0415 - only an import of a vCard needs it

    _quiet_vobject()
    count = 0
    for line, card_text in _cards(text):
        count += 1
        if count > MAX_RECORDS:
            raise not_contacts(f"The file has more than {MAX_RECORDS:,} contacts; split it.")
        raw = [card_text]
        skipped: list[int] = []
        _SKIPPED.local.skipped = skipped
        try:
            plain = _plain_21(card_text) if _VERSION_21.search(card_text) else card_text
            card = vobject.readOne(plain, allowQP=True, ignoreUnreadable=True)
            builder = _card(card)
        except Exception as exc:  # vobject raises many kinds for a broken card
            yield IncomingContact(line, CustomerInput(), problems=[
                f"This card cannot be read ({_short(str(exc) or type(exc).__name__, 80)})."],
                raw=raw)
            continue
        finally:
            _SKIPPED.local.skipped = None
        builder.problems.extend(f"Line {line + n - 1} cannot be read: left out."
                                if n else "A line of this card cannot be read: left out."
                                for n in skipped)
        yield builder.contact(line, region, day_first=False, raw=raw)


_VERSION_21 = re.compile(r"^VERSION:\s*2\.1\s*$", re.IGNORECASE | re.MULTILINE)
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY", "AGENT"})
_STRUCTURED = frozenset({"N", "ADR", "ORG"})


def _plain_21(card: str) -> str:
    """A vCard 2.1 written the 3.0 way: quoted-printable decoded in its charset and commas
    escaped. (vobject reads a 2.1 value as a list, so "Mag Brötchen, aber…" lost all after
    the comma.)"""
    lines: list[str] = []
    for line in card.split("\r\n"):
        if line[:1] in {" ", "\t"} and lines:
            lines[-1] += line[1:]  # a folded line
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in \
                lines[-1].split(":", 1)[0].upper():
            lines[-1] = lines[-1][:-1] + line  # a soft line break
        else:
            lines.append(line)
    out = []
    for line in lines:
        head, sep, value = line.partition(":")
        params = head.split(";")
        name = params[0].split(".")[-1].upper()
        if not sep or name in _BINARY or name in {"BEGIN", "END", "VERSION"}:
            out.append(line)
            continue
        upper = [p.upper() for p in params[1:]]
        if "ENCODING=QUOTED-PRINTABLE" in upper or "QUOTED-PRINTABLE" in upper:
            charset = next((p.split("=", 1)[1] for p in params[1:]
                            if p.upper().startswith("CHARSET=")), "utf-8")
            raw = quopri.decodestring(value.encode("utf-8", "replace"))
            try:
                value = raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                value = raw.decode("cp1252", "replace")
            params = [params[0], *(p for p in params[1:] if p.upper() not in {
                "ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE"}
                and not p.upper().startswith("CHARSET="))]
        value = value.replace("\\", "\\\\").replace(",", "\\,")
        if name not in _STRUCTURED:
            value = value.replace(";", "\\;")
        value = value.replace("\r\n", "\\n").replace("\n", "\\n")
        out.append(";".join(params) + ":" + value)
    return "\r\n".join(out)


def _card(card: object) -> _Builder:
    b = _Builder()
    children = list(card.getChildren())  # type: ignore[attr-defined]
    labels = {c.group.lower(): _card_label_text(str(c.value)) for c in children
              if c.name == "X-ABLABEL" and c.group}
    for c in children:
        if c.name in {"TEL", "EMAIL", "ADR"}:
            _card_contact(b, c, labels.get((c.group or "").lower()) or _type_label(c))
        else:
            _card_property(b, c)
    # An ADR's street can hold several lines; the second becomes line 2.
    for parts in b.addresses.values():
        lines = [p for p in parts["street"].splitlines() if p.strip()]
        if len(lines) > 1:
            parts["street"], parts["line2"] = lines[0], ", ".join(
                p for p in (*lines[1:], parts["line2"]) if p)
    return b


def _card_contact(b: _Builder, line: Any, label: str) -> None:
    value = line.value
    if line.name == "ADR":
        key = label if label not in b.addresses else f"{label} {len(b.addresses) + 1}"
        b.addresses[key] = {"street": _joined(value.street, "\n"),
                            "line2": _joined(value.extended), "city": _joined(value.city),
                            "region": _joined(value.region), "postal_code": _joined(value.code),
                            "country": _joined(value.country)}
        if value.box and not b.addresses[key]["street"]:
            b.addresses[key]["street"] = _joined(value.box)
        return
    text = str(value).strip().removeprefix("tel:").removeprefix("mailto:").strip()
    (b.phones if line.name == "TEL" else b.emails).append((text, label))
    if _preferred(line):
        b.primary.add(text)


def _card_property(b: _Builder, line: Any) -> None:
    name, value, params = line.name, line.value, line.params
    if name == "N":
        b.first.append(_joined(value.given))
        b.middle.append(_joined(value.additional))
        b.last.append(_joined(value.family))
    elif name in {"FN", "NICKNAME", "TITLE", "UID", "ORG"}:
        field_name = {"FN": "full", "NICKNAME": "nickname", "TITLE": "job_title", "UID": "uid",
                      "ORG": "company"}[name]
        setattr(b, field_name, _joined(value[:1] if name == "ORG" and isinstance(value, list)
                                       else value))
    elif name in {"BDAY", "ANNIVERSARY", "X-ANNIVERSARY", "X-CRM-DATE"}:
        kind = {"BDAY": DateKind.BIRTHDAY, "X-CRM-DATE": DateKind.CUSTOM}.get(
            name, DateKind.ANNIVERSARY)
        label = (params.get("LABEL") or ["Date"])[0] if kind is DateKind.CUSTOM else ""
        b.dates.append((kind, str(value), label))
    elif name == "X-CRM-PREFERENCE":
        kind_name = (params.get("KIND") or ["other"])[0].lower()
        preference_kind = next((k for k in PreferenceKind if k.value == kind_name),
                               PreferenceKind.OTHER)
        b.preferences.append(PreferenceInput(preference_kind, str(value).strip(),
                                             bool(params.get("PINNED"))))
    elif name == "NOTE":
        b.notes.append(str(value))
    elif name == "CATEGORIES":
        b.tags.extend(value if isinstance(value, list) else str(value).split(","))


def _joined(value: object, separator: str = " ") -> str:
    if isinstance(value, list | tuple):
        return separator.join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def _card_label_text(text: str) -> str:
    m = _APPLE_LABEL.match(text.strip())
    return (m.group(1) if m else text.strip())[:40]


def _preferred(line: object) -> bool:
    params: dict[str, list[str]] = getattr(line, "params", {})
    types = [t.lower() for value in params.get("TYPE", []) for t in value.split(",")]
    singles = [t.lower() for t in getattr(line, "singletonparams", [])]
    return "pref" in types or "pref" in singles or bool(params.get("PREF"))


def _type_label(line: object) -> str:
    params: dict[str, list[str]] = getattr(line, "params", {})
    types = [t.lower() for t in params.get("TYPE", [])]
    types += [t.lower() for t in getattr(line, "singletonparams", [])]
    for t in (t for value in types for t in value.split(",")):
        if t in _TYPE_LABELS:
            return _TYPE_LABELS[t]
    return ""


def with_problems(file: ContactFile) -> list[IncomingContact]:
    return [c for c in file.contacts if c.problems]


def rejected_rows_csv(file: ContactFile, contacts: Sequence[IncomingContact]) -> str:
    """The rows with problems, as a CSV to fix and import again: the original columns (or the
    card), then the line and the problems."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if file.format is FileFormat.VCARD:
        writer.writerow(["Line", "Problems", "Card"])
        for c in contacts:
            writer.writerow([c.line, " ".join(c.problems), *c.raw])
    else:
        writer.writerow([*file.header, "Line", "Problems"])
        for c in contacts:
            cells = [*c.raw, *[""] * (len(file.header) - len(c.raw))][: len(file.header)]
            writer.writerow([*cells, c.line, " ".join(c.problems)])
    return out.getvalue()
