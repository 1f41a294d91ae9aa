"""The shop's settings, stored in the database so both desks share them."""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.actor import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.models import Priority, Setting, ShopImage
from crm_desktop.paper import (
    DIN_5008_B,
    ENVELOPE_FEEDS,
    ENVELOPES,
    FEED_ENVELOPE,
    LABEL_SHEETS,
    PAPER_A4,
    PAPER_LETTER,
    PRINTED_ENVELOPES,
    US_10,
)
from crm_desktop.permissions import Permission
from crm_desktop.services import placeholders
from crm_desktop.storage.database import Database
from crm_desktop.tax_rates import standard_tax_rate
from crm_desktop.validation import clean_multiline, clean_text, gather

NOTE_PLACEHOLDERS = {
    "first_name": "the customer's first name",
    "bought": "what they bought (“your Oak side table and 2 more things”)",
    "preference": "their pinned preference",
    "sender": "the sender's name",
    "shop": "the shop's name",
}
DEFAULT_NOTE_FIRST_ORDER = ("Dear {first_name},\n"
                            "thank you so much for your first order with us!\n"
                            "I do hope you enjoy {bought}.\n"
                            "Warm wishes, {sender}")
DEFAULT_NOTE_RETURNING = ("Dear {first_name},\n"
                          "lovely to see you again, and thank you.\n"
                          "I hope you enjoy {bought}.\n"
                          "We haven't forgotten: {preference}.\n"
                          "All the best, {sender}")
# Where US Letter paper and #10 envelopes are the norm.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE"})
NOTE_MAX_LINES = 8
NOTE_MAX_CHARS = 600
# The texts of the settings and their limits: one line, or several.
# Codes (country, currency, ...) are checked against their lists by validate().
_ONE_LINE = {"shop_name": ("Shop name", 100), "country": ("Country", 40),
             "currency": ("Currency", 40), "locale": ("Language", 40), "phone": ("Phone", 40),
             "email": ("E-mail", 200), "tax_id": ("Tax id", 40), "paper": ("Paper", 40),
             "envelope": ("Envelope", 40), "sender_name": ("Sender's name", 100),
             "logo_image": ("Logo", 64), "signature_image": ("Signature", 64),
             "invoice_number_format": ("Number format", 40),
             "post_envelope": ("Envelope", 40), "envelope_feed": ("Feed", 40),
             "label_sheet": ("Label sheet", 40)}
_MULTILINE = {"address": ("Address", 300), "bank_details": ("Bank details", 300),
              "note_first_order": ("The note", NOTE_MAX_CHARS),
              "note_returning": ("The note", NOTE_MAX_CHARS),
              "reply_postage": ("Postage text", 120)}


# Placeholders of an invoice number: {year} or {seq}, optionally padded ({seq:04d}).
_NUMBER_SPEC = re.compile(r"0?\d{0,2}d?")


def _number_fields(template: str) -> set[str]:
    """The placeholders of a number format; ValueError for anything but a plain, short
    {year} or {seq} (no attributes, conversions or 10,000-character padding)."""
    used = set()
    for _text, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if conversion or not _NUMBER_SPEC.fullmatch(spec or ""):
            raise ValueError(spec)
        used.add(name)
    return used


@dataclass(frozen=True)
class BusinessSettings:
    shop_name: str = "My Shop"
    country: str = "US"  # ISO 3166-1 alpha-2; also the default region for phone numbers
    currency: str = "USD"
    locale: str = "en_US"
    # A customer with no order or contact for this long counts as inactive (computed on read).
    inactive_after_days: int = 365
    # A customer with no activity for this many years is listed for the owner to review:
    # erase their personal data, or keep them. (Invoices are kept whatever is chosen.)
    retention_years: int = 6
    # How soon a query should be answered, by priority, in hours from when it was logged.
    respond_urgent_hours: int = 4
    respond_high_hours: int = 24
    respond_normal_hours: int = 72
    respond_low_hours: int = 168
    # Suggested follow-ups: each rule can be switched off; its delay is in days.
    suggest_after_delivery: bool = True
    after_delivery_days: int = 3  # "make sure they're happy"
    suggest_after_query: bool = True
    after_query_days: int = 7  # "make sure it stayed solved"
    suggest_before_date: bool = True
    before_date_days: int = 7  # a card before a birthday or anniversary
    suggest_when_quiet: bool = True
    quiet_grace_days: int = 14  # beyond their usual gap between contacts
    # The business profile printed on invoices.
    address: str = ""  # several lines: street, postal code and town
    phone: str = ""
    email: str = ""
    tax_id: str = ""
    bank_details: str = ""  # several lines: bank, IBAN or account and routing number, BIC
    payment_terms_days: int = 14
    paper: str = PAPER_A4
    envelope: str = DIN_5008_B
    sender_name: str = ""  # signs the thank-you note
    logo_image: str = ""  # digests of images in shop_images
    signature_image: str = ""
    invoice_number_format: str = "{year}-{seq:04d}"
    note_first_order: str = DEFAULT_NOTE_FIRST_ORDER
    note_returning: str = DEFAULT_NOTE_RETURNING
    note_on_card: bool = False  # the note on a page of its own instead of under the totals
    # Post without a window envelope (documents/mailing_pdf.py): the envelope printed on,
    # how the printer takes it, the label sheet, and a return envelope with each invoice.
    post_envelope: str = "DL"
    envelope_feed: str = FEED_ENVELOPE
    envelope_face_up: bool = False  # said when printing: "face up" or "face down"
    label_sheet: str = "L7160"
    return_envelope: bool = False
    reply_postage: str = ""  # a reply-paid licence text in the stamp's place; "" for a stamp

    @property
    def standard_tax_rate(self) -> Decimal | None:
        """The shop's country's standard rate: what a new product or line starts with."""
        return standard_tax_rate(self.country)

    def response_hours(self, priority: Priority) -> int:
        return int(getattr(self, f"respond_{priority.value}_hours"))

    def answer_due(self, priority: Priority, logged_at: datetime) -> datetime:
        """When a query of this priority, logged (or reopened) then, should be answered."""
        return logged_at + timedelta(hours=self.response_hours(priority))

    def cleaned(self) -> BusinessSettings:
        """The same settings with every text normalised as a form's would be; a
        ValidationError names each text that cannot be stored or is too long."""
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {}
        for key, (label, most) in _ONE_LINE.items():
            changes[key] = gather(errors, partial(clean_text, key, label, getattr(self, key),
                                                  max_length=most), "")
        for key, (label, most) in _MULTILINE.items():
            changes[key] = gather(errors, partial(clean_multiline, key, label,
                                                  getattr(self, key), max_length=most), "")
        if errors:
            raise ValidationError(errors)
        return replace(self, **changes)

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if not self.shop_name.strip():
            errors["shop_name"] = "Shop name is required."
        if self.country.upper() not in phonenumbers.SUPPORTED_REGIONS:
            errors["country"] = f"“{self.country}” is not a known country code (e.g. US, GB, DE)."
        if len(self.currency) != 3 or not self.currency.isalpha():
            errors["currency"] = "Currency must be a three-letter code such as EUR or USD."
        try:
            Locale.parse(self.locale)
        except (UnknownLocaleError, ValueError):
            errors["locale"] = f"“{self.locale}” is not a known language and region."
        if not 30 <= self.inactive_after_days <= 3650:
            errors["inactive_after_days"] = "The quiet period must be between 30 and 3650 days."
        if not 1 <= self.retention_years <= 50:
            errors["retention_years"] = "The review period must be between 1 and 50 years."
        for priority in Priority:
            if not 1 <= self.response_hours(priority) <= 24 * 90:
                errors[f"respond_{priority.value}_hours"] = (
                    "The time to answer must be between 1 hour and 90 days.")
        for key, label, most in (("after_delivery_days", "after delivery", 90),
                                 ("after_query_days", "after a query is resolved", 90),
                                 ("before_date_days", "before a date", 60),
                                 ("quiet_grace_days", "beyond their usual gap", 365)):
            if not 0 <= getattr(self, key) <= most:
                errors[key] = f"Days {label} must be between 0 and {most}."
        errors.update(self._invoice_errors())
        errors.update(self._post_errors())
        if errors:
            raise ValidationError(errors)

    def _post_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for key, known, words in (
                ("post_envelope", PRINTED_ENVELOPES, "Choose one of the listed envelopes."),
                ("envelope_feed", ENVELOPE_FEEDS, "Choose how the printer takes envelopes."),
                ("label_sheet", LABEL_SHEETS, "Choose one of the listed label sheets.")):
            if getattr(self, key) not in known:
                errors[key] = words
        if len(self.reply_postage.splitlines()) > 3:
            errors["reply_postage"] = ("Keep the postage text to three lines: it goes where a "
                                       "stamp would.")
        return errors

    def _invoice_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not 0 <= self.payment_terms_days <= 365:
            errors["payment_terms_days"] = "Payment terms must be between 0 and 365 days."
        if self.envelope not in ENVELOPES:
            errors["envelope"] = "Choose one of the listed envelopes."
        elif (needs := ENVELOPES[self.envelope][1]) != self.paper:
            errors["envelope"] = (f"{ENVELOPES[self.envelope][0]} needs {needs} paper, "
                                  f"not {self.paper}.")
        if len(self.address.splitlines()) > 4:
            errors["address"] = "Keep the shop's address to four lines."
        if len(self.bank_details.splitlines()) > 4:
            errors["bank_details"] = "Keep the bank details to four lines."
        number = self.invoice_number_format
        try:
            fields_used = _number_fields(number)
            sample = number.format(year=2026, seq=42)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError):
            errors["invoice_number_format"] = ("Write the number format with {year} and {seq}, "
                                               "for example {year}-{seq:04d}.")
        else:
            if fields_used != {"year", "seq"}:
                errors["invoice_number_format"] = (
                    "The number format needs {year} and {seq} (numbers restart each year) "
                    "and nothing else in braces.")
            elif not 1 <= len(sample) <= 30:
                errors["invoice_number_format"] = "Invoice numbers must be 1 to 30 characters."
        for key in ("note_first_order", "note_returning"):
            template = getattr(self, key)
            wrong = placeholders.problem(template, NOTE_PLACEHOLDERS)
            if wrong:
                errors[key] = wrong
            elif not template.strip():
                errors[key] = "Write a note; the placeholders fill in each customer's details."
            elif len(template.splitlines()) > NOTE_MAX_LINES:
                errors[key] = f"Keep the note to {NOTE_MAX_LINES} lines: it is handwritten."
        return errors

    def invoice_number(self, year: int, seq: int) -> str:
        return self.invoice_number_format.format(year=year, seq=seq)

    @classmethod
    def for_country(cls, shop_name: str, country: str) -> BusinessSettings:
        """Sensible defaults for a shop in ``country``: its currency and a matching locale."""
        country = country.upper()
        currencies = get_territory_currencies(country) or ["USD"]
        locale = f"en_{country}"
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            locale = "en_US"
        letter = country in LETTER_COUNTRIES
        return cls(shop_name=shop_name, country=country, currency=currencies[0], locale=locale,
                   paper=PAPER_LETTER if letter else PAPER_A4,
                   envelope=US_10 if letter else DIN_5008_B,
                   post_envelope="US10" if letter else "DL",
                   label_sheet="5160" if letter else "L7160")


_KEYS = {f.name for f in fields(BusinessSettings)}
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def image_type(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


class SettingsService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def business(self) -> BusinessSettings:
        with self._db.read() as session:
            rows = session.execute(select(Setting.key, Setting.value)).all()
        stored: dict[str, Any] = {k: json.loads(v) for k, v in rows if k in _KEYS}
        return replace(BusinessSettings(), **stored)

    def store_image(self, content: bytes, actor: Actor, *, field: str = "logo_image") -> str:
        """Keep a logo or signature (PNG or JPEG, at most 2 MB); returns its digest, which
        the settings then refer to. The same picture twice is stored once."""
        media_type = image_type(content)
        if media_type is None:
            raise ValidationError.single(field, "Choose a PNG or JPEG picture.")
        if len(content) > MAX_IMAGE_BYTES:
            raise ValidationError.single(field, "That picture is over 2 MB; scan it smaller.")
        digest = hashlib.sha256(content).hexdigest()
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            if session.scalar(select(ShopImage.id).where(ShopImage.digest == digest)) is None:
                session.add(ShopImage(digest=digest, media_type=media_type, content=content,
                                      created_at=self._db.clock()))
        return digest

    def image(self, digest: str) -> bytes | None:
        with self._db.read() as session:
            return shop_image(session, digest)

    def save_business(self, settings: BusinessSettings, actor: Actor) -> None:
        settings = settings.cleaned()
        settings.validate()
        with self._db.transaction(actor, Permission.CHANGE_SETTINGS) as session:
            write_business_settings(session, settings)


def shop_image(session: Session, digest: str) -> bytes | None:
    """A stored logo or signature by its digest ("" for none)."""
    if not digest:
        return None
    return session.scalar(select(ShopImage.content).where(ShopImage.digest == digest))


def write_business_settings(session: Session, settings: BusinessSettings) -> None:
    """Store validated settings inside the caller's transaction."""
    existing = {s.key: s for s in session.scalars(select(Setting))}
    for key, value in asdict(settings).items():
        encoded = json.dumps(value)
        row = existing.get(key)
        if row is None:
            session.add(Setting(key=key, value=encoded))
        elif row.value != encoded:
            row.value = encoded
